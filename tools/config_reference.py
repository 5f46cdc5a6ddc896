#!/usr/bin/env python
"""Write docs/config.md, every config key with its default, range and meaning, from the schema,
and config/README.md, the short version where the Snakemake workflow catalog looks for it.

    python tools/config_reference.py            # writes both (make config-doc)
    python tools/config_reference.py --check    # exits 1 when either is not what the schema says

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
CATALOG = REPO / "config" / "README.md"
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


CATALOG_HEADER = """# Configuration

**Made from `schemas/config.schema.yaml` by `make config-doc`; do not edit by
hand.** The workflow reads `config.yaml` at the repository root (a
`--configfile` given on the command line is merged over it); the whole config
is validated against the schema before any job runs.

## The study's inputs

The only keys without a default; `config.yaml` sets them, with paths relative
to the directory snakemake runs in. A disabled arm (`llm.enabled: false`,
`encoder.enabled: false`) needs no base model. Models load offline, from these
local directories only.
"""

CATALOG_FOOTER = """
## Everything else

Every other key takes the schema's default unless `config.yaml` or a
`--configfile` sets it, for example `textgen: {{train: {{epochs: 30}}}}`.
[`docs/config.md`](../docs/config.md) lists each one with its default, range
and meaning, in these sections: {sections}.

`demo/config.yaml` is a complete small example: the bundled demo data and tiny
models, on CPU in minutes (`make demo`).

## Where jobs run

Profiles, not the config, say where jobs run: `profiles/local` (one machine),
`profiles/slurm` (CPU rules to partition `C1Mitad1`, GPU rules to `GPU` as
2-process torchrun jobs; `make install-profile`, then `snakemake --profile
slurm`), `profiles/slurm-gres` (the same, asking `--gpus`). One config key
moves work between them: `classify.ablations.cpu_archs`, the classifiers whose
batch size x learning rate grid trains on a CPU node.
"""


def render_catalog(schema: dict) -> str:
    """config/README.md: the inputs in full, the rest by section, pointing to docs/config.md."""
    defs = schema["$defs"]
    inputs = [(f"`{k}`", a, m) for k, d, a, m in rows(schema, defs) if d == "(none: set it)"]
    columns = ("key", "allowed", "meaning")
    table = markdown_table(pd.DataFrame(inputs, columns=columns), left=columns)
    top = ", ".join(f"`{k}`" for k, v in schema["properties"].items() if "properties" not in resolve(v, defs))
    nested = ", ".join(f"`{k}`" for k, v in schema["properties"].items() if "properties" in resolve(v, defs))
    sections = f"the top-level keys ({top}), then {nested}"
    return f"{CATALOG_HEADER}\n{table}\n{CATALOG_FOOTER.format(sections=sections)}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with docs/config.md instead of writing it")
    args = ap.parse_args(argv)
    schema = load_schema()
    pages = {OUT: render(schema), CATALOG: render_catalog(schema)}
    if args.check:
        stale = [p for p, text in pages.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path.relative_to(REPO)} is not what the schema says: run `make config-doc`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in pages.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
