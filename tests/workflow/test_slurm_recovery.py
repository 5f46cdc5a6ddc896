"""A training job cancelled by SLURM mid-run: the profile's retry resubmits it and it resumes.

Its own module so that it runs on its own xdist worker, beside the demo through the
same cluster (tests/workflow/test_slurm.py).
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO, install_profile, run_snakemake, write_cluster_fit

pytestmark = pytest.mark.workflow
RUN = f"seed{yaml.safe_load((REPO / 'demo' / 'config.yaml').read_text())['seeds'][0]}"


def test_a_training_job_cancelled_by_slurm_resumes_and_the_workflow_completes(slurm_cluster, tmp_path):
    """scancel mid-training: the profile's retry resubmits the job, which resumes from last.pt."""
    (tmp_path / "demo").symlink_to(REPO / "demo")
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(
        {"textgen": {"archs": ["lstm"], "levels": ["char"], "train": {"epochs": 8}}}))
    run_snakemake("split_lyrics", "--cores", "1", "--configfile", "demo/config.yaml", "long.yaml", cwd=tmp_path)
    env = {**os.environ, **install_profile(tmp_path / "xdg")}  # the training job alone goes to SLURM
    write_cluster_fit(tmp_path)
    target = f"results/partA/models/lstm_char/{RUN}/summary.json"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(REPO / "Snakefile"),
                             target, "--profile", "slurm", "--configfile", "demo/config.yaml", "long.yaml"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = tmp_path / f"results/checkpoints/partA/models/lstm_char/{RUN}/last.pt"
    cancelled = _cancel_when_checkpointed(last, tmp_path, proc)
    out, _ = proc.communicate(timeout=900)
    assert cancelled, "the training job finished before it could be cancelled"
    assert proc.returncode == 0, out[-4000:]
    summary = json.loads((tmp_path / target).read_text())
    assert summary["resumed_from_epoch"] >= 1 and summary["epochs_run"] == 8
    assert re.search(r"SLURM-job '\d+' failed, SLURM status is: 'CANCELLED'", out)
    log = (tmp_path / f"results/logs/partA/train_textgen/lstm_char/{RUN}.log").read_text()
    attempts = re.findall(r"^== attempt (\d): .*, SLURM job \d+ ==$", log, re.M)
    assert attempts == ["1", "2"], log[:2000]  # the cancelled attempt's log is kept


def _cancel_when_checkpointed(last: Path, workdir: Path, proc, timeout: float = 600) -> bool:
    """scancel this run's training job once `last` holds epoch 1; only jobs started in `workdir`, as
    other tests share the cluster."""
    import torch
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if last.exists():
            try:
                epoch = torch.load(last, weights_only=True)["epoch"]
            except Exception:  # noqa: BLE001 - being replaced at this instant
                epoch = 0
            if epoch >= 1:
                jobs = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i|%k|%Z"], capture_output=True,
                                      text=True).stdout.splitlines()
                ids = [job for job, comment, cwd in (line.split("|", 2) for line in jobs)
                       if "train_textgen" in comment and Path(cwd) == workdir]
                if ids:
                    subprocess.run(["scancel", *ids], check=True)
                    return True
        time.sleep(0.2)
    return False
