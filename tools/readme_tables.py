#!/usr/bin/env python
"""Copy the workflow's own result tables into docs/results/ and the README, never typed by hand.

    python tools/readme_tables.py --results runs/cpu-study/results     # what `make readme-tables` runs

Each table is a file the workflow wrote (a part report's metrics.md, the
comparison's summary); it is copied to docs/results/<name>.md and spliced
into README.md between the markers `<!-- results:<name> -->` and
`<!-- /results:<name> -->`. tests/unit/test_readme_tables.py fails when the
README's copy and the file differ.
"""

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "results"
README = REPO / "README.md"
# name in the README -> the workflow output it copies (relative to a results/ directory)
TABLES = {"partA": "partA/analysis/metrics.md", "partB": "partB/analysis/metrics.md",
          "comparison": "comparison/comparison.md"}


def block(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- results:{name} -->\n)(.*?)(<!-- /results:{name} -->)", re.S)


def comparison_summary(text: str) -> str:
    """The comparison's computed summary: the section between its first two headings."""
    part = text.split("## Summary (computed from the tables below)", 1)[1].split("\n## ", 1)[0]
    return part.strip() + "\n"


def readme_block(readme: str, name: str) -> str | None:
    """What the README holds between the markers of `name`, or None without them."""
    match = block(name).search(readme)
    return match.group(2) if match else None


def splice(readme: str, name: str, table: str) -> str:
    if readme_block(readme, name) is None:
        raise SystemExit(f"README.md has no <!-- results:{name} --> ... <!-- /results:{name} --> markers")
    return block(name).sub(lambda m: m.group(1) + table + m.group(3), readme)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, type=Path, help="the results/ directory of a finished run")
    args = ap.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    DOCS.mkdir(parents=True, exist_ok=True)
    for name, rel in TABLES.items():
        source = args.results / rel
        if not source.is_file():
            raise SystemExit(f"{source} is missing: finish the run first (make study)")
        table = source.read_text(encoding="utf-8")
        table = comparison_summary(table) if name == "comparison" else table
        (DOCS / f"{name}.md").write_text(table, encoding="utf-8")
        readme = splice(readme, name, table)
        print(f"{source} -> docs/results/{name}.md and README.md", file=sys.stderr)
    README.write_text(readme, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
