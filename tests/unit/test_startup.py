"""Jobs start fast: what runs before a job's own work imports no heavy library the job does not use.

The Snakefile is parsed once per run, and again inside every job on SLURM; a script's imports are
paid by every job that runs it. torch, transformers, scikit-learn or matplotlib take 0.3-1 s each.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HEAVY = {"torch", "transformers", "peft", "sklearn", "scipy", "matplotlib", "pandas", "numpy"}
# What each script that needs no torch may import of HEAVY (as --help shows it: the module level).
LIGHT_SCRIPTS = {
    "clean_lyrics.py": {"numpy", "matplotlib"},  # the length histogram
    "split_lyrics.py": {"numpy"},
    "split_reviews.py": {"numpy", "pandas", "sklearn", "scipy"},  # the stratified split
    "baseline_reviews.py": {"numpy", "pandas", "sklearn", "scipy", "matplotlib"},
    "report_partA.py": {"numpy", "pandas", "matplotlib"},
    "report_partB.py": {"numpy", "pandas", "matplotlib"},
    "report_compare.py": {"numpy", "pandas", "matplotlib"},
}
RULE_IMPORT = re.compile(r"^\s*from (nlpbench[\w.]*) import ([\w, ]+?)\s*(?:#.*)?$", re.M)


def imported(*cmd: str) -> set[str]:
    """Every module a Python command imports, from its -X importtime report (PYTHONPROFILEIMPORTTIME)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1", "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", proc.stderr, re.M))
    assert "pathlib" in modules, "no import report: the check would pass on anything"
    return modules


def heavy(modules: set[str]) -> set[str]:
    """The HEAVY packages among `modules` (top-level names)."""
    return {m.split(".")[0] for m in modules} & HEAVY


def rule_imports() -> list[str]:
    """The nlpbench modules the Snakefile and rules/*.smk import (`from X import a` may name a module a)."""
    found = set()
    for path in [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))]:
        for module, names in RULE_IMPORT.findall(path.read_text()):
            subs = [f"{module}.{n.strip()}" for n in names.split(",")
                    if (REPO / "src" / f"{module}.{n.strip()}".replace(".", "/")).with_suffix(".py").is_file()]
            found.update(subs or [module])
    return sorted(found)


def test_the_rules_import_light_modules_only():
    modules = rule_imports()
    assert {"nlpbench.core.settings", "nlpbench.classify.base_model"} <= set(modules), modules
    found = imported(sys.executable, "-c", "; ".join(f"import {m}" for m in modules))
    assert not heavy(found), f"the Snakefile's imports pull in {sorted(heavy(found))}"


@pytest.mark.parametrize("config", ["config.yaml", "demo/config.yaml"])
def test_parsing_the_snakefile_imports_no_torch(config):
    """config.yaml's models are not here: the check that warns about them runs too (its imports with it).
    pandas and numpy are not asked about: Snakemake's SLURM executor plugin imports pandas itself."""
    found = imported(str(BIN / "snakemake"), "--list-rules", "--configfile", config)
    assert "snakemake" in found
    assert not heavy(found) - {"pandas", "numpy"}, f"a parse imports {sorted(heavy(found))}"


@pytest.mark.parametrize("script", sorted(LIGHT_SCRIPTS))
def test_scripts_without_a_model_import_no_torch(script):
    found = imported(sys.executable, str(REPO / "scripts" / script), "--help")
    assert "argparse" in found
    extra = heavy(found) - LIGHT_SCRIPTS[script]
    assert not extra, f"{script} imports {sorted(extra)}, which it does not use"
