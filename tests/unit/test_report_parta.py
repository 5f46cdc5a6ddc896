"""Part A report: table values come from the artifacts, figures are real PNGs, errors say who to rerun."""

import json
import math

import pandas as pd
import pytest

from conftest import run_script
from nlpbench import report_parta as rep
from nlpbench.errors import InputError

PNG = b"\x89PNG\r\n\x1a\n"
OOV_TEXT = "val/test words missing from the training vocabulary map to <unk> and count as tokens"


def write_model(root, arch, level, test_bpc, epochs=3, word_bpc_charged=None, device="cuda:0"):
    """A model directory as train_textgen and eval_textgen write it."""
    name = f"{arch}_{level}"
    d = root / name
    d.mkdir(parents=True)
    word = level == "word"
    summary = {"name": name, "arch": arch, "level": level, "family": "recurrent",
               "params_total": 3_400_000, "params_trainable": 3_400_000, "best_epoch": epochs,
               "best_val_loss": 1.2, "best_val_ppl": 3.3, "best_val_bpc": test_bpc - 0.02,
               "oov_rate_val": 0.03 if word else None, "train_seconds": 754.2,
               "tokens_per_second": 51234.0, "peak_memory_mb": 1834.5,
               "peak_memory_kind": "cuda_max_allocated", "device": device, "world_size": 1,
               "seq_len": 128, "vocab_size": 9000 if word else 96, "config": {"lr": 0.002},
               "some_future_key": [1, 2]}
    split = lambda bpc: {"loss": 1.1, "ppl": 180.5 if word else 3.1, "bpc": bpc,  # noqa: E731
                         "bpc_oov_charged": word_bpc_charged if word else None,
                         "tokens": 1000, "chars": 5200, "oov_rate": 0.031 if word else None}
    ev = {"name": name, "ppl_unit": level, "oov_counting": OOV_TEXT if word else None, "device": device,
          "val": split(test_bpc - 0.01), "test": split(test_bpc)}
    (d / "summary.json").write_text(json.dumps(summary))
    (d / "eval.json").write_text(json.dumps(ev))
    write_trainlog(d, epochs)
    return d


def write_trainlog(d, epochs):
    rows = [{"epoch": e, "train_loss": 2.0 / e, "val_loss": 2.1 / e + 0.05 * (e == epochs),
             "val_ppl": math.exp(2.1 / e), "val_bpc": 3.0 / e, "seconds": 250.0,
             "tokens_per_s": 50000.0, "lr": 0.002} for e in range(1, epochs + 1)]
    pd.DataFrame(rows).to_csv(d / "trainlog.csv", index=False)


def write_context_run(root, seq_len, bpc, seconds):
    d = root / f"lstm_char_L{seq_len}"
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({
        "name": d.name, "arch": "lstm", "level": "char", "seq_len": seq_len,
        "best_val_bpc": bpc, "best_val_ppl": 2 ** bpc, "train_seconds": seconds,
        "tokens_per_second": 40000.0}))
    write_trainlog(d, 2)
    return d


def write_decoding(root, name, nll_missing=False):
    rows = [{"temperature": t, "top_p": p, "top_k": k, "samples": 3, "distinct_1": 0.4,
             "distinct_2": 0.5 * t + 0.1 * p, "distinct_3": 0.8, "repetition_4gram": 0.3 / t,
             "copy_rate": 0.1 * p, "mean_nll": float("nan") if nll_missing else 1.5 * t,
             "mean_tokens": 400} for t in (0.5, 0.8, 1.2) for p in (0.9, 1.0) for k in (0, 40)]
    rows.append({**rows[0], "top_k": 0})  # a repeated grid point: averaged, not a crash
    root.mkdir(exist_ok=True)
    path = root / f"{name}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def artifacts(tmp_path):
    models = tmp_path / "models"
    dirs = [write_model(models, "lstm", "char", 1.95),
            write_model(models, "gru", "word", 1.80, word_bpc_charged=2.10),
            write_model(models, "rnn", "char", 2.40, device="cpu")]
    ctx = [write_context_run(tmp_path / "context", 64, 2.1, 300.0),
           write_context_run(tmp_path / "context", 256, 1.9, 900.0)]
    dec = [write_decoding(tmp_path / "decoding", "lstm_char"),
           write_decoding(tmp_path / "decoding", "gru_word", nll_missing=True)]
    return {"models": dirs, "context": ctx, "decoding": dec, "tmp": tmp_path}


def test_metrics_come_from_the_files_sorted_by_test_bpc(artifacts):
    df = rep.load_models(artifacts["models"])
    assert list(df["name"]) == ["gru_word", "lstm_char", "rnn_char"]
    assert set(rep.MODEL_COLUMNS) <= set(df.columns)
    gru = df.iloc[0]
    assert gru["test_bpc"] == 1.80 and gru["val_bpc"] == pytest.approx(1.79)
    assert gru["test_ppl"] == 180.5 and gru["ppl_unit"] == "word"
    assert gru["test_bpc_oov_charged"] == 2.10 and gru["oov_rate"] == 0.031
    assert df.loc[1, "params_total"] == 3_400_000 and df.loc[1, "peak_memory_kind"] == "cuda_max_allocated"
    assert math.isnan(df.loc[1, "oov_rate"]) and math.isnan(df.loc[1, "test_bpc_oov_charged"])
    assert df.loc[2, "device"] == "cpu"


def test_markdown_table_is_sorted_and_explains_units_oov_and_devices(artifacts):
    md = rep.metrics_table(rep.load_models(artifacts["models"]))
    table_rows = [line for line in md.splitlines() if line.startswith("| ") and "Model" not in line]
    assert [row.split("|")[1].strip() for row in table_rows] == ["gru_word", "lstm_char", "rnn_char"]
    assert "180.50 /word" in md and "3.10 /char" in md and "1.800 (2.100)" in md
    assert "not comparable across levels" in md and "same raw text" in md
    assert OOV_TEXT.replace("<unk>", "&lt;unk&gt;") in md and "Device column" in md  # not eaten as HTML
    assert "12m 34s" in md and "1,834 MB GPU" in md


def test_every_figure_is_a_png(artifacts):
    out = artifacts["tmp"] / "out"
    df = rep.load_models(artifacts["models"])
    rep.plot_learning_curves(artifacts["models"], out / "curves.png")
    rep.plot_bpc(df, out / "bpc.png")
    rep.plot_context(artifacts["context"], out / "context.png")
    rep.plot_decoding(artifacts["decoding"], out / "decoding.png")
    for name in ("curves", "bpc", "context", "decoding"):
        assert (out / f"{name}.png").read_bytes()[:8] == PNG
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_context_rows_come_from_summaries(artifacts):
    runs = rep.load_context(artifacts["context"])
    assert list(runs["seq_len"]) == [64, 256] and list(runs["val_bpc"]) == [2.1, 1.9]
    assert set(runs["group"]) == {"lstm_char"}


def test_decoding_uses_the_most_common_top_k():
    grid = pd.DataFrame({"top_k": [0, 0, 40, 40, 40]})
    assert rep.most_common_top_k(grid) == 40
    assert rep.most_common_top_k(pd.DataFrame({"top_k": [40, 0]})) == 0  # tie: smallest


def test_single_model_single_epoch_and_missing_values(tmp_path):
    d = write_model(tmp_path, "lstm", "char", 2.0, epochs=1)
    summary = json.loads((d / "summary.json").read_text())
    summary.update(train_seconds=None, peak_memory_mb=None, tokens_per_second=None, family=None)
    (d / "summary.json").write_text(json.dumps(summary))
    ev = json.loads((d / "eval.json").read_text())
    ev["val"]["bpc"] = None
    (d / "eval.json").write_text(json.dumps(ev))

    df = rep.load_models([d])
    md = rep.metrics_table(df)
    assert "| lstm_char |" in md and "–" in md and "no word-level model" in md
    rep.plot_learning_curves([d], tmp_path / "c.png")
    rep.plot_bpc(df, tmp_path / "b.png")
    rep.plot_context([d], tmp_path / "x.png")  # one run: one point
    rep.plot_decoding([], tmp_path / "d.png")
    for name in "cbxd":
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize("filename, rule", [("summary.json", "train_textgen"),
                                            ("eval.json", "eval_textgen"),
                                            ("trainlog.csv", "train_textgen")])
def test_missing_file_names_the_file_and_the_rule(tmp_path, filename, rule):
    d = write_model(tmp_path, "gru", "char", 2.0)
    (d / filename).unlink()
    with pytest.raises(InputError) as err:
        rep.load_models([d]) if filename != "trainlog.csv" else rep.load_trainlogs([d])
    assert str(d / filename) in str(err.value) and f"rule {rule}" in str(err.value)


def test_broken_json_and_missing_columns_are_input_errors(tmp_path):
    d = write_model(tmp_path, "gru", "char", 2.0)
    (d / "eval.json").write_text("{not json")
    with pytest.raises(InputError, match="not readable JSON"):
        rep.load_models([d])
    bad = tmp_path / "bad.csv"
    bad.write_text("temperature,top_p\n1.0,0.9\n")
    with pytest.raises(InputError, match="missing column.*top_k"):
        rep.load_decoding([bad])


def test_eval_of_another_model_is_refused(tmp_path):
    d = write_model(tmp_path, "gru", "char", 2.0)
    ev = json.loads((d / "eval.json").read_text())
    ev["name"] = "lstm_char"
    (d / "eval.json").write_text(json.dumps(ev))
    with pytest.raises(InputError, match="is for model 'lstm_char'"):
        rep.load_models([d])


def test_script_writes_all_six_outputs(artifacts):
    out = artifacts["tmp"] / "report"
    proc = run_script("report_partA.py", "--models", *map(str, artifacts["models"]),
                      "--context", *map(str, artifacts["context"]),
                      "--decoding", *map(str, artifacts["decoding"]), "--outdir", str(out))
    assert proc.returncode == 0, proc.stderr
    csv = pd.read_csv(out / "metrics.csv")
    assert list(csv["name"]) == ["gru_word", "lstm_char", "rnn_char"] and csv.loc[0, "test_bpc"] == 1.80
    assert "not comparable across levels" in (out / "metrics.md").read_text(encoding="utf-8")
    for png in ("learning_curves", "bpc", "context_length", "decoding_heatmaps"):
        assert (out / f"{png}.png").read_bytes()[:8] == PNG


def test_script_without_ablations_still_writes_every_figure(artifacts):
    out = artifacts["tmp"] / "report"
    proc = run_script("report_partA.py", "--models", str(artifacts["models"][0]), "--context",
                      "--outdir", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["metrics.csv", "metrics.md", "learning_curves.png", "bpc.png", "context_length.png",
         "decoding_heatmaps.png"])


def test_script_bad_input_exits_2_and_writes_nothing(artifacts):
    (artifacts["models"][1] / "eval.json").unlink()
    out = artifacts["tmp"] / "report"
    proc = run_script("report_partA.py", "--models", *map(str, artifacts["models"]),
                      "--decoding", *map(str, artifacts["decoding"]), "--outdir", str(out))
    assert proc.returncode == 2
    assert proc.stderr.startswith("ERROR: ") and "eval.json" in proc.stderr and "eval_textgen" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_missing_ablation_inputs_name_their_rules(artifacts):
    (artifacts["context"][0] / "summary.json").unlink()
    with pytest.raises(InputError, match="rule train_context"):
        rep.load_context(artifacts["context"])
    with pytest.raises(InputError, match="rule decoding_ablation"):
        rep.load_decoding([artifacts["tmp"] / "decoding" / "absent.csv"])


def test_generation_rate_is_tokens_over_the_timed_seconds(tmp_path):
    from nlpbench.report_parta import generation_rate
    path = tmp_path / "samples.jsonl"
    assert generation_rate(path) is None  # not sampled
    path.write_text('{"tokens": 30, "seconds": 0.5}\n{"tokens": 90, "seconds": 1.5}\n')
    assert generation_rate(path) == pytest.approx(60.0)
    path.write_text('{"tokens": 30}\n')  # written before songs were timed
    assert generation_rate(path) is None
