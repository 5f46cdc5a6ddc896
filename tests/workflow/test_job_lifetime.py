"""Training jobs die with the workflow: a killed Snakemake leaves no trainer racing its rerun.

torchrun starts each worker in a session of its own, so a SIGKILL to Snakemake's process group used to
leave the worker training and writing the run's outputs and checkpoint (nlpbench.core.lifetime).
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from conftest import BIN, REPO, SNAKEMAKE

pytestmark = pytest.mark.workflow
TARGET = "results/partA/models/lstm_char/seed42/summary.json"


def job_processes(workdir: Path) -> dict[int, str]:
    """pid -> command line of every live process that runs in `workdir` or names it (/proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:  # gone, or a zombie
            continue
        if cwd == str(workdir) or str(workdir) in cmdline:
            found[int(entry.name)] = cmdline
    return found


def wait_for_training(workdir: Path, proc: subprocess.Popen, timeout: float = 240) -> None:
    """Until the run's last.pt exists: the trainer is under way and has written its checkpoint."""
    deadline = time.time() + timeout
    while not list((workdir / "results" / "checkpoints").glob("**/last.pt")):
        assert proc.poll() is None, f"snakemake ended ({proc.returncode}) before training got going"
        assert time.time() < deadline, "no checkpoint in time"
        time.sleep(0.2)


def survivors(workdir: Path, within: float) -> dict[int, str]:
    """The run's processes still alive after `within` seconds (fewer as soon as they are all gone)."""
    deadline = time.time() + within
    while (left := job_processes(workdir)) and time.time() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("nproc,kill", [(1, "group"), (2, "group"), (1, "snakemake")])
def test_a_killed_workflow_leaves_no_trainer_behind(tmp_path, nproc, kill):
    """SIGKILL to Snakemake's process group (or to Snakemake alone, as the OOM killer does): within
    seconds no process of the run is left, torchrun's workers (own session, parent gone) included."""
    (tmp_path / "demo").symlink_to(REPO / "demo")
    (tmp_path / "long.yaml").write_text(yaml.safe_dump({"textgen": {"train": {"epochs": 500, "patience": 500}}}))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--cores", "2", "--configfile", "demo/config.yaml",
           "long.yaml", "--set-resources", f"train_textgen:nproc={nproc}", "--", TARGET]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_training(tmp_path, proc)
        # `python -u script`: torchrun's workers, each started in a session of its own, or the one process
        # started without torchrun (scripts/logged.sh names the command too, as its arguments)
        workers = [c for c in job_processes(tmp_path).values()
                   if c.split()[1:2] == ["-u"] and "scripts/train_textgen.py" in c]
        assert len(workers) == nproc, workers
        if kill == "group":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait(timeout=10)
        assert not survivors(tmp_path, within=15)
        assert not (tmp_path / TARGET).exists()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in job_processes(tmp_path):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
