# Part B, review classifiers: CNN/RNN/LSTM/GRU, baselines, batch size x learning rate grid.


rule train_classifier:
    input:
        train=f"{DATA}/reviews/train.csv",
        val=f"{DATA}/reviews/val.csv",
        test=f"{DATA}/reviews/test.csv",
        label_map=f"{DATA}/reviews/label_map.json",
    output:
        model=f"{PARTB}/models/{{carch}}/seed{{seed}}/model_best.pt",
        trainlog=f"{PARTB}/models/{{carch}}/seed{{seed}}/trainlog.csv",
        vocab=f"{PARTB}/models/{{carch}}/seed{{seed}}/vocab.json",
        summary=f"{PARTB}/models/{{carch}}/seed{{seed}}/summary.json",
        metrics=f"{PARTB}/models/{{carch}}/seed{{seed}}/metrics_test.json",
        confusion=f"{PARTB}/models/{{carch}}/seed{{seed}}/confusion_matrix.csv",
        confusion_png=report(
            f"{PARTB}/models/{{carch}}/seed{{seed}}/confusion_matrix.png",
            category="Part B",
            subcategory="Confusion matrices",
            caption="../report/partB_confusion.rst",
        ),
        errors=f"{PARTB}/models/{{carch}}/seed{{seed}}/errors.csv",
        predictions=f"{PARTB}/models/{{carch}}/seed{{seed}}/predictions.csv",
        analysis=report(
            f"{PARTB}/models/{{carch}}/seed{{seed}}/error_analysis.md",
            category="Part B",
            subcategory="Error analysis",
            caption="../report/partB_error_analysis.rst",
        ),
    log:
        f"{LOGS}/partB/train_classifier/{{carch}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partB/train_classifier/{{carch}}/seed{{seed}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        attempt=attempt,
        nproc=1,
        mem_mb=4000,
        runtime=120,
    params:
        flags=classify_flags,
        name=lambda wildcards: wildcards.carch,
        outdir=run_dir,
        ckpt=ckpt_dir,
    shell:
        torchrun("train_classifier.py")
        + " --train {input.train:q} --val {input.val:q} --test {input.test:q} --label-map {input.label_map:q}"
        " --arch {wildcards.carch} --name {params.name:q} --seed {wildcards.seed} --outdir {params.outdir:q}"
        " --ckpt-dir {params.ckpt:q} --threads {threads} {params.flags}"


# The batch size x learning rate grid: the same training at each point of classify.ablations,
# on GPU for the archs not in classify.ablations.cpu_archs.
use rule train_classifier as train_classifier_ablation with:
    output:
        model=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/seed{{seed}}/model_best.pt",
        trainlog=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/seed{{seed}}/trainlog.csv",
        summary=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/seed{{seed}}/summary.json",
        metrics=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/seed{{seed}}/metrics_test.json",
    log:
        f"{LOGS}/partB/train_classifier_ablation/{{carch}}/bs{{bs}}_lr{{lr}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partB/train_classifier_ablation/{{carch}}/bs{{bs}}_lr{{lr}}/seed{{seed}}.tsv"
    wildcard_constraints:
        carch=one_of(set(allowed("classifier_arch", SCHEMA)) - set(CPU_GRID_ARCHS)),
    params:
        flags=classify_flags,
        name=lambda wildcards: f"{wildcards.carch}_bs{wildcards.bs}_lr{wildcards.lr}",
        outdir=run_dir,
        ckpt=ckpt_dir,


# Grid points of classify.ablations.cpu_archs: the same job under its own name, which
# the SLURM profiles send to the CPU partition, one process, on the CPU whatever `device` says.
use rule train_classifier_ablation as train_classifier_ablation_cpu with:
    log:
        f"{LOGS}/partB/train_classifier_ablation_cpu/{{carch}}/bs{{bs}}_lr{{lr}}/seed{{seed}}.log",
    wildcard_constraints:
        carch=one_of(CPU_GRID_ARCHS),
    params:
        flags=classify_cpu_flags,
        name=lambda wildcards: f"{wildcards.carch}_bs{wildcards.bs}_lr{wildcards.lr}",
        outdir=run_dir,
        ckpt=ckpt_dir,


rule baseline_reviews:
    input:
        train=f"{DATA}/reviews/train.csv",
        val=f"{DATA}/reviews/val.csv",
        test=f"{DATA}/reviews/test.csv",
        label_map=f"{DATA}/reviews/label_map.json",
    output:
        expand(f"{PARTB}/baselines/{{b}}/{{f}}", b=BASELINES, f=PARTB_ARTIFACTS),
    log:
        f"{LOGS}/partB/baseline_reviews.log",
    benchmark:
        f"{BENCH}/partB/baseline_reviews.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=4000,
        runtime=60,
    params:
        outdir=lambda wildcards, output: os.path.dirname(os.path.dirname(output[0])),
        seed=SEEDS[0],
        flags=settings.BASELINES.flags(config),
    shell:
        python("baseline_reviews.py") + " --train {input.train:q} --val {input.val:q} --test {input.test:q}"
        " --label-map {input.label_map:q} --outdir {params.outdir:q} --seed {params.seed:q} {params.flags}"
