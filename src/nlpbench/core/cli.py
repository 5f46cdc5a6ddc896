"""What every script entry point shares: logging to stderr and clean errors."""

from __future__ import annotations

import logging
import os
import sys
from typing import Callable

from nlpbench.core.errors import InputError


def run(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> int:
    """Run a script's `main`; bad input exits 2 with the message alone, no traceback.

    Progress goes to stderr as plain lines, which read well in SLURM logs.
    """
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _log_slurm_context()
    try:
        main(argv)
    except InputError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 2
    return 0


def _log_slurm_context() -> None:
    """Inside a SLURM job, say where it runs: the job's log then shows its partition and node."""
    env = os.environ
    if "SLURM_JOB_ID" in env and env.get("RANK", "0") == "0":
        print(f"slurm: job {env['SLURM_JOB_ID']} partition {env.get('SLURM_JOB_PARTITION', '?')} "
              f"node {env.get('SLURMD_NODENAME', '?')} cpus_per_task {env.get('SLURM_CPUS_PER_TASK', '?')} "
              f"world_size {env.get('WORLD_SIZE', '1')} gpus {_gpus(env)}",
              file=sys.stderr, flush=True)


def _gpus(env) -> str:
    """GPUs SLURM gave this step (the snakemake job step runs inside its own srun)."""
    for key in ("SLURM_STEP_GPUS", "SLURM_JOB_GPUS", "CUDA_VISIBLE_DEVICES"):
        if env.get(key):
            return env[key]
    return "none"
