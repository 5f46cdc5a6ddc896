"""The one training loop of the project.

Every model (recurrent LMs, classifiers, LoRA and encoder fine-tuning) trains
through `fit`: epochs, evaluation, early stopping on a monitored metric, the
best weights kept, a per-epoch log, progress lines that read well in a SLURM
log, bf16 autocast on GPU, DDP under torchrun, and a `last.pt` checkpoint
outside the declared outputs so a killed job resumes where it stopped.

What differs between models lives in a `Task`: how batches are made, what
the loss is, and how the model is evaluated.
"""

from __future__ import annotations

import contextlib
import csv
import io as _io
import logging
import math
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel

from nlpbench.core.io import atomic_path, write_text
from nlpbench.train import distributed

log = logging.getLogger(__name__)


@dataclass
class FitConfig:
    epochs: int
    lr: float
    weight_decay: float = 0.0
    clip: float | None = 1.0
    patience: int = 3
    warmup_ratio: float = 0.0
    min_lr_ratio: float = 0.1       # cosine decays to this share of the peak
    monitor: str = "val_loss"
    mode: str = "min"               # min or max
    precision: str = "fp32"         # bf16 autocast on CUDA; CPU always fp32
    grad_accum: int = 1
    seed: int = 0
    progress_every_s: float = 30.0
    fingerprint: str = ""           # of the settings and input contents: another run's last.pt is not resumed
    name: str = "model"
    trainable_only: bool = False    # keep and checkpoint only trainable weights (LoRA: the frozen base reloads)
    tensorboard: str | None = None  # a directory for TensorBoard event files (rank 0), or none


class Task:
    """What `fit` needs from a model family. Batches are already this rank's shard."""

    items = "tokens"  # what throughput counts

    def steps_per_epoch(self) -> int:
        raise NotImplementedError

    def start_epoch(self, epoch: int) -> None:
        """Reset per-epoch state (e.g. the carried hidden state)."""

    def batches(self, epoch: int):
        raise NotImplementedError

    def loss(self, model, batch) -> tuple[torch.Tensor, int]:
        """Mean loss of the batch and how many items (tokens, reviews) it covered."""
        raise NotImplementedError

    def evaluate(self, model) -> dict[str, float]:
        """Validation metrics, reduced over ranks; must contain the monitored key."""
        raise NotImplementedError

    def after_epoch(self, model, epoch: int, outdir: Path) -> None:
        """Rank 0 only: per-epoch artifacts such as a sample. Must not touch the global RNG."""


@dataclass
class FitResult:
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_value: float = float("nan")
    train_seconds: float = 0.0
    items_per_second: float = 0.0
    peak_memory_mb: float = 0.0
    peak_memory_kind: str = ""
    resumed_from_epoch: int = 0
    best_state: dict | None = None

    @property
    def best_row(self) -> dict:
        """The trainlog row of the epoch whose weights were kept."""
        return next(r for r in self.history if r["epoch"] == self.best_epoch)


def fit(model: torch.nn.Module, task: Task, cfg: FitConfig, ctx: distributed.Context,
        outdir: str | Path, ckpt_dir: str | Path, meta: dict | None = None, save_best: bool = True) -> FitResult:
    """Train `model` on `task`; writes trainlog.csv to `outdir` (rank 0) and leaves the best epoch's weights in it.

    `meta` (plain data: model arguments, vocabulary settings) goes into
    `model_best.pt` beside the best weights; `save_best=False` skips that file
    for a caller that saves the weights its own way (a Hugging Face directory).
    """
    meta = meta or {}
    outdir, ckpt = Path(outdir), Path(ckpt_dir) / "last.pt"
    torch.manual_seed(cfg.seed)
    if any(p.device != ctx.device for p in model.parameters()):
        model.to(ctx.device)  # quantized models arrive placed (device_map) and refuse .to()
    net = DistributedDataParallel(model, device_ids=[ctx.device] if ctx.device.type == "cuda" else None) \
        if ctx.distributed else model
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr,
                            weight_decay=cfg.weight_decay)
    updates = cfg.epochs * math.ceil(task.steps_per_epoch() / cfg.grad_accum)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _warmup_cosine(updates, cfg.warmup_ratio, cfg.min_lr_ratio))
    res, bad, start = FitResult(), 0, 1
    state = _resumable(ckpt, cfg, model, ctx)
    if state is not None:
        res, bad, start = _resume(state, ckpt, cfg, model, opt, sched, ctx)
        if ctx.is_main and res.history:  # the killed job's outputs were removed: restore them
            if save_best:
                save_checkpoint(outdir / "model_best.pt", res.best_state, meta)
            write_trainlog(outdir / "trainlog.csv", res.history, task.items)
    if ctx.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(ctx.device)
    board = _board(cfg, ctx)

    for epoch in range(start, cfg.epochs + 1):
        if bad >= cfg.patience:
            break
        row = _train_epoch(net, model, task, cfg, ctx, opt, sched, epoch, res)
        model.eval()
        with torch.no_grad(), autocast(cfg, ctx):
            row.update(task.evaluate(model))
        row["seconds"] = time.perf_counter() - row.pop("_t0")
        row["lr"] = opt.param_groups[0]["lr"]
        res.history.append(row)
        value = row[cfg.monitor]
        if _improved(value, res.best_value, cfg.mode):
            res.best_value, res.best_epoch, bad = value, epoch, 0
            res.best_state = {k: v.detach().cpu().clone() for k, v in weights(model, cfg).items()}
            if ctx.is_main and save_best:
                save_checkpoint(outdir / "model_best.pt", res.best_state, meta)
        else:
            bad += 1
        if ctx.is_main:
            task.after_epoch(model, epoch, outdir)
            write_trainlog(outdir / "trainlog.csv", res.history, task.items)
            _save_last(ckpt, model, opt, sched, res, bad, epoch, cfg)
        _log_epoch(cfg, ctx, row, task.items, improved=(bad == 0))
        if board is not None:
            _board_epoch(board, row, task.items)
        distributed.barrier(ctx)
        if bad >= cfg.patience and ctx.is_main:
            print(f"[{cfg.name}] early stop: no {cfg.monitor} gain for {bad} epoch(s)", file=sys.stderr)

    if board is not None:
        board.close()
    res.train_seconds = sum(r["train_seconds"] for r in res.history)
    items = sum(r["train_items"] for r in res.history)
    res.items_per_second = items / res.train_seconds if res.train_seconds else 0.0
    res.peak_memory_mb, res.peak_memory_kind = peak_memory_mb(ctx.device)
    if res.best_state is not None:
        model.load_state_dict(res.best_state, strict=not cfg.trainable_only)
    return res


def weights(model: torch.nn.Module, cfg: FitConfig) -> dict:
    """What is kept as best and checkpointed: every weight, or only the trainable ones."""
    state = model.state_dict()
    if not cfg.trainable_only:
        return state
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    return {k: v for k, v in state.items() if k in trainable}


def _train_epoch(net, model, task, cfg, ctx, opt, sched, epoch, res) -> dict:
    t0 = time.perf_counter()
    model.train()
    task.start_epoch(epoch)
    steps = task.steps_per_epoch()
    loss_sum, items, last_print = 0.0, 0, t0
    opt.zero_grad(set_to_none=True)
    for step, batch in enumerate(task.batches(epoch), start=1):
        with autocast(cfg, ctx):
            loss, n = task.loss(net, batch)
        (loss / cfg.grad_accum).backward()
        if step % cfg.grad_accum == 0 or step == steps:
            if cfg.clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
        loss_sum += loss.item() * n
        items += n
        now = time.perf_counter()
        if ctx.is_main and now - last_print >= cfg.progress_every_s:
            _progress(cfg, epoch, step, steps, loss_sum / max(items, 1), items * ctx.world / (now - t0),
                      now - t0, opt.param_groups[0]["lr"], task.items)
            last_print = now
    train_seconds = time.perf_counter() - t0
    loss_sum, items = distributed.all_sum([loss_sum, float(items)], ctx)
    return {"epoch": epoch, "train_loss": loss_sum / max(items, 1), "_t0": t0,
            "train_seconds": train_seconds, "train_items": int(items)}


def _progress(cfg, epoch, step, steps, loss, rate, elapsed, lr, items_name) -> None:
    left = (steps - step) * elapsed / step + (cfg.epochs - epoch) * steps * elapsed / step
    print(f"[{cfg.name}] epoch {epoch}/{cfg.epochs} step {step}/{steps} loss {loss:.4f} "
          f"lr {lr:.2e} {rate:,.0f} {items_name}/s elapsed {_hms(elapsed)} left <= {_hms(left)}",
          file=sys.stderr, flush=True)


def _log_epoch(cfg, ctx, row, items_name, improved) -> None:
    if not ctx.is_main:
        return
    shown = " ".join(f"{k} {v:.4f}" for k, v in row.items()
                     if k.startswith("val_") and isinstance(v, float))
    rate = row["train_items"] / row["train_seconds"] if row["train_seconds"] else 0
    print(f"[{cfg.name}] epoch {row['epoch']}/{cfg.epochs} train_loss {row['train_loss']:.4f} {shown} "
          f"{rate:,.0f} {items_name}/s {row['seconds']:.1f}s{' *best*' if improved else ''}",
          file=sys.stderr, flush=True)


def _board(cfg: FitConfig, ctx: distributed.Context):
    """A TensorBoard writer on rank 0 when asked for; the package is needed only then."""
    if not (cfg.tensorboard and ctx.is_main):
        return None
    from torch.utils.tensorboard import SummaryWriter
    return SummaryWriter(log_dir=cfg.tensorboard)


def _board_epoch(board, row: dict, items_name: str) -> None:
    """Per-epoch scalars under train/ and val/, keyed by epoch (a resumed run appends its epochs)."""
    epoch = row["epoch"]
    board.add_scalar("train/loss", row["train_loss"], epoch)
    board.add_scalar("train/lr", row["lr"], epoch)
    if row["train_seconds"]:
        board.add_scalar(f"train/{items_name}_per_s", row["train_items"] / row["train_seconds"], epoch)
    for key, value in row.items():
        if key.startswith("val_") and isinstance(value, float):
            board.add_scalar(f"val/{key[4:]}", value, epoch)
    board.flush()


def _hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _improved(value: float, best: float, mode: str) -> bool:
    if math.isnan(best):
        return not math.isnan(value)
    return value < best if mode == "min" else value > best


def _warmup_cosine(total: int, warmup_ratio: float, floor: float):
    warmup = int(total * warmup_ratio)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def autocast(cfg: FitConfig, ctx: distributed.Context):
    if ctx.device.type == "cuda" and cfg.precision == "bf16":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def peak_memory_mb(device: torch.device) -> tuple[float, str]:
    """CUDA max allocated on GPU; the process's peak resident set on CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "cuda_max_allocated"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "cpu_peak_rss"


# --- files ---------------------------------------------------------------------

def save_checkpoint(path: Path, state: dict, meta: dict) -> None:
    """Weights and plain metadata: loadable with torch.load(weights_only=True)."""
    with atomic_path(path) as tmp:
        torch.save({"state_dict": state, "meta": meta}, tmp)


def load_checkpoint(path: str | Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def write_trainlog(path: Path, history: list[dict], items_name: str) -> None:
    keys = ["epoch", "train_loss", *[k for k in history[0] if k.startswith("val_")], "seconds",
            f"{items_name}_per_s", "lr"]
    buf = _io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in history:
        rate = row["train_items"] / row["train_seconds"] if row["train_seconds"] else 0.0
        writer.writerow({**row, f"{items_name}_per_s": rate})
    write_text(path, buf.getvalue())


def _save_last(path, model, opt, sched, res, bad, epoch, cfg) -> None:
    rng = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    state = {"epoch": epoch, "fingerprint": cfg.fingerprint, "model": weights(model, cfg),
             "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "rng": rng,
             "history": res.history, "best_value": res.best_value, "best_epoch": res.best_epoch,
             "best_state": res.best_state, "bad_epochs": bad}
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


_LAST_KEYS = {"epoch", "fingerprint", "model", "optimizer", "scheduler", "rng", "history", "best_value",
              "best_epoch", "best_state", "bad_epochs"}


def _resumable(path: Path, cfg: FitConfig, model, ctx) -> dict | None:
    """last.pt's state when every rank can resume this run from it, else None.

    A checkpoint that cannot be read, or that another run wrote (other input contents or settings, weights
    of other shapes), is named in one line and moved aside for a look, never deleted: the job starts over
    instead of failing on every retry or resuming the wrong run. Rank 0 moves it once every rank has read it.
    """
    state, problem = _read_last(path, cfg, model) if path.exists() else (None, None)
    agreed = distributed.all_sum([float(state is not None)], ctx)[0] == ctx.world
    if not agreed and ctx.is_main and path.exists():
        _set_aside(path, cfg, *(problem or _STALE))
    return state if agreed else None


_STALE = ("stale", "is from another run (its inputs or settings differ)")


def _read_last(path: Path, cfg: FitConfig, model) -> tuple[dict | None, tuple[str, str] | None]:
    """(state, None) for a checkpoint of this run; else (None, (suffix for the moved file, what is wrong))."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated or garbled file fails in many ways (zip reader, EOF, unpickling)
        return None, ("corrupt", f"cannot be read, truncated or damaged ({_gist(err)})")
    if not isinstance(state, dict) or not _LAST_KEYS <= state.keys():
        return None, ("corrupt", "is not a training checkpoint")
    if state["fingerprint"] != cfg.fingerprint or not _same_shapes(state["model"], weights(model, cfg)):
        return None, _STALE
    return state, None


def _gist(err: Exception) -> str:
    """The error's type and first sentence: torch's advice to load with weights_only=False is not for us."""
    text = (str(err).strip().splitlines() or [""])[0].split(". ")[0][:160]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _same_shapes(saved, own: dict) -> bool:
    """Whether saved weights fit the model: a vocabulary of another size must not fail load_state_dict."""
    return isinstance(saved, dict) and saved.keys() == own.keys() and \
        all(getattr(saved[k], "shape", None) == v.shape for k, v in own.items())


def _set_aside(path: Path, cfg: FitConfig, suffix: str, what: str) -> None:
    aside = path.with_name(f"{path.name}.{suffix}")
    path.replace(aside)  # over an older one set aside: the latest is the one to look at
    log.warning("[%s] checkpoint %s %s: moved to %s, starting over", cfg.name, path, what, aside)


def _resume(state, path, cfg, model, opt, sched, ctx):
    model.load_state_dict(state["model"], strict=not cfg.trainable_only)
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"]["cpu"])
    if "cuda" in state["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng"]["cuda"])
    res = FitResult(history=state["history"], best_epoch=state["best_epoch"], best_value=state["best_value"],
                    best_state=state["best_state"], resumed_from_epoch=state["epoch"])
    if ctx.is_main:
        print(f"[{cfg.name}] resuming after epoch {state['epoch']} from {path}", file=sys.stderr, flush=True)
    return res, state["bad_epochs"], state["epoch"] + 1


def count_parameters(model: torch.nn.Module) -> tuple[int, int]:
    """(total, trainable), counting tied weights once."""
    params = {id(p): p for p in model.parameters()}.values()
    return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)


def run_summary(model: torch.nn.Module, res: FitResult, ctx: distributed.Context, epochs: int,
                items_name: str, seed: int) -> dict:
    """The summary.json fields every trained model shares, whatever its part."""
    total, trainable = count_parameters(model)
    return {"seed": seed, "params_total": total, "params_trainable": trainable,
            "best_epoch": res.best_epoch, "epochs_run": len(res.history),
            **{f"best_{k}": v for k, v in res.best_row.items() if k.startswith("val_")},
            "early_stopped": len(res.history) < epochs,
            "train_seconds": res.train_seconds, f"{items_name}_per_second": res.items_per_second,
            "peak_memory_mb": res.peak_memory_mb, "peak_memory_kind": res.peak_memory_kind,
            "device": str(ctx.device), "device_name": device_name(ctx.device), "world_size": ctx.world,
            "torch_threads": torch.get_num_threads(),
            "resumed_from_epoch": res.resumed_from_epoch}


def device_name(device: torch.device) -> str:
    """The hardware behind a device, so timings say where they were measured (GPU model, CPU model)."""
    from nlpbench.core.hardware import cpu_model
    return torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_model()


def clear_checkpoint(ckpt_dir: str | Path) -> None:
    """After every output is written: the next run of this job starts afresh."""
    (Path(ckpt_dir) / "last.pt").unlink(missing_ok=True)
