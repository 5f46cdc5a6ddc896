#!/usr/bin/env python
"""Compare recurrent/convolutional models with transformers on both tasks, quality against cost.

    python scripts/report_compare.py --parta results/partA/analysis/metrics.csv \
        --parta-songs results/partA/analysis/song_scores.csv --partb results/partB/analysis/metrics.csv \
        --partb-predictions results/partB/analysis/predictions.csv --outdir results/comparison

Each family's representative is chosen on validation; its test difference
from the other family's carries a paired bootstrap interval over the test
songs or reviews. Writes comparison.csv (every run of both parts),
comparison.md (the summary, quality and cost tables), quality_vs_cost.png
(validation quality, with the Pareto front), params_vs_quality.png (test
quality) and throughput.png.
"""

import argparse
import sys

from nlpbench.core import cli
from nlpbench.report.compare import write_report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parta", required=True, help="Part A metrics.csv (rule report_partA)")
    ap.add_argument("--parta-songs", required=True, help="Part A song_scores.csv (rule report_partA)")
    ap.add_argument("--partb", required=True, help="Part B metrics.csv (rule report_partB)")
    ap.add_argument("--partb-predictions", required=True, help="Part B predictions.csv (rule report_partB)")
    ap.add_argument("--outdir", required=True)
    args = ap.parse_args(argv)
    summary = write_report(args.parta, args.parta_songs, args.partb, args.partb_predictions, args.outdir)
    print("\n".join(summary), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
