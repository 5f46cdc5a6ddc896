#!/usr/bin/env python
"""Part B reference rows: majority class and TF-IDF + logistic regression (C tuned on val macro-F1).

    python scripts/baseline_reviews.py --train train.csv --val val.csv --test test.csv \
        --label-map label_map.json --outdir results/partB/baselines \
        [--seed N] [--c-grid C ...] [--class-weight balanced|none]

Writes <outdir>/majority/ and <outdir>/tfidf_lr/, each with metrics_test.json,
confusion_matrix.csv, confusion_matrix.png, errors.csv, error_analysis.md and summary.json.
"""

import argparse
import sys
from pathlib import Path

from nlpbench.classify import baselines
from nlpbench.classify.scoring import load_label_map
from nlpbench.core import cli
from nlpbench.core.settings import BASELINES, default, seed_type


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--label-map", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--seed", type=seed_type(), default=default("seeds")[0],
                    help="the majority baseline's seed (default: the schema's first seed)")
    BASELINES.add_to(ap)  # the C grid and class weights: from the schema
    args = ap.parse_args(argv)

    label_map = load_label_map(args.label_map)
    k = len(label_map["classes"])
    train, val, test = (baselines.read_split(p, k) for p in (args.train, args.val, args.test))
    out = Path(args.outdir)
    class_weight = None if args.class_weight == "none" else args.class_weight
    runs = [baselines.run_majority(train, val, test, label_map, out / "majority", args.seed),
            baselines.run_tfidf_lr(train, val, test, label_map, out / "tfidf_lr", args.c_grid,
                                   class_weight, args.seed)]
    for summary, metrics in runs:
        mae = "n/a" if metrics["mae"] is None else f"{metrics['mae']:.3f}"
        print(f"{summary['name']}: selected {summary['selected'] or '-'} val macro-F1 "
              f"{summary['best_val_macro_f1']:.4f} | test acc {metrics['accuracy']:.4f} macro-F1 "
              f"{metrics['macro_f1']:.4f} MAE {mae} | train {summary['train_seconds']:.1f} s, "
              f"{summary['inference_reviews_per_s']} reviews/s -> {out / summary['name']}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
