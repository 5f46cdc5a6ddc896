#!/usr/bin/env python
"""Cleaned corpus -> train/val/test by song, duplicates collapsed first.

    python scripts/split_lyrics.py --input clean.txt --outdir results/data/lyrics \
        [--val 0.1] [--test 0.1] [--seed 42]

Writes train.txt, val.txt, test.txt, split_stats.json and manifest.tsv (which
song went where, with a hash of its normalised text, for auditing leaks).
"""

import argparse
import hashlib
import sys
from pathlib import Path

from nlpbench import cli, lyrics
from nlpbench.argtypes import fraction
from nlpbench.io import read_text, write_json, write_text

SPLITS = ("train", "val", "test")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--val", type=fraction, default=0.1)
    ap.add_argument("--test", type=fraction, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)

    songs = lyrics.read_corpus(read_text(args.input)[0], args.input)
    unique, dup = lyrics.dedupe(songs)
    parts = lyrics.split_indexes(len(unique), args.val, args.test, args.seed, args.input)
    stats = {"source": args.input, "songs_in": len(songs), **dup, "seed": args.seed,
             "fractions": {"val": args.val, "test": args.test},
             "splits": {name: lyrics.corpus_stats([unique[i] for i in parts[name]]) for name in SPLITS}}
    out = Path(args.outdir)
    for name in SPLITS:
        write_text(out / f"{name}.txt", lyrics.format_corpus([unique[i] for i in parts[name]]))
    write_text(out / "manifest.tsv", _manifest(unique, parts))
    write_json(out / "split_stats.json", stats)
    print(f"{args.input}: {len(songs)} songs, {dup['duplicates_removed']} duplicate(s) removed; "
          + ", ".join(f"{n} {len(parts[n])}" for n in SPLITS), file=sys.stderr)


def _manifest(songs, parts) -> str:
    rows = ["song\tsplit\tsha1_normalized\tfirst_line"]
    where = {i: name for name in SPLITS for i in parts[name]}
    for i, song in enumerate(songs):
        digest = hashlib.sha1(lyrics.dedup_key(song).encode()).hexdigest()[:12]
        rows.append(f"{i}\t{where[i]}\t{digest}\t{song.split(chr(10), 1)[0][:60]}")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.exit(cli.run(main))
