"""Reviews CSV: read, normalise, map labels, and split stratified by class.

Output CSVs have the columns `text`, `label` (0..K-1), `label_value` (the
original label, for reports), `source_row` (0-based data row of the input
CSV, for tracing an error back) and every other input column (Town, Type ...).
"""

from __future__ import annotations

import io
import logging
import math
from collections import Counter
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from nlpbench.core.errors import InputError
from nlpbench.core.io import decode_bytes
from nlpbench.data import textnorm

log = logging.getLogger(__name__)


def read_reviews(path: str | Path, text_col: str, label_col: str) -> tuple[pd.DataFrame, str]:
    """The CSV as strings, with both columns checked: (frame, encoding)."""
    path = Path(path)
    text, encoding = decode_bytes(path.read_bytes(), path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        header = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None, nrows=1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"not a readable CSV: {err}",
                         "save it as comma-separated UTF-8 with a header row; quote fields "
                         "that contain commas or newlines.") from err
    _check_header(header.iloc[0].tolist(), path)
    for col, key in ((text_col, "data.text_column"), (label_col, "data.label_column")):
        if col not in frame.columns:
            raise InputError(path, f"no column '{col}' (columns: {', '.join(frame.columns)})",
                             f"set config key '{key}' to the right column name, or rename the column.")
    return frame, encoding


def _check_header(names: list[str], path: Path) -> None:
    """The header as written: pandas would rename a second 'Review' to 'Review.1', and ' Review ' matches nothing."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names, 1):
        if name in seen:
            raise InputError(path, f"column {name!r} appears twice in the header (columns {seen[name]} and {i})",
                             "rename or remove one of them, so that each column has its own name.")
        seen[name] = i
    padded = [name for name in names if name != name.strip()]
    if padded:
        listed = ", ".join(map(repr, padded))
        raise InputError(path, f"header {listed} has spaces around it: column names are matched exactly"
                         if len(padded) == 1 else f"headers {listed} have spaces around them: column names "
                         "are matched exactly",
                         "remove the spaces around the names in the header row (e.g. after the commas: "
                         f"{','.join(n.strip() for n in names)}).")


# Cells that mean "no value" in exported spreadsheets and R/pandas output, compared lowercased and trimmed.
_MISSING = frozenset({"", "na", "n/a", "#n/a", "nan", "null"})


def is_missing(value: str) -> bool:
    """A label or text that only says the value is missing (NA, N/A, nan, null, empty)."""
    return value.strip().lower() in _MISSING


def normalize_review(text: str, lowercase: bool = False, strip_accents: bool = False) -> tuple[str, dict]:
    """One review as a single clean line, and which repairs it needed."""
    text, fixed = textnorm.repair(text)
    text = " ".join(text.split())
    if strip_accents:
        text = textnorm.strip_accents(text)
    return (text.lower() if lowercase else text), fixed


def _label_value(raw: str):
    """'4.0' -> 4, '4.5' -> 4.5, 'pos' -> 'pos': readable, and sortable within a type."""
    try:
        num = float(raw)
    except ValueError:
        return raw.strip()
    return int(num) if num.is_integer() else num


def prepare(frame: pd.DataFrame, text_col: str, label_col: str, source: str,
            lowercase: bool = False, strip_accents: bool = False) -> tuple[pd.DataFrame, dict]:
    """Normalised texts with labels 0..K-1; empty texts, missing labels and duplicates dropped.

    Duplicates (equal after normalisation) that agree on the label collapse to
    the first; a text given different labels loses every copy, since which
    label is true cannot be known, and is reported as `conflicting_labels`.
    """
    records = frame.to_dict("records")
    texts, repairs = [], Counter()
    for rec in records:
        text, fixed = normalize_review(rec[text_col], lowercase, strip_accents)
        repairs.update(k for k, v in fixed.items() if v)
        texts.append(text)
    raw_labels = [rec[label_col] for rec in records]
    reasons = _drop_reasons(texts, raw_labels)
    rows, dropped, dropped_rows = [], Counter(), []
    for i, (rec, text, reason) in enumerate(zip(records, texts, reasons)):
        if reason:
            dropped[reason] += 1
            dropped_rows.append({"source_row": i, "reason": reason})
            continue
        extra = {k: v for k, v in rec.items() if k not in (text_col, label_col)}
        rows.append({"text": text, "label_value": _label_value(rec[label_col]), "source_row": i, **extra})
    out = pd.DataFrame(rows)
    classes = sorted(out["label_value"].unique(), key=lambda v: (isinstance(v, str), v)) if rows else []
    if len(classes) < 2:
        raise InputError(source, f"column '{label_col}' has {len(classes)} class(es) after dropping "
                         f"{dict(dropped)}; classification needs at least 2",
                         "check data.label_column and that the file holds more than one label.")
    out.insert(1, "label", out["label_value"].map({v: k for k, v in enumerate(classes)}))
    conflicts = _conflict_report(texts, raw_labels, reasons)
    _warn_conflicts(source, conflicts)
    report = {"rows_in": len(frame), "rows_out": len(out), "dropped": dict(dropped),
              "dropped_rows": dropped_rows[:200], "conflicting_labels": conflicts, "repaired": dict(repairs)}
    return out, report


def _drop_reasons(texts: list[str], raw_labels: list[str]) -> list[str | None]:
    """Why each row is dropped (None: kept). Labels compare as values, so '4' and '4.0' agree.

    A text or label that is only a missing-value marker ('NA', 'nan') counts as empty: it is no review
    and no class.
    """
    labels_of: dict[str, set] = {}
    for text, raw in zip(texts, raw_labels):
        if not is_missing(text) and not is_missing(raw):
            labels_of.setdefault(text, set()).add(_label_value(raw))
    reasons, seen = [], set()
    for text, raw in zip(texts, raw_labels):
        reason = ("empty_text" if is_missing(text) else "missing_label" if is_missing(raw)
                  else "conflicting_labels" if len(labels_of[text]) > 1
                  else "duplicate_text" if text in seen else None)
        if reason is None:
            seen.add(text)
        reasons.append(reason)
    return reasons


_MAX_CONFLICTS_LISTED = 50


def _conflict_report(texts: list[str], raw_labels: list[str], reasons: list[str | None]) -> dict:
    """Texts dropped for conflicting labels, each with its source rows and their labels (capped)."""
    groups: dict[str, list[dict]] = {}
    for i, (text, reason) in enumerate(zip(texts, reasons)):
        if reason == "conflicting_labels":
            groups.setdefault(text, []).append({"source_row": i, "label": _label_value(raw_labels[i])})
    return {"groups": len(groups), "rows": sum(map(len, groups.values())),
            "examples": [{"text": text[:120], "rows": rows}
                         for text, rows in list(groups.items())[:_MAX_CONFLICTS_LISTED]]}


def _warn_conflicts(source: str, conflicts: dict) -> None:
    if conflicts["groups"]:
        first = "; ".join(", ".join(str(r["source_row"]) for r in g["rows"]) for g in conflicts["examples"][:3])
        log.warning("%s: %d text(s) appear with conflicting labels; all %d of their rows were dropped "
                    "(source rows %s%s; see conflicting_labels in stats.json); correct the labels in the "
                    "file to keep them", source, conflicts["groups"], conflicts["rows"], first,
                    "; ..." if conflicts["groups"] > 3 else "")


def check_stratifiable(labels: pd.Series, val: float, test: float, source: str, label_col: str) -> None:
    """Every class must be able to appear in train, val and test."""
    need = max(3, math.ceil(1 / min(val, test)))
    counts = labels.value_counts()
    small = counts[counts < need]
    if len(small):
        value, n = _plain(small.index[0]), int(small.iloc[0])
        raise InputError(source, f"class {value!r} of column '{label_col}' has {n} row(s); a stratified "
                         f"split with val={val:g}, test={test:g} needs at least {need} per class",
                         f"add rows of class {value!r}, merge it into a neighbouring class, drop it, "
                         "or raise reviews.split.val / reviews.split.test.")


def split(frame: pd.DataFrame, val: float, test: float, seed: int) -> dict[str, pd.DataFrame]:
    """Stratified train/val/test with a fixed seed (test first, then val from the rest)."""
    rest, test_df = train_test_split(frame, test_size=test, stratify=frame["label"], random_state=seed)
    train_df, val_df = train_test_split(rest, test_size=val / (1 - test), stratify=rest["label"],
                                        random_state=seed)
    return {name: df.sort_values("source_row").reset_index(drop=True)
            for name, df in (("train", train_df), ("val", val_df), ("test", test_df))}


def label_map(frame: pd.DataFrame, label_col: str) -> dict:
    """The saved mapping between model labels 0..K-1 and the original values."""
    counts = frame.groupby("label")["label_value"].agg(["first", "size"])
    return {"column": label_col,
            "classes": [{"id": int(i), "value": _plain(row["first"]), "name": str(_plain(row["first"])),
                         "count": int(row["size"])} for i, row in counts.iterrows()]}


def _plain(value):
    """numpy scalars -> Python scalars (JSON-ready); 4.0 -> 4 when a column mixed 4 and 4.5."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value
