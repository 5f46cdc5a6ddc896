"""Part A recurrent language models: the training task, loading, sampling.

Ties the pieces together for the scripts: `LMTask` feeds truncated BPTT
windows to the shared training loop; `load` rebuilds a trained model from its
directory; `sample_songs` runs the shared sampler and scores each song.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from . import distributed, genmetrics, lm_eval, sampling
from .io import write_text
from .models.rnnlm import RNNLM, detach
from .textgen_data import Vocab, batchify, epoch_stream
from .trainer import Task, load_checkpoint


class LMTask(Task):
    """Truncated BPTT over the concatenated training songs, hidden state carried.

    The global batch of `batch_size` streams is split across ranks (rank r
    takes streams r, r+world, ...), so a DDP run sees exactly the windows a
    single process would.
    """

    items = "tokens"

    def __init__(self, train: list[torch.Tensor], val_stream: torch.Tensor, vocab: Vocab, *, batch_size: int,
                 seq_len: int, seed: int, ctx: distributed.Context, val_chars: int, name: str,
                 sample_tokens: int = 200):
        if batch_size % ctx.world:
            from .errors import InputError
            raise InputError("textgen.train.batch_size", f"{batch_size} streams do not split over {ctx.world} "
                             "processes", "use a batch size divisible by the number of processes (nproc).")
        self.train, self.val_stream, self.vocab = train, val_stream, vocab
        self.batch_size, self.seq_len, self.seed, self.ctx = batch_size, seq_len, seed, ctx
        self.val_chars, self.name, self.sample_tokens = val_chars, name, sample_tokens
        self.meta: dict = {}
        self.hidden, self.data = None, None
        tokens = sum(t.numel() for t in train)
        self._steps = math.ceil((tokens // batch_size - 1) / seq_len)

    def steps_per_epoch(self) -> int:
        return self._steps

    def start_epoch(self, epoch: int) -> None:
        self.hidden = None
        rows = batchify(epoch_stream(self.train, self.seed, epoch), self.batch_size)
        self.data = rows[self.ctx.rank::self.ctx.world].to(self.ctx.device)

    def batches(self, epoch: int):
        length = self.data.size(1)
        for t in range(0, length - 1, self.seq_len):
            end = min(t + self.seq_len, length - 1)
            yield self.data[:, t:end], self.data[:, t + 1:end + 1]

    def loss(self, model, batch):
        x, y = batch
        logits, hidden = model(x, self.hidden)
        self.hidden = detach(hidden)
        return F.cross_entropy(logits.float().flatten(0, 1), y.flatten()), y.numel()

    def evaluate(self, model) -> dict[str, float]:
        nll, n = lm_eval.stream_nll(model, self.val_stream, self.ctx, self.vocab.pad)
        m = lm_eval.lm_metrics(nll, n, self.val_chars)
        return {"val_loss": m["loss"], "val_ppl": m["ppl"], "val_bpc": m["bpc"]}

    def after_epoch(self, model, epoch: int, outdir: Path) -> None:
        """A short sample per epoch, with its own generator: the global RNG stays untouched."""
        songs = sample_songs(model, self.vocab, sampling.Decoding(temperature=0.8), num=1,
                             max_tokens=self.sample_tokens, seed=self.seed + epoch, device=self.ctx.device)
        write_text(Path(outdir) / f"sample_epoch{epoch}.txt", songs[0]["text"] + "\n")


MIN_SONG_TOKENS = 8  # an undertrained model may close a song at once; a sample needs some content


def build_model(vocab: Vocab, arch: str, **sizes) -> RNNLM:
    return RNNLM(len(vocab), arch, **sizes)


def load(model_dir: str | Path, device="cpu") -> tuple[RNNLM, Vocab]:
    """A trained model and its vocabulary from `model_best.pt` and `vocab.json`."""
    model_dir = Path(model_dir)
    ckpt = load_checkpoint(model_dir / "model_best.pt")
    model = RNNLM(**ckpt["meta"]["model_args"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval(), Vocab.from_json(model_dir / "vocab.json")


def rnn_step(model):
    """The sampler's step function for a recurrent model: the state is the hidden state."""
    def step(ids, hidden):
        return model(ids, hidden)
    return step


def prompt_ids(vocab: Vocab, prompt: str) -> list[int]:
    """<|startsong|> plus optional first lines (unknown words become <unk>)."""
    ids = [vocab.start]
    if prompt:
        ids += vocab.encode(prompt.rstrip("\n") + "\n")[1:-1]
    return ids


@torch.no_grad()
def sample_songs(model, vocab: Vocab, decoding: sampling.Decoding, num: int, max_tokens: int, seed: int,
                 prompts: list[str] = (), device="cpu", checker: genmetrics.CopyChecker | None = None) -> list[dict]:
    """`num` songs from <|startsong|> (+ prompt) to <|endsong|> or `max_tokens`, each scored."""
    model.eval()
    gen = torch.Generator(device=device).manual_seed(seed)
    out = []
    for i in range(num):
        prompt = prompts[i % len(prompts)] if prompts else ""
        start = prompt_ids(vocab, prompt)
        t0 = time.perf_counter()
        ids, ended, logprobs = sampling.generate(rnn_step(model), start, max_tokens, decoding,
                                                 end_id=vocab.end, generator=gen, device=device,
                                                 min_new_tokens=MIN_SONG_TOKENS)
        record = {"index": i, "prompt": prompt, "text": vocab.decode(start + ids), "tokens": len(ids),
                  "seconds": time.perf_counter() - t0,
                  "ended": ended, "temperature": decoding.temperature, "top_k": decoding.top_k,
                  "top_p": decoding.top_p, "seed": seed, "mean_nll": -sum(logprobs) / max(1, len(logprobs))}
        # Scored on what the model wrote, not on the prompt it was given.
        record.update(genmetrics.sample_metrics(
            vocab.decode(ids), copy_words=checker if vocab.level == "word" else None,
            copy_chars=checker if vocab.level == "char" else None, level=vocab.level))
        out.append(record)
    return out


def evaluate_splits(model, vocab: Vocab, train_songs: list[str], splits: dict[str, list[str]],
                    ctx: distributed.Context) -> dict:
    """Loss, PPL, bits per char (plain and OOV-charged) and OOV rate per held-out split."""
    from .textgen_data import encode_songs, eval_chars, oov_stats
    char_symbols = len(set("".join(train_songs)))
    out = {}
    for name, songs in splits.items():
        stream = torch.cat(encode_songs(songs, vocab))
        nll, n = lm_eval.stream_nll(model, stream, ctx, vocab.pad)
        oov = oov_stats(songs, vocab)
        out[name] = {**lm_eval.lm_metrics(nll, n, eval_chars(songs), oov["oov_chars"], char_symbols),
                     "oov_rate": oov["oov_rate"] if vocab.level == "word" else None}
        if vocab.level == "char":
            out[name]["bpc_oov_charged"] = None
    return out


def decoding_grid(model, vocab: Vocab, temperatures, top_ps, top_ks, samples: int, max_tokens: int, seed: int,
                  checker=None, device="cpu", sample_fn=None) -> list[dict]:
    """One row per temperature x top-p x top-k: diversity, repetition, copy rate, NLL of the samples.

    `sample_fn` has `sample_songs`'s signature (the default); `llm.sample_songs`
    puts a fine-tuned LLM through the same grid and the same row statistics.
    """
    sample_fn = sample_fn or sample_songs
    rows = []
    for t in temperatures:
        for p in top_ps:
            for k in top_ks:
                songs = sample_fn(model, vocab, sampling.Decoding(t, k, p), samples, max_tokens, seed,
                                  device=device, checker=checker)
                row = {"temperature": t, "top_p": p, "top_k": k, "samples": len(songs)}
                for key in ("distinct_1", "distinct_2", "distinct_3", "repetition_4gram", "copy_rate",
                            "mean_nll"):
                    vals = [s[key] for s in songs if s[key] is not None]
                    row[key] = sum(vals) / len(vals) if vals else None
                row["mean_tokens"] = sum(s["tokens"] for s in songs) / len(songs)
                rows.append(row)
    return rows
