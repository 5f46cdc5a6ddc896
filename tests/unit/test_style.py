"""Formatting and lint are checked, not hoped for: ruff over the Python, snakefmt over the rules."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed: make test installs it from requirements.txt")
    return str(path)


def test_ruff_finds_nothing():
    out = subprocess.run([tool("ruff"), "check", "--output-format", "concise", "."], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, f"ruff check (fix with `ruff check --fix .`):\n{out.stdout}{out.stderr}"


def test_rules_are_snakefmt_formatted():
    out = subprocess.run([tool("snakefmt"), "--check", "--diff", "Snakefile", "rules"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, f"snakefmt would change (run `snakefmt Snakefile rules`):\n{out.stdout}{out.stderr}"


# Params that are command-line fragments, every value in them shell-quoted where they are made
# (nlpbench.core.settings.cli_args) or a literal flag; anything else a shell command gets is quoted with :q.
PREQUOTED = {"params.flags", "params.model_flags", "params.save"}


def test_every_file_and_config_value_in_a_shell_command_is_quoted():
    """A path with a space, or `$(...)` in a config value, must reach the script as one argument, unrun.
    Wildcards (patterns fixed in rules/common.smk), threads and resources are numbers or fixed names."""
    placeholder = re.compile(r"\{((?:input|output|log|params)(?:\.\w+)?)(:\w+)?\}")
    unquoted = [f"{path.name}: {{{m[1]}}}" for path in [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))]
                for m in placeholder.finditer(path.read_text()) if m[2] != ":q" and m[1] not in PREQUOTED]
    assert not unquoted, "quote these with :q, e.g. {params.x:q}: " + ", ".join(unquoted)
