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


def cli_args(options: dict) -> str:
    """{'embed_dim': 256, 'tie_weights': False, 'seq_lens': [1, 2]}
    -> '--embed-dim 256 --no-tie-weights --seq-lens 1 2'.

    Config sections become script flags, so rules stay short and scripts stay
    runnable by hand with the same names. Booleans use argparse's
    BooleanOptionalAction form; strings are shell-quoted.
    """
    import shlex

    parts = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            parts.append(flag if value else f"--no-{key.replace('_', '-')}")
        elif isinstance(value, (list, tuple)):
            if value:
                parts.append(f"{flag} " + " ".join(shlex.quote(str(v)) for v in value))
        elif value is not None:
            parts.append(f"{flag} {shlex.quote(str(value))}")
    return " ".join(parts)
