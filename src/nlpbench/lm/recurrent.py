"""Part A recurrent language models: the training task, loading, sampling.

Ties the pieces together for the scripts: `LMTask` feeds truncated BPTT
windows within songs to the shared training loop; `load` rebuilds a trained
model from its directory; `VocabCodec` and `rnn_step` are what the shared
sampler needs; `evaluate_splits` scores held-out songs on open-vocabulary terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from nlpbench.core.io import write_text
from nlpbench.data.vocab import SPECIALS, Vocab, tokenize
from nlpbench.lm import perplexity, sampling
from nlpbench.lm.batching import encode_songs, lane_tensors, oov_stats, oov_tokens, song_lanes, windows
from nlpbench.lm.spelling import Speller, unseen_char_nats
from nlpbench.models.rnnlm import RNNLM, detach, head_cutoffs, reset_rows
from nlpbench.train import distributed
from nlpbench.train.trainer import Task, load_checkpoint


class LMTask(Task):
    """Truncated BPTT within each song, every song from a fresh state at its start marker.

    Each of the `batch_size` rows reads its songs one after another
    (`batching.song_lanes`); the hidden state is carried and detached
    from window to window and zeroed, row by row, where a new song starts.
    Rows split over ranks (rank r takes rows r, r+world, ...), and each rank
    divides its summed loss by the window's global token count over world,
    so DDP's gradient average is the global token mean: two processes step
    as one does.
    """

    items = "tokens"

    def __init__(self, train: list[torch.Tensor], val: list[torch.Tensor], vocab: Vocab, *, batch_size: int,
                 seq_len: int, seed: int, ctx: distributed.Context, val_chars: int, name: str,
                 val_spelling: float = 0.0, sample_tokens: int = 200):
        if batch_size % ctx.world:
            from nlpbench.core.errors import InputError
            raise InputError("textgen.train.batch_size", f"{batch_size} streams do not split over {ctx.world} "
                             "processes", "use a batch size divisible by the number of processes (nproc).")
        self.train, self.val, self.vocab = train, val, vocab
        self.batch_size, self.seq_len, self.seed, self.ctx = batch_size, seq_len, seed, ctx
        self.val_chars, self.val_spelling, self.name, self.sample_tokens = val_chars, val_spelling, name, sample_tokens
        self.val_tokens = sum(s.numel() - 1 for s in val)
        self.hidden = None
        lanes = song_lanes(train, seq_len, batch_size, seed, epoch=1)  # the loads are the same every epoch
        self._steps = max(sum(windows(train[i], seq_len) for i in row) for row in lanes)

    def steps_per_epoch(self) -> int:
        return self._steps

    def batches(self, epoch: int):
        lanes = song_lanes(self.train, self.seq_len, self.batch_size, self.seed, epoch)
        x, y, keep, starts = lane_tensors(self.train, lanes, self.seq_len, self.vocab.pad)
        t, world, rank = self.seq_len, self.ctx.world, self.ctx.rank
        counts = keep.view(len(lanes), -1, t).sum(dim=(0, 2)).tolist()  # global tokens per window
        x, y, keep, starts = (v[rank::world].to(self.ctx.device) for v in (x, y, keep, starts))
        for w in range(self._steps):
            cols = slice(w * t, (w + 1) * t)
            yield x[:, cols], y[:, cols], keep[:, cols], starts[:, w], counts[w] / world

    def loss(self, model, batch):
        x, y, keep, starts, share = batch
        nll, hidden = model(x, reset_rows(self.hidden, starts), keep=keep, targets=y[keep])
        self.hidden = detach(hidden)
        return nll.sum() / share, share

    def evaluate(self, model) -> dict[str, float]:
        nll = float(perplexity.song_nll(model, self.val, self.ctx, self.vocab.pad).sum())
        m = perplexity.lm_metrics(nll, self.val_tokens, self.val_chars, self.val_spelling)
        return {"val_loss": m["loss"], "val_ppl": m["ppl"], "val_bpc": m["bpc"]}

    def after_epoch(self, model, epoch: int, outdir: Path) -> None:
        """A short sample per epoch, with its own generator: the global RNG stays untouched."""
        model.eval()
        songs = sampling.sample_songs(rnn_step(model), VocabCodec(self.vocab), sampling.Decoding(temperature=0.8),
                                      num=1, max_tokens=self.sample_tokens, seed=self.seed + epoch,
                                      device=self.ctx.device)
        write_text(Path(outdir) / f"sample_epoch{epoch}.txt", songs[0]["text"] + "\n")


OOV_NOTE = {
    "word": "word tokens missing from the train vocabulary (min_freq applied) are scored as <unk> and then "
            "spelt out by a character model fitted on the train words (with an end of word, and an escape "
            "for characters train never showed): 'bpc' pays that spelling (open vocabulary, comparable "
            "with every model), 'bpc_unk' does not; 'oov_rate' is the OOV share of the split's tokens",
    "char": "characters missing from train are scored as <unk> and then picked uniformly among the code "
            "points train never used: 'bpc' pays that, 'bpc_unk' does not",
}


def build_model(vocab: Vocab, arch: str, *, adaptive_softmax: bool, adaptive_min_vocab: int, adaptive_cutoffs,
                adaptive_div_value: float, **sizes) -> RNNLM:
    """The model for `vocab` (ids in train-frequency order, as `Vocab.build` makes them): a full softmax, or an
    adaptive one when asked for and the vocabulary is large enough (`rnnlm.head_cutoffs`)."""
    cutoffs = head_cutoffs(len(vocab), adaptive=adaptive_softmax, min_vocab=adaptive_min_vocab,
                           cutoffs=adaptive_cutoffs)
    return RNNLM(len(vocab), arch, cutoffs=cutoffs, div_value=adaptive_div_value, **sizes)


def load(model_dir: str | Path, device="cpu") -> tuple[RNNLM, Vocab]:
    """A trained model and its vocabulary from `model_best.pt` and `vocab.json`.

    `model_args` rebuild the same output layer: the adaptive softmax's
    cutoffs when it had one, none (the full softmax) in checkpoints from
    before it.
    """
    model_dir = Path(model_dir)
    ckpt = load_checkpoint(model_dir / "model_best.pt")
    model = RNNLM(**ckpt["meta"]["model_args"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval(), Vocab.from_json(model_dir / "vocab.json")


@dataclass(frozen=True)
class VocabCodec:
    """Songs for the sampler as a recurrent model writes them: `<|startsong|>` ... `<|endsong|>` in `vocab`."""

    vocab: Vocab

    @property
    def level(self) -> str:
        return self.vocab.level

    @property
    def end_id(self) -> int:
        return self.vocab.end

    def context_ids(self, prompt: str) -> list[int]:
        """<|startsong|> plus optional first lines (unknown words become <unk>)."""
        ids = [self.vocab.start]
        if prompt:
            ids += self.vocab.encode(prompt.rstrip("\n") + "\n")[1:-1]
        return ids

    def prompt_text(self, prompt: str) -> str:
        return self.vocab.decode(self.context_ids(prompt))

    def written(self, ids: list[int]) -> str:
        return self.vocab.decode(ids)

    def stop(self, ids: list[int]) -> bool:
        return False  # the single end id closes a song


def rnn_step(model):
    """The sampler's step function for a recurrent model: the state is the hidden state.

    It returns the exact log-probabilities, which the sampler takes as logits (their softmax is the
    distribution itself), whatever the output layer.
    """
    def step(ids, hidden):
        return model(ids, hidden)
    return step


def unknown_token_cost(vocab: Vocab, train_songs: list[str]):
    """token -> nats to spell it out after the model's `<unk>`, fitted on the train split only.

    Word models spell an unknown word with a Speller fitted on the train
    words; char models pick an unknown character uniformly among the code
    points train never used. Either way the open-vocabulary code length.
    """
    if vocab.level == "word":
        speller = Speller.fit(t for song in train_songs for t in tokenize(song, "word") if t != "\n")
        return speller.nats
    seen = sum(tok not in SPECIALS for tok in vocab.itos)
    cost = unseen_char_nats(seen)
    return lambda token: cost


def song_spelling(songs: list[str], vocab: Vocab, cost) -> list[float]:
    """Each song's cost (nats) of spelling out its unknown tokens."""
    return [sum(cost(t) for t in oov_tokens(song, vocab)) for song in songs]


@dataclass
class Scorer:
    """The recurrent LM for `perplexity.evaluate_splits`: unknown tokens spelt out, fitted on train only."""

    model: RNNLM
    vocab: Vocab
    train_songs: list[str]
    ctx: distributed.Context

    def __post_init__(self):
        self._cost = unknown_token_cost(self.vocab, self.train_songs)  # fitted once, not per split

    @property
    def unit(self) -> str:
        return self.vocab.level

    @property
    def oov_counting(self) -> str:
        return OOV_NOTE[self.vocab.level]

    def score(self, songs: list[str]) -> perplexity.SongScores:
        ids = encode_songs(songs, self.vocab)
        nll = perplexity.song_nll(self.model, ids, self.ctx, self.vocab.pad)
        oov = oov_stats(songs, self.vocab)
        return perplexity.SongScores(nll, sum(s.numel() - 1 for s in ids), song_spelling(songs, self.vocab, self._cost),
                                     oov["oov_tokens"], oov["oov_rate"])
