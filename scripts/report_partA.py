#!/usr/bin/env python
"""Part A report: metrics table (CSV and Markdown) and figures from the trained models' artifacts.

    python scripts/report_partA.py --models results/partA/models/lstm_char ... \
        [--context results/partA/ablations/context/lstm_char_L64 ...] \
        [--decoding results/partA/ablations/decoding/lstm_char.csv ...] --outdir results/partA/report

Writes metrics.csv, metrics.md, learning_curves.png, bpc.png, context_length.png and
decoding_heatmaps.png into --outdir. Without --context or --decoding the figure still
exists and says no ablation was configured.
"""

import argparse
import sys
from pathlib import Path

from nlpbench import cli
from nlpbench import report_parta as rep
from nlpbench.io import write_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", required=True, metavar="DIR",
                    help="model directories with summary.json, trainlog.csv and eval.json")
    ap.add_argument("--context", nargs="*", default=[], metavar="DIR",
                    help="context-length ablation run directories (summary.json, trainlog.csv)")
    ap.add_argument("--decoding", nargs="*", default=[], metavar="CSV",
                    help="decoding ablation grids, one CSV per model")
    ap.add_argument("--outdir", required=True, help="where the tables and figures go")
    args = ap.parse_args(argv)

    # Read and check every input before writing anything: bad input leaves no partial report.
    models = rep.load_models(args.models)
    logs = rep.load_trainlogs(args.models)
    context = rep.load_context(args.context)
    decoding = rep.load_decoding(args.decoding)

    out = Path(args.outdir)
    rep.draw_learning_curves(logs, out / "learning_curves.png")
    rep.plot_bpc(models, out / "bpc.png")
    rep.draw_context(context, out / "context_length.png")
    rep.draw_decoding(decoding, out / "decoding_heatmaps.png")
    write_text(out / "metrics.md", rep.metrics_table(models))
    write_text(out / "metrics.csv", models.to_csv(index=False))
    print(f"{len(models)} model(s), {len(context)} context run(s), {len(decoding)} decoding grid(s) "
          f"-> {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
