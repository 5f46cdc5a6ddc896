#!/usr/bin/env python
"""Exit 0 when every output of CONFIG's workflow is made; else name what is missing and how to make it.

    python tools/report_ready.py demo/config.yaml

`make report` calls this first, so that it only reports: after a cluster run
with a job still missing it stops here instead of training on the login node.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
SNAKEFILE = str(Path(__file__).resolve().parents[1] / "Snakefile")


def pending(config: str) -> dict[str, int]:
    """Jobs a dry run would still run, by rule (the `all`-style target rules left out)."""
    proc = subprocess.run([SNAKEMAKE, "-s", SNAKEFILE, "-n", "--quiet", "rules", "--configfile", config],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"snakemake -n --configfile {config} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout + proc.stderr, re.M))
    return {rule: int(n) for rule, n in jobs.items() if rule not in ("total", "all", "data", "partA", "partB",
                                                                       "compare")}


def main(argv=None) -> int:
    config = (argv or sys.argv[1:] or ["config.yaml"])[0]
    missing = pending(config)
    if not missing:
        return 0
    listed = ", ".join(f"{rule} ({n})" for rule, n in sorted(missing.items()))
    print(f"make report only reports, and {sum(missing.values())} job(s) of --configfile {config} have not run: "
          f"{listed}.\nMake them first, on the cluster: snakemake --profile slurm --configfile {config}\n"
          f"or on this machine: snakemake --profile profiles/local --configfile {config}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
