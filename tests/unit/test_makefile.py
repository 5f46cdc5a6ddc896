"""Every snakemake call in the Makefile means what it says, read by snakemake's own argument parser."""

import shlex
import subprocess
from pathlib import Path

import pytest
from snakemake.cli import get_argument_parser

REPO = Path(__file__).resolve().parents[2]
TARGETS = ["demo", "report", "docs-figures", "study", "lint", "docs-dag"]  # dag: tools/draw_dag.sh


def snakemake_calls(target: str) -> list[list[str]]:
    """The snakemake command lines `make -n target` would run, as argument lists (pipes cut off)."""
    out = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True, check=True).stdout
    calls = []
    for line in out.replace("\\\n", " ").splitlines():
        words = shlex.split(line.split("|", 1)[0])
        if words and words[0].endswith("/snakemake"):
            calls.append(words[1:])
    return calls


@pytest.mark.parametrize("target", TARGETS)
def test_config_files_are_config_files_and_targets_are_targets(target):
    calls = snakemake_calls(target)
    assert calls, f"make -n {target} runs no snakemake"
    for argv in calls:
        args = get_argument_parser().parse_args(argv)
        configs = [str(c) for c in args.configfile or []]
        assert len(configs) <= 1 and all(c.endswith(".yaml") for c in configs), (
            f"make {target}: --configfile swallows {configs}: put the targets before the options")
        assert all(not t.endswith((".yaml", ".yml")) for t in args.targets), args.targets


def test_docs_figures_asks_for_its_figures():
    (argv,) = snakemake_calls("docs-figures")
    targets = get_argument_parser().parse_args(argv).targets
    assert targets and all(t.startswith("results/") and t.endswith(".png") for t in targets)


def test_the_fast_tier_runs_every_test_but_the_workflow_runs():
    out = subprocess.run(["make", "-n", "test-fast"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert '.venv/bin/pytest -m "not workflow"' in out


def test_make_test_runs_the_whole_suite_on_several_workers():
    out = subprocess.run(["make", "-n", "test"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    (line,) = [line for line in out.splitlines() if "/pytest" in line]
    assert " -n 4 --dist loadscope --no-loadscope-reorder" in line and " -m " not in line, line
