"""The one Markdown table writer: every report and error analysis builds its tables with it."""

from __future__ import annotations

import math

import pandas as pd


def md_cell(value, digits: int = 3) -> str:
    """A value safe inside a table cell: no cell breaks, `<unk>` not read as HTML, NaN as '–'."""
    if isinstance(value, float):
        return "–" if math.isnan(value) or math.isinf(value) else f"{value:.{digits}f}"
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " "))


def markdown_table(frame: pd.DataFrame, left=()) -> str:
    """A GitHub-flavoured table of `frame`: columns named in `left` align left, the rest right.

    Columns whose name starts with '_' are helpers for the caller and are left out.
    """
    frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
    lines = ["| " + " | ".join(md_cell(c) for c in frame.columns) + " |",
             "|" + "|".join(":---" if c in left else "---:" for c in frame.columns) + "|"]
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
