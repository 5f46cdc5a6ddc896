"""The data stage end to end through snakemake: on the demo, on the real corpora, and on bad input."""

import csv
import json

import pandas as pd
import pytest
import yaml
from conftest import REPO, run_snakemake

from nlpbench.data import lyrics

pytestmark = pytest.mark.workflow

PROFILE = str(REPO / "profiles" / "local")


NO_MODELS = {"llm": {"enabled": False}, "encoder": {"enabled": False}}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def read_splits(folder, ext):
    return {name: folder / f"{name}.{ext}" for name in ("train", "val", "test")}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`snakemake data` on the demo config, as `make demo` runs it, in a scratch directory."""
    work = tmp_path_factory.mktemp("demo")
    (work / "demo").symlink_to(REPO / "demo")
    run_snakemake("data", "--profile", PROFILE, "--configfile", "demo/config.yaml", cwd=work)
    return work


def test_demo_lyrics_are_cleaned_and_every_noise_kind_counted(demo_run):
    stats = load(demo_run / "results/data/lyrics/stats.json")
    noise = stats["noise_removed"]
    for kind in ("section_tags", "you_might_also_like", "embed_tails", "stage_notes", "header_letra_de",
                 "header_lyrics_title", "header_contributors", "header_translations", "fixed_mojibake",
                 "windows_line_endings", "blank_line_runs"):
        assert noise.get(kind, 0) >= 2, f"demo data should exercise {kind} at least twice"
    assert stats["dropped"] == {"empty_after_cleaning": 1, "shorter_than_60_chars": 1}
    assert stats["markers"]["noncanonical_markers"] >= 8 and stats["markers"]["chars_outside_songs"] > 0
    clean = (demo_run / "results/data/lyrics/clean.txt").read_text(encoding="utf-8")
    for leftover in ("[Coro]", "Embed\n", "You might also like", "Contributors", "Ã", "\r", "\u200b",
                     "\u00a0", "*risas*", 'Letra de "'):
        assert leftover not in clean, f"{leftover!r} survived cleaning"
    assert stats["songs_out"] == len(lyrics.read_corpus(clean)) == stats["corpus"]["songs"]


def test_demo_lyrics_split_by_song_without_leaks(demo_run):
    folder = demo_run / "results/data/lyrics"
    parts = {k: lyrics.read_corpus(p.read_text(encoding="utf-8")) for k, p in read_splits(folder, "txt").items()}
    keys = {k: {lyrics.dedup_key(s) for s in songs} for k, songs in parts.items()}
    assert not (keys["train"] & keys["val"] or keys["train"] & keys["test"] or keys["val"] & keys["test"])
    split = load(folder / "split_stats.json")
    assert split["duplicates_removed"] == 2
    assert sum(len(v) for v in parts.values()) == split["songs_in"] - split["duplicates_removed"]
    assert all(len(v) >= 1 for v in parts.values())


def test_demo_reviews_split_is_stratified_and_clean(demo_run):
    folder = demo_run / "results/data/reviews"
    frames = {k: pd.read_csv(p) for k, p in read_splits(folder, "csv").items()}
    stats = load(folder / "stats.json")
    assert stats["rows_in"] == 404 and stats["rows_out"] == 400 and stats["dropped"] == {"empty_text": 4}
    assert sum(len(f) for f in frames.values()) == 400
    shares = {k: f["label"].value_counts(normalize=True).sort_index() for k, f in frames.items()}
    assert (shares["test"] - shares["train"]).abs().max() < 0.05
    text = " ".join(" ".join(f["text"]) for f in frames.values())
    assert "_x0085_" not in text and "Ã" not in text and "\n" not in text
    assert "…" in text
    lmap = load(folder / "label_map.json")
    assert [c["value"] for c in lmap["classes"]] == [1, 2, 3, 4, 5]


def test_every_job_left_a_log_and_a_benchmark(demo_run):
    for rule in ("clean_lyrics", "split_lyrics", "split_reviews"):
        assert (demo_run / f"results/logs/data/{rule}.log").exists()
        bench = demo_run / f"results/benchmarks/data/{rule}.tsv"
        assert bench.read_text().startswith("s\th:m:s")


def test_rerun_with_nothing_changed_does_nothing(demo_run):
    proc = run_snakemake("data", "--profile", PROFILE, "--configfile", "demo/config.yaml", "-n", cwd=demo_run)
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_bad_lyrics_fail_the_job_with_the_fix_in_its_log_and_leave_no_outputs(tmp_path):
    (tmp_path / "raw.txt").write_text("una canción sin marcas\n", encoding="utf-8")
    cfg = tmp_path / "c.yaml"
    # Run outside the checkout, with no config.yaml: the config names every input (the models' arms are off).
    cfg.write_text(yaml.safe_dump({"data": {"lyrics": "raw.txt", "reviews": "unused.csv"}, **NO_MODELS}))
    proc = run_snakemake("results/data/lyrics/clean.txt", "--cores", "1", "--configfile", str(cfg),
                         cwd=tmp_path, check=False)
    assert proc.returncode != 0
    log = (tmp_path / "results/logs/data/clean_lyrics.log").read_text()
    assert "raw.txt: no song markers found" in log and "fix:" in log
    assert not list((tmp_path / "results/data").rglob("*.*"))


@pytest.mark.realdata
def test_data_rules_on_the_real_corpora(shared_data, tmp_path):
    """DISCO sonnets as lyrics and the MeIA 2025 reviews, through the same rules."""
    cfg = tmp_path / "real.yaml"
    cfg.write_text(yaml.safe_dump({"data": {
        "lyrics": str(shared_data / "disco_sonnets" / "disco_sonnets.txt"),
        "reviews": str(shared_data / "meia2025" / "MeIA_2025_train.csv")}, **NO_MODELS}))
    run_snakemake("data", "--cores", "2", "--configfile", str(cfg), cwd=tmp_path)

    clean = load(tmp_path / "results/data/lyrics/stats.json")
    assert clean["songs_in"] == 4321 and clean["songs_out"] == 4321
    assert clean["markers"]["noncanonical_markers"] == 0
    assert clean["noise_removed"] == {"section_tags": 27}  # speaker tags of dialogue sonnets: [Car], [POETA]
    split = load(tmp_path / "results/data/lyrics/split_stats.json")
    # 16 groups are byte-identical; 11 more differ only in punctuation (a comma, an '¡')
    assert split["duplicate_groups_byte_identical"] == 16 and split["duplicate_groups"] == 27
    kept = split["songs_in"] - split["duplicates_removed"]
    assert sum(s["songs"] for s in split["splits"].values()) == kept
    assert split["splits"]["val"]["songs"] >= round(kept * 0.1)  # whole near-duplicate groups move together
    near = split["near_duplicates"]  # sonnets sharing most lines (variants of one poem) stay in one split
    assert near["jaccard_threshold"] == 0.5 and near["groups"] == 57 and near["songs_in_groups"] == 117
    assert near["test_songs_with_train_neighbour_if_ungrouped"] == 8
    manifest = pd.read_csv(tmp_path / "results/data/lyrics/manifest.tsv", sep="\t")
    assert (manifest.groupby("group")["split"].nunique() == 1).all()
    assert reviews_conflicts(tmp_path) == 0

    reviews = load(tmp_path / "results/data/reviews/stats.json")
    assert reviews["rows_in"] == reviews["rows_out"] == 5000
    assert reviews["repaired"]["excel_escapes"] == 541
    lmap = load(tmp_path / "results/data/reviews/label_map.json")
    assert [(c["value"], c["count"]) for c in lmap["classes"]] == [
        (1, 800), (2, 900), (3, 1000), (4, 1100), (5, 1200)]
    with open(tmp_path / "results/data/reviews/test.csv", newline="", encoding="utf-8") as fh:
        test_labels = [row["label_value"] for row in csv.DictReader(fh)]
    assert len(test_labels) == 500 and test_labels.count("5") == 120


def reviews_conflicts(run_dir) -> int:
    return load(run_dir / "results/data/reviews/stats.json")["conflicting_labels"]["groups"]
