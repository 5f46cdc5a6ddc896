#!/usr/bin/env python
"""Part B report: metrics tables (CSV and Markdown), pooled test predictions and figures from the review
classifiers' artifacts.

    python scripts/report_partB.py \
        --models results/partB/models/cnn/seed42 results/partB/models/cnn/seed43 ... \
        --baselines results/partB/baselines/majority results/partB/baselines/tfidf_lr \
        [--ablations results/partB/ablations/lstm/bs32_lr0.001/seed42 ...] --outdir results/partB/analysis

Every model runs once per seed, each in its own directory: pass them all.
Writes metrics.csv (one row per run: model x seed, and each baseline),
predictions.csv (every run's test predictions), metrics.md (one row per model:
mean ± std over seeds, sorted by validation), confusion_matrices.png,
learning_curves.png and ablation_heatmaps.png into --outdir. Without
--ablations the heatmap figure still exists and says no ablation was
configured.
"""

import argparse
import sys
from pathlib import Path

from nlpbench.core import cli
from nlpbench.core.io import write_text
from nlpbench.report import partb as rep


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", required=True, metavar="DIR",
                    help="one directory per neural model and seed, with summary.json, metrics_test.json, "
                         "confusion_matrix.csv, predictions.csv and trainlog.csv")
    ap.add_argument("--baselines", nargs="*", default=[], metavar="DIR",
                    help="baseline directories with summary.json, metrics_test.json, confusion_matrix.csv "
                         "and predictions.csv")
    ap.add_argument("--ablations", nargs="*", default=[], metavar="DIR",
                    help="batch size x learning rate runs, one directory per seed (summary.json, "
                         "metrics_test.json), any archs")
    ap.add_argument("--outdir", required=True, help="where the tables and figures go")
    args = ap.parse_args(argv)

    # Read and check every input before writing anything: bad input leaves no partial report.
    report = rep.load_report(args.models, args.baselines, args.ablations)

    out = Path(args.outdir)
    rep.draw_confusions(report.confusions, out / "confusion_matrices.png", report.summary)
    rep.draw_learning_curves(report.trainlogs, out / "learning_curves.png")
    rep.draw_ablation(report.ablation, out / "ablation_heatmaps.png")
    write_text(out / "metrics.md", rep.metrics_table(report.summary))
    write_text(out / "predictions.csv", report.predictions.to_csv(index=False))
    write_text(out / "metrics.csv", report.metrics.to_csv(index=False))
    baselines = int((report.summary["seeds"] == 0).sum())
    print(f"{len(report.summary) - baselines} model(s) over {len(report.metrics) - baselines} run(s), "
          f"{baselines} baseline(s), {len(report.ablation)} ablation run(s) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
