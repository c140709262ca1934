"""``Rank``: one training process's place among ``world_size``, and what training asks of it.

A single process is ``SINGLE``: its ``shard`` is the whole batch and its ``wrap`` the model
itself, so code written against a ``Rank`` runs exactly as it did without one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class Rank:
    rank: int
    world_size: int
    device: torch.device

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's part of a global batch (N, ...), split as DistributedSampler splits a
        dataset: padded to a multiple of ``world_size`` by repeating its start, then every
        ``world_size``-th item from ``rank``. Every shard has the same size, so DDP's mean of
        the ranks' mean gradients is the mean over the (padded) global batch."""
        if self.world_size == 1:
            return batch
        total = -(-len(batch) // self.world_size) * self.world_size  # ceil to a multiple
        padded = torch.cat([batch] * -(-total // len(batch)))[:total]
        return padded[self.rank :: self.world_size]

    def wrap(self, module: nn.Module) -> nn.Module:
        """``module`` in DistributedDataParallel (gradients averaged over the ranks in
        backward, buffers broadcast from rank 0 before each forward); itself when alone."""
        if self.world_size == 1:
            return module
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids)

    def share_buffers(self, module: nn.Module) -> None:
        """Rank 0's buffers (batch norms' running statistics) on every rank: DDP sends them
        before each training forward, then each rank updates its own from its shard, so
        without this the ranks would score validation with different statistics."""
        if self.world_size == 1:
            return
        for buffer in module.buffers():
            dist.broadcast(buffer, src=0)

    def gather(self, value) -> list:
        """``value`` of every rank, in rank order, on every rank (picklable values)."""
        if self.world_size == 1:
            return [value]
        values = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values


SINGLE = Rank(rank=0, world_size=1, device=torch.device("cpu"))


def weights_digest(modules: Iterable[nn.Module]) -> str:
    """A short hash of the modules' parameters: equal on two ranks -> the same weights."""
    digest = hashlib.sha256()
    for module in modules:
        for name, parameter in module.named_parameters():
            digest.update(name.encode())
            digest.update(parameter.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]
