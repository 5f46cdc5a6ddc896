import csv

import pandas as pd
import pytest

from nlpbench.core.errors import InputError
from nlpbench.data import reviews

COLUMNS = ["Review", "Polarity", "Town", "Region", "Type"]


def write_csv(path, rows, header=COLUMNS, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def balanced_rows(per_class=20, classes=(1, 2, 3, 4, 5)):
    return [[f"reseña número {i} de la clase {c}", f"{c}.0", "Taxco", "Guerrero", "Hotel"]
            for c in classes for i in range(per_class)]


def test_normalize_review_decodes_escapes_mojibake_controls_and_whitespace():
    raw = "Muy bonito_x0085_ la  atenciÃ³n\n fue _x0093_excelente_x0094_\x07\tfin"
    text, fixed = reviews.normalize_review(raw)
    assert text == "Muy bonito… la atención fue “excelente” fin"
    assert fixed == {"excel_escapes": True, "c1_controls": False, "mojibake": True}


def test_normalize_review_keeps_case_and_accents_unless_asked():
    assert reviews.normalize_review("Canción ÚNICA")[0] == "Canción ÚNICA"
    assert reviews.normalize_review("Canción ÚNICA", lowercase=True, strip_accents=True)[0] == "cancion unica"


def test_read_reviews_names_the_missing_column_and_the_config_key(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["hola", "Hotel"]], header=["Text", "Type"])
    with pytest.raises(InputError) as err:
        reviews.read_reviews(path, "Review", "Polarity")
    msg = str(err.value)
    assert str(path) in msg and "'Review'" in msg and "data.text_column" in msg and "Text, Type" in msg


def test_read_reviews_handles_quoted_newlines_and_cp1252(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["línea uno\nlínea dos, con coma", "5.0", "T", "R", "Hotel"]],
                     encoding="cp1252")
    frame, encoding = reviews.read_reviews(path, "Review", "Polarity")
    assert encoding == "cp1252"
    assert frame.loc[0, "Review"] == "línea uno\nlínea dos, con coma"


def test_prepare_drops_empty_missing_and_duplicate_rows_with_counts(tmp_path):
    rows = balanced_rows(4) + [["   ", "1.0", "T", "R", "Hotel"], ["", "2.0", "T", "R", "Hotel"],
                               ["sin etiqueta", "", "T", "R", "Hotel"],
                               ["reseña  número 0 de la clase 1", "1.0", "T", "R", "Hotel"]]
    frame, _ = reviews.read_reviews(write_csv(tmp_path / "r.csv", rows), "Review", "Polarity")
    out, report = reviews.prepare(frame, "Review", "Polarity", "r.csv")
    assert report["rows_in"] == 24 and report["rows_out"] == 20
    assert report["dropped"] == {"empty_text": 2, "missing_label": 1, "duplicate_text": 1}
    assert [r["source_row"] for r in report["dropped_rows"]] == [20, 21, 22, 23]
    assert sorted(out["label"].unique()) == [0, 1, 2, 3, 4]
    assert sorted(out["label_value"].unique()) == [1, 2, 3, 4, 5]
    assert list(out.columns[:4]) == ["text", "label", "label_value", "source_row"]
    assert {"Town", "Region", "Type"} <= set(out.columns)


def test_labels_map_in_sorted_order_for_text_labels_too():
    frame = pd.DataFrame({"Review": ["a", "b", "c", "d"], "Polarity": ["pos", "neg", "neu", "pos"]})
    out, _ = reviews.prepare(frame, "Review", "Polarity", "x")
    assert dict(zip(out["label_value"], out["label"])) == {"neg": 0, "neu": 1, "pos": 2}


def test_single_class_is_a_clear_error():
    frame = pd.DataFrame({"Review": ["a", "b"], "Polarity": ["5.0", "5.0"]})
    with pytest.raises(InputError, match="'Polarity' has 1 class"):
        reviews.prepare(frame, "Review", "Polarity", "x.csv")


def test_class_too_small_to_stratify_names_class_count_and_fix():
    labels = pd.Series([1] * 50 + [2] * 50 + [3] * 4)
    with pytest.raises(InputError) as err:
        reviews.check_stratifiable(labels, 0.1, 0.1, "r.csv", "Polarity")
    msg = str(err.value)
    assert "r.csv" in msg and "class 3" in msg and "4 row(s)" in msg and "at least 10" in msg
    assert "merge" in msg


def test_split_is_stratified_disjoint_deterministic(tmp_path):
    frame, _ = reviews.read_reviews(write_csv(tmp_path / "r.csv", balanced_rows(40)), "Review", "Polarity")
    prepared, _ = reviews.prepare(frame, "Review", "Polarity", "r.csv")
    parts = reviews.split(prepared, 0.1, 0.2, seed=3)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [140, 20, 40]
    for name, expected in (("train", 28), ("val", 4), ("test", 8)):
        assert parts[name]["label"].value_counts().tolist() == [expected] * 5
    rows = [set(parts[k]["source_row"]) for k in ("train", "val", "test")]
    assert not (rows[0] & rows[1] or rows[0] & rows[2] or rows[1] & rows[2])
    again = reviews.split(prepared, 0.1, 0.2, seed=3)
    assert all(parts[k].equals(again[k]) for k in parts)
    assert not parts["test"].equals(reviews.split(prepared, 0.1, 0.2, seed=4)["test"])


def test_label_map_keeps_original_values_and_counts():
    frame = pd.DataFrame({"Review": list("abcde"), "Polarity": ["1.0", "2.0", "2.0", "3.5", "1.0"]})
    prepared, _ = reviews.prepare(frame, "Review", "Polarity", "x")
    assert reviews.label_map(prepared, "Polarity") == {"column": "Polarity", "classes": [
        {"id": 0, "value": 1, "name": "1", "count": 2},
        {"id": 1, "value": 2, "name": "2", "count": 2},
        {"id": 2, "value": 3.5, "name": "3.5", "count": 1}]}


def test_agreeing_duplicates_collapse_to_the_first_and_report_no_conflict():
    frame = pd.DataFrame({"Review": ["bueno", "malo", " bueno ", "bueno", "regular"],
                          "Polarity": ["5.0", "1.0", "5", "5.0", "3.0"]})  # '5' and '5.0' agree
    out, report = reviews.prepare(frame, "Review", "Polarity", "x.csv")
    assert list(out["source_row"]) == [0, 1, 4]
    assert report["dropped"] == {"duplicate_text": 2}
    assert report["conflicting_labels"] == {"groups": 0, "rows": 0, "examples": []}


def test_a_text_with_conflicting_labels_is_dropped_in_every_copy_and_reported(caplog):
    frame = pd.DataFrame({"Review": ["Muy  bueno", "malo", "muy bueno", "regular", "Muy bueno", "malo", "ok",
                                     "ok", "ok"],
                          "Polarity": ["5.0", "1.0", "5.0", "3.0", "2.0", "1.0", "4.0", "3.0", ""]})
    with caplog.at_level("WARNING", logger="nlpbench.data.reviews"):
        out, report = reviews.prepare(frame, "Review", "Polarity", "x.csv")
    # 'Muy  bueno' and 'Muy bueno' are one text after normalisation; 'muy bueno' differs in case
    assert list(out["source_row"]) == [1, 2, 3]
    assert report["dropped"] == {"conflicting_labels": 4, "duplicate_text": 1, "missing_label": 1}
    assert report["conflicting_labels"] == {"groups": 2, "rows": 4, "examples": [
        {"text": "Muy bueno", "rows": [{"source_row": 0, "label": 5}, {"source_row": 4, "label": 2}]},
        {"text": "ok", "rows": [{"source_row": 6, "label": 4}, {"source_row": 7, "label": 3}]}]}
    assert [r["source_row"] for r in report["dropped_rows"]] == [0, 4, 5, 6, 7, 8]
    assert "x.csv: 2 text(s) appear with conflicting labels" in caplog.text
    assert "source rows 0, 4; 6, 7;" in caplog.text


def test_conflicts_are_found_after_the_chosen_normalisation():
    frame = pd.DataFrame({"Review": ["Canción", "cancion", "otra"], "Polarity": ["1", "2", "1"]})
    assert reviews.prepare(frame, "Review", "Polarity", "x")[1]["conflicting_labels"]["groups"] == 0
    frame = pd.concat([frame, pd.DataFrame({"Review": ["más"], "Polarity": ["2"]})], ignore_index=True)
    _, report = reviews.prepare(frame, "Review", "Polarity", "x", lowercase=True, strip_accents=True)
    assert report["conflicting_labels"]["groups"] == 1 and report["dropped"] == {"conflicting_labels": 2}


def test_missing_value_markers_are_no_label_and_no_text(tmp_path):
    """'NA' as a label would be a sixth class, and an 'nan' review a review: both are missing values."""
    markers = ["NA", " n/a ", "", "nan", "NaN", "NULL", "#N/A"]
    rows = balanced_rows(4) + [[f"reseña sin etiqueta {i}", m, "T", "R", "Hotel"] for i, m in enumerate(markers)]
    rows += [["NA", "3.0", "T", "R", "Hotel"], [" nan ", "4.0", "T", "R", "Hotel"], ["N/A", "4.0", "T", "R", "Hotel"]]
    frame, _ = reviews.read_reviews(write_csv(tmp_path / "r.csv", rows), "Review", "Polarity")
    out, report = reviews.prepare(frame, "Review", "Polarity", "r.csv")
    assert report["dropped"] == {"missing_label": 7, "empty_text": 3}
    assert report["rows_out"] == 20 and sorted(out["label_value"].unique()) == [1, 2, 3, 4, 5]
    assert not out["text"].str.lower().isin(["na", "nan", "n/a"]).any()


def test_label_values_are_trimmed_into_one_class():
    frame = pd.DataFrame({"Review": list("abcdef"), "Polarity": ["pos", " pos ", "neg\t", "neg", " 4.0", "4"]})
    out, _ = reviews.prepare(frame, "Review", "Polarity", "x")
    assert sorted(out["label_value"].unique(), key=str) == [4, "neg", "pos"]
    assert out["label"].nunique() == 3


def test_a_duplicate_header_is_named_not_renamed(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["a", "5.0", "b"]], header=["Review", "Polarity", "Review"])
    with pytest.raises(InputError) as err:
        reviews.read_reviews(path, "Review", "Polarity")
    msg = str(err.value)
    assert msg.startswith(f"{path}: column 'Review' appears twice in the header (columns 1 and 3)")
    assert "rename or remove one of them" in msg


@pytest.mark.parametrize("header,words", [
    ([" Review ", "Polarity"], "header ' Review ' has spaces around it"),
    (["Review", " Polarity", "Type "], "headers ' Polarity', 'Type ' have spaces around them"),
])
def test_a_header_padded_with_spaces_is_named_with_the_fix(tmp_path, header, words):
    path = write_csv(tmp_path / "r.csv", [["a"] * len(header)], header=header)
    with pytest.raises(InputError) as err:
        reviews.read_reviews(path, "Review", "Polarity")
    msg = str(err.value)
    assert str(path) in msg and words in msg
    assert f"fix: remove the spaces around the names in the header row (e.g. after the commas: " \
           f"{','.join(h.strip() for h in header)})" in msg
