# Tiny random models of the real architectures (Llama, DeBERTa-v2), built offline for the demo and tests.


rule build_tiny_models:
    input:
        songs=f"{DATA}/lyrics/train.txt",
        reviews=f"{DATA}/reviews/train.csv",
        label_map=f"{DATA}/reviews/label_map.json",
    output:
        llama=directory(TINY_MODELS["llm"]),
        deberta=directory(TINY_MODELS["encoder"]),
    log:
        f"{LOGS}/models/build_tiny_models.log",
    conda:
        "../envs/gpu.yaml"  # torch, transformers, tokenizers
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=2000,
        runtime=20,
    params:
        seed=SEEDS[0],
    shell:
        python("build_tiny_models.py")
        + " --songs {input.songs:q} --reviews {input.reviews:q} --label-map {input.label_map:q}"
        " --llama {output.llama:q} --deberta {output.deberta:q} --seed {params.seed:q}"
