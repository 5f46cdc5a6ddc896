"""Jobs die with the workflow that started them.

A process whose parent is killed outright lives on, adopted by init. torchrun starts each worker in a
session of its own, out of reach of a signal to the job's process group, so a SIGKILL to Snakemake's
group (or to the SLURM job's step) left the worker training and writing the same outputs and
checkpoint as the rerun. Linux's parent-death signal closes the gap, one link at a time:

    Snakemake -> scripts/logged.sh -> command (python or torchrun) -> torchrun's workers

each process asks the kernel for SIGTERM when its parent ends, and logged.sh stops its command on
SIGTERM. (The signal follows the thread that forked: Snakemake's job thread waits on the job, and
torchrun starts its workers from its main thread.) logged.sh runs this file, which imports only the
standard library, as

    python3 -I src/nlpbench/core/lifetime.py ANCESTOR COMMAND [ARGS...]   # COMMAND dies with its parent
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
JOB_PID = "NLPBENCH_JOB_PID"  # set by scripts/logged.sh to its pid: every process of the job descends from it


def parent_of(pid: int) -> int:
    """`pid`'s parent, from /proc (the command name in `stat` may hold spaces and parentheses)."""
    with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


def descends_from(ancestor: int) -> bool:
    """Whether `ancestor` is this process's parent, grandparent, ... (False once a link has ended)."""
    pid = os.getppid()
    try:
        while pid > 1 and pid != ancestor:
            pid = parent_of(pid)
    except (OSError, ValueError, IndexError):
        return False
    return pid == ancestor


def die_with_parent(ancestor: int | None = None, sig: int = signal.SIGTERM) -> None:
    """Have the kernel send `sig` to this process when its parent ends (Linux; elsewhere nothing).

    The request watches the parent as it is now, so a parent that ended before it leaves no signal to
    come: a process that no longer descends from `ancestor` was orphaned already and ends at once.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if ancestor is not None and not descends_from(ancestor):
        os.kill(os.getpid(), sig)


def die_with_job() -> None:
    """For a process the job's command starts (a torchrun worker): die with its parent, and now if
    scripts/logged.sh, the job's root, is no longer among its ancestors."""
    job = os.environ.get(JOB_PID)
    die_with_parent(int(job) if job else None)


def main(argv: list[str]) -> None:
    """Exec COMMAND under a parent-death signal, which an exec keeps (logged.sh's way to start processes)."""
    if len(argv) < 2 or not argv[0].isdigit():
        sys.exit("usage: lifetime.py ANCESTOR_PID COMMAND [ARGS...]")
    die_with_parent(int(argv[0]))
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
