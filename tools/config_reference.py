#!/usr/bin/env python
"""Write docs/config.md, every config key with its default, range and meaning, from the schema.

    python tools/config_reference.py            # writes docs/config.md
    python tools/config_reference.py --check    # exits 1 when docs/config.md is not what the schema says

The schema (schemas/config.schema.yaml) is the one place a default is
written; this page is made from it, never edited by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from nlpbench.core.config import load_schema, resolve  # noqa: E402
from nlpbench.core.markdown import markdown_table  # noqa: E402

OUT = REPO / "docs" / "config.md"
HEADER = """# Configuration reference

Every key the workflow reads, with its default, what it allows and what it
means. **Made from `schemas/config.schema.yaml` by `make config-doc`; do not
edit by hand** (a test fails when the two differ).

`config.yaml` sets only the study's inputs, the keys without a default. Any
other key takes the default below unless `config.yaml` or a file given with
`--configfile` sets it; for example `textgen: {train: {epochs: 30}}`. A value
out of range stops the workflow before any job runs, naming the key. The
training scripts' flags are these keys (`python scripts/train_textgen.py
--help`), with the same defaults and ranges.
"""


def rows(node: dict, defs: dict, path: str = ""):
    """(key, default, allowed, meaning) of every leaf under `node`, in schema order."""
    for name, sub in node.get("properties", {}).items():
        sub, key = resolve(sub, defs), f"{path}.{name}" if path else name
        if "properties" in sub:
            yield from rows(sub, defs, key)
        else:
            yield key, _default(sub), allowed(sub, defs), " ".join(sub.get("description", "").split())


def allowed(node: dict, defs: dict) -> str:
    if "enum" in node:
        return "one of " + ", ".join(map(str, node["enum"]))
    kinds = node.get("type", "string")
    kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k != "null"]
    nullable = " or null" if isinstance(node.get("type"), list) and "null" in node["type"] else ""
    if kinds == ["array"]:
        items = resolve(node.get("items", {}), defs)
        size = (f"{node['minItems']} " if node.get("minItems") == node.get("maxItems") and "minItems" in node
                else "")
        return f"list of {size}{allowed(items, defs)}{nullable}"
    return f"{kinds[0]}{_range(node)}{nullable}"


def _range(node: dict) -> str:
    low = (f"> {node['exclusiveMinimum']}" if "exclusiveMinimum" in node
           else f"≥ {node['minimum']}" if "minimum" in node else "")
    high = (f"< {node['exclusiveMaximum']}" if "exclusiveMaximum" in node
            else f"≤ {node['maximum']}" if "maximum" in node else "")
    return " " + ", ".join(p for p in (low, high) if p) if low or high else ""


def _default(node: dict) -> str:
    if "default" not in node:
        return "(none: set it)"
    value = node["default"]
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return "null" if value is None else str(value)


def render(schema: dict) -> str:
    defs, parts = schema["$defs"], [HEADER]
    top = {k: v for k, v in schema["properties"].items() if "properties" not in resolve(v, defs)}
    sections = [("Seeds and where jobs run", {"properties": top}, "")]
    sections += [(f"`{k}`", resolve(v, defs), k) for k, v in schema["properties"].items() if k not in top]
    for title, node, prefix in sections:
        about = f"{' '.join(node['description'].split())}.\n\n" if node.get("description") else ""
        columns = ("key", "default", "allowed", "meaning")
        frame = pd.DataFrame([(f"`{k}`", d, a, m) for k, d, a, m in rows(node, defs, prefix)], columns=columns)
        parts.append(f"## {title}\n\n{about}{markdown_table(frame, left=columns)}\n")
    return "\n".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with docs/config.md instead of writing it")
    args = ap.parse_args(argv)
    text = render(load_schema())
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(REPO)} is not what the schema says: run `make config-doc`", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
