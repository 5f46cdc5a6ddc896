# Part A, the transformer arm: LoRA fine-tuning of a causal LM -> evaluate, sample; block size and decoding ablations.
# Evaluation and sampling go through the same scripts as the recurrent models (one scorer, one sampler).


wildcard_constraints:
    block=r"\d+",


rule finetune_llm:
    input:
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
        base=base_model("llm"),
    output:
        adapter=f"{PARTA}/models/{LLM}/adapter/adapter_model.safetensors",
        adapter_config=f"{PARTA}/models/{LLM}/adapter/adapter_config.json",
        model=f"{PARTA}/models/{LLM}/model_best.pt",
        trainlog=f"{PARTA}/models/{LLM}/trainlog.csv",
        summary=f"{PARTA}/models/{LLM}/summary.json",
    params:
        flags=llm_flags,
        base=lambda wildcards: config["llm"]["base_model"],
        name=LLM,
        outdir=lambda wildcards, output: os.path.dirname(output.model),
        ckpt=f"{CKPT}/partA/{LLM}",
    log:
        f"{LOGS}/partA/finetune_llm/{LLM}.log",
    benchmark:
        f"{BENCH}/partA/finetune_llm/{LLM}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=8000,
        runtime=480,
    shell:
        torchrun("finetune_llm.py")
        + " --train {input.train} --val {input.val} --base-model {params.base} --name {params.name}"
        " --outdir {params.outdir} --ckpt-dir {params.ckpt} --threads {threads} {params.flags} > {log} 2>&1"


rule finetune_llm_context:
    input:
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
        base=base_model("llm"),
    output:
        adapter=f"{PARTA}/ablations/context/{LLM}_L{{block}}/adapter/adapter_model.safetensors",
        model=f"{PARTA}/ablations/context/{LLM}_L{{block}}/model_best.pt",
        trainlog=f"{PARTA}/ablations/context/{LLM}_L{{block}}/trainlog.csv",
        summary=f"{PARTA}/ablations/context/{LLM}_L{{block}}/summary.json",
    params:
        flags=llm_flags,
        base=lambda wildcards: config["llm"]["base_model"],
        name=lambda wildcards: f"{LLM}_L{wildcards.block}",
        outdir=lambda wildcards, output: os.path.dirname(output.model),
        ckpt=lambda wildcards: f"{CKPT}/partA/context/{LLM}_L{wildcards.block}",
    log:
        f"{LOGS}/partA/finetune_llm_context/{LLM}_L{{block}}.log",
    benchmark:
        f"{BENCH}/partA/finetune_llm_context/{LLM}_L{{block}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=8000,
        runtime=480,
    shell:
        torchrun("finetune_llm.py")
        + " --train {input.train} --val {input.val} --base-model {params.base} --name {params.name}"
        " --outdir {params.outdir} --ckpt-dir {params.ckpt} --threads {threads} {params.flags} > {log} 2>&1"


rule eval_llm:
    input:
        adapter=rules.finetune_llm.output.adapter,
        base=base_model("llm"),
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
        test=f"{DATA}/lyrics/test.txt",
    output:
        f"{PARTA}/models/{LLM}/eval.json",
    params:
        script=script("eval_textgen.py"),
        model_dir=lambda wildcards, input: os.path.dirname(os.path.dirname(input.adapter)),
        flags=llm_model_flags(),
        device=config["device"],
    log:
        f"{LOGS}/partA/eval_llm/{LLM}.log",
    benchmark:
        f"{BENCH}/partA/eval_llm/{LLM}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    shell:
        "python {params.script} --model-dir {params.model_dir} {params.flags} --train {input.train}"
        " --val {input.val} --test {input.test} --output {output} --device {params.device}"
        " --threads {threads} > {log} 2>&1"


rule sample_llm:
    input:
        adapter=rules.finetune_llm.output.adapter,
        base=base_model("llm"),
        train=f"{DATA}/lyrics/train.txt",
    output:
        md=report(
            f"{PARTA}/models/{LLM}/samples.md",
            category="Part A",
            subcategory="Generated songs",
            caption="../report/partA_samples.rst",
        ),
        jsonl=f"{PARTA}/models/{LLM}/samples.jsonl",
    params:
        script=script("sample_textgen.py"),
        model_dir=lambda wildcards, input: os.path.dirname(os.path.dirname(input.adapter)),
        model_flags=llm_model_flags(),
        flags=sample_flags(),
    log:
        f"{LOGS}/partA/sample_llm/{LLM}.log",
    benchmark:
        f"{BENCH}/partA/sample_llm/{LLM}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    shell:
        "python {params.script} --model-dir {params.model_dir} {params.model_flags} --train {input.train}"
        " {params.flags} --out-md {output.md} --out-jsonl {output.jsonl} --threads {threads} > {log} 2>&1"


rule decoding_ablation_llm:
    input:
        adapter=rules.finetune_llm.output.adapter,
        base=base_model("llm"),
        train=f"{DATA}/lyrics/train.txt",
    output:
        f"{PARTA}/ablations/decoding/{LLM}.csv",
    params:
        script=script("sample_textgen.py"),
        model_dir=lambda wildcards, input: os.path.dirname(os.path.dirname(input.adapter)),
        model_flags=llm_model_flags(),
        flags=decoding_grid_flags(),
    log:
        f"{LOGS}/partA/decoding_ablation_llm/{LLM}.log",
    benchmark:
        f"{BENCH}/partA/decoding_ablation_llm/{LLM}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
    shell:
        "python {params.script} --model-dir {params.model_dir} {params.model_flags} --train {input.train}"
        " {params.flags} --grid-output {output} --threads {threads} > {log} 2>&1"
