#!/usr/bin/env python
"""Cleaned corpus -> train/val/test by song; duplicates collapsed, near-duplicates kept together.

    python scripts/split_lyrics.py --input clean.txt --outdir results/data/lyrics \
        [--val 0.1] [--test 0.1] [--seed 42] [--near-duplicate-jaccard 0.5]

Songs whose sets of normalised lines have a Jaccard similarity at or above the
threshold are grouped (transitively) and each group goes to one split.

Writes train.txt, val.txt, test.txt, split_stats.json and manifest.tsv (which
song went where, its near-duplicate group, and a hash of its normalised text,
for auditing leaks).
"""

import argparse
import hashlib
import sys
from pathlib import Path

from nlpbench.core import cli
from nlpbench.core.io import read_text, write_json, write_text
from nlpbench.core.settings import SPLIT_LYRICS
from nlpbench.data import lyrics

SPLITS = ("train", "val", "test")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--outdir", required=True)
    SPLIT_LYRICS.add_to(ap)  # fractions, seed and the near-duplicate threshold: from the schema
    args = ap.parse_args(argv)

    songs = lyrics.read_corpus(read_text(args.input)[0], args.input)
    unique, dup = lyrics.dedupe(songs)
    ungrouped = lyrics.split_indexes(len(unique), args.val, args.test, args.seed, args.input)
    pairs = lyrics.near_duplicate_pairs(unique, args.near_duplicate_jaccard)
    groups = lyrics.connected_groups(len(unique), pairs)
    parts = lyrics.split_indexes(len(unique), args.val, args.test, args.seed, args.input, groups)
    near = lyrics.near_duplicate_report(unique, pairs, groups, args.near_duplicate_jaccard, ungrouped)
    stats = {"source": args.input, "songs_in": len(songs), **dup, "near_duplicates": near, "seed": args.seed,
             "fractions": {"val": args.val, "test": args.test},
             "splits": {name: lyrics.corpus_stats([unique[i] for i in parts[name]]) for name in SPLITS}}
    out = Path(args.outdir)
    for name in SPLITS:
        write_text(out / f"{name}.txt", lyrics.format_corpus([unique[i] for i in parts[name]]))
    write_text(out / "manifest.tsv", _manifest(unique, parts, groups))
    write_json(out / "split_stats.json", stats)
    print(f"{args.input}: {len(songs)} songs, {dup['duplicates_removed']} duplicate(s) removed; "
          + ", ".join(f"{n} {len(parts[n])}" for n in SPLITS), file=sys.stderr)
    print(f"near-duplicates (line Jaccard >= {near['jaccard_threshold']:g}): {near['groups']} group(s) of "
          f"{near['songs_in_groups']} song(s), largest {near['largest_group']}, each kept in one split "
          f"({near['pairs_crossing_splits_if_ungrouped']} pair(s) would have crossed splits)", file=sys.stderr)


def _manifest(songs, parts, groups) -> str:
    rows = ["song\tsplit\tgroup\tsha1_normalized\tfirst_line"]
    where = {i: name for name in SPLITS for i in parts[name]}
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    for i, song in enumerate(songs):
        digest = hashlib.sha1(lyrics.dedup_key(song).encode()).hexdigest()[:12]
        rows.append(f"{i}\t{where[i]}\t{group_of[i]}\t{digest}\t{song.split(chr(10), 1)[0][:60]}")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.exit(cli.run(main))
