#!/usr/bin/env python
"""Build tiny random models of the real architectures, offline, for the demo and the tests.

    python scripts/build_tiny_models.py --songs results/data/lyrics/train.txt \
        --reviews results/data/reviews/train.csv --label-map results/data/reviews/label_map.json \
        --llama results/tiny_models/llama --deberta results/tiny_models/deberta

The Llama gets a byte-level BPE tokenizer trained on the train songs (markers
included as plain text, as Llama-3 sees them); the DeBERTa-v2 classifier a
Unigram tokenizer trained on the train reviews, with one output per class of
the label map. Only train splits are read.
"""

import argparse
import sys

import pandas as pd

from nlpbench.classify.scoring import load_label_map
from nlpbench.core import cli
from nlpbench.core.settings import seed_type
from nlpbench.data.lyrics import END, START
from nlpbench.lm.batching import read_songs
from nlpbench.models import tiny_hf


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--songs", required=True, help="train songs (the split_lyrics train file)")
    ap.add_argument("--reviews", required=True, help="train reviews CSV (the split_reviews train file)")
    ap.add_argument("--label-map", required=True)
    ap.add_argument("--llama", required=True, help="output directory of the tiny Llama")
    ap.add_argument("--deberta", required=True, help="output directory of the tiny DeBERTa-v2 classifier")
    ap.add_argument("--llama-vocab", type=int, default=512)
    ap.add_argument("--deberta-vocab", type=int, default=1000)
    ap.add_argument("--seed", type=seed_type(), default=0)
    args = ap.parse_args(argv)
    songs = [f"{START}\n{song}\n{END}" for song in read_songs(args.songs)]
    reviews = pd.read_csv(args.reviews, keep_default_na=False)["text"].tolist()
    k = len(load_label_map(args.label_map)["classes"])
    tiny_hf.build_llama(songs, args.llama, vocab_size=args.llama_vocab, seed=args.seed)
    tiny_hf.build_deberta(reviews, args.deberta, num_labels=k, vocab_size=args.deberta_vocab, seed=args.seed)
    print(f"tiny Llama in {args.llama}, tiny DeBERTa-v2 ({k} classes) in {args.deberta}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli.run(main))
