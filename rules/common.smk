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
from nlpbench.workflow import torchrun_cmd

validate_config(config, load_schema(Path(workflow.basedir) / "schemas" / "config.schema.yaml"))

RESULTS = "results"
DATA = f"{RESULTS}/data"
LOGS = f"{RESULTS}/logs"
BENCH = f"{RESULTS}/benchmarks"
SPLITS = ["train", "val", "test"]


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


def all_targets():
    return data_targets()
