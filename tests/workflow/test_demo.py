"""The whole demo DAG end to end, as `make demo` runs it, in a scratch directory."""

import csv
import json
import math

import pandas as pd
import pytest
import yaml
from conftest import REPO, run_snakemake

from nlpbench.lm.batching import read_songs

pytestmark = pytest.mark.workflow
DEMO = yaml.safe_load((REPO / "demo" / "config.yaml").read_text())
MODELS = [f"{arch}_{level}" for arch in DEMO["textgen"]["archs"] for level in DEMO["textgen"]["levels"]]
LLM = "llm_lora"
SEED = DEMO["seeds"][0]  # the demo trains every model once
RUN = f"seed{SEED}"


@pytest.fixture
def demo(demo_local):
    return demo_local


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", MODELS)
def test_each_recurrent_model_has_its_artifacts(demo, name):
    folder = demo / "partA" / "models" / name / RUN
    summary = load(folder / "summary.json")
    assert summary["seed"] == SEED and summary["device_name"]
    assert summary["params_total"] > 0 and summary["params_trainable"] == summary["params_total"]
    assert summary["device"] == "cpu" and summary["world_size"] == 1
    assert summary["best_val_bpc"] > 0 and summary["peak_memory_kind"] == "cpu_peak_rss"
    assert (summary["oov_rate_val"] is not None) == name.endswith("_word")
    log = pd.read_csv(folder / "trainlog.csv")
    assert list(log.columns) == ["epoch", "train_loss", "val_loss", "val_ppl", "val_bpc", "seconds",
                                 "tokens_per_s", "lr"]
    assert len(log) == summary["epochs_run"] >= 1
    assert (folder / f"sample_epoch{len(log)}.txt").exists()
    assert len(json.loads((folder / "vocab.json").read_text())["itos"]) == summary["vocab_size"]
    scores = load(folder / "eval.json")
    for split in ("val", "test"):
        assert scores[split]["bpc"] > 0 and scores[split]["ppl"] > 1
        assert scores[split]["bpc"] >= scores[split]["bpc_unk"]  # unknown tokens are paid for, never free
        songs = scores[split]["per_song"]
        assert len(songs["nll_nats"]) == len(songs["chars"]) == len(split_songs(demo, split))
        assert sum(songs["nll_nats"]) / (sum(songs["chars"]) * math.log(2)) == pytest.approx(scores[split]["bpc"])
    if name.endswith("_word"):
        assert scores["test"]["oov_tokens"] > 0 and scores["test"]["bpc"] > scores["test"]["bpc_unk"]
    assert scores["val"]["bpc"] == pytest.approx(summary["best_val_bpc"], rel=1e-6)


def split_songs(demo, split):
    return read_songs(demo / "data" / "lyrics" / f"{split}.txt")


def test_llm_arm_has_adapter_summary_and_fair_bits_per_char(demo):
    folder = demo / "partA" / "models" / LLM / RUN
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {p.name for p in (folder / "adapter").iterdir()}
    summary = load(folder / "summary.json")
    assert summary["family"] == "transformer" and summary["level"] == "subword" and summary["arch"] == "llama"
    assert 0 < summary["params_trainable"] < summary["params_total"]  # LoRA: the base stays frozen
    assert summary["seq_len"] == DEMO["llm"]["train"]["block_size"] and summary["best_val_bpc"] > 0
    scores = load(folder / "eval.json")
    assert scores["ppl_unit"] == "token"
    for split in ("val", "test"):
        assert scores[split]["bpc"] > 0 and scores[split]["ppl"] > 1
    assert scores["val"]["bpc"] == pytest.approx(summary["best_val_bpc"], rel=1e-4)
    assert scores["test"]["bpc"] == scores["test"]["bpc_unk"] and scores["test"]["oov_tokens"] == 0  # bytes
    for n in DEMO["llm"]["ablations"]["block_sizes"]:
        assert load(demo / "partA" / "ablations" / "context" / f"{LLM}_L{n}" / RUN / "summary.json")["seq_len"] == n


@pytest.mark.parametrize("name", MODELS + [LLM])
def test_each_model_generated_scored_songs(demo, name):
    folder = demo / "partA" / "models" / name / RUN
    songs = [json.loads(line) for line in (folder / "samples.jsonl").read_text().splitlines()]
    assert len(songs) == DEMO["textgen"]["sample"]["num_songs"] >= 3
    for song in songs:
        assert song["text"].strip() and song["tokens"] >= 8 and song["seconds"] > 0
        assert 0 <= song["distinct_2"] <= 1 and 0 <= song["copy_rate"] <= 1 and song["mean_nll"] > 0
    assert (folder / "samples.md").read_text().count("## Song") == len(songs)


def test_decoding_grid_has_one_row_per_setting(demo):
    grid = DEMO["textgen"]["ablations"]["decoding"]
    size = len(grid["temperature"]) * len(grid["top_p"]) * len(grid["top_k"])
    for name in MODELS + [LLM]:
        rows = pd.read_csv(demo / "partA" / "ablations" / "decoding" / name / f"{RUN}.csv")
        assert len(rows) == size and rows["mean_nll"].notna().all()


def test_context_ablation_trained_one_model_per_length(demo):
    ctx = DEMO["textgen"]["ablations"]["context"]
    for n in ctx["seq_lens"]:
        summary = load(demo / "partA" / "ablations" / "context" / f"{ctx['arch']}_{ctx['level']}_L{n}" / RUN /
                       "summary.json")
        assert summary["seq_len"] == n


def test_report_partA_tables_and_figures(demo):
    folder = demo / "partA" / "analysis"
    with open(folder / "metrics.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["name"] for r in rows) == sorted(MODELS + [LLM]) and {r["seed"] for r in rows} == {str(SEED)}
    assert all(float(r["generation_tokens_per_second"]) > 0 for r in rows)  # timed by sample_textgen
    table = (folder / "metrics.md").read_text()
    assert all(name in table for name in MODELS + [LLM]) and "bits per character" in table
    lines = [line for line in table.splitlines() if line.startswith("| ") and "Model" not in line]
    val = [float(line.split("|")[4]) for line in lines]  # sorted by validation, one seed: no ± shown
    assert val == sorted(val) and "One training seed per model" in table
    assert "reference" in lines[0] and "open-vocabulary" in table
    songs = pd.read_csv(folder / "song_scores.csv")
    assert set(songs["name"]) == set(MODELS + [LLM]) and set(songs["split"]) == {"val", "test"}
    for png in ("learning_curves", "bpc", "context_length", "decoding_heatmaps"):
        assert (folder / f"{png}.png").read_bytes()[:4] == b"\x89PNG"


def test_no_training_checkpoint_is_left_behind(demo):
    assert not list((demo / "checkpoints").rglob("last.pt"))


def test_second_run_has_nothing_to_do(demo):
    proc = run_snakemake("-n", "--configfile", "demo/config.yaml", cwd=demo.parent)
    assert "Nothing to be done" in proc.stdout + proc.stderr


CLASSIFIERS = DEMO["classify"]["archs"]
ENCODER = "encoder"


@pytest.mark.parametrize("name", [f"models/{a}" for a in CLASSIFIERS + [ENCODER]]
                         + ["baselines/majority", "baselines/tfidf_lr"])
def test_each_classifier_and_baseline_has_test_artifacts(demo, name):
    folder = demo / "partB" / name / (RUN if name.startswith("models/") else "")
    metrics = load(folder / "metrics_test.json")
    for key in ("accuracy", "macro_f1", "weighted_f1", "mae", "inference_reviews_per_s"):
        assert metrics[key] is not None, key
    assert metrics["n"] == len(pd.read_csv(demo / "data/reviews/test.csv"))
    cm = pd.read_csv(folder / "confusion_matrix.csv", index_col=0)
    assert cm.shape == (5, 5) and cm.to_numpy().sum() == metrics["n"]
    assert np_trace(cm) / metrics["n"] == pytest.approx(metrics["accuracy"])
    errors = pd.read_csv(folder / "errors.csv")
    assert len(errors) == metrics["n"] - np_trace(cm)
    assert "confused" in (folder / "error_analysis.md").read_text().lower()
    preds = pd.read_csv(folder / "predictions.csv")
    assert len(preds) == metrics["n"] and (preds["label"] != preds["prediction"]).sum() == len(errors)
    low, high = metrics["ci95"]["macro_f1"]
    assert low <= metrics["macro_f1"] <= high
    summary = load(folder / "summary.json")
    assert summary["best_val_macro_f1"] is not None and summary["params_total"] >= 0


def test_encoder_is_a_saved_transformer_classifier(demo):
    folder = demo / "partB" / "models" / ENCODER / RUN
    summary = load(folder / "summary.json")
    assert summary["family"] == "transformer" and summary["arch"] == "deberta-v2"
    assert len(json.loads((folder / "model" / "config.json").read_text())["id2label"]) == 5  # head from the label map


@pytest.mark.parametrize("arch", CLASSIFIERS + [ENCODER])
def test_classifier_trainlog_and_model_selection_on_val(demo, arch):
    folder = demo / "partB" / "models" / arch / RUN
    log = pd.read_csv(folder / "trainlog.csv")
    assert list(log.columns) == ["epoch", "train_loss", "val_loss", "val_accuracy", "val_macro_f1", "seconds",
                                 "reviews_per_s", "lr"]
    summary = load(folder / "summary.json")
    assert summary["best_val_macro_f1"] == pytest.approx(log["val_macro_f1"].max())


def test_classifier_ablation_grid_and_report(demo):
    grid = DEMO["classify"]["ablations"]
    for arch in grid["archs"]:
        for bs in grid["batch_sizes"]:
            for lr in grid["lrs"]:
                summary = load(demo / "partB" / "ablations" / arch / f"bs{bs}_lr{lr}" / RUN / "summary.json")
                assert summary["batch_size"] == bs and summary["lr"] == pytest.approx(lr)
    enc = DEMO["encoder"]["ablations"]
    for bs in enc["batch_sizes"]:
        for lr in enc["lrs"]:
            summary = load(demo / "partB" / "ablations" / ENCODER / f"bs{bs}_lr{lr}" / RUN / "summary.json")
            assert summary["batch_size"] == bs and summary["lr"] == pytest.approx(lr)
    folder = demo / "partB" / "analysis"
    table = pd.read_csv(folder / "metrics.csv")
    assert len(table) == len(CLASSIFIERS) + 1 + 2
    assert table["delta_ci_low"].notna().all() and (table["delta_ci_low"] <= table["delta_ci_high"]).all()
    assert table["reference"].nunique() == 1 and table["reference"].iloc[0] in ("majority", "tfidf_lr")
    preds = pd.read_csv(folder / "predictions.csv")
    assert set(preds["name"]) == set(table["name"]) and len(preds) == len(table) * table["n_test"].iloc[0]
    md = (folder / "metrics.md").read_text()
    lines = [line for line in md.splitlines() if line.startswith("| ") and "Model" not in line]
    val = [float(line.split("|")[5].split()[0]) for line in lines]
    assert val == sorted(val, reverse=True) and "validation" in md  # sorted on val, never on test
    for png in ("confusion_matrices", "learning_curves", "ablation_heatmaps"):
        assert (folder / f"{png}.png").read_bytes()[:4] == b"\x89PNG"


def test_comparison_picks_each_family_on_validation_and_gives_paired_intervals(demo):
    md = (demo / "comparison" / "comparison.md").read_text()
    a, b = (line for line in md.splitlines() if line.startswith("- **Part"))
    runs = pd.read_csv(demo / "partA" / "analysis" / "metrics.csv")
    recurrent = runs[runs["family"] == "recurrent"].groupby("name")["val_bpc"].mean().idxmin()
    assert f"`{recurrent}` (val bits per character" in a and "represents the recurrent models" in a
    classifiers = pd.read_csv(demo / "partB" / "analysis" / "metrics.csv")
    small = classifiers[classifiers["family"].isin(["recurrent", "convolutional"])]
    assert f"`{small.groupby('name')['best_val_macro_f1'].mean().idxmax()}` (val macro-F1" in b
    for line in (a, b):
        assert "chosen on validation" in line and "paired bootstrap over" in line
        assert "beats" in line or "cannot tell them apart" in line
    assert len(pd.read_csv(demo / "comparison" / "comparison.csv")) == len(runs) + len(classifiers)


def np_trace(frame) -> int:
    values = frame.to_numpy()
    return int(sum(values[i, i] for i in range(len(values))))


def test_one_html_report_holds_every_figure_and_table_captioned(demo):
    """What `make report` does after `make demo`: snakemake --report over the demo's results."""
    run_snakemake("--report", "report.html", "--configfile", "demo/config.yaml", cwd=demo.parent)
    html = (demo.parent / "report.html").read_text(errors="replace")
    for category in ("Data", "Part A", "Part B", "Comparison"):
        assert f'"{category}"' in html, category
    expected = ["stats.json", "length_hist.png", "split_stats.json", "metrics.csv", "learning_curves.png",
                "bpc.png", "context_length.png", "decoding_heatmaps.png", "confusion_matrices.png",
                "ablation_heatmaps.png", "error_analysis.md", "comparison.md", "quality_vs_cost.png",
                "params_vs_quality.png", "throughput.png"]
    for name in expected + [f"{m}/{RUN}/samples.md" for m in MODELS + [LLM]]:
        assert name in html, name
    # Captions say how things were measured (report/*.rst), e.g. the comparison's Pareto front.
    assert "Pareto front" in html and "bits per character" in html
    # The front page describes the study (report/workflow.rst), filled in from the config.
    assert f"Every trained model runs once per seed ({', '.join(map(str, DEMO['seeds']))})" in html
