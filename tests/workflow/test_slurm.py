"""The demo's DAG through a real SLURM cluster (tests/slurm/cluster.sh), with the users' profile.

`snakemake --profile slurm`, as the users type it, after `make install-profile`;
the run directory's profiles/default fits sizes to the one test node's slots
(write_cluster_fit in tests/conftest.py): partitions, nproc, retries and mail are
the users'. Each job's log records its SLURM partition (nlpbench.core.cli), which
is how the routing is checked. Every rule of the demo runs, with fewer models
(tests/slurm/fewer_models.yaml); those it trains equal their twins of the local
demo run.
"""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, install_profile, run_snakemake, write_cluster_fit
from snakemake.utils import update_config

pytestmark = pytest.mark.workflow
PROFILE = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
FEWER = REPO / "tests" / "slurm" / "fewer_models.yaml"
CONFIG = ("--configfile", "demo/config.yaml", str(FEWER))  # the config this module's cluster run has
RAN = yaml.safe_load((REPO / "demo" / "config.yaml").read_text())
update_config(RAN, yaml.safe_load(FEWER.read_text()))  # as Snakemake merges the two files
RUN = f"seed{RAN['seeds'][0]}"


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory):
    """The whole demo through SLURM; returns the run directory."""
    work = tmp_path_factory.mktemp("demo_slurm")
    (work / "demo").symlink_to(REPO / "demo")
    env = install_profile(work / "xdg")
    write_cluster_fit(work)
    proc = run_snakemake("--profile", "slurm", *CONFIG, cwd=work, timeout=1800, env=env)
    (work / "snakemake.out").write_text(proc.stdout + proc.stderr)
    return work


def profile_partition(rule: str) -> str:
    return PROFILE["set-resources"].get(rule, {}).get("slurm_partition",
                                                      PROFILE["default-resources"]["slurm_partition"])


def job_logs(results: Path) -> dict[str, list[Path]]:
    """Rule name -> the logs of its jobs (results/logs/<stage>/<rule>.log or <rule>/<wildcards>.log)."""
    logs: dict[str, list[Path]] = {}
    for path in (results / "logs").rglob("*.log"):
        parts = path.relative_to(results / "logs").parts  # (stage, rule.log) or (stage, rule, ...)
        rule = parts[1] if len(parts) > 2 else Path(parts[1]).stem
        logs.setdefault(rule, []).append(path)
    return logs


def slurm_line(log: Path) -> dict:
    match = re.search(r"^slurm: job (\d+) partition (\S+) node \S+ cpus_per_task (\S+) world_size (\d+)",
                      log.read_text(), re.M)
    assert match, f"{log} has no slurm line: the job did not run inside SLURM"
    return {"job": match[1], "partition": match[2], "cpus": match[3], "world": int(match[4])}


def test_every_job_finished(slurm_run):
    out = (slurm_run / "snakemake.out").read_text()
    assert "Using profiles slurm and workflow specific profile profiles/default" in out
    done = re.search(r"(\d+) of (\d+) steps \(100%\) done", out)
    assert done and done[1] == done[2]
    assert "Error in rule" not in out


def test_each_job_ran_in_the_partition_its_profile_names(slurm_run):
    logs = job_logs(slurm_run / "results")
    assert {"clean_lyrics", "split_lyrics", "split_reviews", "train_textgen", "eval_textgen",
            "report_partA"} <= set(logs)
    seen = {}
    for rule, paths in logs.items():
        for log in paths:
            seen.setdefault(rule, set()).add(slurm_line(log)["partition"])
    for rule, partitions in seen.items():
        assert partitions == {profile_partition(rule)}, rule
    cpu_rules = [r for r in seen if profile_partition(r) == "C1Mitad1"]
    assert cpu_rules and all("GPU" not in seen[r] for r in cpu_rules)


def test_gpu_rules_ran_under_torchrun_with_two_processes(slurm_run):
    logs = job_logs(slurm_run / "results")
    for rule in ("train_textgen", "train_classifier", "train_classifier_ablation", "finetune_llm",
                 "finetune_encoder"):
        for path in logs[rule]:
            assert slurm_line(path)["world"] == 2, path
    for name in (f"{a}_{lvl}" for a in RAN["textgen"]["archs"] for lvl in RAN["textgen"]["levels"]):
        summary = json.loads((slurm_run / "results/partA/models" / name / RUN / "summary.json").read_text())
        assert summary["world_size"] == 2, name


def test_cluster_outputs_equal_a_local_run(slurm_run, demo_local):
    cluster = slurm_run / "results"
    for split in ("train", "val", "test"):
        for name in (f"data/lyrics/{split}.txt", f"data/reviews/{split}.csv"):
            assert (cluster / name).read_bytes() == (demo_local / name).read_bytes()
    textgen = list((cluster / "partA" / "models").glob(f"*/{RUN}"))
    assert len(textgen) == len(RAN["textgen"]["archs"]) * len(RAN["textgen"]["levels"]) + 1  # and the LLM
    for twin in textgen:
        model = demo_local / twin.relative_to(cluster)
        one, two = pd.read_csv(model / "trainlog.csv"), pd.read_csv(twin / "trainlog.csv")
        for col in ("train_loss", "val_loss", "val_bpc"):
            assert two[col].tolist() == pytest.approx(one[col].tolist(), rel=1e-4), (model, col)
        a = json.loads((model / "eval.json").read_text())
        b = json.loads((twin / "eval.json").read_text())
        assert b["test"]["bpc"] == pytest.approx(a["test"]["bpc"], rel=1e-4), model
    classifiers = list((cluster / "partB" / "models").glob(f"*/{RUN}"))
    assert len(classifiers) == len(RAN["classify"]["archs"]) + 1  # and the encoder
    for twin in classifiers:
        one = pd.read_csv(demo_local / twin.relative_to(cluster) / "trainlog.csv")
        two = pd.read_csv(twin / "trainlog.csv")
        for col in ("train_loss", "val_loss"):
            assert two[col].tolist() == pytest.approx(one[col].tolist(), rel=1e-4), (twin, col)


def test_targeted_reexecution_reruns_only_that_rule_and_its_dependants(slurm_run):
    dry = run_snakemake("-n", "-R", "eval_textgen", *CONFIG, cwd=slurm_run)
    models = len(RAN["textgen"]["archs"]) * len(RAN["textgen"]["levels"])
    assert _jobs(dry.stdout) == {"eval_textgen": models, "report_partA": 1, "report_compare": 1, "all": 1}
    target = run_snakemake("-n", "-f", f"results/partA/models/lstm_char/{RUN}/eval.json", *CONFIG, cwd=slurm_run)
    assert _jobs(target.stdout) == {"eval_textgen": 1}
    before = (slurm_run / f"results/partA/models/lstm_char/{RUN}/summary.json").stat().st_mtime
    proc = run_snakemake("-R", "report_partA", "--profile", "slurm", *CONFIG, cwd=slurm_run,
                         env={"XDG_CONFIG_HOME": str(slurm_run / "xdg")})
    out = proc.stdout + proc.stderr
    # report_partA and the comparison that reads its table; nothing upstream.
    assert len(re.findall(r"has been submitted with SLURM jobid", out)) == 2
    assert "rule report_partA:" in out and "rule report_compare:" in out
    assert (slurm_run / f"results/partA/models/lstm_char/{RUN}/summary.json").stat().st_mtime == before


def test_until_and_single_targets_plan_only_what_they_need(tmp_path):
    (tmp_path / "demo").symlink_to(REPO / "demo")
    until = run_snakemake("-n", "--until", "split_lyrics", "--configfile", "demo/config.yaml", cwd=tmp_path)
    assert _jobs(until.stdout) == {"clean_lyrics": 1, "split_lyrics": 1}
    one = run_snakemake("-n", f"results/partA/models/gru_word/{RUN}/eval.json", "--configfile", "demo/config.yaml",
                        cwd=tmp_path)
    assert _jobs(one.stdout) == {"clean_lyrics": 1, "split_lyrics": 1, "train_textgen": 1, "eval_textgen": 1}


def test_report_after_a_cluster_run(slurm_run):
    run_snakemake("--report", "report.html", *CONFIG, cwd=slurm_run)
    html = (slurm_run / "report.html").read_text(errors="replace")
    assert "Part A" in html and "Data" in html


def _jobs(stdout: str) -> dict[str, int]:
    table = stdout.split("Job stats:", 1)[1].split("Reasons:", 1)[0] if "Job stats:" in stdout else ""
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}
