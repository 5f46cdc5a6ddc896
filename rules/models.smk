# Tiny random models of the real architectures (Llama, DeBERTa-v2), built offline for the demo and tests.


rule build_tiny_models:
    input:
        songs=f"{DATA}/lyrics/train.txt",
        reviews=f"{DATA}/reviews/train.csv",
        label_map=f"{DATA}/reviews/label_map.json",
    output:
        llama=directory(TINY_MODELS["llm"]),
        deberta=directory(TINY_MODELS["encoder"]),
    params:
        script=script("build_tiny_models.py"),
        seed=SEEDS[0],
    log:
        f"{LOGS}/models/build_tiny_models.log",
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    shell:
        "python {params.script} --songs {input.songs} --reviews {input.reviews} --label-map {input.label_map}"
        " --llama {output.llama} --deberta {output.deberta} --seed {params.seed} > {log} 2>&1"
