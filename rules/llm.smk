# Part A, the transformer arm: LoRA fine-tuning of a causal LM -> evaluate, sample; block size and decoding ablations.
# Evaluation and sampling are the recurrent models' rules with the LLM's inputs (one scorer, one sampler).


rule finetune_llm:
    input:
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
        base=base_model("llm"),
    output:
        adapter=f"{PARTA}/models/{LLM}/seed{{seed}}/adapter/adapter_model.safetensors",
        adapter_config=f"{PARTA}/models/{LLM}/seed{{seed}}/adapter/adapter_config.json",
        model=f"{PARTA}/models/{LLM}/seed{{seed}}/model_best.pt",
        trainlog=f"{PARTA}/models/{LLM}/seed{{seed}}/trainlog.csv",
        summary=f"{PARTA}/models/{LLM}/seed{{seed}}/summary.json",
    log:
        f"{LOGS}/partA/finetune_llm/{LLM}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/finetune_llm/{LLM}/seed{{seed}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        attempt=attempt,
        nproc=1,
        mem_mb=8000,
        runtime=480,
    params:
        flags=llm_flags,
        base=lambda wildcards: config["llm"]["base_model"],
        name=LLM,
        outdir=run_dir,
        ckpt=ckpt_dir,
    shell:
        torchrun("finetune_llm.py")
        + " --train {input.train:q} --val {input.val:q} --base-model {params.base:q} --name {params.name:q}"
        " --seed {wildcards.seed} --outdir {params.outdir:q} --ckpt-dir {params.ckpt:q} --threads {threads}"
        " {params.flags}"


# The context-length ablation of the LLM: the same fine-tuning at each llm.ablations.block_sizes value.
use rule finetune_llm as finetune_llm_context with:
    output:
        adapter=f"{PARTA}/ablations/context/{LLM}_L{{block}}/seed{{seed}}/adapter/adapter_model.safetensors",
        model=f"{PARTA}/ablations/context/{LLM}_L{{block}}/seed{{seed}}/model_best.pt",
        trainlog=f"{PARTA}/ablations/context/{LLM}_L{{block}}/seed{{seed}}/trainlog.csv",
        summary=f"{PARTA}/ablations/context/{LLM}_L{{block}}/seed{{seed}}/summary.json",
    log:
        f"{LOGS}/partA/finetune_llm_context/{LLM}_L{{block}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/finetune_llm_context/{LLM}_L{{block}}/seed{{seed}}.tsv"
    params:
        flags=llm_flags,
        base=lambda wildcards: config["llm"]["base_model"],
        name=lambda wildcards: f"{LLM}_L{wildcards.block}",
        outdir=run_dir,
        ckpt=ckpt_dir,


use rule eval_textgen as eval_llm with:
    input:
        adapter=rules.finetune_llm.output.adapter,
        base=base_model("llm"),
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
        test=f"{DATA}/lyrics/test.txt",
    output:
        f"{PARTA}/models/{LLM}/seed{{seed}}/eval.json",
    log:
        f"{LOGS}/partA/eval_llm/{LLM}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/eval_llm/{LLM}/seed{{seed}}.tsv"
    resources:
        attempt=attempt,
        mem_mb=8000,
        runtime=60,
    params:
        model_dir=lambda wildcards, output: os.path.dirname(output[0]),
        model_flags=llm_model_flags(),
        device=config["device"],


use rule sample_textgen as sample_llm with:
    input:
        adapter=rules.finetune_llm.output.adapter,
        base=base_model("llm"),
        train=f"{DATA}/lyrics/train.txt",
    output:
        md=report(
            f"{PARTA}/models/{LLM}/seed{{seed}}/samples.md",
            category="Part A",
            subcategory="Generated songs",
            caption="../report/partA_samples.rst",
        ),
        jsonl=f"{PARTA}/models/{LLM}/seed{{seed}}/samples.jsonl",
    log:
        f"{LOGS}/partA/sample_llm/{LLM}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/sample_llm/{LLM}/seed{{seed}}.tsv"
    resources:
        attempt=attempt,
        mem_mb=8000,
        runtime=60,
    params:
        model_dir=lambda wildcards, output: os.path.dirname(output.jsonl),
        model_flags=llm_model_flags(),
        flags=sample_flags(),


use rule decoding_ablation as decoding_ablation_llm with:
    input:
        adapter=rules.finetune_llm.output.adapter,
        base=base_model("llm"),
        train=f"{DATA}/lyrics/train.txt",
    output:
        f"{PARTA}/ablations/decoding/{LLM}/seed{{seed}}.csv",
    log:
        f"{LOGS}/partA/decoding_ablation_llm/{LLM}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/decoding_ablation_llm/{LLM}/seed{{seed}}.tsv"
    resources:
        attempt=attempt,
        mem_mb=8000,
        runtime=120,
    params:
        model_dir=lambda wildcards, input: os.path.dirname(os.path.dirname(input.adapter)),
        model_flags=llm_model_flags(),
        flags=decoding_grid_flags(),
