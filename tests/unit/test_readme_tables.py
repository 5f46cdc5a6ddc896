"""The README's result tables are the workflow's own outputs, copied by `make readme-tables`."""

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("readme_tables", REPO / "tools" / "readme_tables.py")
readme_tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_tables)


@pytest.mark.parametrize("name", list(readme_tables.TABLES))
def test_readme_holds_exactly_the_copied_workflow_output(name):
    """Edit a number in the README by hand and this fails: rerun `make readme-tables` instead."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    copied = (REPO / "docs" / "results" / f"{name}.md").read_text(encoding="utf-8")
    assert readme_tables.readme_block(readme, name) == copied


def test_copied_tables_are_the_reports_own_markdown():
    """The files carry what only the report code writes: its legends, sorted on validation."""
    part_a = (REPO / "docs" / "results" / "partA.md").read_text(encoding="utf-8")
    part_b = (REPO / "docs" / "results" / "partB.md").read_text(encoding="utf-8")
    comparison = (REPO / "docs" / "results" / "comparison.md").read_text(encoding="utf-8")
    assert "Sorted by validation bits per character" in part_a and "training seeds" in part_a
    assert "Sorted by mean validation macro-F1" in part_b and "3 training seeds" in part_b
    assert "chosen on validation" in comparison and "paired bootstrap" in comparison


def test_splicing_replaces_only_the_marked_block(tmp_path):
    readme = "intro\n<!-- results:partB -->\nold\n<!-- /results:partB -->\noutro\n"
    out = readme_tables.splice(readme, "partB", "| new |\n")
    assert out == "intro\n<!-- results:partB -->\n| new |\n<!-- /results:partB -->\noutro\n"
    with pytest.raises(SystemExit, match="no <!-- results:partA -->"):
        readme_tables.splice(readme, "partA", "x")


def test_the_comparison_copy_is_its_computed_summary():
    text = "# T\n\n## Summary (computed from the tables below)\n\n- **Part A** ...\n\nmore\n\n## Quality\n\n| x |\n"
    assert readme_tables.comparison_summary(text) == "- **Part A** ...\n\nmore\n"
