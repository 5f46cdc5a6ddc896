#!/usr/bin/env python
"""Raw lyrics -> cleaned corpus in the canonical marker format, stats.json and a length histogram.

    python scripts/clean_lyrics.py --input data/canciones.txt --output clean.txt \
        --stats stats.json --histogram lengths.png [--lowercase] [--min-chars N]
"""

import argparse
import sys

from nlpbench.core import cli, plots
from nlpbench.core.io import read_text, write_json, write_text
from nlpbench.core.settings import CLEAN_LYRICS
from nlpbench.data import lyrics


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help="raw lyrics file (UTF-8, cp1252 or Latin-1)")
    ap.add_argument("--output", required=True, help="cleaned corpus")
    ap.add_argument("--stats", required=True, help="stats.json")
    ap.add_argument("--histogram", required=True, help="song-length histogram (PNG)")
    CLEAN_LYRICS.add_to(ap)  # lowercase and min-chars: from the schema
    args = ap.parse_args(argv)

    text, encoding = read_text(args.input)
    songs, report = lyrics.clean_corpus(text, args.input, args.lowercase, args.min_chars)
    stats = {"source": args.input, "encoding": encoding, "converted_to_utf8": encoding != "utf-8",
             "options": {"lowercase": args.lowercase, "min_chars": args.min_chars},
             **report, "corpus": lyrics.corpus_stats(songs)}
    plots.length_histogram(songs, args.histogram, title="Cleaned songs")
    write_json(args.stats, stats)
    write_text(args.output, lyrics.format_corpus(songs))
    print(f"{args.input}: {report['songs_in']} songs in, {report['songs_out']} out "
          f"(dropped {report['dropped'] or 'none'}); encoding {encoding}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
