"""The users' SLURM profile, installed as they install it, fitted to the one-node test cluster.

`make install-profile` links profiles/slurm into $XDG_CONFIG_HOME/snakemake, so the
tests run `snakemake --profile slurm` as the users type it. Partitions, nproc,
retries and mail come from that profile unchanged; only sizes shrink to one of the
node's slots (1 CPU, 2 GB: up to 8 jobs at once) and status checks use squeue, as
the test cluster has no accounting database. That fit is the run directory's profiles/default, which Snakemake
reads after --profile ("workflow specific profile"), key by key.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


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

