# Shared by all rule files -- config validation, paths, target lists, helpers.

import os
import re
import sys
from pathlib import Path

SRC = str(Path(workflow.basedir) / "src")
SCRIPTS = str(Path(workflow.basedir) / "scripts")

# Jobs import the library from the checkout, whether or not it is pip-installed
# (a cluster's conda envs do not install it), find the `python` that runs
# snakemake first (a venv works unactivated; `--sdm conda` puts its env in
# front), and never reach a model hub. Set here, not required from the user,
# so no `envvars:` directive.
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p),
    PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # carriage-return bars garble SLURM logs

from nlpbench.core import settings
from nlpbench.core.config import allowed, load_schema, validate_config
from nlpbench.core.settings import cli_args
from nlpbench.core.workflow import attempt, logged_cmd, python_cmd, torchrun_cmd

validate_config(config, load_schema(Path(workflow.basedir) / "schemas" / "config.schema.yaml"))

RESULTS = "results"
DATA = f"{RESULTS}/data"
PARTA = f"{RESULTS}/partA"
PARTB = f"{RESULTS}/partB"
COMPARE = f"{RESULTS}/comparison"
CKPT = f"{RESULTS}/checkpoints"  # last.pt of running jobs: not declared, so a killed job keeps it
LOGS = f"{RESULTS}/logs"
BENCH = f"{RESULTS}/benchmarks"
SPLITS = ["train", "val", "test"]
SEEDS = config["seeds"]  # every trained model runs once per seed, in its own seed{N} directory
ABLATION_SEEDS = SEEDS[: config["ablation_seeds"]]
CPU_GRID_ARCHS = config["classify"]["ablations"]["cpu_archs"]  # their grid runs on a CPU node
PARTB_ARTIFACTS = [
    "summary.json",
    "metrics_test.json",
    "confusion_matrix.csv",
    "confusion_matrix.png",
    "errors.csv",
    "error_analysis.md",
    "predictions.csv",
]
PARTB_REPORT = [
    "metrics.csv",
    "metrics.md",
    "predictions.csv",
    "confusion_matrices.png",
    "learning_curves.png",
    "ablation_heatmaps.png",
]
BASELINES = ["majority", "tfidf_lr"]  # deterministic: one run each, no seed
TINY = f"{RESULTS}/tiny_models"  # random models of the real architectures, built by the workflow for the demo
TINY_MODELS = {"llm": f"{TINY}/llama", "encoder": f"{TINY}/deberta"}
LLM = "llm_lora"  # Part A's fine-tuned LLM: results/partA/models/llm_lora/seed{N}
ENCODER = "encoder"  # Part B's fine-tuned encoder: results/partB/models/encoder/seed{N}
PARTA_REPORT = [
    "metrics.csv",
    "metrics.md",
    "song_scores.csv",
    "learning_curves.png",
    "bpc.png",
    "context_length.png",
    "decoding_heatmaps.png",
]


SCHEMA = load_schema()


# Every wildcard's pattern, here only; the names come from the schema, as the scripts' choices do.
wildcard_constraints:
    seed=r"\d+",
    arch="|".join(allowed("recurrent_cell", SCHEMA)),
    level="|".join(allowed("token_level", SCHEMA)),
    carch="|".join(allowed("classifier_arch", SCHEMA)),
    seq_len=r"\d+",
    block=r"\d+",
    bs=r"\d+",
    lr=r"[0-9.eE+-]+",


def python(name):
    """How every CPU job starts: the script in scripts/, its output in the job's log (every attempt)."""
    return logged_cmd(f"{SCRIPTS}/logged.sh", python_cmd(f"{SCRIPTS}/{name}"))


def torchrun(name):
    """How every GPU job starts: torchrun with the profile's nproc (2 on the cluster), its output in the job's log."""
    return logged_cmd(f"{SCRIPTS}/logged.sh", torchrun_cmd(f"{SCRIPTS}/{name}", "{resources.nproc}"))


def run_dir(wildcards, output):
    """A training job's output directory: where its summary.json goes."""
    return os.path.dirname(output.summary)


def ckpt_dir(wildcards, output):
    """Where a training job keeps last.pt: its run directory's path, under results/checkpoints."""
    return os.path.join(CKPT, os.path.relpath(run_dir(wildcards, output), RESULTS))


def one_of(names):
    """A wildcard pattern matching exactly `names`, or nothing when there are none."""
    return "|".join(sorted(re.escape(n) for n in names)) or "(?!)"


def seed_runs(pattern, names, seeds, file):
    """`pattern` (with {name}) / seed{N} / file, for every name and seed."""
    return [f"{pattern.format(name=n)}/seed{s}/{file}" for n in names for s in seeds]


def base_model(arm):
    """The local base model of the llm or encoder arm, as a job's input.

    The demo's tiny models are built by a rule; real weights are the user's
    files (tracked, so a new download reruns the job). A missing directory
    is not an input: the job stops with the error that says how to get it.
    """
    path = config[arm].get("base_model")
    if path is None:  # unset only when the arm is disabled
        return []
    if path == TINY_MODELS[arm]:
        return path
    return f"{path}/config.json" if Path(path, "config.json").is_file() else []


def warn_missing_models():
    """Say at once, even on a dry run, which enabled arm has no weights yet."""
    from nlpbench.classify.base_model import resolve_base_model  # 'minilm' names an installed package
    from nlpbench.core.errors import InputError
    from nlpbench.core.hf_local import require_model_dir

    checks = {"llm": lambda path: require_model_dir(path, "llm.base_model"), "encoder": resolve_base_model}
    for arm, check in checks.items():
        path = config[arm].get("base_model")
        if config[arm]["enabled"] and path != TINY_MODELS[arm]:
            try:
                check(path)
            except InputError as err:
                print(f"warning: {err}", file=sys.stderr)


def data_targets():
    return [
        f"{DATA}/lyrics/stats.json",
        f"{DATA}/lyrics/length_hist.png",
        *expand(f"{DATA}/lyrics/{{split}}.txt", split=SPLITS),
        f"{DATA}/lyrics/split_stats.json",
        *expand(f"{DATA}/reviews/{{split}}.csv", split=SPLITS),
        f"{DATA}/reviews/label_map.json",
        f"{DATA}/reviews/stats.json",
    ]


def textgen_models():
    return [f"{a}_{l}" for a in config["textgen"]["archs"] for l in config["textgen"]["levels"]]


def context_names():
    ctx = config["textgen"]["ablations"]["context"]
    return [f"{ctx['arch']}_{ctx['level']}_L{n}" for n in ctx["seq_lens"]]


def context_runs(file):
    """`file` of every context-length run, recurrent and LLM, at each ablation seed."""
    return seed_runs(f"{PARTA}/ablations/context/{{name}}", context_names() + llm_context_names(), ABLATION_SEEDS, file)


# A script's flags come from the config keys it declares in nlpbench.core.settings, as its argparse does;
# a wildcard overrides the one setting it names.
def run_flags(**override):
    """Flags every training script takes from the top of the config (the seed comes from the path)."""
    return settings.RUN.flags(config, **override)


def textgen_flags(wildcards):
    """Model and training flags of scripts/train_textgen.py."""
    ctx = {"seq_len": int(wildcards.seq_len)} if "seq_len" in wildcards.keys() else {}
    return f"{settings.TRAIN_TEXTGEN.flags(config, **ctx)} {run_flags()}"


def sample_flags():
    return f"{settings.SAMPLE.flags(config)} {settings.DEVICE.flags(config)}"


def decoding_grid_flags():
    return f"{sample_flags()} {settings.DECODING_GRID.flags(config)}"


def llm_enabled():
    return config["llm"]["enabled"]


def llm_context_names():
    return [f"{LLM}_L{n}" for n in config["llm"]["ablations"]["block_sizes"]] if llm_enabled() else []


def llm_flags(wildcards):
    """Quantization, LoRA and training flags of scripts/finetune_llm.py."""
    block = {"block_size": int(wildcards.block)} if "block" in wildcards.keys() else {}
    sample = cli_args({"sample_max_tokens": config["textgen"]["sample"]["max_tokens"]})
    return f"{settings.FINETUNE_LLM.flags(config, **block)} {run_flags()} {sample}"


def llm_model_flags():
    """What eval_textgen/sample_textgen need to rebuild the LLM: its base model and quantization."""
    return cli_args({"base_model": config["llm"].get("base_model"), "quantization": config["llm"]["quantization"]})


def partA_models():
    """Every Part A model directory name the report reads: recurrent ones, then the LLM."""
    return textgen_models() + ([LLM] if llm_enabled() else [])


def partA_runs(file):
    """`file` of every Part A model at every seed."""
    return seed_runs(f"{PARTA}/models/{{name}}", partA_models(), SEEDS, file)


def decoding_grids():
    """The decoding grid of every Part A model, at each ablation seed."""
    return [f"{PARTA}/ablations/decoding/{m}/seed{s}.csv" for m in partA_models() for s in ABLATION_SEEDS]


def partA_targets():
    return [
        *(p for f in ["eval.json", "samples.md", "samples.jsonl"] for p in partA_runs(f)),
        *decoding_grids(),
        *context_runs("summary.json"),
        *expand(f"{PARTA}/analysis/{{f}}", f=PARTA_REPORT),
    ]


def grid_point(wildcards):
    """The batch size and learning rate of an ablation run, from its path (the lr as written there)."""
    return {"batch_size": int(wildcards.bs), "lr": wildcards.lr} if "bs" in wildcards.keys() else {}


def classify_flags(wildcards):
    """Tokenizer, model and training flags of scripts/train_classifier.py."""
    return f"{settings.TRAIN_CLASSIFIER.flags(config, **grid_point(wildcards))} {run_flags()}"


def classify_cpu_flags(wildcards):
    """classify_flags of a job sent to a CPU node: on the CPU, whatever `device` says."""
    return f"{settings.TRAIN_CLASSIFIER.flags(config, **grid_point(wildcards))} {run_flags(device='cpu')}"


def ablation_names():
    grid = config["classify"]["ablations"]
    archs = grid["archs"] if grid["archs"] is not None else config["classify"]["archs"]
    return [f"{a}/bs{b}_lr{lr}" for a in archs for b in grid["batch_sizes"] for lr in grid["lrs"]]


def partB_ablation_runs(file):
    """`file` of every batch size x learning rate run, classifiers and encoder, at each ablation seed."""
    return seed_runs(f"{PARTB}/ablations/{{name}}", ablation_names() + encoder_ablation_names(), ABLATION_SEEDS, file)


def encoder_enabled():
    return config["encoder"]["enabled"]


def encoder_flags(wildcards):
    """Training flags of scripts/finetune_encoder.py."""
    return f"{settings.FINETUNE_ENCODER.flags(config, **grid_point(wildcards))} {run_flags()}"


def encoder_ablation_names():
    grid = config["encoder"]["ablations"]
    if not encoder_enabled():
        return []
    return [f"{ENCODER}/bs{b}_lr{lr}" for b in grid["batch_sizes"] for lr in grid["lrs"]]


def partB_models():
    """Every Part B model directory name the report reads: CNN/recurrent ones, then the encoder."""
    return config["classify"]["archs"] + ([ENCODER] if encoder_enabled() else [])


def partB_runs(file):
    """`file` of every Part B model (classifiers, then the encoder) at every seed."""
    return seed_runs(f"{PARTB}/models/{{name}}", partB_models(), SEEDS, file)


def partB_targets():
    return [
        *(p for f in PARTB_ARTIFACTS for p in partB_runs(f)),
        *expand(f"{PARTB}/baselines/{{b}}/{{f}}", b=BASELINES, f=PARTB_ARTIFACTS),
        *partB_ablation_runs("metrics_test.json"),
        *expand(f"{PARTB}/analysis/{{f}}", f=PARTB_REPORT),
    ]


COMPARE_OUTPUTS = ["comparison.csv", "comparison.md", "quality_vs_cost.png", "params_vs_quality.png", "throughput.png"]


def all_targets():
    return data_targets() + partA_targets() + partB_targets() + [f"{COMPARE}/{f}" for f in COMPARE_OUTPUTS]


warn_missing_models()
