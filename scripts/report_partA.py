#!/usr/bin/env python
"""Part A report: metrics table (CSV and Markdown) and figures from the trained models' artifacts.

    python scripts/report_partA.py --models results/partA/models/lstm_char/seed42 ... \
        [--context results/partA/ablations/context/lstm_char_L64/seed42 ...] \
        [--decoding results/partA/ablations/decoding/lstm_char/seed42.csv ...] --outdir results/partA/analysis

Writes metrics.csv (one row per model and seed), song_scores.csv (each held-out
song's NLL per run), metrics.md (mean ± std over seeds, sorted by validation),
learning_curves.png, bpc.png, context_length.png and decoding_heatmaps.png into
--outdir. Without --context or --decoding the figure still exists and says no
ablation was configured.
"""

import argparse
import sys
from pathlib import Path

from nlpbench.core import cli
from nlpbench.core.io import write_text
from nlpbench.report import parta as rep


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", required=True, metavar="DIR",
                    help="run directories (one per model and seed) with summary.json, trainlog.csv and eval.json")
    ap.add_argument("--context", nargs="*", default=[], metavar="DIR",
                    help="context-length ablation run directories (summary.json, trainlog.csv)")
    ap.add_argument("--decoding", nargs="*", default=[], metavar="CSV",
                    help="decoding ablation grids, one CSV per model")
    ap.add_argument("--outdir", required=True, help="where the tables and figures go")
    args = ap.parse_args(argv)

    # Read and check every input before writing anything: bad input leaves no partial report.
    report = rep.load_report(args.models, args.context, args.decoding)

    out = Path(args.outdir)
    rep.draw_learning_curves(report.logs, out / "learning_curves.png")
    rep.plot_bpc(report.summary, out / "bpc.png")
    rep.draw_context(report.context, out / "context_length.png")
    rep.draw_decoding(report.decoding, out / "decoding_heatmaps.png")
    test_songs = report.songs[report.songs["split"] == "test"]["song"].nunique()
    write_text(out / "metrics.md", rep.metrics_table(report.summary, report.deltas, test_songs))
    write_text(out / "metrics.csv", report.runs.to_csv(index=False))
    write_text(out / "song_scores.csv", report.songs.to_csv(index=False))
    print(f"{len(report.summary)} model(s) over {len(report.runs)} run(s), {len(report.context)} context "
          f"run(s), {len(report.decoding)} decoding grid(s) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
