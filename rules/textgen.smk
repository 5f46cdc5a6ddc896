# Part A, recurrent language models: train -> evaluate, sample; context and decoding ablations.
# Every trained model runs once per seed, in its own seed{N} directory.


rule train_textgen:
    input:
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
    output:
        model=f"{PARTA}/models/{{arch}}_{{level}}/seed{{seed}}/model_best.pt",
        trainlog=f"{PARTA}/models/{{arch}}_{{level}}/seed{{seed}}/trainlog.csv",
        summary=f"{PARTA}/models/{{arch}}_{{level}}/seed{{seed}}/summary.json",
        vocab=f"{PARTA}/models/{{arch}}_{{level}}/seed{{seed}}/vocab.json",
    log:
        f"{LOGS}/partA/train_textgen/{{arch}}_{{level}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/train_textgen/{{arch}}_{{level}}/seed{{seed}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        attempt=attempt,
        nproc=1,
        mem_mb=4000,
        runtime=240,
    params:
        flags=textgen_flags,
        name=lambda wildcards: f"{wildcards.arch}_{wildcards.level}",
        outdir=run_dir,
        ckpt=ckpt_dir,
    shell:
        torchrun("train_textgen.py")
        + " --train {input.train:q} --val {input.val:q} --arch {wildcards.arch} --level {wildcards.level}"
        " --name {params.name:q} --seed {wildcards.seed} --outdir {params.outdir:q} --ckpt-dir {params.ckpt:q}"
        " --threads {threads} {params.flags}"


# The context-length ablation: the same training at each seq_len of textgen.ablations.context.
use rule train_textgen as train_context with:
    output:
        model=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/seed{{seed}}/model_best.pt",
        trainlog=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/seed{{seed}}/trainlog.csv",
        summary=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/seed{{seed}}/summary.json",
        vocab=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/seed{{seed}}/vocab.json",
    log:
        f"{LOGS}/partA/train_context/{{arch}}_{{level}}_L{{seq_len}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/train_context/{{arch}}_{{level}}_L{{seq_len}}/seed{{seed}}.tsv"
    params:
        flags=textgen_flags,
        name=lambda wildcards: f"{wildcards.arch}_{wildcards.level}_L{wildcards.seq_len}",
        outdir=run_dir,
        ckpt=ckpt_dir,


# One scorer for every Part A model: eval_llm (rules/llm.smk) is this rule with the LLM's inputs.
rule eval_textgen:
    input:
        model=rules.train_textgen.output.model,
        vocab=rules.train_textgen.output.vocab,
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
        test=f"{DATA}/lyrics/test.txt",
    output:
        f"{PARTA}/models/{{arch}}_{{level}}/seed{{seed}}/eval.json",
    log:
        f"{LOGS}/partA/eval_textgen/{{arch}}_{{level}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/eval_textgen/{{arch}}_{{level}}/seed{{seed}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=4000,
        runtime=30,
    params:
        model_dir=lambda wildcards, output: os.path.dirname(output[0]),
        model_flags="",
        device=config["device"],
    shell:
        python("eval_textgen.py") + " --model-dir {params.model_dir:q} {params.model_flags} --train {input.train:q}"
        " --val {input.val:q} --test {input.test:q} --output {output:q} --device {params.device:q}"
        " --threads {threads}"


# One sampler for every Part A model: sample_llm is this rule with the LLM's inputs.
rule sample_textgen:
    input:
        model=rules.train_textgen.output.model,
        vocab=rules.train_textgen.output.vocab,
        train=f"{DATA}/lyrics/train.txt",
    output:
        md=report(
            f"{PARTA}/models/{{arch}}_{{level}}/seed{{seed}}/samples.md",
            category="Part A",
            subcategory="Generated songs",
            caption="../report/partA_samples.rst",
        ),
        jsonl=f"{PARTA}/models/{{arch}}_{{level}}/seed{{seed}}/samples.jsonl",
    log:
        f"{LOGS}/partA/sample_textgen/{{arch}}_{{level}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/sample_textgen/{{arch}}_{{level}}/seed{{seed}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=4000,
        runtime=30,
    params:
        model_dir=lambda wildcards, output: os.path.dirname(output.jsonl),
        model_flags="",
        flags=sample_flags(),
    shell:
        python("sample_textgen.py") + " --model-dir {params.model_dir:q} {params.model_flags} --train {input.train:q}"
        " {params.flags} --seed {wildcards.seed} --out-md {output.md:q} --out-jsonl {output.jsonl:q}"
        " --threads {threads}"


# The decoding grid of every model (decoding_ablation_llm is this rule with the LLM's inputs).
rule decoding_ablation:
    input:
        model=rules.train_textgen.output.model,
        vocab=rules.train_textgen.output.vocab,
        train=f"{DATA}/lyrics/train.txt",
    output:
        f"{PARTA}/ablations/decoding/{{arch}}_{{level}}/seed{{seed}}.csv",
    log:
        f"{LOGS}/partA/decoding_ablation/{{arch}}_{{level}}/seed{{seed}}.log",
    benchmark:
        f"{BENCH}/partA/decoding_ablation/{{arch}}_{{level}}/seed{{seed}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        attempt=attempt,
        mem_mb=4000,
        runtime=60,
    params:
        model_dir=lambda wildcards, input: os.path.dirname(input.model),
        model_flags="",
        flags=decoding_grid_flags(),
    shell:
        python("sample_textgen.py") + " --model-dir {params.model_dir:q} {params.model_flags} --train {input.train:q}"
        " {params.flags} --seed {wildcards.seed} --grid-output {output:q} --threads {threads}"
