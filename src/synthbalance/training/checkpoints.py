"""GAN checkpoints: which run a checkpoint belongs to (its fingerprint), where it lives, one
dict of tensors and plain data written atomically, read with ``weights_only`` and checked
against the fingerprint of the run that wants it, and the resumed run's start."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import torch

from synthbalance import __version__
from synthbalance.config import GanParams
from synthbalance.core.images import ImageSet
from synthbalance.training.engine import resolve_device, resolve_precision
from synthbalance.training.gan_loop import GanTrainingError, Player, Record

logger = logging.getLogger(__name__)

# Parameters that change how long or how visibly training runs, not what it computes:
# a checkpoint written under other values of these is resumed.
# (monitor_images too: its noise has its own stream, so training does not see it.)
CADENCE = {
    "steps",
    "progress_every",
    "log_every",
    "checkpoint_every",
    "checkpoint_dir",
    "resume",
    "monitor_images",
}


def checkpoint_state(
    players: list, step: int, rng: torch.Generator, fingerprint: str, record: dict
) -> dict:
    """Everything needed to go on exactly where training stopped (tensors and plain data)."""
    return {
        "fingerprint": fingerprint,
        "step": step,
        "rng": rng.get_state(),
        "record": record,
        "players": {
            p.name: {
                "generator": p.generator.state_dict(),
                "discriminator": p.discriminator.state_dict(),
                "opt_g": p.opt_g.state_dict(),
                "opt_d": p.opt_d.state_dict(),
                "ema": p.ema.state_dict(),
                "augment_p": p.augment_p,
                "overfit": list(p.overfit),
            }
            for p in players
        },
    }


def save_checkpoint(path: Path, state: dict) -> None:
    """Write to a temporary name, then rename: a kill mid-write leaves the old checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    torch.save(state, partial)
    os.replace(partial, path)


def _read(path: Path, fingerprint: str, players: list) -> dict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise GanTrainingError(
            f"checkpoint {path} cannot be read ({error}); delete it to start afresh"
        ) from error
    if state.get("fingerprint") != fingerprint or set(state["players"]) != {
        p.name for p in players
    }:
        raise GanTrainingError(
            f"checkpoint {path} was written for other parameters or data; delete it, or set "
            f"gan.resume: false to start afresh"
        )
    return state


def load_checkpoint(path: Path, fingerprint: str, players: list, rng: torch.Generator) -> dict:
    """Restore ``players`` and ``rng`` from ``path``; a mismatch is an error, the file untouched."""
    state = _read(path, fingerprint, players)
    try:
        for p in players:
            saved = state["players"][p.name]
            p.generator.load_state_dict(saved["generator"])
            p.discriminator.load_state_dict(saved["discriminator"])
            p.opt_g.load_state_dict(saved["opt_g"])
            p.opt_d.load_state_dict(saved["opt_d"])
            p.ema.load_state_dict(saved["ema"])
            p.augment_p, p.overfit = saved["augment_p"], list(saved["overfit"])
        rng.set_state(state["rng"])
    except (RuntimeError, KeyError, ValueError) as error:
        raise GanTrainingError(
            f"checkpoint {path} does not fit these models ({error}); delete it to start afresh"
        ) from error
    return state


def fingerprint(train: ImageSet, params: GanParams, seed: int, classes: list[int]) -> str:
    """Same data, seed and training parameters -> same fingerprint -> the same checkpoint."""
    digest = hashlib.sha256()
    train.hash_into(digest)
    alone = {"world_size"} if params.world_size == 1 else set()  # as before world_size existed
    device = resolve_device(params.device)
    settings = params.model_dump(mode="json", exclude=CADENCE | alone) | {
        "seed": seed,
        "classes": classes,
        "synthbalance": __version__,  # a release that changes the models changes this
        "device": device.type,  # a CUDA checkpoint cannot resume on a CPU
        "precision": resolve_precision(params.precision, device),
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def checkpoint_path(params: GanParams, fingerprint: str) -> Path:
    return Path(params.checkpoint_dir) / f"gan-{fingerprint}.pt"


def resume(path: Path, fingerprint: str, players: list[Player], rng, params: GanParams):
    """(the step to start from, the record so far, the checkpoint or None): the checkpoint's
    when there is one to resume."""
    if not (params.resume and path.exists()):
        return 0, Record(window={p.name: [] for p in players}), None
    state = load_checkpoint(path, fingerprint, players, rng)
    logger.info("gan: resuming from step %d of %s", state["step"], path)
    return state["step"], Record(**state["record"]), state
