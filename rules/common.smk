# Shared by all rule files -- config validation, paths, target lists, helpers.

import os
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

from nlpbench.config import load_schema, validate_config
from nlpbench.workflow import cli_args, torchrun_cmd

validate_config(config, load_schema(Path(workflow.basedir) / "schemas" / "config.schema.yaml"))

RESULTS = "results"
DATA = f"{RESULTS}/data"
PARTA = f"{RESULTS}/partA"
PARTB = f"{RESULTS}/partB"
CKPT = f"{RESULTS}/checkpoints"  # last.pt of running jobs: not declared, so a killed job keeps it
LOGS = f"{RESULTS}/logs"
BENCH = f"{RESULTS}/benchmarks"
SPLITS = ["train", "val", "test"]
PARTB_ARTIFACTS = ["summary.json", "metrics_test.json", "confusion_matrix.csv", "confusion_matrix.png",
                   "errors.csv", "error_analysis.md"]
PARTB_REPORT = ["metrics.csv", "metrics.md", "confusion_matrices.png", "learning_curves.png",
                "ablation_heatmaps.png"]
BASELINES = ["majority", "tfidf_lr"]
PARTA_REPORT = ["metrics.csv", "metrics.md", "learning_curves.png", "bpc.png", "context_length.png",
                "decoding_heatmaps.png"]


def script(name):
    """Path of an entry point in scripts/, for a rule's params."""
    return f"{SCRIPTS}/{name}"


def torchrun(name):
    """How every GPU job starts, with nproc from the profile (2 on the cluster)."""
    return torchrun_cmd(script(name), "{resources.nproc}")


def flag(name, on):
    """A command-line switch from a boolean config value."""
    return f"--{name}" if on else ""


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


def context_runs():
    ctx = config["textgen"]["ablations"]["context"]
    return [f"{ctx['arch']}_{ctx['level']}_L{n}" for n in ctx["seq_lens"]]


def textgen_flags(wildcards):
    """Model and training flags of scripts/train_textgen.py, from the config."""
    tg = config["textgen"]
    opts = {**tg["model"], **tg["train"], "word_min_freq": tg["word_min_freq"], "seed": config["seed"],
            "device": config["device"], "precision": config["precision"]}
    if "seq_len" in wildcards.keys():
        opts["seq_len"] = int(wildcards.seq_len)
    return cli_args(opts)


def sample_flags():
    s = config["textgen"]["sample"]
    return cli_args({"num_songs": s["num_songs"], "max_tokens": s["max_tokens"], "prompts": s["prompts"],
                     **s["decoding"], "seed": config["seed"], "device": config["device"]})


def decoding_grid_flags():
    g = config["textgen"]["ablations"]["decoding"]
    return cli_args({"grid_temperature": g["temperature"], "grid_top_p": g["top_p"], "grid_top_k": g["top_k"],
                     "samples_per_setting": g["samples_per_setting"],
                     "max_tokens": config["textgen"]["sample"]["max_tokens"], "seed": config["seed"],
                     "device": config["device"]})


def partA_targets():
    models = textgen_models()
    return [
        *expand(f"{PARTA}/models/{{m}}/{{f}}", m=models, f=["eval.json", "samples.md", "samples.jsonl"]),
        *expand(f"{PARTA}/ablations/decoding/{{m}}.csv", m=models),
        *expand(f"{PARTA}/ablations/context/{{r}}/summary.json", r=context_runs()),
        *expand(f"{PARTA}/analysis/{{f}}", f=PARTA_REPORT),
    ]


def classify_flags(wildcards):
    """Tokenizer, model and training flags of scripts/train_classifier.py, from the config."""
    c = config["classify"]
    model = {k: v for k, v in c["model"].items() if v is not None}
    opts = {**c["tokenizer"], **model, **c["train"], "seed": config["seed"], "device": config["device"],
            "precision": config["precision"]}
    if "bs" in wildcards.keys():
        opts.update(batch_size=int(wildcards.bs), lr=wildcards.lr)
    return cli_args(opts)


def ablation_runs():
    grid = config["classify"]["ablations"]
    archs = grid["archs"] if grid["archs"] is not None else config["classify"]["archs"]
    return [f"{a}/bs{b}_lr{lr}" for a in archs for b in grid["batch_sizes"] for lr in grid["lrs"]]


def partB_targets():
    return [
        *expand(f"{PARTB}/models/{{m}}/{{f}}", m=config["classify"]["archs"], f=PARTB_ARTIFACTS),
        *expand(f"{PARTB}/baselines/{{b}}/{{f}}", b=BASELINES, f=PARTB_ARTIFACTS),
        *expand(f"{PARTB}/ablations/{{r}}/metrics_test.json", r=ablation_runs()),
        *expand(f"{PARTB}/analysis/{{f}}", f=PARTB_REPORT),
    ]


def all_targets():
    return data_targets() + partA_targets() + partB_targets()
