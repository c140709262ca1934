"""The GAN training loop: one visible step in the textbook order, EMA, progress grids.

A *player* is one generator/discriminator pair with its optimisers, its EMA copy and the
real images it learns from: one per class for ``dcgan``, a single one for ``conditional``.
Under DDP (``gan.train_rank``) a player's networks are DDP-wrapped, it draws its batches from
a sampler every rank shares and keeps its rank's shard of each; the step is the same.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel

from synthbalance.config import GanParams
from synthbalance.core import progress
from synthbalance.models.gan import ImageGenerator
from synthbalance.models.pixels import to_unit
from synthbalance.training import ada
from synthbalance.training.engine import Engine, resolve_precision
from synthbalance.training.monitor import monitor_samples, progress_grid
from synthbalance.training.stopping import Stopping, check


class GanTrainingError(RuntimeError):
    """Training cannot go on: divergence, or a checkpoint that does not fit."""


@dataclass
class Player:
    """One GAN game: a generator and its discriminator, their optimisers, the EMA generator,
    and the images they learn (one class's, or every generated class's for a conditional
    player, ``name`` "all"). ``gan.architecture: dcgan`` trains one player per class."""

    name: str
    generator: nn.Module
    discriminator: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    ema: AveragedModel
    images: torch.Tensor  # uint8 (n, C, H, W), on the training device
    labels: torch.Tensor | None  # int64 (n,) for a conditional player, else None
    class_sizes: torch.Tensor | None = None  # (K,) images of each class, when conditional
    class_starts: torch.Tensor | None = None  # (K,) where each class begins in ``order``
    order: torch.Tensor | None = None  # (n,) image indices sorted by class
    present: torch.Tensor | None = None  # the labels that have images
    # Under DDP: the generator that picks each global batch, the same on every rank, and
    # this rank's part of a batch. Alone: the step's own generator, and the whole batch.
    sampler: torch.Generator | None = None
    shard: Callable[[torch.Tensor], torch.Tensor] | None = None
    # The share of D's inputs that are augmented; under ``augment_p: adaptive``, moved by
    # ``adapt`` from the sum and count of sign D(real) since its last move.
    augment_p: float = 1.0
    overfit: list[float] = field(default_factory=lambda: [0.0, 0.0])

    def draw(self, batch_size: int, rng: torch.Generator):
        """A batch of real images in [-1, 1] (and their labels): class-balanced when conditional."""
        device = self.images.device
        rng = rng if self.sampler is None else self.sampler
        shard = self.shard or (lambda batch: batch)
        if self.labels is None:
            index = torch.randperm(len(self.images), generator=rng, device=device)[:batch_size]
            return to_unit(self.images[shard(index)]), None
        pick = torch.randint(len(self.present), (batch_size,), generator=rng, device=device)
        labels = self.present[pick]
        offset = torch.rand(batch_size, generator=rng, device=device) * self.class_sizes[labels]
        index = self.order[self.class_starts[labels] + offset.long()]
        return to_unit(self.images[shard(index)]), shard(labels)


def make_ema(generator: nn.Module, decay: float) -> AveragedModel:
    """An exponential moving average of the generator, warmed up: the decay after n updates
    is min(decay, (1 + n) / (10 + n)), so early grids are not stuck at the initial weights."""

    @torch.no_grad()
    def average(ema_params, params, num_averaged):
        weight = 1 - min(decay, (1 + int(num_averaged)) / (10 + int(num_averaged)))
        for ema, current in zip(ema_params, params, strict=True):
            if ema.is_floating_point():
                ema.lerp_(current, weight)
            else:  # counters such as BatchNorm's num_batches_tracked
                ema.copy_(current)

    return AveragedModel(generator, multi_avg_fn=average, use_buffers=True)


def _losses(kind: str, d_real: torch.Tensor, d_fake: torch.Tensor, d_gen: torch.Tensor | None):
    if kind == "hinge":
        loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
        loss_g = None if d_gen is None else -d_gen.mean()
    else:  # non-saturating
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        loss_g = None if d_gen is None else F.softplus(-d_gen).mean()
    return loss_d, loss_g


def gan_step(
    player: Player,
    batch_size: int,
    z_dim: int,
    loss: str,
    augment: list[str],
    rng: torch.Generator,
    autocast: torch.autocast,
) -> dict[str, float]:
    """One step: D on real, D on fake.detach(), step D; then G against the new D, step G."""
    G, D, p = player.generator, player.discriminator, player.augment_p
    real, labels = player.draw(batch_size, rng)
    z = torch.randn(len(real), z_dim, generator=rng, device=real.device)
    with autocast:
        fake = G(z, labels)
        d_real = D(ada.augment(real, augment, p, rng), labels)
        d_fake = D(ada.augment(fake.detach(), augment, p, rng), labels)
        loss_d, _ = _losses(loss, d_real.float(), d_fake.float(), None)
    player.opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    player.opt_d.step()

    D.requires_grad_(False)  # G's step needs gradients through D, not D's own weights'
    with autocast, _frozen(D):
        d_gen = D(ada.augment(fake, augment, p, rng), labels)
        _, loss_g = _losses(loss, d_real.detach().float(), d_fake.detach().float(), d_gen.float())
    player.opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    player.opt_g.step()
    D.requires_grad_(True)
    player.ema.update_parameters(G)
    player.overfit[0] += torch.sign(d_real.detach().float()).mean().item()
    player.overfit[1] += 1
    return {
        "loss_d": loss_d.item(),
        "loss_g": loss_g.item(),
        "d_real": torch.sigmoid(d_real.detach().float()).mean().item(),
        "d_fake": torch.sigmoid(d_fake.detach().float()).mean().item(),
    }


def _frozen(D: nn.Module):
    """Under DDP, D's forward in G's step runs in ``no_sync``: its frozen weights get no
    gradient, so D's reducer is not told to expect any (nor all-reduces an empty bucket, as
    ``find_unused_parameters`` would, walking the graph at every forward)."""
    return D.no_sync() if isinstance(D, DistributedDataParallel) else contextlib.nullcontext()


def _window_means(rows: list[dict], step: int, name: str, seconds: float) -> dict:
    means = {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}
    return {"step": step, "player": name, **means, "seconds": round(seconds, 2)}


@dataclass
class Record:
    """What training has produced so far. Saved with every checkpoint (``state``), so that a
    resumed run ends with the same history, grids and samples as an uninterrupted one."""

    history: list[dict] = field(default_factory=list)  # window means, a row per player
    frames: list = field(default_factory=list)  # [step, uint8 grid (H, W, C)]
    samples: list = field(default_factory=list)  # [step, uint8 images, labels]
    seconds: float = 0.0  # training time, over every resumed part
    window: dict[str, list[dict]] = field(default_factory=dict)  # step metrics not yet logged
    # The stopping rule's: each scoring, the best one (step, signal, the players' EMA and
    # critic states), scorings since it, and the step training stopped at (None: not yet).
    scores: list[dict] = field(default_factory=list)
    best: dict | None = None
    waited: int = 0
    stopped: int | None = None

    def state(self) -> dict:
        return {
            "history": self.history,
            "frames": self.frames,
            "samples": self.samples,
            "seconds": self.seconds,
            "window": self.window,
            "scores": self.scores,
            "best": self.best,
            "waited": self.waited,
            "stopped": self.stopped,
        }


@dataclass
class GanRun:
    """One training of a GAN: its players and bundle, its parameters, its step's stream, the
    fixed noise of the grids (and of the quality monitor), and how a checkpoint is saved."""

    players: list[Player]
    bundle: ImageGenerator
    params: GanParams
    rng: torch.Generator
    noise: torch.Tensor  # (8, z_dim): the grids' latent points
    monitor: torch.Tensor | None  # (monitor_images, z_dim), or None: no samples kept
    save: Callable[[int, Record], None]  # (step, record) -> a checkpoint on disk
    where: str  # the checkpoint's path, for messages
    stopping: Stopping | None = None  # the stopping rule, or None: train all ``steps``
    agree: Callable[[bool], bool] = bool  # under DDP: rank 0's decision, on every rank


def _grid(run: GanRun, record: Record, step: int) -> None:
    record.frames.append(
        [step, torch.from_numpy(progress_grid(run.players, run.bundle, run.noise))]
    )
    if run.monitor is not None:
        record.samples.append([step, *monitor_samples(run.players, run.bundle, run.monitor)])


def _step_players(run: GanRun, record: Record, step: int, last_saved: int, autocast) -> None:
    """One step of every player; a non-finite loss stops training, saying what is kept."""
    params = run.params
    for player in run.players:
        metrics = gan_step(
            player, params.batch_size, params.z_dim, params.loss, params.augment, run.rng, autocast
        )
        if not all(np.isfinite(v) for v in metrics.values()):
            kept = (
                f"the last good checkpoint, step {last_saved}, is kept in {run.where}"
                if last_saved
                else "no checkpoint had been written yet"
            )
            raise GanTrainingError(
                f"gan diverged at step {step + 1} ({player.name}: {metrics}); {kept}. "
                f"Lower the learning rates, or use loss: hinge with spectral_norm: true"
            )
        if params.augment_p == "adaptive":
            ada.adapt(player, params.augment_target, params.batch_size)
            metrics["augment_p"] = player.augment_p
        record.window[player.name].append(metrics)


def _log_window(run: GanRun, record: Record, done: int, bar) -> None:
    """The window's means into the history, a row per player; the latest on the bar."""
    for name, rows in record.window.items():
        label = _player_label(run.bundle, name)
        record.history.append(_window_means(rows, done, label, record.seconds))
        rows.clear()
    latest = record.history[-1]
    bar.set_postfix(loss_d=f"{latest['loss_d']:.3f}", loss_g=f"{latest['loss_g']:.3f}")


def train_steps(run: GanRun, start: int, record: Record) -> None:
    """Steps ``start`` .. ``params.steps``, or until the stopping rule ends training: log,
    draw grids (and, with ``monitor`` noise, keep samples for the quality pipeline), score
    for the stopping rule and checkpoint on the way, into ``record``."""
    params, device = run.params, run.rng.device
    if record.stopped is not None:  # a resumed run that had stopped: nothing left to train
        return
    if start > params.steps:
        raise GanTrainingError(
            f"the checkpoint {run.where} is at step {start}, past gan.steps = {params.steps}; "
            f"raise steps, or set gan.resume: false to train {params.steps} steps afresh"
        )
    autocast = Engine(device, resolve_precision(params.precision, device)).autocast()
    for player in run.players:
        player.ema.module.eval()
    started, seconds_before, last_saved = time.perf_counter(), record.seconds, start
    drawn = {step for step, _ in record.frames}
    bar = progress.bar(
        range(start, params.steps), "gan", total=params.steps, initial=start, unit="step"
    )
    for step in bar:
        if step % params.progress_every == 0 and step not in drawn:
            _grid(run, record, step)
        _step_players(run, record, step, last_saved, autocast)
        done = step + 1
        record.seconds = seconds_before + time.perf_counter() - started
        last = _stops(run, record, done) or done == params.steps  # the rule scores at the cap too
        if done % params.log_every == 0 or last:
            _log_window(run, record, done, bar)
        if last:
            _grid(run, record, done)
        if done % params.checkpoint_every == 0 or last:
            run.save(done, record)
            last_saved = done
        if last:
            break


def _stops(run: GanRun, record: Record, done: int) -> bool:
    """Whether the stopping rule, scoring at ``done`` when it is due, ends training there."""
    if run.stopping is None:
        return False
    final = done == run.params.steps
    if not (done % run.stopping.params.every == 0 or final):
        return False
    stop = run.agree(check(run.stopping, run.players, record, done))
    record.stopped = done if stop else None  # the cap alone is not a stop: raise it, go on
    return stop or final


def _player_label(bundle: ImageGenerator, name: str) -> str:
    return "all" if name == "all" else bundle.class_names[int(name)]
