"""The comparison: representatives chosen on validation, paired test intervals, honest cost ratios."""

import math

import numpy as np
import pandas as pd
import pytest

from nlpbench.core.errors import InputError
from nlpbench.report import compare as rc

SONGS, CHARS, REVIEWS = 60, 500, 300


def part_a(tmp_path, models, seeds=(42,)):
    """metrics.csv and song_scores.csv of Part A: models = {name: (family, val_bpc, test_bpc, device, world)}."""
    rng = np.random.default_rng(0)
    rows, songs = [], []
    for name, (family, val, test, device, world) in models.items():
        noise = rng.normal(0, 40, SONGS)
        for seed in seeds:
            rows.append({"name": name, "seed": seed, "family": family, "val_bpc": val, "test_bpc": test,
                         "test_ppl": 4.0, "ppl_unit": "char", "params_total": 8e9 if family == "transformer" else 2e6,
                         "params_trainable": 4e7 if family == "transformer" else 2e6, "train_seconds": 600.0,
                         "tokens_per_second": 1e4, "generation_tokens_per_second": 500.0, "peak_memory_mb": 800,
                         "peak_memory_kind": "cpu_peak_rss", "device": device, "device_name": "X",
                         "world_size": world})
            for split, bpc in (("val", val), ("test", test)):
                nll = bpc * CHARS * math.log(2) + noise - noise.mean()
                songs += [{"name": name, "seed": seed, "split": split, "song": i, "nll_nats": n, "chars": CHARS}
                          for i, n in enumerate(nll)]
    pd.DataFrame(rows).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame(songs).to_csv(tmp_path / "songs.csv", index=False)
    return tmp_path / "a.csv", tmp_path / "songs.csv"


def part_b(tmp_path, models, seeds=(42,)):
    """metrics.csv and predictions.csv of Part B: models = {name: (family, val_f1, accuracy_on_test)}."""
    labels = np.arange(REVIEWS) % 5
    rows, preds = [], []
    for i, (name, (family, val, acc)) in enumerate(models.items()):
        rng = np.random.default_rng(i)
        for seed in ([None] if family == "baseline" else seeds):
            right = rng.random(REVIEWS) < acc
            pred = np.where(right, labels, (labels + 1) % 5)
            f1 = float(np.mean(right))
            rows.append({"name": name, "seed": seed, "family": family, "best_val_macro_f1": val, "accuracy": f1,
                         "macro_f1": f1, "mae": 0.7, "params_total": 1e6, "params_trainable": 1e6,
                         "train_seconds": 100.0, "train_reviews_per_second": 100, "inference_reviews_per_second": 1e3,
                         "peak_memory_mb": 500, "peak_memory_kind": "cpu_peak_rss", "device": "cpu",
                         "device_name": "X", "world_size": 1})
            preds += [{"name": name, "seed": seed, "source_row": r, "label": int(labels[r]),
                       "prediction": int(pred[r]), "confidence": 0.5} for r in range(REVIEWS)]
    pd.DataFrame(rows).to_csv(tmp_path / "b.csv", index=False)
    pd.DataFrame(preds).to_csv(tmp_path / "preds.csv", index=False)
    return tmp_path / "b.csv", tmp_path / "preds.csv"


A = {"lstm_char": ("recurrent", 2.00, 2.05, "cpu", 1), "gru_word": ("recurrent", 2.10, 1.90, "cpu", 1),
     "llm_lora": ("transformer", 1.50, 1.55, "cuda:0", 2)}
B = {"cnn": ("convolutional", 0.45, 0.45), "lstm": ("recurrent", 0.50, 0.55),
     "encoder": ("transformer", 0.60, 0.75), "tfidf_lr": ("baseline", 0.52, 0.50), "majority": ("baseline", 0.1, 0.2)}


def inputs(tmp_path, a=A, b=B, seeds=(42,)):
    return rc.load(*part_a(tmp_path, a, seeds), *part_b(tmp_path, b, seeds))


def test_representatives_are_chosen_on_validation_even_when_test_disagrees(tmp_path):
    """gru_word has the best test bits/char but the worse validation: lstm_char represents the family."""
    ins = inputs(tmp_path)
    table = rc.models(ins.runs)
    task_a, task_b = rc.TASKS
    assert rc.representative(table, task_a, rc.SMALL)["name"] == "lstm_char"
    assert rc.representative(table, task_b, rc.SMALL)["name"] == "lstm"
    assert rc.representative(table, task_b, ("baseline",))["name"] == "tfidf_lr"
    # make the test split disagree even more: the choice does not move
    changed = dict(A, lstm_char=("recurrent", 2.00, 3.50, "cpu", 1))
    (tmp_path / "changed").mkdir()
    again = rc.models(inputs(tmp_path / "changed", a=changed).runs)
    assert rc.representative(again, task_a, rc.SMALL)["name"] == "lstm_char"
    lines = rc.summary_lines(ins, table)
    assert "`lstm_char` (val bits per character 2.000, 1 seed) represents the recurrent models" in lines[0]


def test_tables_are_sorted_by_validation(tmp_path):
    table = rc.models(inputs(tmp_path).runs)
    assert list(table[table["part"] == "A"]["name"]) == ["llm_lora", "lstm_char", "gru_word"]
    assert list(table[table["part"] == "B"]["name"]) == ["encoder", "tfidf_lr", "lstm", "cnn", "majority"]


def test_a_clear_difference_names_the_winner_with_its_paired_interval(tmp_path):
    ins = inputs(tmp_path)
    diff = rc.test_difference(ins, rc.TASKS[0], "llm_lora", "lstm_char")
    assert diff["difference"] == pytest.approx(-0.5) and diff["ci95"][1] < 0 and diff["items"] == SONGS
    line = rc.summary_lines(ins, rc.models(ins.runs))[0]
    assert "`llm_lora` beats `lstm_char` by 0.500 bits per character [" in line
    assert f"over {SONGS} test songs" in line


def test_an_interval_holding_zero_says_the_test_split_cannot_tell(tmp_path):
    close = dict(A, llm_lora=("transformer", 1.50, 2.051, "cuda:0", 2))
    ins = inputs(tmp_path, a=close)
    line = rc.summary_lines(ins, rc.models(ins.runs))[0]
    assert "cannot tell them apart" in line and "beats" not in line.split("cannot tell")[0]


def test_part_b_compares_with_the_baseline_chosen_on_validation(tmp_path):
    ins = inputs(tmp_path)
    lines = rc.summary_lines(ins, rc.models(ins.runs))
    part_b_lines = [line for line in lines if "Part B" in line or "baseline validation prefers" in line]
    assert "`encoder` beats `lstm`" in part_b_lines[0]
    assert "`tfidf_lr`" in part_b_lines[1] and "majority" not in part_b_lines[1]


def test_seeds_are_averaged_and_counted(tmp_path):
    ins = inputs(tmp_path, seeds=(1, 2, 3))
    table = rc.models(ins.runs)
    assert set(table[table["name"] != "tfidf_lr"]["seeds"]) - {1} == {3}
    assert table.set_index("name").loc["tfidf_lr", "seeds"] == 1  # a deterministic baseline runs once
    md = rc.markdown(rc.summary_lines(ins, table), table)
    assert "3 seeds" in md and "Mean ± std over 1/3 training seed(s)" in md


def test_training_time_ratio_only_on_the_same_hardware(tmp_path):
    ins = inputs(tmp_path)
    table = rc.models(ins.runs).set_index("name", drop=False)
    text = rc.cost_sentence(table.loc["llm_lora"], table.loc["lstm_char"])
    assert "no ratio" in text and "2 x cuda (X)" in text and "1 x cpu (X)" in text
    assert "1.2k device-seconds" in text and "600 device-seconds" in text
    same = rc.cost_sentence(table.loc["gru_word"], table.loc["lstm_char"])
    assert "1.0x the training time" in same and "both on 1 x cpu (X)" in same


def test_report_writes_tables_and_figures(tmp_path):
    out = tmp_path / "cmp"
    lines = rc.write_report(*part_a(tmp_path, A), *part_b(tmp_path, B), out)
    md = (out / "comparison.md").read_text()
    assert "## Quality" in md and "## Cost" in md and "cuda" in md and "llm_lora" in md and lines[0] in md
    assert "validation" in md and "paired bootstrap" in md
    assert len(pd.read_csv(out / "comparison.csv")) == len(A) + len(B)
    for png in ("quality_vs_cost", "params_vs_quality", "throughput"):
        assert (out / f"{png}.png").read_bytes()[:4] == b"\x89PNG"


def test_pareto_front_keeps_only_undominated_points():
    cost = np.array([1.0, 2.0, 3.0, 4.0])
    f1 = np.array([0.5, 0.4, 0.6, 0.6])
    assert rc.pareto_front(cost, f1, higher_is_better=True).tolist() == [True, False, True, False]
    bpc = np.array([2.0, 1.9, 2.5, 1.5])
    assert rc.pareto_front(cost, bpc, higher_is_better=False).tolist() == [True, True, False, True]


def test_missing_part_without_transformer_says_so(tmp_path):
    ins = inputs(tmp_path, b={k: v for k, v in B.items() if v[0] != "transformer"})
    lines = rc.summary_lines(ins, rc.models(ins.runs))
    assert any("no comparison: no transformer in the table" in line for line in lines)


def test_missing_column_names_the_rule(tmp_path):
    pd.DataFrame({"name": ["x"]}).to_csv(tmp_path / "bad.csv", index=False)
    _, songs = part_a(tmp_path, A)
    with pytest.raises(InputError, match="report_partA"):
        rc.load(tmp_path / "bad.csv", songs, *part_b(tmp_path, B))
