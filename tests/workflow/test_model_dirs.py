"""llm.base_model and encoder.base_model as the rules pass them: one argument whatever the path holds
(a space, `$(...)`), checked for what loading needs before anything is trained."""

import pytest
import yaml
from conftest import REPO, run_snakemake

from nlpbench.models import tiny_hf

pytestmark = pytest.mark.workflow
TEXTS = ["muy buena comida", "pésimo servicio, no vuelvo", "la luna llena sobre el mar"] * 4
LLM_DIR, ENCODER_DIR = "models/x$(touch PWNED)", "models/my model"
TARGETS = ["results/partA/models/llm_lora/seed42/summary.json", "results/partB/models/encoder/seed42/summary.json"]
LOGS = {"llm": "results/logs/partA/finetune_llm/llm_lora/seed42.log",
        "encoder": "results/logs/partB/finetune_encoder/encoder/seed42.log"}


def without_tokenizer(path):
    """A model directory as a partial download leaves it: config and weights, no tokenizer."""
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (path / name).unlink()


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("model_dirs")
    (work / "demo").symlink_to(REPO / "demo")
    without_tokenizer(tiny_hf.build_llama(TEXTS, work / LLM_DIR, vocab_size=300, hidden=16, layers=1, heads=2,
                                          kv_heads=1, intermediate=32))
    without_tokenizer(tiny_hf.build_deberta(TEXTS, work / ENCODER_DIR, num_labels=5, vocab_size=60, hidden=16,
                                            layers=1, heads=2, intermediate=32))
    (work / "models.yaml").write_text(yaml.safe_dump({"llm": {"base_model": LLM_DIR},
                                                      "encoder": {"base_model": ENCODER_DIR}}))
    proc = run_snakemake(*TARGETS, "--cores", "2", "--keep-going", "--configfile", "demo/config.yaml", "models.yaml",
                         cwd=work, check=False)
    return work, proc


def test_nothing_in_a_model_path_runs_as_a_command(failed_run):
    work, _ = failed_run
    assert not list(work.rglob("PWNED")) and not (REPO / "PWNED").exists()


@pytest.mark.parametrize("arm, path", [("llm", LLM_DIR), ("encoder", ENCODER_DIR)])
def test_each_job_stops_naming_the_config_key_the_path_and_the_missing_tokenizer(failed_run, arm, path):
    work, proc = failed_run
    error = f"config key '{arm}.base_model': the model directory {path} lacks tokenizer files (tokenizer.json"
    assert proc.returncode != 0 and f"warning: {error}" in proc.stderr  # said at once, before any job runs
    log = (work / LOGS[arm]).read_text()
    assert log.splitlines()[1].startswith(f"ERROR: {error}")  # after the attempt's header: no traceback before it
    assert "hf download" in log and "sentencepiece or tiktoken" not in log and "unrecognized arguments" not in log
    assert not any((work / "results").rglob("summary.json"))  # nothing trained on a default tokenizer
