"""The users' SLURM profile, fitted to the one-node test cluster.

Partitions, nproc, retries and mail come from profiles/slurm unchanged, so the
tests check the routing users get; only sizes shrink to the node (2 CPUs) and
status checks use squeue, as the test cluster has no accounting database.
"""

from __future__ import annotations

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


def write_test_profile(dest: Path, cpus: int = 2, mem_mb: int = 3000, source: str = "slurm") -> Path:
    profile = yaml.safe_load((REPO / "profiles" / source / "config.yaml").read_text())
    profile["default-resources"] = fit_resources(profile["default-resources"], cpus, mem_mb)
    profile["set-resources"] = {rule: fit_resources(res, cpus, mem_mb)
                                for rule, res in profile.get("set-resources", {}).items()}
    profile["set-threads"] = {rule: min(int(n), cpus) for rule, n in profile.get("set-threads", {}).items()}
    profile.update({"slurm-status-command": "squeue", "slurm-init-seconds-before-status-checks": 2,
                    "latency-wait": 5, "jobs": 4})
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return dest
