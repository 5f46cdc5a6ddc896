#!/usr/bin/env python
"""Compare recurrent/convolutional models with transformers on both tasks, quality against cost.

    python scripts/report_compare.py --parta results/partA/analysis/metrics.csv \
        --partb results/partB/analysis/metrics.csv --outdir results/comparison

Writes comparison.csv, comparison.md (quality and cost tables and a summary
computed from them), quality_vs_cost.png (with the Pareto front),
params_vs_quality.png and throughput.png.
"""

import argparse
import sys

from nlpbench import cli
from nlpbench.report_compare import summary_lines, write_report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parta", required=True, help="Part A metrics.csv (rule report_partA)")
    ap.add_argument("--partb", required=True, help="Part B metrics.csv (rule report_partB)")
    ap.add_argument("--outdir", required=True)
    args = ap.parse_args(argv)
    table = write_report(args.parta, args.partb, args.outdir)
    print("\n".join(summary_lines(table)), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
