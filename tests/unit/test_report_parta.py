"""Part A report: table values come from the artifacts, sorted on validation, carrying seeds and paired
intervals; figures are real PNGs; errors say who to rerun."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import run_script

from nlpbench.core.errors import InputError
from nlpbench.lm.batching import songs_digest
from nlpbench.report import parta as rep

PNG = b"\x89PNG\r\n\x1a\n"
OOV_TEXT = "val/test words missing from the training vocabulary map to <unk> and count as tokens"
SONGS = 40  # test songs of the fixture, each of 100 characters


def song_block(bpc, chars=100, spread=0.0, seed=0, unk_gap=0.0):
    """A split's eval.json block whose per-song NLLs add up to `bpc` over SONGS songs."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, spread, SONGS) if spread else np.zeros(SONGS)
    nll = bpc * chars * math.log(2) + noise - noise.mean()
    return {"loss": 1.1, "bpc": bpc, "bpc_unk": bpc - unk_gap, "tokens": 1000, "chars": chars * SONGS,
            "per_song": {"digest": songs_digest([f"song {i}" for i in range(SONGS)]),
                         "nll_nats": nll.tolist(), "chars": [chars] * SONGS}}


def write_model(root, arch, level, test_bpc, epochs=3, val_bpc=None, seed=42, unk_gap=0.0, device="cuda:0",
                spread=0.0, noise=None):
    """One run directory (model x seed) as train_textgen and eval_textgen write it."""
    name = f"{arch}_{level}"
    d = root / name / f"seed{seed}"
    d.mkdir(parents=True)
    word = level == "word"
    val_bpc = test_bpc - 0.01 if val_bpc is None else val_bpc
    summary = {"name": name, "seed": seed, "arch": arch, "level": level, "family": "recurrent",
               "params_total": 3_400_000, "params_trainable": 3_400_000, "best_epoch": epochs,
               "best_val_loss": 1.2, "best_val_ppl": 3.3, "best_val_bpc": val_bpc,
               "oov_rate_val": 0.03 if word else None, "train_seconds": 754.2,
               "tokens_per_second": 51234.0, "peak_memory_mb": 1834.5,
               "peak_memory_kind": "cuda_max_allocated", "device": device, "device_name": "Test GPU",
               "world_size": 1, "seq_len": 128, "vocab_size": 9000 if word else 96, "config": {"lr": 0.002},
               "some_future_key": [1, 2]}
    ppl = 180.5 if word else 3.1
    ev = {"name": name, "seed": seed, "ppl_unit": level, "oov_counting": OOV_TEXT if word else None,
          "device": device,
          "val": {**song_block(val_bpc, unk_gap=unk_gap), "ppl": ppl, "oov_rate": 0.031 if word else None},
          "test": {**song_block(test_bpc, spread=spread, seed=seed if noise is None else noise, unk_gap=unk_gap),
                   "ppl": ppl,
                   "oov_rate": 0.031 if word else None}}
    (d / "summary.json").write_text(json.dumps(summary))
    (d / "eval.json").write_text(json.dumps(ev))
    write_trainlog(d, epochs)
    return d


def write_trainlog(d, epochs):
    rows = [{"epoch": e, "train_loss": 2.0 / e, "val_loss": 2.1 / e + 0.05 * (e == epochs),
             "val_ppl": math.exp(2.1 / e), "val_bpc": 3.0 / e, "seconds": 250.0,
             "tokens_per_s": 50000.0, "lr": 0.002} for e in range(1, epochs + 1)]
    pd.DataFrame(rows).to_csv(d / "trainlog.csv", index=False)


def write_context_run(root, seq_len, bpc, seconds, seed=42):
    d = root / f"lstm_char_L{seq_len}" / f"seed{seed}"
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({
        "name": f"lstm_char_L{seq_len}", "seed": seed, "arch": "lstm", "level": "char", "seq_len": seq_len,
        "best_val_bpc": bpc, "best_val_ppl": 2 ** bpc, "train_seconds": seconds,
        "tokens_per_second": 40000.0}))
    write_trainlog(d, 2)
    return d


def write_decoding(root, name, seed=42, nll_missing=False):
    rows = [{"temperature": t, "top_p": p, "top_k": k, "samples": 3, "distinct_1": 0.4,
             "distinct_2": 0.5 * t + 0.1 * p + 0.01 * seed, "distinct_3": 0.8, "repetition_4gram": 0.3 / t,
             "copy_rate": 0.1 * p, "mean_nll": float("nan") if nll_missing else 1.5 * t,
             "mean_tokens": 400} for t in (0.5, 0.8, 1.2) for p in (0.9, 1.0) for k in (0, 40)]
    rows.append({**rows[0], "top_k": 0})  # a repeated grid point: averaged, not a crash
    (root / name).mkdir(parents=True, exist_ok=True)
    path = root / name / f"seed{seed}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def artifacts(tmp_path):
    models = tmp_path / "models"
    dirs = [write_model(models, "lstm", "char", 1.95),
            write_model(models, "gru", "word", 1.80, unk_gap=0.3),
            write_model(models, "rnn", "char", 2.40, device="cpu")]
    ctx = [write_context_run(tmp_path / "context", 64, 2.1, 300.0),
           write_context_run(tmp_path / "context", 256, 1.9, 900.0)]
    dec = [write_decoding(tmp_path / "decoding", "lstm_char"),
           write_decoding(tmp_path / "decoding", "gru_word", nll_missing=True)]
    return {"models": dirs, "context": ctx, "decoding": dec, "tmp": tmp_path}


def data_rows(md):
    return [line for line in md.splitlines() if line.startswith("| ") and "Model" not in line]


def test_metrics_come_from_the_files_in_validation_order(artifacts):
    df = rep.load_models(artifacts["models"])
    assert list(df["name"]) == ["gru_word", "lstm_char", "rnn_char"]
    assert set(rep.MODEL_COLUMNS) <= set(df.columns) and list(df["seed"]) == [42, 42, 42]
    gru = df.iloc[0]
    assert gru["test_bpc"] == 1.80 and gru["val_bpc"] == pytest.approx(1.79)
    assert gru["test_bpc_unk"] == pytest.approx(1.50) and gru["oov_rate"] == 0.031
    assert gru["test_ppl"] == 180.5 and gru["ppl_unit"] == "word" and gru["device_name"] == "Test GPU"
    assert df.loc[1, "params_total"] == 3_400_000 and df.loc[1, "peak_memory_kind"] == "cuda_max_allocated"
    assert math.isnan(df.loc[1, "oov_rate"]) and df.loc[2, "device"] == "cpu"


def test_models_are_ranked_on_validation_never_on_test(tmp_path):
    """The model best on test but worst on validation is not the reference and is not listed first."""
    dirs = [write_model(tmp_path, "lstm", "char", test_bpc=2.2, val_bpc=1.9),
            write_model(tmp_path, "gru", "char", test_bpc=1.5, val_bpc=2.5)]
    report = rep.load_report(dirs)
    assert list(report.summary["name"]) == ["lstm_char", "gru_char"]
    assert set(report.deltas["reference"]) == {"lstm_char"}
    md = rep.metrics_table(report.summary, report.deltas, SONGS)
    assert [row.split("|")[1].strip() for row in data_rows(md)] == ["lstm_char", "gru_char"]
    assert "Sorted by validation" in md and "lstm_char's" in md


def test_mean_and_std_over_seeds_and_one_row_per_seed_in_the_csv(tmp_path):
    bpcs = {42: 2.00, 43: 2.10, 44: 2.30}
    dirs = [write_model(tmp_path, "lstm", "char", b, seed=s) for s, b in bpcs.items()]
    report = rep.load_report(dirs)
    assert list(report.runs["seed"]) == [42, 43, 44]
    row = report.summary.iloc[0]
    assert row["seeds"] == 3 and row["test_bpc"] == pytest.approx(np.mean(list(bpcs.values())))
    assert row["test_bpc_std"] == pytest.approx(np.std(list(bpcs.values()), ddof=1))
    md = rep.metrics_table(report.summary, report.deltas)
    assert f"{np.mean(list(bpcs.values())):.3f} ± {np.std(list(bpcs.values()), ddof=1):.3f}" in md
    assert "over 3 training seeds" in md


def test_one_seed_shows_no_spread_and_says_so(artifacts):
    report = rep.load_report(artifacts["models"])
    md = rep.metrics_table(report.summary, report.deltas)
    assert "±" not in "\n".join(data_rows(md)) and "One training seed per model" in md


def test_paired_difference_over_songs_and_cannot_tell_when_it_holds_zero(tmp_path):
    dirs = [write_model(tmp_path, "lstm", "char", 2.00, spread=30.0),
            write_model(tmp_path, "gru", "char", 2.001, spread=30.0, noise=1),  # other songs go well
            write_model(tmp_path, "rnn", "char", 2.50, spread=1.0)]
    report = rep.load_report(dirs)
    deltas = report.deltas.set_index("name")
    assert deltas.loc["lstm_char", "delta_bpc"] == 0 and deltas.loc["rnn_char", "delta_bpc"] == pytest.approx(0.5)
    assert deltas.loc["rnn_char", "delta_ci_low"] > 0  # clearly worse
    md = rep.metrics_table(report.summary, report.deltas, SONGS)
    gru = next(r for r in data_rows(md) if "gru_char" in r)
    rnn = next(r for r in data_rows(md) if "rnn_char" in r)
    assert "(cannot tell)" in gru and "(cannot tell)" not in rnn and "+0.500" in rnn
    assert "reference" in next(r for r in data_rows(md) if "lstm_char" in r)


def test_markdown_explains_units_open_vocabulary_and_devices(artifacts):
    report = rep.load_report(artifacts["models"])
    md = rep.metrics_table(report.summary, report.deltas, SONGS)
    assert "180.50 /word" in md and "3.10 /char" in md
    gru = next(r for r in data_rows(md) if "gru_word" in r)
    assert "1.800" in gru and "1.500" in gru  # open-vocabulary and <unk>-free figures, both shown
    assert "same" in next(r for r in data_rows(md) if "lstm_char" in r)
    assert "does not" in md and "same raw text" in md and "open-vocabulary" in md
    assert OOV_TEXT.replace("<unk>", "&lt;unk&gt;") in md and "Device column" in md  # not eaten as HTML
    assert "12m 34s" in md and "1,834 MB GPU" in md and "(Test GPU)" in md


def test_every_figure_is_a_png(artifacts):
    out = artifacts["tmp"] / "out"
    report = rep.load_report(artifacts["models"], artifacts["context"], artifacts["decoding"])
    rep.draw_learning_curves(report.logs, out / "curves.png")
    rep.plot_bpc(report.summary, out / "bpc.png")
    rep.draw_context(report.context, out / "context.png")
    rep.draw_decoding(report.decoding, out / "decoding.png")
    for name in ("curves", "bpc", "context", "decoding"):
        assert (out / f"{name}.png").read_bytes()[:8] == PNG
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_several_seeds_in_every_figure(tmp_path):
    dirs = [write_model(tmp_path / "m", "lstm", "char", 2.0 + s / 100, seed=s) for s in (1, 2)]
    ctx = [write_context_run(tmp_path / "c", n, 2.0 + s / 10, 100.0 * s, seed=s) for n in (32, 64) for s in (1, 2)]
    dec = [write_decoding(tmp_path / "d", "lstm_char", seed=s) for s in (1, 2)]
    report = rep.load_report(dirs, ctx, dec)
    assert set(report.logs["lstm_char"]["seed"]) == {1, 2}
    assert len(report.context) == 4 and set(report.decoding["lstm_char"]["seed"]) == {1, 2}
    rep.draw_learning_curves(report.logs, tmp_path / "a.png")
    rep.plot_bpc(report.summary, tmp_path / "b.png")
    rep.draw_context(report.context, tmp_path / "c.png")
    rep.draw_decoding(report.decoding, tmp_path / "d.png")
    for name in "abcd":
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG


def test_context_rows_come_from_summaries(artifacts):
    runs = rep.load_context(artifacts["context"])
    assert list(runs["seq_len"]) == [64, 256] and list(runs["val_bpc"]) == [2.1, 1.9]
    assert set(runs["group"]) == {"lstm_char"} and list(runs["seed"]) == [42, 42]


def test_decoding_grids_are_named_by_their_model_directory(artifacts):
    grids = rep.load_decoding(artifacts["decoding"])
    assert set(grids) == {"lstm_char", "gru_word"} and set(grids["lstm_char"]["seed"]) == {42}


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

    report = rep.load_report([d], [], [])
    md = rep.metrics_table(report.summary, report.deltas)
    assert "| lstm_char |" in md and "–" in md and "no word-level model" in md
    rep.draw_learning_curves(report.logs, tmp_path / "c.png")
    rep.plot_bpc(report.summary, tmp_path / "b.png")
    rep.draw_context(report.context, tmp_path / "x.png")
    rep.draw_decoding(report.decoding, tmp_path / "d.png")
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


def test_eval_of_another_model_or_seed_is_refused(tmp_path):
    d = write_model(tmp_path, "gru", "char", 2.0)
    ev = json.loads((d / "eval.json").read_text())
    (d / "eval.json").write_text(json.dumps({**ev, "name": "lstm_char"}))
    with pytest.raises(InputError, match="is for model 'lstm_char'"):
        rep.load_models([d])
    (d / "eval.json").write_text(json.dumps({**ev, "seed": 7}))
    with pytest.raises(InputError, match="seed 7 but summary.json is for 'gru_char' seed 42"):
        rep.load_models([d])


def test_an_eval_json_from_before_per_song_scores_says_to_rerun(tmp_path):
    d = write_model(tmp_path, "gru", "char", 2.0)
    ev = json.loads((d / "eval.json").read_text())
    del ev["test"]["per_song"]
    (d / "eval.json").write_text(json.dumps(ev))
    with pytest.raises(InputError, match="(?s)per-song.*run rule eval_textgen again"):
        rep.load_models([d])


def test_runs_scored_on_different_songs_are_refused(tmp_path):
    a = write_model(tmp_path, "gru", "char", 2.0)
    b = write_model(tmp_path, "lstm", "char", 2.0)
    ev = json.loads((b / "eval.json").read_text())
    ev["test"]["per_song"]["digest"] = "another split"
    (b / "eval.json").write_text(json.dumps(ev))
    with pytest.raises(InputError, match="scored other test songs than"):
        rep.load_songs([a, b])


def test_the_same_model_and_seed_twice_is_refused(tmp_path):
    a = write_model(tmp_path / "x", "gru", "char", 2.0)
    b = write_model(tmp_path / "y", "gru", "char", 2.1)
    with pytest.raises(InputError, match="is model 'gru_char' seed 42, as is"):
        rep.load_models([a, b])


def test_script_writes_all_seven_outputs(artifacts):
    out = artifacts["tmp"] / "report"
    proc = run_script("report_partA.py", "--models", *map(str, artifacts["models"]),
                      "--context", *map(str, artifacts["context"]),
                      "--decoding", *map(str, artifacts["decoding"]), "--outdir", str(out))
    assert proc.returncode == 0, proc.stderr
    csv = pd.read_csv(out / "metrics.csv")
    assert list(csv["name"]) == ["gru_word", "lstm_char", "rnn_char"] and csv.loc[0, "test_bpc"] == 1.80
    songs = pd.read_csv(out / "song_scores.csv")
    assert list(songs.columns) == rep.SONG_COLUMNS and len(songs) == 3 * 2 * SONGS
    assert "does not" in (out / "metrics.md").read_text(encoding="utf-8")
    for png in ("learning_curves", "bpc", "context_length", "decoding_heatmaps"):
        assert (out / f"{png}.png").read_bytes()[:8] == PNG


def test_script_without_ablations_still_writes_every_figure(artifacts):
    out = artifacts["tmp"] / "report"
    proc = run_script("report_partA.py", "--models", str(artifacts["models"][0]), "--context",
                      "--outdir", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["metrics.csv", "metrics.md", "song_scores.csv", "learning_curves.png", "bpc.png", "context_length.png",
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
    from nlpbench.report.parta import generation_rate
    path = tmp_path / "samples.jsonl"
    assert generation_rate(path) is None  # not sampled
    path.write_text('{"tokens": 30, "seconds": 0.5}\n{"tokens": 90, "seconds": 1.5}\n')
    assert generation_rate(path) == pytest.approx(60.0)
    path.write_text('{"tokens": 30}\n')  # written before songs were timed
    assert generation_rate(path) is None
