import os
import re
import signal
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from nlpbench.core.workflow import logged_cmd, torchrun_cmd

LOGGED = Path(__file__).resolve().parents[2] / "scripts" / "logged.sh"


def test_torchrun_line_is_standalone_with_nproc():
    assert torchrun_cmd("scripts/train.py", 2) == "torchrun --standalone --nproc_per_node=2 scripts/train.py"


def test_torchrun_line_keeps_a_snakemake_placeholder_for_the_profile():
    assert "--nproc_per_node={resources.nproc}" in torchrun_cmd("s.py", "{resources.nproc}")


@pytest.mark.parametrize("nproc,launcher", [(1, "python -u"), (2, "torchrun --standalone --nproc_per_node=2")])
def test_one_process_starts_as_python_without_torchrun_also_when_the_profile_says_so_at_run_time(nproc, launcher):
    """torchrun's own start-up (a torch import, a rendezvous) buys nothing for one process: `python -u`,
    as torchrun starts its workers. A placeholder nproc is chosen by the job's shell, once Snakemake fills it in."""
    assert torchrun_cmd("s p.py", nproc) == f"{launcher} 's p.py'"
    line = torchrun_cmd("s p.py", "{resources.nproc}").format(resources=SimpleNamespace(nproc=nproc))
    argv = subprocess.run(["bash", "-c", f"printf '%s\\n' {line}"], capture_output=True, text=True, check=True)
    assert argv.stdout.splitlines() == [*launcher.split(), "s p.py"]


def test_logged_line_passes_log_and_attempt_to_the_wrapper():
    line = logged_cmd("/w/scripts/logged.sh", "python s.py --x 1")
    assert line == "bash /w/scripts/logged.sh {log:q} {resources.attempt} python s.py --x 1"


def logged(log: Path, attempt: int, *command: str) -> int:
    """One attempt as Snakemake runs it: the declared log deleted first."""
    log.unlink(missing_ok=True)
    return subprocess.run(["bash", str(LOGGED), str(log), str(attempt), *command]).returncode


def headers(log: Path) -> list[str]:
    return re.findall(r"^== attempt (\d): .* on \S+ ==$", log.read_text(), re.M)


def test_a_log_keeps_every_attempt_of_a_run_in_order(tmp_path):
    log = tmp_path / "job.log"
    assert logged(log, 1, "sh", "-c", "echo first try; exit 3") == 3
    assert logged(log, 2, "sh", "-c", "echo second try >&2; exit 1") == 1
    assert headers(log) == ["1", "2"] and "first try" in log.read_text() and "second try" in log.read_text()
    assert logged(log, 3, "echo", "done") == 0
    text = log.read_text()
    assert headers(log) == ["1", "2", "3"] and text.index("first try") < text.index("second try") < text.index("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.log"], "a success leaves only the log"


def test_a_new_run_starts_its_log_afresh(tmp_path):
    log = tmp_path / "job.log"
    logged(log, 1, "sh", "-c", "echo old run; exit 1")
    assert logged(log, 1, "echo", "new run") == 0
    assert headers(log) == ["1"] and "old run" not in log.read_text()


def test_a_cancelled_attempt_is_logged_and_kept_for_the_retry(tmp_path):
    """scancel sends SIGTERM: the command stops, the log is written, the retry gathers it."""
    log = tmp_path / "job.log"
    proc = subprocess.Popen(["bash", str(LOGGED), str(log), "1", "sh", "-c", "echo started; sleep 30"],
                            start_new_session=True)
    deadline = time.time() + 10
    while not (tmp_path / "job.log.attempt1").exists() or "started" not in (tmp_path / "job.log.attempt1").read_text():
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGTERM)  # SLURM signals every process of the job
    assert proc.wait(timeout=10) == 143
    assert "started" in log.read_text()
    assert logged(log, 2, "echo", "resumed") == 0
    assert headers(log) == ["1", "2"] and "started" in log.read_text()


def running(pid_file: Path, timeout: float = 10) -> int:
    """The pid the command wrote once it started."""
    deadline = time.time() + timeout
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.time() < deadline, "the command did not start"
        time.sleep(0.05)
    return int(pid_file.read_text())


def gone(pid: int, within: float = 10) -> bool:
    """Whether `pid` ended (or is a zombie) within `within` seconds."""
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signal_to_the_wrapper_alone_ends_its_command(tmp_path, sig):
    """A Snakemake that ends kills the wrapper, not its command: the command must not train on alone."""
    log, pid_file = tmp_path / "job.log", tmp_path / "pid"
    proc = subprocess.Popen(["bash", str(LOGGED), str(log), "1", "sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"])
    command = running(pid_file)
    try:
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == (143 if sig == signal.SIGTERM else -signal.SIGKILL)
        assert gone(command), "the command outlived scripts/logged.sh"
        if sig == signal.SIGTERM:
            assert headers(log) == ["1"], "the log is written once the command stopped"
    finally:
        try:
            os.kill(command, signal.SIGKILL)
        except ProcessLookupError:
            pass
