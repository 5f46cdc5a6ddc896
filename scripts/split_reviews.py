#!/usr/bin/env python
"""Reviews CSV -> normalised, label-mapped, stratified train/val/test CSVs.

    python scripts/split_reviews.py --input data/MeIA_2025_train.csv --outdir results/data/reviews \
        [--text-column Review] [--label-column Polarity] [--val 0.1] [--test 0.1] [--seed 42]

Writes train.csv, val.csv, test.csv, label_map.json and stats.json. Duplicate texts
that agree on the label keep their first row; a text given different labels is
dropped in every copy and listed under `conflicting_labels` in stats.json.
A label or text that only marks a missing value (NA, N/A, nan, null, empty) is
dropped and counted in stats.json (`missing_label`, `empty_text`).
"""

import argparse
import sys
from pathlib import Path

from nlpbench.core import cli
from nlpbench.core.io import atomic_path, write_json
from nlpbench.core.settings import SPLIT_REVIEWS
from nlpbench.data import reviews

SPLITS = ("train", "val", "test")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--outdir", required=True)
    SPLIT_REVIEWS.add_to(ap)  # fractions, seed, normalisation and column names: from the schema
    args = ap.parse_args(argv)

    raw, encoding = reviews.read_reviews(args.input, args.text_column, args.label_column)
    frame, report = reviews.prepare(raw, args.text_column, args.label_column, args.input,
                                    args.lowercase, args.strip_accents)
    reviews.check_stratifiable(frame["label_value"], args.val, args.test, args.input, args.label_column)
    parts = reviews.split(frame, args.val, args.test, args.seed)
    lmap = reviews.label_map(frame, args.label_column)
    names = {c["id"]: c["name"] for c in lmap["classes"]}
    stats = {"source": args.input, "encoding": encoding, "columns": list(raw.columns),
             "text_column": args.text_column, "label_column": args.label_column,
             "options": {"lowercase": args.lowercase, "strip_accents": args.strip_accents},
             "seed": args.seed, "fractions": {"val": args.val, "test": args.test}, **report,
             "classes": {name: {names[k]: int(v) for k, v in sorted(df["label"].value_counts().items())}
                         for name, df in parts.items()}}
    out = Path(args.outdir)
    for name, df in parts.items():
        with atomic_path(out / f"{name}.csv") as tmp:
            df.to_csv(tmp, index=False)
    write_json(out / "label_map.json", lmap)
    write_json(out / "stats.json", stats)
    conflicts = report["conflicting_labels"]
    note = (f"; {conflicts['groups']} text(s) with conflicting labels, all {conflicts['rows']} of their "
            "rows dropped" if conflicts["groups"] else "")
    print(f"{args.input}: {report['rows_in']} rows in, {report['rows_out']} kept "
          f"(dropped {report['dropped'] or 'none'}{note}); " + ", ".join(f"{n} {len(parts[n])}" for n in SPLITS),
          file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
