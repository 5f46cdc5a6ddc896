"""The entry points as a user runs them: outputs on success, clear errors and no debris on bad input."""

import csv
import json

from conftest import run_script

from nlpbench.data import lyrics


def write_reviews(path, per_class, header=("Review", "Polarity", "Type")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for label, n in per_class.items():
            w.writerows([f"texto {label} {i}", f"{label}.0", "Hotel"] for i in range(n))
    return path


def test_clean_and_split_lyrics_write_every_output(tmp_path):
    raw = tmp_path / "raw.txt"
    songs = [f"<|startsong|>\n[Coro]\ncanción número {i}\ncon su estribillo\n<|endsong|>\n" for i in range(12)]
    raw.write_bytes(("\n".join(songs) + songs[3]).encode("cp1252"))  # one duplicate, not UTF-8
    out = tmp_path / "out"
    proc = run_script("clean_lyrics.py", "--input", str(raw), "--output", str(out / "clean.txt"),
                      "--stats", str(out / "stats.json"), "--histogram", str(out / "hist.png"))
    assert proc.returncode == 0, proc.stderr
    assert "not valid UTF-8" in proc.stderr and "cp1252" in proc.stderr
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["encoding"] == "cp1252" and stats["converted_to_utf8"]
    assert stats["songs_in"] == 13 and stats["noise_removed"]["section_tags"] == 13
    assert (out / "hist.png").read_bytes()[:4] == b"\x89PNG"
    assert "canción número 3" in (out / "clean.txt").read_text(encoding="utf-8")

    proc = run_script("split_lyrics.py", "--input", str(out / "clean.txt"), "--outdir", str(out),
                      "--val", "0.2", "--test", "0.2", "--seed", "1")
    assert proc.returncode == 0, proc.stderr
    split = json.loads((out / "split_stats.json").read_text())
    assert split["duplicates_removed"] == 1
    assert [split["splits"][k]["songs"] for k in ("train", "val", "test")] == [8, 2, 2]
    manifest = (out / "manifest.tsv").read_text(encoding="utf-8").splitlines()
    assert manifest[0].split("\t") == ["song", "split", "group", "sha1_normalized", "first_line"]
    assert len(manifest) == 13
    assert split["near_duplicates"]["groups"] == 0  # songs share one line of two: Jaccard 1/3


def test_split_lyrics_keeps_near_duplicates_in_one_split_and_reports_them(tmp_path):
    verses = [f"<|startsong|>\nverso uno de {i}\nverso dos de {i}\nverso tres de {i}\nfin de {i}\n<|endsong|>\n"
              for i in range(20)]
    near = "<|startsong|>\nVerso uno de 7,\nverso dos de 7\nverso tres de 7\notro final\n<|endsong|>\n"
    clean = tmp_path / "clean.txt"
    clean.write_text("\n".join(verses + [near]), encoding="utf-8")
    out = tmp_path / "out"
    proc = run_script("split_lyrics.py", "--input", str(clean), "--outdir", str(out),
                      "--val", "0.2", "--test", "0.2", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert "near-duplicates (line Jaccard >= 0.5): 1 group(s) of 2 song(s)" in proc.stderr
    near_dups = json.loads((out / "split_stats.json").read_text())["near_duplicates"]
    assert {k: near_dups[k] for k in ("jaccard_threshold", "pairs", "groups", "songs_in_groups",
                                       "largest_group")} == {"jaccard_threshold": 0.5, "pairs": 1, "groups": 1,
                                                             "songs_in_groups": 2, "largest_group": 2}
    assert near_dups["examples"] == [{"size": 2, "songs": [7, 20],
                                      "first_lines": ["verso uno de 7", "Verso uno de 7,"]}]
    ungrouped = lyrics.split_indexes(21, 0.2, 0.2, seed=3)
    assert 7 in ungrouped["train"] and 20 in ungrouped["test"]  # the leak that grouping prevents
    assert near_dups["pairs_crossing_splits_if_ungrouped"] == 1
    assert near_dups["test_songs_with_train_neighbour_if_ungrouped"] == 1
    with open(out / "manifest.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 21 and rows[7]["group"] == rows[20]["group"] and rows[7]["split"] == rows[20]["split"]
    assert len({r["group"] for r in rows}) == 20

    proc = run_script("split_lyrics.py", "--input", str(clean), "--outdir", str(out), "--near-duplicate-jaccard", "1")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "split_stats.json").read_text())["near_duplicates"]["groups"] == 0


def test_out_of_range_near_duplicate_threshold_is_refused_by_the_cli(tmp_path):
    for bad, words in [("0", "less than or equal to the minimum of 0"), ("1.5", "greater than the maximum of 1"),
                       ("nan", "not a finite number")]:
        proc = run_script("split_lyrics.py", "--input", "x", "--outdir", str(tmp_path), "--near-duplicate-jaccard", bad)
        assert proc.returncode == 2 and "--near-duplicate-jaccard" in proc.stderr and words in proc.stderr


def test_lyrics_without_markers_fail_clearly_and_write_nothing(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("una canción\nsin marcas\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run_script("clean_lyrics.py", "--input", str(raw), "--output", str(out / "clean.txt"),
                      "--stats", str(out / "stats.json"), "--histogram", str(out / "hist.png"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("ERROR: ") and str(raw) in proc.stderr and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_split_reviews_writes_splits_label_map_and_stats(tmp_path):
    src = write_reviews(tmp_path / "r.csv", {1: 20, 2: 30, 3: 50})
    proc = run_script("split_reviews.py", "--input", str(src), "--outdir", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert stats["rows_out"] == 100
    assert stats["classes"]["test"] == {"1": 2, "2": 3, "3": 5}
    lmap = json.loads((tmp_path / "o" / "label_map.json").read_text())
    assert [c["value"] for c in lmap["classes"]] == [1, 2, 3]
    with open(tmp_path / "o" / "train.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["text", "label", "label_value", "source_row", "Type"]


def test_too_small_class_fails_naming_it_and_writes_nothing(tmp_path):
    src = write_reviews(tmp_path / "r.csv", {1: 30, 2: 30, 5: 3})
    out = tmp_path / "o"
    proc = run_script("split_reviews.py", "--input", str(src), "--outdir", str(out))
    assert proc.returncode == 2
    assert "class 5" in proc.stderr and "3 row(s)" in proc.stderr and "fix:" in proc.stderr
    assert not out.exists()


def test_missing_label_column_names_it_and_the_config_key(tmp_path):
    src = write_reviews(tmp_path / "r.csv", {1: 20, 2: 20}, header=("Review", "Stars", "Type"))
    proc = run_script("split_reviews.py", "--input", str(src), "--outdir", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "no column 'Polarity'" in proc.stderr and "data.label_column" in proc.stderr


def test_out_of_range_fraction_is_refused_by_the_cli(tmp_path):
    proc = run_script("split_lyrics.py", "--input", "x", "--outdir", str(tmp_path), "--val", "1.2")
    assert proc.returncode == 2 and "--val" in proc.stderr
    assert "greater than or equal to the maximum of 1" in proc.stderr


def test_split_reviews_reports_conflicting_labels_in_stats_and_on_stderr(tmp_path):
    src = write_reviews(tmp_path / "r.csv", {1: 20, 2: 30, 3: 50})
    with open(src, "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["texto 1 0", "3.0", "Hotel"], ["texto 2 5", "2.0", "Hotel"]])
    proc = run_script("split_reviews.py", "--input", str(src), "--outdir", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "1 text(s) with conflicting labels, all 2 of their rows dropped" in proc.stderr
    assert "conflicting labels" in proc.stderr and "source rows 0, 100" in proc.stderr  # the logged warning
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert stats["rows_out"] == 99 and stats["dropped"] == {"conflicting_labels": 2, "duplicate_text": 1}
    assert stats["conflicting_labels"]["examples"] == [
        {"text": "texto 1 0", "rows": [{"source_row": 0, "label": 1}, {"source_row": 100, "label": 3}]}]


def test_split_reviews_counts_na_labels_as_missing_in_stats(tmp_path):
    src = write_reviews(tmp_path / "r.csv", {1: 20, 2: 30, 3: 50})
    with open(src, "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["sin etiqueta", "NA", "Hotel"], ["otra", "nan", "Hotel"], ["NA", "2.0", "Hotel"]])
    proc = run_script("split_reviews.py", "--input", str(src), "--outdir", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "103 rows in, 100 kept (dropped {'missing_label': 2, 'empty_text': 1})" in proc.stderr
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert stats["dropped"] == {"missing_label": 2, "empty_text": 1}
    assert [r["source_row"] for r in stats["dropped_rows"]] == [100, 101, 102]
    lmap = json.loads((tmp_path / "o" / "label_map.json").read_text())
    assert [c["value"] for c in lmap["classes"]] == [1, 2, 3]


def test_utf16_without_a_bom_says_so_for_lyrics_and_reviews(tmp_path):
    """Not 'no song markers found' or 'no column Review': the encoding is what is wrong."""
    lyrics_file = tmp_path / "raw.txt"
    lyrics_file.write_bytes("<|startsong|>\nuna canción\n<|endsong|>\n".encode("utf-16-le"))
    proc = run_script("clean_lyrics.py", "--input", str(lyrics_file), "--output", str(tmp_path / "o" / "clean.txt"),
                      "--stats", str(tmp_path / "o" / "stats.json"), "--histogram", str(tmp_path / "o" / "h.png"))
    assert proc.returncode == 2 and "no song markers" not in proc.stderr
    assert f"ERROR: {lyrics_file}: looks like UTF-16LE text without a byte-order mark" in proc.stderr
    assert "iconv -f UTF-16LE -t UTF-8" in proc.stderr
    reviews_file = tmp_path / "r.csv"
    reviews_file.write_bytes(write_reviews(tmp_path / "u.csv", {1: 20, 2: 20}).read_text().encode("utf-16-le"))
    proc = run_script("split_reviews.py", "--input", str(reviews_file), "--outdir", str(tmp_path / "o"))
    assert proc.returncode == 2 and f"ERROR: {reviews_file}: looks like UTF-16LE text" in proc.stderr


def test_script_flags_refuse_a_negative_seed_and_a_decimal_integer(tmp_path):
    """Refused as the command line is read, in the schema's words, not by sklearn or int() mid-job."""
    proc = run_script("split_reviews.py", "--input", "missing.csv", "--outdir", str(tmp_path / "o"), "--seed", "-1")
    assert proc.returncode == 2 and "argument --seed: -1: -1 is less than the minimum of 0" in proc.stderr
    proc = run_script("train_classifier.py", "--epochs", "2.0")
    assert proc.returncode == 2 and "argument --epochs: '2.0' is not an integer, like 2" in proc.stderr
