"""GAN checkpoints: one dict of tensors and plain data, written atomically, read with
``weights_only`` and checked against the fingerprint of the run that wants it."""

from __future__ import annotations

import os
from pathlib import Path

import torch


class GanTrainingError(RuntimeError):
    """Training cannot go on: divergence, or a checkpoint that does not fit."""


def checkpoint_state(players: list, step: int, rng: torch.Generator, fingerprint: str,
                     record: dict) -> dict:  # fmt: skip
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
