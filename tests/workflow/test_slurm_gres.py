"""profiles/slurm-gres through the test cluster: GPUs are allocated by SLURM (gres), not assumed.

Its own module so that it runs on its own xdist worker, beside the demo through the
same cluster (tests/workflow/test_slurm.py).
"""

import re

import pytest
import yaml
from conftest import REPO, install_profile, run_snakemake, write_cluster_fit

pytestmark = pytest.mark.workflow
RUN = f"seed{yaml.safe_load((REPO / 'demo' / 'config.yaml').read_text())['seeds'][0]}"


def test_the_gres_profile_gets_gpus_allocated_by_slurm(slurm_cluster, tmp_path):
    """profiles/slurm-gres asks --gpus=2 for training; the test node's two (fake) GPUs are allocated."""
    (tmp_path / "demo").symlink_to(REPO / "demo")
    # The lyrics' data rules run here; the reviews' split (CPU partition) and the training (GPU) in SLURM.
    run_snakemake("split_lyrics", "--cores", "1", "--configfile", "demo/config.yaml", cwd=tmp_path)
    env = install_profile(tmp_path / "xdg", source="slurm-gres")
    write_cluster_fit(tmp_path, source="slurm-gres")
    run_snakemake(f"results/partA/models/lstm_char/{RUN}/summary.json", "results/data/reviews/stats.json",
                  "--profile", "slurm-gres", "--configfile", "demo/config.yaml", cwd=tmp_path, timeout=900, env=env)
    log = (tmp_path / f"results/logs/partA/train_textgen/lstm_char/{RUN}.log").read_text()
    assert re.search(r"^slurm: .* partition GPU .* world_size 2 gpus 0,1$", log, re.M), log[:500]
    data_log = (tmp_path / "results/logs/data/split_reviews.log").read_text()
    assert re.search(r"^slurm: .* partition C1Mitad1 .* gpus none$", data_log, re.M)
