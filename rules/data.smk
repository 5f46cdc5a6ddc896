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
        mem_mb=2000,
        runtime=20,
    params:
        lowercase=flag("lowercase", config["lyrics"]["lowercase"]),
        min_chars=config["lyrics"]["min_chars"],
    shell:
        python("clean_lyrics.py") + " --input {input:q} --output {output.corpus:q}"
        " --stats {output.stats:q} --histogram {output.histogram:q}"
        " --min-chars {params.min_chars} {params.lowercase} > {log:q} 2>&1"


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
        mem_mb=2000,
        runtime=20,
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.manifest),
        split=config["lyrics"]["split"],
        jaccard=config["lyrics"]["near_duplicate_jaccard"],
    shell:
        python("split_lyrics.py") + " --input {input:q} --outdir {params.outdir:q}"
        " --val {params.split[val]} --test {params.split[test]} --seed {params.split[seed]}"
        " --near-duplicate-jaccard {params.jaccard} > {log:q} 2>&1"


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
        mem_mb=2000,
        runtime=20,
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.label_map),
        text_column=config["data"]["text_column"],
        label_column=config["data"]["label_column"],
        split=config["reviews"]["split"],
        flags=" ".join(
            [
                flag("lowercase", config["reviews"]["lowercase"]),
                flag("strip-accents", config["reviews"]["strip_accents"]),
            ]
        ),
    shell:
        python("split_reviews.py") + " --input {input:q} --outdir {params.outdir:q}"
        " --text-column {params.text_column:q} --label-column {params.label_column:q}"
        " --val {params.split[val]} --test {params.split[test]} --seed {params.split[seed]}"
        " {params.flags} > {log:q} 2>&1"
