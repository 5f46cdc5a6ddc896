"""Profiles: the gres profile is generated from the main one, and the README's table matches it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
from make_gres_profile import render  # noqa: E402

SLURM = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())


def test_gres_profile_is_generated_from_the_slurm_profile():
    assert (REPO / "profiles/slurm-gres/config.yaml").read_text() == render(), \
        "profiles/slurm-gres is stale: run python tools/make_gres_profile.py"


def test_gres_profile_asks_gpus_only_for_gpu_partition_rules():
    gres = yaml.safe_load((REPO / "profiles/slurm-gres/config.yaml").read_text())
    for rule, res in gres["set-resources"].items():
        if res.get("slurm_partition") == "GPU":
            assert res["gpu"] == res.get("nproc", 1), rule
        else:
            assert "gpu" not in res, rule
    assert {k: v for k, v in gres.items() if k != "set-resources"} == \
        {k: v for k, v in SLURM.items() if k != "set-resources"}


def test_slurm_profile_asks_no_gres_and_runs_training_on_two_processes():
    for rule, res in SLURM["set-resources"].items():
        assert not {"gpu", "gres"} & set(res), rule
    assert SLURM["set-resources"]["train_textgen"]["nproc"] == 2
    assert "attempt" in str(SLURM["set-resources"]["train_textgen"]["runtime"])


def test_readme_resource_table_matches_the_slurm_profile():
    readme = (REPO / "README.md").read_text()
    table = readme.split("### Resources on the cluster", 1)[1].split("\n\n", 2)[1]
    rows = {m[1]: m for m in re.finditer(r"^\| `(\w+)` \| (\w+) \| ([^|]+) \| (\d+) \| ([^|]+) \| ([^|]+) \|$",
                                         table, re.M)}
    defaults = SLURM["default-resources"]
    assert set(rows) == set(SLURM["set-resources"])
    for rule, res in SLURM["set-resources"].items():
        row = rows[rule]
        assert row[2] == res.get("slurm_partition", defaults["slurm_partition"]), rule
        assert int(row[4]) == SLURM.get("set-threads", {}).get(rule, 1), rule
        assert row[5].strip().replace("`", "") == str(res.get("runtime", defaults["runtime"])), rule
        assert row[6].strip().replace("`", "") == str(res.get("mem_mb", defaults["mem_mb"])), rule


def _rules() -> set[str]:
    import subprocess

    out = subprocess.run([str(Path(sys.executable).parent / "snakemake"), "--list-rules", "--configfile",
                          "demo/config.yaml"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def test_every_profile_key_names_a_rule_of_the_workflow():
    """A misspelt rule in set-resources or set-threads is silently ignored by snakemake: the job would take
    the default partition and memory."""
    rules = _rules()
    assert {"train_textgen", "finetune_llm", "report_compare"} <= rules
    for path in sorted((REPO / "profiles").glob("*/config.yaml")):
        profile = yaml.safe_load(path.read_text())
        for key in ("set-resources", "set-threads"):
            unknown = set(profile.get(key) or {}) - rules
            assert not unknown, f"{path.relative_to(REPO)} {key} names no rule: {sorted(unknown)}"


def test_the_license_is_the_one_pyproject_names():
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License") and 'license = "MIT"' in (REPO / "pyproject.toml").read_text()


def _sbatch_extra(env: dict) -> str:
    """The profile's slurm_extra as the shell that calls sbatch expands it (snakemake first evaluates the
    resource as a Python expression: the outer quotes make it a string)."""
    import ast
    import subprocess

    extra = ast.literal_eval(SLURM["default-resources"]["slurm_extra"])
    return subprocess.run(["bash", "-c", f"echo {extra}"], env={"USER": "ana", **env}, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_jobs_mail_only_when_they_fail_unless_the_user_asks_for_more():
    assert _sbatch_extra({}) == "--mail-type=FAIL --mail-user=ana"
    assert _sbatch_extra({"NLPBENCH_MAIL": "a@cimat.mx", "NLPBENCH_MAIL_TYPE": "END,FAIL"}) == \
        "--mail-type=END,FAIL --mail-user=a@cimat.mx"


def test_the_profile_says_what_to_do_on_a_cluster_without_sacct():
    text = (REPO / "profiles/slurm/config.yaml").read_text()
    assert "# slurm-status-command: squeue" in text and "accounting storage is disabled" in text


def install(xdg: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "install-profile", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "XDG_CONFIG_HOME": str(xdg)})


def dry_run_with_profile(xdg: Path, name: str = "slurm") -> subprocess.CompletedProcess:
    """`snakemake --profile slurm -n` as typed at the repository root; forced (-f), so that a demo already
    run there (results/) still plans the job."""
    argv = ["results/data/lyrics/clean.txt", "-f", "--profile", name, "-n", "--configfile", "demo/config.yaml"]
    return subprocess.run([str(Path(sys.executable).parent / "snakemake"), *argv], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "XDG_CONFIG_HOME": str(xdg)})


def test_snakemake_profile_slurm_works_as_typed_after_make_install_profile(tmp_path):
    xdg = tmp_path / "config"
    before = dry_run_with_profile(xdg)
    assert before.returncode != 0 and "profile" in before.stderr  # a bare name is not looked up in profiles/
    first = install(xdg)
    assert first.returncode == 0, first.stderr
    link = xdg / "snakemake" / "slurm"
    assert link.is_symlink() and link.resolve() == (REPO / "profiles/slurm").resolve()
    again = install(xdg)
    assert again.returncode == 0 and "already links" in again.stdout and link.resolve() == (REPO / "profiles/slurm")
    proc = dry_run_with_profile(xdg)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Using profile slurm for setting default command line arguments" in proc.stdout + proc.stderr
    assert "slurm_partition=C1Mitad1" in proc.stdout


def test_install_profile_never_replaces_a_different_profile_of_that_name(tmp_path):
    xdg = tmp_path / "config"
    theirs = xdg / "snakemake" / "slurm"
    theirs.mkdir(parents=True)
    (theirs / "config.yaml").write_text("executor: slurm\njobs: 5\n")
    proc = install(xdg)
    assert proc.returncode != 0
    assert str(theirs) in proc.stderr and "snakemake --workflow-profile slurm" in proc.stderr
    assert "PROFILE_NAME=nlpbench-slurm" in proc.stderr
    assert (theirs / "config.yaml").read_text() == "executor: slurm\njobs: 5\n" and not theirs.is_symlink()
    other = install(xdg, "PROFILE_NAME=nlpbench-slurm")
    assert other.returncode == 0 and (xdg / "snakemake/nlpbench-slurm").resolve() == REPO / "profiles/slurm"
    gres = install(tmp_path / "c2", "PROFILE=slurm-gres")
    assert gres.returncode == 0 and (tmp_path / "c2/snakemake/slurm-gres").resolve() == REPO / "profiles/slurm-gres"
    missing = install(tmp_path / "c3", "PROFILE=nope")
    assert missing.returncode != 0 and "no profile 'nope'" in missing.stderr and "slurm-gres" in missing.stderr
