# Reports: Part A and Part B tables and figures, then the comparison across both parts (quality and cost).


rule report_partA:
    input:
        summaries=partA_runs("summary.json"),
        trainlogs=partA_runs("trainlog.csv"),
        evals=partA_runs("eval.json"),
        samples=partA_runs("samples.jsonl"),
        context=context_runs("summary.json"),
        context_logs=context_runs("trainlog.csv"),
        decoding=decoding_grids(),
    output:
        metrics=report(
            f"{PARTA}/analysis/metrics.csv",
            category="Part A",
            subcategory="Metrics",
            caption="../report/partA_metrics.rst",
        ),
        table=f"{PARTA}/analysis/metrics.md",
        songs=f"{PARTA}/analysis/song_scores.csv",
        curves=report(
            f"{PARTA}/analysis/learning_curves.png",
            category="Part A",
            subcategory="Training",
            caption="../report/partA_learning_curves.rst",
        ),
        bpc=report(
            f"{PARTA}/analysis/bpc.png",
            category="Part A",
            subcategory="Metrics",
            caption="../report/partA_bpc.rst",
        ),
        context=report(
            f"{PARTA}/analysis/context_length.png",
            category="Part A",
            subcategory="Ablations",
            caption="../report/partA_context.rst",
        ),
        decoding=report(
            f"{PARTA}/analysis/decoding_heatmaps.png",
            category="Part A",
            subcategory="Ablations",
            caption="../report/partA_decoding.rst",
        ),
    log:
        f"{LOGS}/partA/report_partA.log",
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=2000,
        runtime=20,
    params:
        models=lambda wildcards, input: [os.path.dirname(p) for p in input.summaries],
        context=lambda wildcards, input: [os.path.dirname(p) for p in input.context],
        outdir=lambda wildcards, output: os.path.dirname(output.metrics),
    shell:
        python("report_partA.py") + " --models {params.models:q} --context {params.context:q}"
        " --decoding {input.decoding:q} --outdir {params.outdir:q}"


rule report_partB:
    input:
        models=[p for f in PARTB_ARTIFACTS + ["trainlog.csv"] for p in partB_runs(f)],
        baselines=expand(f"{PARTB}/baselines/{{b}}/{{f}}", b=BASELINES, f=PARTB_ARTIFACTS),
        ablations=[p for f in ["summary.json", "metrics_test.json"] for p in partB_ablation_runs(f)],
    output:
        metrics=report(
            f"{PARTB}/analysis/metrics.csv",
            category="Part B",
            subcategory="Metrics",
            caption="../report/partB_metrics.rst",
        ),
        table=f"{PARTB}/analysis/metrics.md",
        predictions=f"{PARTB}/analysis/predictions.csv",
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
    log:
        f"{LOGS}/partB/report_partB.log",
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=2000,
        runtime=20,
    params:
        models=[os.path.dirname(p) for p in partB_runs("summary.json")],
        baselines=[f"{PARTB}/baselines/{b}" for b in BASELINES],
        ablations=[os.path.dirname(p) for p in partB_ablation_runs("summary.json")],
        outdir=lambda wildcards, output: os.path.dirname(output.metrics),
    shell:
        python("report_partB.py") + " --models {params.models:q} --baselines {params.baselines:q}"
        " --ablations {params.ablations:q} --outdir {params.outdir:q}"


rule report_compare:
    input:
        parta=f"{PARTA}/analysis/metrics.csv",
        parta_songs=f"{PARTA}/analysis/song_scores.csv",
        partb=f"{PARTB}/analysis/metrics.csv",
        partb_predictions=f"{PARTB}/analysis/predictions.csv",
    output:
        csv=f"{COMPARE}/comparison.csv",
        md=report(
            f"{COMPARE}/comparison.md",
            category="Comparison",
            subcategory="Tables",
            caption="../report/compare_tables.rst",
        ),
        quality_cost=report(
            f"{COMPARE}/quality_vs_cost.png",
            category="Comparison",
            subcategory="Figures",
            caption="../report/compare_quality_cost.rst",
        ),
        params=report(
            f"{COMPARE}/params_vs_quality.png",
            category="Comparison",
            subcategory="Figures",
            caption="../report/compare_params.rst",
        ),
        throughput=report(
            f"{COMPARE}/throughput.png",
            category="Comparison",
            subcategory="Figures",
            caption="../report/compare_throughput.rst",
        ),
    log:
        f"{LOGS}/comparison/report_compare.log",
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=2000,
        runtime=20,
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.csv),
    shell:
        python("report_compare.py") + " --parta {input.parta:q} --parta-songs {input.parta_songs:q}"
        " --partb {input.partb:q} --partb-predictions {input.partb_predictions:q} --outdir {params.outdir:q}"
