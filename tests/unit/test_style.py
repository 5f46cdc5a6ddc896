"""Formatting and lint are checked, not hoped for: ruff over the Python, snakefmt over the rules."""

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
