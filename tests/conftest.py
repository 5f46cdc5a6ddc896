"""Shared fixtures: where the repo, the venv's tools and ../shared/data are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

# One torch thread per xdist worker (and the jobs it starts, unless they set their own): 4 workers
# with 2 threads each on 2 cores spin-wait for each other, and a 10 s training test takes minutes.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")

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


# `make test` runs the suite on several xdist workers (--dist loadscope: a module's tests share one
# worker, so module fixtures run once). Modules that take minutes start first, so none ends last.
LONG_FIRST = ["workflow/test_slurm.py", "workflow/test_demo.py", "workflow/test_slurm_recovery.py",
              "workflow/test_slurm_gres.py", "workflow/test_llm_runs.py", "workflow/test_encoder_runs.py"]


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = Path(str(item.path)).relative_to(REPO / "tests").as_posix()
        if path in LONG_FIRST:
            return LONG_FIRST.index(path)
        return len(LONG_FIRST) + (0 if item.get_closest_marker("workflow") else 1)
    items.sort(key=rank)


def session_root(tmp_path_factory) -> Path:
    """The one temporary directory of this test session: each xdist worker's basetemp is a folder in it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(tmp_path_factory, name: str, make) -> Path:
    """session_root/name, made by `make(path)` once for the whole session: the first worker to ask
    makes it, the others wait for it."""
    from filelock import FileLock

    root = session_root(tmp_path_factory)
    path, done = root / name, root / f"{name}.done"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            path.mkdir(exist_ok=True)
            make(path)
            done.touch()
    return path


@pytest.fixture(scope="session")
def demo_local(tmp_path_factory) -> Path:
    """The whole demo DAG run once with the local profile, as `make demo` runs it; returns its results/."""
    def run(work: Path) -> None:
        (work / "demo").symlink_to(REPO / "demo")
        run_snakemake("--profile", str(REPO / "profiles" / "local"), "--configfile", "demo/config.yaml", cwd=work)
    return once(tmp_path_factory, "demo_local", run) / "results"


CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"

# The SLURM tests run `snakemake --profile slurm` as the users type it, after `make install-profile`
# (which links profiles/slurm into $XDG_CONFIG_HOME/snakemake). Partitions, nproc, retries and mail
# come from that profile unchanged; only sizes shrink to one of the test node's slots (1 CPU, 2 GB: up
# to 8 jobs at once) and status checks use squeue, as the test cluster has no accounting database.
# That fit is the run directory's profiles/default, which Snakemake reads after --profile ("workflow
# specific profile"), key by key.


def cap(value, limit):
    """min() of a number, or of a resource expression such as '32000 * attempt'."""
    return min(int(value), limit) if isinstance(value, int) else f"min({value}, {limit})"


def fit_resources(res: dict, cpus: int, mem_mb: int) -> dict:
    out = dict(res)
    if "cpus_per_task" in out:
        out["cpus_per_task"] = cap(out["cpus_per_task"], cpus)
    if "mem_mb" in out:
        out["mem_mb"] = cap(out["mem_mb"], mem_mb)
    return out


def install_profile(xdg: Path, source: str = "slurm") -> dict[str, str]:
    """`make install-profile PROFILE=source` with its config home in `xdg`; the environment that finds it."""
    env = {"XDG_CONFIG_HOME": str(xdg)}
    subprocess.run(["make", "-s", "-C", str(REPO), "install-profile", f"PROFILE={source}"],
                   env={**os.environ, **env}, check=True, capture_output=True, text=True)
    return env


def write_cluster_fit(workdir: Path, cpus: int = 1, mem_mb: int = 2000, source: str = "slurm") -> Path:
    """workdir/profiles/default: the users' profile's sizes capped to one of the test node's slots, and squeue."""
    profile = yaml.safe_load((REPO / "profiles" / source / "config.yaml").read_text())
    fit = {
        "default-resources": fit_resources(profile["default-resources"], cpus, mem_mb),
        "set-resources": {rule: fit_resources(res, cpus, mem_mb)
                          for rule, res in profile.get("set-resources", {}).items()},
        "set-threads": {rule: min(int(n), cpus) for rule, n in profile.get("set-threads", {}).items()},
        "slurm-status-command": "squeue", "slurm-init-seconds-before-status-checks": 2,
        "latency-wait": 5, "jobs": 8,
    }
    dest = workdir / "profiles" / "default"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(fit, sort_keys=False))
    return dest


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """The one-node SLURM cluster (tests/slurm/cluster.sh), shared by every worker; it goes down when
    the session ends (pytest_sessionfinish)."""
    if os.geteuid() != 0:
        reason = "the SLURM tests start munged, slurmctld and slurmd, which needs root"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run them")
        pytest.skip(f"SKIPPED LOUDLY: {reason} (run `make test` as root to include them)")
    once(tmp_path_factory, "slurm_cluster",
         lambda _: subprocess.run(["bash", str(CLUSTER), "up"], check=True, timeout=600))


def pytest_sessionfinish(session):
    """Bring the test cluster down once, in the process that ran the session (xdist's controller)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None and (factory.getbasetemp() / "slurm_cluster.done").exists():
        subprocess.run(["bash", str(CLUSTER), "down"], check=True, timeout=120)
