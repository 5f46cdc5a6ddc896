# Part A, recurrent language models: train -> evaluate, sample; context and decoding ablations.


wildcard_constraints:
    arch="rnn|lstm|gru",
    level="char|word",
    seq_len=r"\d+",


rule train_textgen:
    input:
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
    output:
        model=f"{PARTA}/models/{{arch}}_{{level}}/model_best.pt",
        trainlog=f"{PARTA}/models/{{arch}}_{{level}}/trainlog.csv",
        summary=f"{PARTA}/models/{{arch}}_{{level}}/summary.json",
        vocab=f"{PARTA}/models/{{arch}}_{{level}}/vocab.json",
    params:
        flags=textgen_flags,
        outdir=lambda wildcards, output: os.path.dirname(output.model),
        ckpt=lambda wildcards: f"{CKPT}/partA/{wildcards.arch}_{wildcards.level}",
    log:
        f"{LOGS}/partA/train_textgen/{{arch}}_{{level}}.log",
    benchmark:
        f"{BENCH}/partA/train_textgen/{{arch}}_{{level}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=4000,
        runtime=240,
    shell:
        torchrun("train_textgen.py")
        + " --train {input.train} --val {input.val} --arch {wildcards.arch} --level {wildcards.level}"
        " --outdir {params.outdir} --ckpt-dir {params.ckpt} --threads {threads} {params.flags} > {log} 2>&1"


rule train_context:
    input:
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
    output:
        model=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/model_best.pt",
        trainlog=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/trainlog.csv",
        summary=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/summary.json",
        vocab=f"{PARTA}/ablations/context/{{arch}}_{{level}}_L{{seq_len}}/vocab.json",
    params:
        flags=textgen_flags,
        outdir=lambda wildcards, output: os.path.dirname(output.model),
        ckpt=lambda wildcards: f"{CKPT}/partA/context/{wildcards.arch}_{wildcards.level}_L{wildcards.seq_len}",
    log:
        f"{LOGS}/partA/train_context/{{arch}}_{{level}}_L{{seq_len}}.log",
    benchmark:
        f"{BENCH}/partA/train_context/{{arch}}_{{level}}_L{{seq_len}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    resources:
        nproc=1,
        mem_mb=4000,
        runtime=240,
    shell:
        torchrun("train_textgen.py")
        + " --train {input.train} --val {input.val} --arch {wildcards.arch} --level {wildcards.level}"
        " --name {wildcards.arch}_{wildcards.level}_L{wildcards.seq_len}"
        " --outdir {params.outdir} --ckpt-dir {params.ckpt} --threads {threads} {params.flags} > {log} 2>&1"


rule eval_textgen:
    input:
        model=rules.train_textgen.output.model,
        vocab=rules.train_textgen.output.vocab,
        train=f"{DATA}/lyrics/train.txt",
        val=f"{DATA}/lyrics/val.txt",
        test=f"{DATA}/lyrics/test.txt",
    output:
        f"{PARTA}/models/{{arch}}_{{level}}/eval.json",
    params:
        script=script("eval_textgen.py"),
        model_dir=lambda wildcards, input: os.path.dirname(input.model),
        device=config["device"],
    log:
        f"{LOGS}/partA/eval_textgen/{{arch}}_{{level}}.log",
    benchmark:
        f"{BENCH}/partA/eval_textgen/{{arch}}_{{level}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "python {params.script} --model-dir {params.model_dir} --train {input.train} --val {input.val}"
        " --test {input.test} --output {output} --device {params.device} --threads {threads} > {log} 2>&1"


rule sample_textgen:
    input:
        model=rules.train_textgen.output.model,
        vocab=rules.train_textgen.output.vocab,
        train=f"{DATA}/lyrics/train.txt",
    output:
        md=report(
            f"{PARTA}/models/{{arch}}_{{level}}/samples.md",
            category="Part A",
            subcategory="Generated songs",
            caption="../report/partA_samples.rst",
        ),
        jsonl=f"{PARTA}/models/{{arch}}_{{level}}/samples.jsonl",
    params:
        script=script("sample_textgen.py"),
        model_dir=lambda wildcards, input: os.path.dirname(input.model),
        flags=sample_flags(),
    log:
        f"{LOGS}/partA/sample_textgen/{{arch}}_{{level}}.log",
    benchmark:
        f"{BENCH}/partA/sample_textgen/{{arch}}_{{level}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "python {params.script} --model-dir {params.model_dir} --train {input.train} {params.flags}"
        " --out-md {output.md} --out-jsonl {output.jsonl} --threads {threads} > {log} 2>&1"


rule decoding_ablation:
    input:
        model=rules.train_textgen.output.model,
        vocab=rules.train_textgen.output.vocab,
        train=f"{DATA}/lyrics/train.txt",
    output:
        f"{PARTA}/ablations/decoding/{{arch}}_{{level}}.csv",
    params:
        script=script("sample_textgen.py"),
        model_dir=lambda wildcards, input: os.path.dirname(input.model),
        flags=decoding_grid_flags(),
    log:
        f"{LOGS}/partA/decoding_ablation/{{arch}}_{{level}}.log",
    benchmark:
        f"{BENCH}/partA/decoding_ablation/{{arch}}_{{level}}.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    shell:
        "python {params.script} --model-dir {params.model_dir} --train {input.train} {params.flags}"
        " --grid-output {output} --threads {threads} > {log} 2>&1"


rule report_partA:
    input:
        summaries=expand(f"{PARTA}/models/{{m}}/summary.json", m=partA_models()),
        trainlogs=expand(f"{PARTA}/models/{{m}}/trainlog.csv", m=partA_models()),
        evals=expand(f"{PARTA}/models/{{m}}/eval.json", m=partA_models()),
        context=expand(f"{PARTA}/ablations/context/{{r}}/summary.json", r=context_runs() + llm_context_runs()),
        context_logs=expand(
            f"{PARTA}/ablations/context/{{r}}/trainlog.csv", r=context_runs() + llm_context_runs()
        ),
        decoding=expand(f"{PARTA}/ablations/decoding/{{m}}.csv", m=partA_models()),
        samples=expand(f"{PARTA}/models/{{m}}/samples.jsonl", m=partA_models()),
    output:
        metrics=report(
            f"{PARTA}/analysis/metrics.csv",
            category="Part A",
            subcategory="Metrics",
            caption="../report/partA_metrics.rst",
        ),
        table=f"{PARTA}/analysis/metrics.md",
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
    params:
        script=script("report_partA.py"),
        models=lambda wildcards, input: [os.path.dirname(p) for p in input.summaries],
        context=lambda wildcards, input: [os.path.dirname(p) for p in input.context],
        outdir=lambda wildcards, output: os.path.dirname(output.metrics),
    log:
        f"{LOGS}/partA/report_partA.log",
    conda:
        "../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    shell:
        "python {params.script} --models {params.models} --context {params.context}"
        " --decoding {input.decoding} --outdir {params.outdir} > {log} 2>&1"
