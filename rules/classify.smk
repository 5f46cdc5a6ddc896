# Part B, review classifiers: CNN/RNN/LSTM/GRU, baselines, batch size x learning rate grid, report.


wildcard_constraints:
    carch="cnn|rnn|lstm|gru",
    bs=r"\d+",
    lr=r"[0-9.eE+-]+",


rule train_classifier:
    input:
        train=f"{DATA}/reviews/train.csv",
        val=f"{DATA}/reviews/val.csv",
        test=f"{DATA}/reviews/test.csv",
        label_map=f"{DATA}/reviews/label_map.json",
    output:
        model=f"{PARTB}/models/{{carch}}/model_best.pt",
        trainlog=f"{PARTB}/models/{{carch}}/trainlog.csv",
        vocab=f"{PARTB}/models/{{carch}}/vocab.json",
        summary=f"{PARTB}/models/{{carch}}/summary.json",
        metrics=f"{PARTB}/models/{{carch}}/metrics_test.json",
        confusion=f"{PARTB}/models/{{carch}}/confusion_matrix.csv",
        confusion_png=report(
            f"{PARTB}/models/{{carch}}/confusion_matrix.png",
            category="Part B",
            subcategory="Confusion matrices",
            caption="../report/partB_confusion.rst",
        ),
        errors=f"{PARTB}/models/{{carch}}/errors.csv",
        predictions=f"{PARTB}/models/{{carch}}/predictions.csv",
        analysis=report(
            f"{PARTB}/models/{{carch}}/error_analysis.md",
            category="Part B",
            subcategory="Error analysis",
            caption="../report/partB_error_analysis.rst",
        ),
    params:
        flags=classify_flags,
        outdir=lambda wildcards, output: os.path.dirname(output.model),
        ckpt=lambda wildcards: f"{CKPT}/partB/{wildcards.carch}",
    log:
        f"{LOGS}/partB/train_classifier/{{carch}}.log",
    benchmark:
        f"{BENCH}/partB/train_classifier/{{carch}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=4000,
        runtime=120,
    shell:
        torchrun("train_classifier.py")
        + " --train {input.train} --val {input.val} --test {input.test} --label-map {input.label_map}"
        " --arch {wildcards.carch} --outdir {params.outdir} --ckpt-dir {params.ckpt} --threads {threads}"
        " {params.flags} > {log} 2>&1"


rule train_classifier_ablation:
    input:
        train=f"{DATA}/reviews/train.csv",
        val=f"{DATA}/reviews/val.csv",
        test=f"{DATA}/reviews/test.csv",
        label_map=f"{DATA}/reviews/label_map.json",
    output:
        model=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/model_best.pt",
        trainlog=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/trainlog.csv",
        summary=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/summary.json",
        metrics=f"{PARTB}/ablations/{{carch}}/bs{{bs}}_lr{{lr}}/metrics_test.json",
    params:
        flags=classify_flags,
        outdir=lambda wildcards, output: os.path.dirname(output.model),
        ckpt=lambda wildcards: f"{CKPT}/partB/ablations/{wildcards.carch}/bs{wildcards.bs}_lr{wildcards.lr}",
    log:
        f"{LOGS}/partB/train_classifier_ablation/{{carch}}/bs{{bs}}_lr{{lr}}.log",
    benchmark:
        f"{BENCH}/partB/train_classifier_ablation/{{carch}}/bs{{bs}}_lr{{lr}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=4000,
        runtime=120,
    shell:
        torchrun("train_classifier.py")
        + " --train {input.train} --val {input.val} --test {input.test} --label-map {input.label_map}"
        " --arch {wildcards.carch} --name {wildcards.carch}_bs{wildcards.bs}_lr{wildcards.lr}"
        " --outdir {params.outdir} --ckpt-dir {params.ckpt} --threads {threads} {params.flags} > {log} 2>&1"


rule baseline_reviews:
    input:
        train=f"{DATA}/reviews/train.csv",
        val=f"{DATA}/reviews/val.csv",
        test=f"{DATA}/reviews/test.csv",
        label_map=f"{DATA}/reviews/label_map.json",
    output:
        expand(f"{PARTB}/baselines/{{b}}/{{f}}", b=BASELINES, f=PARTB_ARTIFACTS),
    params:
        script=script("baseline_reviews.py"),
        outdir=lambda wildcards, output: os.path.dirname(os.path.dirname(output[0])),
        seed=config["seed"],
    log:
        f"{LOGS}/partB/baseline_reviews.log",
    benchmark:
        f"{BENCH}/partB/baseline_reviews.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "python {params.script} --train {input.train} --val {input.val} --test {input.test}"
        " --label-map {input.label_map} --outdir {params.outdir} --seed {params.seed} > {log} 2>&1"


rule report_partB:
    input:
        models=expand(f"{PARTB}/models/{{m}}/{{f}}", m=partB_models(), f=PARTB_ARTIFACTS + ["trainlog.csv"]),
        baselines=expand(f"{PARTB}/baselines/{{b}}/{{f}}", b=BASELINES, f=PARTB_ARTIFACTS),
        ablations=expand(
            f"{PARTB}/ablations/{{r}}/{{f}}",
            r=ablation_runs() + encoder_ablation_runs(),
            f=["summary.json", "metrics_test.json"],
        ),
    output:
        metrics=report(
            f"{PARTB}/analysis/metrics.csv",
            category="Part B",
            subcategory="Metrics",
            caption="../report/partB_metrics.rst",
        ),
        table=f"{PARTB}/analysis/metrics.md",
        confusion=report(
            f"{PARTB}/analysis/confusion_matrices.png",
            category="Part B",
            subcategory="Confusion matrices",
            caption="../report/partB_confusion.rst",
        ),
        curves=report(
            f"{PARTB}/analysis/learning_curves.png",
            category="Part B",
            subcategory="Training",
            caption="../report/partB_learning_curves.rst",
        ),
        ablation=report(
            f"{PARTB}/analysis/ablation_heatmaps.png",
            category="Part B",
            subcategory="Ablations",
            caption="../report/partB_ablation.rst",
        ),
    params:
        script=script("report_partB.py"),
        models=[f"{PARTB}/models/{m}" for m in partB_models()],
        baselines=[f"{PARTB}/baselines/{b}" for b in BASELINES],
        ablations=[f"{PARTB}/ablations/{r}" for r in ablation_runs() + encoder_ablation_runs()],
        outdir=lambda wildcards, output: os.path.dirname(output.metrics),
    log:
        f"{LOGS}/partB/report_partB.log",
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    shell:
        "python {params.script} --models {params.models} --baselines {params.baselines}"
        " --ablations {params.ablations} --outdir {params.outdir} > {log} 2>&1"
