"""Part A's transformer arm: LoRA fine-tuning of a causal LM on the songs.

The pieces the scripts tie together: loading a base model and its tokenizer
from a local directory (offline, never remote code; optionally 4-bit or 8-bit
through bitsandbytes), adding LoRA adapters with peft, `SongCodec` (how a song
becomes token ids, the same for training, scoring and sampling), `LLMTask`
(packed blocks for the shared training loop), `score_songs` (bits per
character under the protocol of the recurrent models, for validation and the
final evaluation alike) and `hf_step` (the shared sampler's step, with the KV
cache as its state).
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from nlpbench.core.config import allowed
from nlpbench.core.errors import InputError
from nlpbench.core.hf_local import load_tokenizer
from nlpbench.core.io import write_text
from nlpbench.data.lyrics import END, START
from nlpbench.lm import perplexity, sampling
from nlpbench.lm.batching import epoch_order, eval_chars
from nlpbench.train import distributed
from nlpbench.train.trainer import Task

QUANTIZATIONS = tuple(allowed("quantization"))
EVAL_BATCH = 8          # windows per forward pass when scoring
DEFAULT_BLOCK = 512     # scoring window of a model dir without summary.json
IGNORE = -100           # label of positions that are not scored (HF's ignore_index)
ADAPTER = "adapter"     # subdirectory of a model dir with the peft adapter
_KEY = "llm.base_model"


# --- loading -------------------------------------------------------------------

def is_llm_dir(model_dir: str | Path) -> bool:
    """A model directory written by finetune_llm (a peft adapter), not a recurrent model's."""
    return (Path(model_dir) / ADAPTER / "adapter_config.json").is_file()


def compute_dtype(device: torch.device, precision: str = "bf16") -> torch.dtype:
    """bf16 weights and 4-bit compute on GPU; fp32 on CPU, where bf16 matmuls are slow."""
    return torch.bfloat16 if device.type == "cuda" and precision == "bf16" else torch.float32


def bnb_config(quantization: str, dtype: torch.dtype):
    """BitsAndBytesConfig: nf4 with double quantization (QLoRA's recipe), or int8; None for none."""
    from transformers import BitsAndBytesConfig
    if quantization == "nf4":
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                  bnb_4bit_compute_dtype=dtype)
    if quantization == "int8":
        return BitsAndBytesConfig(load_in_8bit=True)
    if quantization == "none":
        return None
    raise InputError("llm.quantization", f"unknown value {quantization!r}", f"use one of {', '.join(QUANTIZATIONS)}.")


def load_base(path: str | Path, quantization: str, device: torch.device, precision: str = "bf16"):
    """(causal LM, tokenizer) from a local directory, offline; quantized models placed by device_map.

    The tokenizer first: a directory without its own tokenizer fails before gigabytes of weights load.
    """
    from transformers import AutoModelForCausalLM
    tokenizer = load_tokenizer(path, _KEY)  # checks the directory, then the tokenizer against the model
    dtype = compute_dtype(device, precision)
    quant = bnb_config(quantization, dtype)
    kwargs = {"dtype": dtype, "local_files_only": True, "trust_remote_code": False}
    if quant is not None:  # bitsandbytes weights cannot be moved after loading: place them now
        kwargs.update(quantization_config=quant,
                      device_map={"": device.index or 0} if device.type == "cuda" else "cpu")
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    if quant is None:
        model.to(device)
    return model, tokenizer


def add_lora(model, r: int, alpha: float, dropout: float, target_modules: list[str], quantized: bool,
             gradient_checkpointing: bool):
    """The base frozen, LoRA adapters on `target_modules` (peft); quantized bases prepared for k-bit training."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    if quantized:  # norms and the head in fp32, base frozen; checkpointing is enabled below for both paths
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    if gradient_checkpointing:  # transformers 5's name for gradient_checkpointing_enable
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(target_modules),
                        bias="none", task_type="CAUSAL_LM")
    try:
        return get_peft_model(model, config)
    except ValueError as err:  # peft names the modules it did not find
        raise InputError("llm.lora.target_modules", str(err).splitlines()[0],
                         "list module names of this architecture (Llama: q_proj k_proj v_proj o_proj "
                         "gate_proj up_proj down_proj).") from err


def parameter_counts(model) -> tuple[int, int]:
    """(total, trainable) as peft counts them: a 4-bit weight stores two parameters per byte."""
    trainable, total = model.get_nb_trainable_parameters()
    return total, trainable


def save_adapter(model, path: str | Path) -> None:
    """peft's save_pretrained into a temporary directory, renamed into place when complete."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)


def load_trained(model_dir: str | Path, device: torch.device, base_model: str | None = None,
                 quantization: str | None = None):
    """(PeftModel in eval mode, codec, info) from a finetune_llm directory.

    The base model and quantization come from the flags, else from
    summary.json, else from the adapter's own record of its base.
    """
    from peft import PeftModel
    model_dir = Path(model_dir)
    summary_path = model_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    adapter_cfg = json.loads((model_dir / ADAPTER / "adapter_config.json").read_text(encoding="utf-8"))
    base = base_model or summary.get("base_model") or adapter_cfg.get("base_model_name_or_path")
    if not base:
        raise InputError(model_dir, "does not say which base model its adapter belongs to",
                         "pass --base-model with the local directory of the base model.")
    quant = quantization or summary.get("quantization") or "none"
    model, tokenizer = load_base(base, quant, device)
    model = PeftModel.from_pretrained(model, model_dir / ADAPTER, is_trainable=False).eval()
    info = {"base_model": str(base), "quantization": quant,
            "block_size": int(summary.get("seq_len") or DEFAULT_BLOCK)}
    return model, SongCodec(tokenizer), info


# --- songs as token ids ----------------------------------------------------------

@dataclass(frozen=True)
class SongCodec:
    """A song as the LLM sees it: BOS `<|startsong|>\\n` {song} `\\n<|endsong|>` EOS.

    The context (BOS and the start marker) and the continuation (the song and
    its end marker) are tokenized apart, so training documents, scoring and
    sampling prompts all cut the text at the same place. BOS is added here,
    never by the tokenizer, so it cannot be doubled.
    """

    tokenizer: object
    level = "word"  # copies are checked in words: subwords are no unit a reader counts in

    @property
    def eos_id(self) -> int | None:
        return self.tokenizer.eos_token_id

    @property
    def end_id(self) -> int | None:
        return self.eos_id

    @property
    def pad_id(self) -> int:
        """Any id: padded positions are never attended to by real ones (causal) and never scored."""
        tok = self.tokenizer
        return next((i for i in (tok.pad_token_id, tok.eos_token_id) if i is not None), 0)

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def context_ids(self, prompt: str = "") -> list[int]:
        """BOS + `<|startsong|>\\n`, plus the prompt's first lines when given."""
        text = f"{START}\n" + (prompt.rstrip("\n") + "\n" if prompt else "")
        bos = self.tokenizer.bos_token_id
        return ([bos] if bos is not None else []) + self._ids(text)

    def continuation_ids(self, songs: list[str]) -> list[list[int]]:
        """What is scored of each song: its text and the end marker (as the RNNs score song + END)."""
        return self.tokenizer([f"{song}\n{END}" for song in songs], add_special_tokens=False)["input_ids"]

    def documents(self, songs: list[str]) -> list[list[int]]:
        """Training documents: context + continuation + EOS."""
        context, eos = self.context_ids(), [self.eos_id] if self.eos_id is not None else []
        return [context + cont + eos for cont in self.continuation_ids(songs)]

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def prompt_text(self, prompt: str) -> str:
        return prompt.rstrip("\n") + "\n" if prompt else ""

    def stop(self, ids: list[int]) -> bool:
        """Whether the text just closed the song. The marker is ASCII, so once it is complete it
        lies within the last len(END) tokens (each covers at least one of its bytes)."""
        return END in self.decode(ids[-len(END):])

    def written(self, ids: list[int]) -> str:
        """Generated ids as text, cut at the end marker."""
        return self.decode(ids).split(END, 1)[0]


# --- training --------------------------------------------------------------------

def pack_blocks(docs: list[torch.Tensor], block_size: int, pad_id: int,
                context: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Documents back to back -> input ids, labels and position ids [blocks, block_size] (run_clm's packing,
    kept per document).

    Each document's first `context` tokens (BOS and the start marker) are
    given, never scored: their labels are IGNORE, so no prediction crosses
    from one song into the next. Position ids restart at every document and
    every block, which transformers reads as packed sequences: a song attends
    only to itself, from its start, as it is scored and sampled. The last
    block is right-padded (IGNORE); a final piece of one token is dropped.
    """
    ids = torch.cat(docs)
    labels = ids.clone()
    positions = torch.cat([torch.arange(d.numel()) for d in docs])
    for start in torch.tensor([0] + [d.numel() for d in docs[:-1]]).cumsum(0).tolist():
        labels[start:start + context] = IGNORE
    pieces = [p for p in zip(ids.split(block_size), labels.split(block_size), positions.split(block_size))
              if p[0].numel() > 1]
    out = [torch.full((len(pieces), block_size), v, dtype=torch.long) for v in (pad_id, IGNORE, 0)]
    for i, (x, y, pos) in enumerate(pieces):
        n, pos = x.numel(), pos.clone()
        starts = (pos == 0).nonzero()
        head = int(starts[0]) if len(starts) else n  # a document carried over from the previous block
        pos[:head] -= int(pos[0])
        out[0][i, :n], out[1][i, :n] = x, y
        out[2][i] = torch.cat([pos, pos[-1] + 1 + torch.arange(block_size - n)])  # padding joins the last song
    return out[0], out[1], out[2]


class LLMTask(Task):
    """Packed blocks of the training songs (reshuffled each epoch), each song attending only to itself.

    `batch_size` blocks make one global batch, split across ranks (rank r
    takes blocks r, r+world, ...), as the recurrent models do. Each rank's
    summed loss is divided by the global batch's token count over world, so
    DDP's gradient average is the global token mean: two processes step
    exactly as one does, also on the ragged last batch.
    """

    items = "tokens"

    def __init__(self, codec: SongCodec, train_songs: list[str], val_songs: list[str], *, batch_size: int,
                 block_size: int, seed: int, ctx: distributed.Context, name: str, sample_tokens: int = 200):
        if batch_size % ctx.world:
            raise InputError("llm.train.batch_size", f"{batch_size} blocks per step do not split over "
                             f"{ctx.world} processes", "use a batch size divisible by the number of processes (nproc).")
        self.codec, self.val_songs, self.ctx, self.name = codec, val_songs, ctx, name
        self.batch_size, self.block_size, self.seed, self.sample_tokens = batch_size, block_size, seed, sample_tokens
        self.docs = [torch.tensor(d, dtype=torch.long) for d in codec.documents(train_songs)]
        self.val_chars = eval_chars(val_songs)
        self.ids = self.labels = self.positions = None
        tokens = sum(d.numel() for d in self.docs)
        blocks = tokens // block_size + (tokens % block_size > 1)
        if not blocks:
            raise InputError("llm.train", f"the training songs make only {tokens} token(s)",
                             "provide more training text.")
        self._steps = math.ceil(blocks / batch_size)

    def steps_per_epoch(self) -> int:
        return self._steps

    def start_epoch(self, epoch: int) -> None:
        docs = [self.docs[i] for i in epoch_order(len(self.docs), self.seed, epoch)]
        self.ids, self.labels, self.positions = pack_blocks(docs, self.block_size, self.codec.pad_id,
                                                            len(self.codec.context_ids()))

    def batches(self, epoch: int):
        rank, world = self.ctx.rank, self.ctx.world
        for start in range(0, self.ids.size(0), self.batch_size):
            rows = slice(start, start + self.batch_size)
            ids, labels, positions = self.ids[rows], self.labels[rows], self.positions[rows]
            share = float((labels[:, 1:] != IGNORE).sum()) / world
            ids, labels, positions = ids[rank::world], labels[rank::world], positions[rank::world]
            if not ids.numel():  # the ragged last batch left this rank nothing: a block that scores nothing
                ids = torch.full((1, self.block_size), self.codec.pad_id, dtype=torch.long)
                labels, positions = torch.full_like(ids, IGNORE), torch.arange(self.block_size)[None]
            yield ids.to(self.ctx.device), labels.to(self.ctx.device), positions.to(self.ctx.device), share

    def loss(self, model, batch):
        ids, labels, positions, share = batch
        out = model(input_ids=ids, labels=labels, position_ids=positions, num_items_in_batch=share, use_cache=False)
        return out.loss, share  # share: so the trainer's token-weighted means over ranks are exact

    def evaluate(self, model) -> dict[str, float]:
        nll, n = score_songs(model, self.codec, self.val_songs, self.block_size, self.ctx)
        m = perplexity.lm_metrics(float(nll.sum()), n, self.val_chars)
        return {"val_loss": m["loss"], "val_ppl": m["ppl"], "val_bpc": m["bpc"]}

    def after_epoch(self, model, epoch: int, outdir: Path) -> None:
        """One song per epoch, with its own generator: the global RNG stays untouched."""
        decoding = sampling.Decoding(temperature=0.8)
        model.eval()
        song = sampling.sample_songs(hf_step(model), self.codec, decoding, 1, self.sample_tokens, self.seed + epoch,
                                     device=self.ctx.device)[0]
        write_text(Path(outdir) / f"samples_epoch{epoch}.md",
                   sample_markdown(f"{self.name}, epoch {epoch}", decoding, [song]))


# --- bits per character ----------------------------------------------------------

def song_windows(n_ids: int, first: int, block_size: int) -> list[tuple[int, int, int]]:
    """(start, end, scored_from) windows that score targets first..n_ids-1 exactly once.

    Input ids[start:end] scores targets ids[scored_from:end]; a song longer
    than the block is read in windows advancing by half a block, so every
    target has between half a block and a block of context.
    """
    stride = max(1, block_size // 2)
    windows, scored = [], first
    while scored < n_ids:
        end = min(n_ids, max(block_size, scored + stride))
        start = max(0, end - block_size)
        windows.append((start, end, scored))
        scored = end
    return windows


def _window_batches(codec: SongCodec, songs: list[str], block_size: int, batch: int):
    """Right-padded (song index, ids, labels) batches of every scoring window of `songs`."""
    context = codec.context_ids()
    rows = []
    for i, cont in enumerate(codec.continuation_ids(songs)):
        ids = context + cont
        for start, end, scored in song_windows(len(ids), len(context), block_size):
            rows.append((i, ids[start:end], [IGNORE] * (scored - start) + ids[scored:end]))
    for b in range(0, len(rows), batch):
        chunk = rows[b:b + batch]
        width = max(len(ids) for _, ids, _ in chunk)
        ids = torch.full((len(chunk), width), codec.pad_id, dtype=torch.long)
        labels = torch.full_like(ids, IGNORE)
        for j, (_, x, y) in enumerate(chunk):
            ids[j, :len(x)], labels[j, :len(y)] = torch.tensor(x), torch.tensor(y)
        yield torch.tensor([i for i, _, _ in chunk]), ids, labels


@torch.no_grad()
def score_songs(model, codec: SongCodec, songs: list[str], block_size: int, ctx: distributed.Context,
                batch: int = EVAL_BATCH) -> tuple[torch.Tensor, int]:
    """Summed NLL (nats) of each song's continuation tokens given its context [len(songs)], and how many.

    The protocol of the recurrent models: each song scored alone on its text
    and its end marker, given the start. This rank scores songs rank,
    rank+world, ...; the sums are reduced over ranks. Bits per character are
    then `perplexity.bits_per_char(nll.sum(), batching.eval_chars(songs))`.
    """
    per_song = torch.zeros(len(songs), dtype=torch.float64, device=ctx.device)
    mine = list(range(ctx.rank, len(songs), ctx.world))
    count = 0
    for idx, ids, labels in _window_batches(codec, [songs[i] for i in mine], block_size, batch):
        ids, labels = ids.to(ctx.device), labels.to(ctx.device)
        logits = model(input_ids=ids, use_cache=False).logits[:, :-1]  # right padding: no mask needed (causal)
        targets = labels[:, 1:]
        keep = targets != IGNORE
        nll = F.cross_entropy(logits[keep].float(), targets[keep], reduction="none")
        rows = torch.tensor(mine, device=ctx.device)[idx.to(ctx.device)][keep.nonzero()[:, 0]]
        per_song.index_add_(0, rows, nll.double())
        count += int(keep.sum())
    (n,) = distributed.all_sum([float(count)], ctx)
    return distributed.all_sum_tensor(per_song, ctx), int(n)


@dataclass
class Scorer:
    """The LLM for `perplexity.evaluate_splits`: every string has tokens, so nothing is out of vocabulary."""

    model: object
    codec: SongCodec
    block_size: int
    ctx: distributed.Context
    unit = "token"
    oov_counting = None

    def score(self, songs: list[str]) -> perplexity.SongScores:
        nll, n = score_songs(self.model, self.codec, songs, self.block_size, self.ctx)
        return perplexity.SongScores(nll, n)


# --- sampling --------------------------------------------------------------------

def hf_step(model):
    """The sampler's step function for a Hugging Face causal LM: the state is its KV cache."""
    def step(ids, cache):
        out = model(input_ids=ids, cache=cache, use_cache=True)  # `cache`: transformers 5's past_key_values
        return out.logits, out.cache
    return step


def sample_markdown(title: str, decoding: sampling.Decoding, songs: list[dict]) -> str:
    lines = [f"# {title}", "",
             f"Decoding: temperature {decoding.temperature}, top-k {decoding.top_k}, top-p {decoding.top_p}.", ""]
    for s in songs:
        end = "ended the song" if s["ended"] else "stopped at the length limit"
        lines += [f"{s['tokens']} tokens, {end}.", "", "```text", s["text"].strip("\n"), "```", ""]
    return "\n".join(lines)
