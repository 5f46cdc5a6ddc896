import numpy as np
import pandas as pd
import pytest

from nlpbench import report_compare as rc
from nlpbench.errors import InputError


def parta(tmp_path):
    df = pd.DataFrame([
        {"name": "lstm_char", "family": "recurrent", "test_bpc": 2.06, "test_ppl": 4.15, "ppl_unit": "char",
         "params_total": 2e6, "params_trainable": 2e6, "train_seconds": 600, "tokens_per_second": 12000,
         "peak_memory_mb": 800, "peak_memory_kind": "cpu_peak_rss", "device": "cpu"},
        {"name": "gru_char", "family": "recurrent", "test_bpc": 2.20, "test_ppl": 4.6, "ppl_unit": "char",
         "params_total": 1.5e6, "params_trainable": 1.5e6, "train_seconds": 900, "tokens_per_second": 9000,
         "peak_memory_mb": 700, "peak_memory_kind": "cpu_peak_rss", "device": "cpu"},
        {"name": "llm_lora", "family": "transformer", "test_bpc": 1.50, "test_ppl": 9.0, "ppl_unit": "token",
         "params_total": 8e9, "params_trainable": 4e7, "train_seconds": 6000, "tokens_per_second": 3000,
         "peak_memory_mb": 9000, "peak_memory_kind": "cuda_max_allocated", "device": "cuda:0"},
    ])
    df.to_csv(tmp_path / "a.csv", index=False)
    return tmp_path / "a.csv"


def partb(tmp_path, encoder_f1=0.40):
    rows = [("cnn", "convolutional", 0.45, 100), ("lstm", "recurrent", 0.47, 300),
            ("encoder", "transformer", encoder_f1, 3000), ("tfidf_lr", "baseline", 0.50, 5)]
    df = pd.DataFrame([{"name": n, "family": f, "accuracy": m + 0.02, "macro_f1": m, "mae": 0.7,
                        "params_total": 1e6, "params_trainable": 1e6, "train_seconds": t,
                        "train_reviews_per_second": 100, "inference_reviews_per_second": 1000,
                        "peak_memory_mb": 500, "peak_memory_kind": "cpu_peak_rss", "device": "cpu"}
                       for n, f, m, t in rows])
    df.to_csv(tmp_path / "b.csv", index=False)
    return tmp_path / "b.csv"


def test_pareto_front_keeps_only_undominated_points():
    cost = np.array([1.0, 2.0, 3.0, 4.0])
    f1 = np.array([0.5, 0.4, 0.6, 0.6])
    assert rc.pareto_front(cost, f1, higher_is_better=True).tolist() == [True, False, True, False]
    bpc = np.array([2.0, 1.9, 2.5, 1.5])
    assert rc.pareto_front(cost, bpc, higher_is_better=False).tolist() == [True, True, False, True]


def test_summary_is_computed_from_the_numbers(tmp_path):
    table = rc.long_table(rc.load(parta(tmp_path), partb(tmp_path, encoder_f1=0.40)))
    a, b, ref = rc.summary_lines(table)
    # Part A: lower bpc wins; the LLM beats lstm_char by 0.56 bits at 10x the time.
    assert "the best transformer model, `llm_lora`" in a and "`lstm_char`" in a and "by 0.560" in a
    assert "10.0x the training time" in a
    # Part B: the encoder (0.40) loses to the LSTM (0.47).
    assert "the best recurrent model, `lstm`" in b and "by 0.070" in b
    assert "`tfidf_lr`" in ref and "-0.030" in ref
    winner = rc.summary_lines(rc.long_table(rc.load(parta(tmp_path), partb(tmp_path, encoder_f1=0.60))))[1]
    assert "the best transformer model, `encoder`" in winner and "by 0.130" in winner


def test_report_writes_tables_and_figures(tmp_path):
    out = tmp_path / "cmp"
    rc.write_report(parta(tmp_path), partb(tmp_path), out)
    md = (out / "comparison.md").read_text()
    assert "## Quality" in md and "## Cost" in md and "cuda_max_allocated" in md and "llm_lora" in md
    assert len(pd.read_csv(out / "comparison.csv")) == 7
    for png in ("quality_vs_cost", "params_vs_quality", "throughput"):
        assert (out / f"{png}.png").read_bytes()[:4] == b"\x89PNG"


def test_missing_part_without_transformer_says_so(tmp_path):
    df = pd.read_csv(partb(tmp_path))
    df[df["family"] != "transformer"].to_csv(tmp_path / "b2.csv", index=False)
    lines = rc.summary_lines(rc.long_table(rc.load(parta(tmp_path), tmp_path / "b2.csv")))
    assert "no comparison: no transformer in the table" in lines[1]


def test_missing_column_names_the_rule(tmp_path):
    pd.DataFrame({"name": ["x"]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match="report_partA"):
        rc.load(tmp_path / "bad.csv", partb(tmp_path))
