#!/usr/bin/env python
"""Write profiles/slurm-gres/config.yaml from profiles/slurm/config.yaml.

Clusters that want GPUs requested explicitly get the same profile plus the
executor plugin's `gpu` resource (sbatch --gpus=N) on every GPU-partition
rule: N = nproc for torchrun rules, 1 for single-process ones. One source,
so the two profiles never drift (tests/unit/test_profiles.py checks it).

    python tools/make_gres_profile.py        # after editing profiles/slurm/config.yaml
"""

import copy
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
HEADER = """\
# GENERATED from profiles/slurm/config.yaml by tools/make_gres_profile.py: edit that
# file and re-run the tool. Same as profiles/slurm, plus `gpu: N` (sbatch --gpus=N)
# on every rule of the GPU partition, for clusters that want GPUs asked for.
#   make install-profile PROFILE=slurm-gres && snakemake --profile slurm-gres
"""


def gres_profile(base: dict) -> dict:
    profile = copy.deepcopy(base)
    default_partition = profile["default-resources"]["slurm_partition"]
    for rule, res in profile.get("set-resources", {}).items():
        if res.get("slurm_partition", default_partition) == "GPU":
            res["gpu"] = int(res.get("nproc", 1))
    return profile


def render(base_path: Path = REPO / "profiles/slurm/config.yaml") -> str:
    base = yaml.safe_load(base_path.read_text())
    return HEADER + yaml.safe_dump(gres_profile(base), sort_keys=False, width=100)


if __name__ == "__main__":
    out = REPO / "profiles/slurm-gres/config.yaml"
    out.parent.mkdir(exist_ok=True)
    out.write_text(render())
    print(f"wrote {out.relative_to(REPO)}")
