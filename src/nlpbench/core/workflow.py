"""Helpers the Snakemake rules share, kept here so they are unit-tested."""

from __future__ import annotations

import shlex


def torchrun_cmd(script: str, nproc: int | str) -> str:
    """`torchrun --standalone --nproc_per_node=N script`: one node, N processes; for one, `python -u script`.

    `--standalone` picks a free rendezvous port, so two jobs on one node do not
    collide. Inside a SLURM job this runs within the job's own step: never srun.
    One process is what torchrun would start (the training code runs the same
    under both), without torchrun's own start-up: another torch import and a
    rendezvous, 1-2 s of every local training job. `nproc` may be a Snakemake
    placeholder ({resources.nproc}), known only when the job runs: then the
    job's shell picks the launcher.
    """
    torchrun = f"torchrun --standalone --nproc_per_node={nproc}"
    if isinstance(nproc, int) or nproc.isdigit():
        launcher = torchrun if int(nproc) > 1 else "python -u"
    else:
        launcher = f"$(test {nproc} -gt 1 && echo {torchrun} || echo python -u)"
    return f"{launcher} {shlex.quote(script)}"


def python_cmd(script: str) -> str:
    """`python script`, the script's path quoted: how every CPU job starts."""
    return f"python {shlex.quote(script)}"


def logged_cmd(wrapper: str, command: str) -> str:
    """`command` run by scripts/logged.sh, in Snakemake's format: its output and errors go to
    the job's log, which keeps every attempt (the rule's `attempt` resource) under a header."""
    return f"bash {shlex.quote(wrapper)} {{log:q}} {{resources.attempt}} {command}"


def attempt(wildcards, attempt: int) -> int:
    """A rule's `attempt` resource: 1, then 2, 3 when the profile retries the job."""
    return attempt
