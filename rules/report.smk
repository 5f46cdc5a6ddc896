# The comparison across both parts: recurrent and convolutional models against transformers, quality and cost.


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
    params:
        script=script("report_compare.py"),
        outdir=lambda wildcards, output: os.path.dirname(output.csv),
    log:
        f"{LOGS}/comparison/report_compare.log",
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    shell:
        "python {params.script:q} --parta {input.parta:q} --parta-songs {input.parta_songs:q}"
        " --partb {input.partb:q} --partb-predictions {input.partb_predictions:q} --outdir {params.outdir:q}"
        " > {log:q} 2>&1"
