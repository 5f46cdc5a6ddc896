"""Process-group plumbing: the same code runs under `python` and `torchrun`.

torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; without them this is one process.
NCCL on GPUs, gloo on CPU. Only rank 0 writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from nlpbench.core import lifetime
from nlpbench.core.errors import InputError


@dataclass(frozen=True)
class Context:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


def pick_device(preference: str, local_rank: int = 0) -> torch.device:
    """auto -> CUDA when present, else CPU; `cuda` without a GPU is a clear error."""
    if preference == "cuda" and not torch.cuda.is_available():
        raise InputError("config key 'device'", "is 'cuda' but no GPU is visible to this job",
                         "set device: auto (or cpu), or run on a GPU node.")
    if preference in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def init(preference: str = "auto") -> Context:
    if "TORCHELASTIC_RUN_ID" in os.environ:  # a torchrun worker: its own session, so only this ends it with torchrun
        lifetime.die_with_job()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(preference, local_rank)
    if world > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Context(rank, world, local_rank, device)


def all_sum(values: list[float], ctx: Context) -> list[float]:
    """Sum plain numbers over ranks (float64, so token counts stay exact)."""
    if not ctx.distributed:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64,
                     device=ctx.device if ctx.device.type == "cuda" else "cpu")
    dist.all_reduce(t)
    return t.tolist()


def all_sum_tensor(values: torch.Tensor, ctx: Context) -> torch.Tensor:
    """Sum a tensor over ranks (e.g. per-song scores, each rank filling its own songs); returned on CPU."""
    if not ctx.distributed:
        return values.cpu()
    t = values.to(ctx.device if ctx.device.type == "cuda" else "cpu")
    dist.all_reduce(t)
    return t.cpu()


def barrier(ctx: Context) -> None:
    if ctx.distributed:
        dist.barrier()


def shutdown(ctx: Context) -> None:
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()
