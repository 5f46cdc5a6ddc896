"""The entry points as a user runs them: outputs on success, clear errors and no debris on bad input."""

import csv
import json

from conftest import run_script


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
    assert manifest[0].split("\t") == ["song", "split", "sha1_normalized", "first_line"] and len(manifest) == 13


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
    assert proc.returncode == 2 and "strictly between 0 and 1" in proc.stderr
