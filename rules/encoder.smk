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
        model=f"{PARTB}/models/{ENCODER}/model/config.json",
        trainlog=f"{PARTB}/models/{ENCODER}/trainlog.csv",
        summary=f"{PARTB}/models/{ENCODER}/summary.json",
        metrics=f"{PARTB}/models/{ENCODER}/metrics_test.json",
        confusion=f"{PARTB}/models/{ENCODER}/confusion_matrix.csv",
        confusion_png=report(
            f"{PARTB}/models/{ENCODER}/confusion_matrix.png",
            category="Part B",
            subcategory="Confusion matrices",
            caption="../report/partB_confusion.rst",
        ),
        errors=f"{PARTB}/models/{ENCODER}/errors.csv",
        predictions=f"{PARTB}/models/{ENCODER}/predictions.csv",
        analysis=report(
            f"{PARTB}/models/{ENCODER}/error_analysis.md",
            category="Part B",
            subcategory="Error analysis",
            caption="../report/partB_error_analysis.rst",
        ),
    params:
        flags=encoder_flags,
        base=lambda wildcards: config["encoder"]["base_model"],
        name=ENCODER,
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        ckpt=f"{CKPT}/partB/{ENCODER}",
    log:
        f"{LOGS}/partB/finetune_encoder/{ENCODER}.log",
    benchmark:
        f"{BENCH}/partB/finetune_encoder/{ENCODER}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=8000,
        runtime=240,
    shell:
        torchrun("finetune_encoder.py")
        + " --train {input.train} --val {input.val} --test {input.test} --label-map {input.label_map}"
        " --base-model {params.base} --name {params.name} --outdir {params.outdir} --ckpt-dir {params.ckpt}"
        " --threads {threads} {params.flags} > {log} 2>&1"


rule finetune_encoder_ablation:
    input:
        train=f"{DATA}/reviews/train.csv",
        val=f"{DATA}/reviews/val.csv",
        test=f"{DATA}/reviews/test.csv",
        label_map=f"{DATA}/reviews/label_map.json",
        base=base_model("encoder"),
    output:
        trainlog=f"{PARTB}/ablations/{ENCODER}/bs{{bs}}_lr{{lr}}/trainlog.csv",
        summary=f"{PARTB}/ablations/{ENCODER}/bs{{bs}}_lr{{lr}}/summary.json",
        metrics=f"{PARTB}/ablations/{ENCODER}/bs{{bs}}_lr{{lr}}/metrics_test.json",
    params:
        flags=encoder_flags,
        base=lambda wildcards: config["encoder"]["base_model"],
        name=lambda wildcards: f"{ENCODER}_bs{wildcards.bs}_lr{wildcards.lr}",
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        ckpt=lambda wildcards: f"{CKPT}/partB/ablations/{ENCODER}/bs{wildcards.bs}_lr{wildcards.lr}",
    log:
        f"{LOGS}/partB/finetune_encoder_ablation/bs{{bs}}_lr{{lr}}.log",
    benchmark:
        f"{BENCH}/partB/finetune_encoder_ablation/bs{{bs}}_lr{{lr}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=8000,
        runtime=240,
    shell:
        torchrun("finetune_encoder.py")
        + " --train {input.train} --val {input.val} --test {input.test} --label-map {input.label_map}"
        " --base-model {params.base} --name {params.name} --outdir {params.outdir} --ckpt-dir {params.ckpt}"
        " --threads {threads} {params.flags} --no-save-model > {log} 2>&1"
