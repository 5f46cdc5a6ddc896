"""Helpers the Snakemake rules share, kept here so they are unit-tested."""

from __future__ import annotations

import shlex


def torchrun_cmd(script: str, nproc: int | str) -> str:
    """`torchrun --standalone --nproc_per_node=N script`: one node, N processes.

    `--standalone` picks a free rendezvous port, so two jobs on one node do not
    collide. Inside a SLURM job this runs within the job's own step: never srun.
    """
    return f"torchrun --standalone --nproc_per_node={nproc} {shlex.quote(script)}"


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
