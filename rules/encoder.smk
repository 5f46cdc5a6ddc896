# Part B, the transformer arm: fine-tuning of a pretrained encoder classifier, and its batch size x learning rate grid.
# The same test artifacts as the CNN/recurrent classifiers, so report_partB reads them alike.


rule finetune_encoder:
    input:
        train=f"{DATA}/reviews/train.csv",
        val=f"{DATA}/reviews/val.csv",
        test=f"{DATA}/reviews/test.csv",
        label_map=f"{DATA}/reviews/label_map.json",
        base=base_model("encoder"),
    output:
        model=f"{PARTB}/models/{ENCODER}/seed{{seed}}/model/config.json",
        trainlog=f"{PARTB}/models/{ENCODER}/seed{{seed}}/trainlog.csv",
        summary=f"{PARTB}/models/{ENCODER}/seed{{seed}}/summary.json",
        metrics=f"{PARTB}/models/{ENCODER}/seed{{seed}}/metrics_test.json",
        confusion=f"{PARTB}/models/{ENCODER}/seed{{seed}}/confusion_matrix.csv",
        confusion_png=report(
            f"{PARTB}/models/{ENCODER}/seed{{seed}}/confusion_matrix.png",
            category="Part B",
            subcategory="Confusion matrices",
            caption="../report/partB_confusion.rst",
        ),
        errors=f"{PARTB}/models/{ENCODER}/seed{{seed}}/errors.csv",
        predictions=f"{PARTB}/models/{ENCODER}/seed{{seed}}/predictions.csv",
        analysis=report(
            f"{PARTB}/models/{ENCODER}/seed{{seed}}/error_analysis.md",
            category="Part B",
            subcategory="Error analysis",
            caption="../report/partB_error_analysis.rst",
        ),
    log:
        f"{LOGS}/partB/finetune_encoder/{ENCODER}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partB/finetune_encoder/{ENCODER}/seed{{seed}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        attempt=attempt,
        nproc=1,
        mem_mb=8000,
        runtime=240,
    params:
        flags=encoder_flags,
        base=lambda wildcards: config["encoder"]["base_model"],
        name=ENCODER,
        outdir=run_dir,
        ckpt=ckpt_dir,
        save="",
    shell:
        torchrun("finetune_encoder.py")
        + " --train {input.train:q} --val {input.val:q} --test {input.test:q} --label-map {input.label_map:q}"
        " --base-model {params.base:q} --name {params.name:q} --seed {wildcards.seed} --outdir {params.outdir:q}"
        " --ckpt-dir {params.ckpt:q} --threads {threads} {params.flags} {params.save}"


# The encoder's batch size x learning rate grid: metrics kept, weights not (--no-save-model).
use rule finetune_encoder as finetune_encoder_ablation with:
    output:
        trainlog=f"{PARTB}/ablations/{ENCODER}/bs{{bs}}_lr{{lr}}/seed{{seed}}/trainlog.csv",
        summary=f"{PARTB}/ablations/{ENCODER}/bs{{bs}}_lr{{lr}}/seed{{seed}}/summary.json",
        metrics=f"{PARTB}/ablations/{ENCODER}/bs{{bs}}_lr{{lr}}/seed{{seed}}/metrics_test.json",
    log:
        f"{LOGS}/partB/finetune_encoder_ablation/bs{{bs}}_lr{{lr}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partB/finetune_encoder_ablation/bs{{bs}}_lr{{lr}}/seed{{seed}}.tsv"
    params:
        flags=encoder_flags,
        base=lambda wildcards: config["encoder"]["base_model"],
        name=lambda wildcards: f"{ENCODER}_bs{wildcards.bs}_lr{wildcards.lr}",
        outdir=run_dir,
        ckpt=ckpt_dir,
        save="--no-save-model",
