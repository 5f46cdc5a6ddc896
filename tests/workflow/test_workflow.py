"""Snakemake itself: lint, dry runs over both configs, the rule graph in docs/."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture
def workdir(tmp_path):
    """A run directory like a user's: the demo reachable at demo/, results written here."""
    (tmp_path / "demo").symlink_to(REPO / "demo")
    return tmp_path


@pytest.mark.parametrize("config", ["config.yaml", "demo/config.yaml"])
def test_lint_is_clean(config):
    proc = run_snakemake("--lint", "--configfile", str(REPO / config), cwd=REPO)
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout + proc.stderr


def test_full_study_dry_run_plans_every_data_job(tmp_path):
    """config.yaml as shipped, with placeholder inputs where the user puts the data."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "canciones.txt").write_text("placeholder")
    (tmp_path / "data" / "MeIA_2025_train.csv").write_text("placeholder")
    proc = run_snakemake("-n", "--configfile", str(REPO / "config.yaml"), cwd=tmp_path)
    jobs = _job_counts(proc.stdout)
    assert jobs["clean_lyrics"] == jobs["split_lyrics"] == jobs["split_reviews"] == 1
    assert "data/canciones.txt" in proc.stdout and "data/MeIA_2025_train.csv" in proc.stdout


def test_full_study_without_data_says_which_file_is_missing(tmp_path):
    proc = run_snakemake("-n", "--configfile", str(REPO / "config.yaml"), cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "data/canciones.txt" in proc.stdout + proc.stderr


def test_demo_dry_run(workdir):
    proc = run_snakemake("-n", "--configfile", "demo/config.yaml", cwd=workdir)
    assert _job_counts(proc.stdout)["total"] >= 4


def test_slurm_profile_sends_data_rules_to_the_cpu_partition_without_gres(workdir):
    """The profile parses and sets what the cluster needs (the real cluster runs in tests/slurm)."""
    proc = run_snakemake("-n", "--profile", str(REPO / "profiles" / "slurm"), "--configfile",
                         "demo/config.yaml", cwd=workdir)
    resources = dict(re.findall(r"^rule (\w+):\n(?:    .*\n)*?    resources: (.*)$", proc.stdout, re.M))
    for rule in ("clean_lyrics", "split_lyrics", "split_reviews", "report_partA"):
        assert "slurm_partition=C1Mitad1" in resources[rule] and "mem_mb=4000" in resources[rule]
        assert "nproc=1" in resources[rule]
    for rule in ("train_textgen", "train_context"):
        assert "slurm_partition=GPU" in resources[rule] and "nproc=2" in resources[rule]
    for rule in ("eval_textgen", "sample_textgen", "decoding_ablation"):
        assert "slurm_partition=GPU" in resources[rule] and "nproc=1" in resources[rule]
    for rule, res in resources.items():
        assert "gres" not in res and "--mail-type=${NLPBENCH_MAIL_TYPE:-FAIL}" in res, rule
    assert "torchrun --standalone --nproc_per_node=2" in proc.stdout


def test_a_dry_run_shows_the_threads_jobs_get_only_with_cores_as_the_readme_says(workdir):
    """A dry run plans with one core (--threads 1); with --cores it shows each rule's set-threads."""
    args = ("results/partA/models/lstm_char/seed42/summary.json", "-n", "-p", "--workflow-profile", "slurm",
            "--configfile", "demo/config.yaml")
    assert "--threads 1 " in run_snakemake(*args, cwd=workdir).stdout
    threads = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())["set-threads"]["train_textgen"]
    assert f"--threads {threads} " in run_snakemake(*args, "--cores", "64", cwd=workdir).stdout
    assert "snakemake\n--profile slurm -n -p --cores 64" in (REPO / "README.md").read_text()


@pytest.mark.parametrize("cpu_archs", [["cnn"], []])
def test_the_config_chooses_which_classifier_grids_train_on_a_cpu_node(workdir, cpu_archs):
    """classify.ablations.cpu_archs: their grid points go to C1Mitad1 as one CPU process, the rest hold a GPU node."""
    override = {"device": "cuda", "classify": {"ablations": {"cpu_archs": cpu_archs}}}
    (workdir / "cpu.yaml").write_text(yaml.safe_dump(override))
    proc = run_snakemake("-n", "-p", "--workflow-profile", "slurm", "--configfile", "demo/config.yaml", "cpu.yaml",
                         cwd=workdir)
    grid = yaml.safe_load((REPO / "demo/config.yaml").read_text())["classify"]["ablations"]["archs"]
    seen = set()
    for job in re.split(r"\n\[[^\n]+\]\n", proc.stdout):
        found = re.search(r"^rule (train_classifier_ablation\w*):$", job, re.M)
        if not found:
            continue
        arch = re.search(r"--arch (\w+)", job)[1]
        on_cpu = arch in cpu_archs
        seen.add(arch)
        assert found[1] == ("train_classifier_ablation_cpu" if on_cpu else "train_classifier_ablation"), arch
        resources = re.search(r"^    resources: (.*)$", job, re.M)[1]
        assert f"slurm_partition={'C1Mitad1' if on_cpu else 'GPU'}" in resources, (arch, resources)
        assert f"nproc={1 if on_cpu else 2}" in resources, (arch, resources)
        assert f"--device {'cpu' if on_cpu else 'cuda'} " in job, arch
    assert seen == set(grid)


def test_bad_config_value_stops_before_any_job_and_names_the_key(workdir):
    bad = workdir / "bad.yaml"
    bad.write_text(yaml.safe_dump({"textgen": {"archs": ["lstm", "transformer"]}}))
    proc = run_snakemake("-n", "--configfile", "demo/config.yaml", str(bad), cwd=workdir, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "config key 'textgen.archs[1]'" in out and "'transformer' is not one of" in out
    assert not (workdir / "results").exists()


def test_every_rule_has_log_conda_and_resources():
    """Conventions a cluster run depends on, read from the rule files themselves."""
    for smk in (REPO / "rules").glob("*.smk"):
        for name, body in re.findall(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)+)", smk.read_text(), re.M):
            if "shell:" in body or "script:" in body or "run:" in body:
                for directive in ("log:", "conda:", "resources:", "threads:"):
                    assert directive in body, f"rule {name} in {smk.name} lacks {directive}"
                assert "attempt=attempt," in body, f"rule {name}: its log header (scripts/logged.sh) needs it"
                assert "{log" not in body, f"rule {name}: python()/torchrun() write the log, every attempt"


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz not installed (make test installs it)")
def test_rulegraph_in_docs_is_current():
    """docs/rulegraph.svg must show every rule: refresh it with `make docs-dag`."""
    proc = run_snakemake("--rulegraph", "--configfile", str(REPO / "demo/config.yaml"), cwd=REPO)
    rules = set(re.findall(r'label = "(\w+)"', proc.stdout))
    assert {"clean_lyrics", "split_lyrics", "split_reviews"} <= rules
    svg = (REPO / "docs" / "rulegraph.svg").read_text()
    drawn = set(re.findall(r">(\w+)</text>", svg))
    assert rules == drawn, f"docs/rulegraph.svg is stale: run `make docs-dag` ({rules ^ drawn})"
    rendered = subprocess.run(["dot", "-Tsvg"], input=proc.stdout, capture_output=True, text=True)
    assert rendered.returncode == 0 and "<svg" in rendered.stdout


@pytest.mark.parametrize("dot", ["dot", "no-such-dot"])
def test_make_dag_draws_svg_with_graphviz_and_mermaid_without(tmp_path, dot):
    """`make dag` (tools/draw_dag.sh): where graphviz's dot cannot be had, Mermaid text instead of nothing."""
    if dot == "dot" and shutil.which("dot") is None:
        pytest.skip("graphviz not installed (make test installs it)")
    env = {**os.environ, "SNAKEMAKE": str(Path(sys.executable).parent / "snakemake"), "DOT": dot}
    proc = subprocess.run(["bash", "tools/draw_dag.sh", "demo/config.yaml", str(tmp_path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if dot == "dot":
        assert {p.name for p in tmp_path.iterdir()} == {"dag.svg", "rulegraph.svg"}
        assert "<svg" in (tmp_path / "rulegraph.svg").read_text()
    else:
        assert {p.name for p in tmp_path.iterdir()} == {"dag.mmd", "rulegraph.mmd"}
        graph = (tmp_path / "rulegraph.mmd").read_text()
        assert "flowchart" in graph and "[clean_lyrics]" in graph and "[report_compare]" in graph
        assert "rulegraph.mmd" in proc.stdout and "mermaid" in proc.stdout.lower()
    assert "tools/draw_dag.sh" in subprocess.run(["make", "-n", "dag"], cwd=REPO, capture_output=True,
                                                 text=True).stdout


def _job_counts(stdout: str) -> dict[str, int]:
    table = stdout.split("Job stats:", 1)[1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_a_config_without_its_inputs_names_the_key_before_any_job(tmp_path):
    """Outside the checkout there is no config.yaml: an unset input is named, with where to set it."""
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"data": {"lyrics": "l.txt"}}))
    proc = run_snakemake("-n", "--configfile", "c.yaml", cwd=tmp_path, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "config key 'data.reviews'" in out and "set it in config.yaml" in out
    assert not (tmp_path / "results").exists()


def test_make_report_only_reports_and_names_what_is_missing(workdir):
    """After a cluster run cut short, `make report` must not train on the login node."""
    import sys

    tool = REPO / "tools" / "report_ready.py"
    proc = subprocess.run([sys.executable, str(tool), "demo/config.yaml"], cwd=workdir, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "have not run: " in proc.stderr and "train_textgen (6)" in proc.stderr
    assert "snakemake --profile profiles/local --configfile demo/config.yaml" in proc.stderr
    assert not (workdir / "results").exists()
    makefile = (REPO / "Makefile").read_text()
    report = makefile[makefile.index("\nreport:"):].split("\n\n")[0]
    assert "tools/report_ready.py $(CONFIG)" in report and "--profile" not in report


def test_a_retried_job_keeps_every_attempt_in_its_log(workdir):
    """A retry appends under its own header: the first attempt's error is still there. A new run starts afresh."""
    (workdir / "bad.csv").write_text("Opinion,Stars\nbuena,5\n")
    (workdir / "bad.yaml").write_text(yaml.safe_dump({"data": {"reviews": "bad.csv"}}))
    args = ("results/data/reviews/label_map.json", "--configfile", "demo/config.yaml", "bad.yaml", "--cores", "1")
    proc = run_snakemake(*args, "--retries", "1", cwd=workdir, check=False)
    assert proc.returncode != 0
    log = (workdir / "results/logs/data/split_reviews.log").read_text()
    headers = re.findall(r"^== attempt (\d): .* on \S+ ==$", log, re.M)
    assert headers == ["1", "2"], log
    assert log.count("bad.csv") >= 2 and log.count("Review") >= 2, log  # each attempt's error, naming file and column
    run_snakemake(*args, cwd=workdir, check=False)
    log = (workdir / "results/logs/data/split_reviews.log").read_text()
    assert re.findall(r"^== attempt (\d)", log, re.M) == ["1"], log
