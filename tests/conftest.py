"""Shared fixtures: where the repo, the venv's tools and ../shared/data are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")


def run_snakemake(*args: str, cwd: Path | str = REPO, check: bool = True, timeout: int = 900,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """snakemake with the repo's Snakefile, run in `cwd` (results land there), `env` added to the environment."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n"
                             f"{proc.stderr[-6000:]}")
    return proc


def kill_at_epoch(cmd: list[str], last: Path, epoch: int, timeout: float = 120) -> None:
    """Start a training command and SIGKILL it once its checkpoint `last` has reached `epoch`."""
    import signal
    import time

    import torch

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if last.exists() and torch.load(last, weights_only=True)["epoch"] >= epoch:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    assert proc.wait() == -signal.SIGKILL, "the run finished before it could be killed"


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    """One of scripts/*.py as a user runs it, in a subprocess."""
    return subprocess.run([sys.executable, str(REPO / "scripts" / name), *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not here (it stands beside the checkout in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_local(tmp_path_factory) -> Path:
    """The whole demo DAG run once with the local profile, as `make demo` runs it; returns its results/."""
    work = tmp_path_factory.mktemp("demo_local")
    (work / "demo").symlink_to(REPO / "demo")
    run_snakemake("--profile", str(REPO / "profiles" / "local"), "--configfile", "demo/config.yaml", cwd=work)
    return work / "results"
