# Data stage: raw lyrics -> clean corpus -> split by song; reviews CSV -> stratified split.


rule clean_lyrics:
    input:
        config["data"]["lyrics"],
    output:
        corpus=f"{DATA}/lyrics/clean.txt",
        stats=report(
            f"{DATA}/lyrics/stats.json",
            category="Data",
            subcategory="Lyrics",
            caption="../report/clean_lyrics_stats.rst",
        ),
        histogram=report(
            f"{DATA}/lyrics/length_hist.png",
            category="Data",
            subcategory="Lyrics",
            caption="../report/length_hist.rst",
        ),
    log:
        f"{LOGS}/data/clean_lyrics.log",
    benchmark:
        f"{BENCH}/data/clean_lyrics.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=2000,
        runtime=20,
    params:
        flags=settings.CLEAN_LYRICS.flags(config),
    shell:
        python("clean_lyrics.py") + " --input {input:q} --output {output.corpus:q}"
        " --stats {output.stats:q} --histogram {output.histogram:q} {params.flags}"


rule split_lyrics:
    input:
        rules.clean_lyrics.output.corpus,
    output:
        splits=expand(f"{DATA}/lyrics/{{split}}.txt", split=SPLITS),
        manifest=f"{DATA}/lyrics/manifest.tsv",
        stats=report(
            f"{DATA}/lyrics/split_stats.json",
            category="Data",
            subcategory="Lyrics",
            caption="../report/split_lyrics_stats.rst",
        ),
    log:
        f"{LOGS}/data/split_lyrics.log",
    benchmark:
        f"{BENCH}/data/split_lyrics.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=2000,
        runtime=20,
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.manifest),
        flags=settings.SPLIT_LYRICS.flags(config),
    shell:
        python("split_lyrics.py") + " --input {input:q} --outdir {params.outdir:q} {params.flags}"


rule split_reviews:
    input:
        config["data"]["reviews"],
    output:
        splits=expand(f"{DATA}/reviews/{{split}}.csv", split=SPLITS),
        label_map=f"{DATA}/reviews/label_map.json",
        stats=report(
            f"{DATA}/reviews/stats.json",
            category="Data",
            subcategory="Reviews",
            caption="../report/split_reviews_stats.rst",
        ),
    log:
        f"{LOGS}/data/split_reviews.log",
    benchmark:
        f"{BENCH}/data/split_reviews.tsv"
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=2000,
        runtime=20,
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.label_map),
        flags=settings.SPLIT_REVIEWS.flags(config),
    shell:
        python("split_reviews.py") + " --input {input:q} --outdir {params.outdir:q} {params.flags}"
