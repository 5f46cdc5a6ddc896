"""nlpbench.core.lifetime: a process started through it ends with its parent, even a SIGKILLed one."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from nlpbench.core import lifetime

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a parent-death signal is Linux's")
LIFETIME = str(REPO / "src" / "nlpbench" / "core" / "lifetime.py")


def ended(pid: int, within: float = 10) -> bool:
    """Whether `pid` is gone (or a zombie) within `within` seconds."""
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in "ZX":
            return True
        time.sleep(0.05)
    return False


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_a_command_ends_when_its_parent_is_killed_outright(tmp_path):
    """A shell starts `sleep` through lifetime.py, in a session of its own as torchrun starts workers."""
    parent = subprocess.Popen(["sh", "-c", f"setsid python3 -I {LIFETIME} $$ sleep 60 & echo $!; wait"],
                              stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        time.sleep(0.5)  # until sleep runs
        assert not ended(child, within=0)
        parent.kill()
        parent.wait()
        assert ended(child), "the command outlived its parent"
    finally:
        kill(child)


def test_a_command_under_a_live_parent_runs_as_usual():
    proc = subprocess.run(["python3", "-I", LIFETIME, str(os.getpid()), "sh", "-c", "echo ran; exit 3"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 3 and proc.stdout == "ran\n"


def test_a_process_whose_parent_ended_before_it_asked_ends_at_once():
    """The signal watches the parent of the moment: a process already adopted by init would never get it."""
    stranger = subprocess.Popen(["sleep", "60"])  # alive, but no ancestor of the command
    try:
        proc = subprocess.run(["python3", "-I", LIFETIME, str(stranger.pid), "sleep", "60"], timeout=30)
        assert proc.returncode == -signal.SIGTERM
    finally:
        stranger.kill()
        stranger.wait()


def test_descent_is_read_from_proc():
    assert lifetime.descends_from(os.getppid()) and lifetime.descends_from(1)
    assert not lifetime.descends_from(os.getpid())
