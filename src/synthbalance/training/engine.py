"""Where and in what precision a loop runs: one small object every training and inference loop
takes (the classifier, the GAN, DeepSMOTE's autoencoder, the quality extractor, sampling and
scoring).

``precision: bf16`` is autocast to bfloat16 with float32 weights and optimiser state: matrix
products and convolutions in bf16, reductions and the loss in float32. ``auto`` chooses it where
the hardware runs it natively — a CUDA device, or a CPU with AMX or AVX-512 BF16 (oneDNN's bf16
kernels; elsewhere bf16 is emulated and slower than float32) — and float32 otherwise.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Literal

import torch

from synthbalance.training.allocator import tune_malloc

logger = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
Precision = Literal["auto", "fp32", "bf16"]


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (AMX tiles or AVX-512 BF16)."""
    return torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()


def resolve_device(choice: str) -> torch.device:
    """``auto``: CUDA when there is one, else the CPU; ``cuda`` without one is an error."""
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("device is 'cuda' but no CUDA device is available; use 'auto' or 'cpu'")
    if choice not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {choice!r}")
    return torch.device("cuda" if choice != "cpu" and torch.cuda.is_available() else "cpu")


def resolve_precision(choice: str, device: torch.device) -> str:
    """``auto``: bf16 on CUDA or a CPU with native bf16, else fp32; ``bf16`` on a CPU without
    it is allowed (emulated, slow) and said in the log."""
    if choice not in ("auto", "fp32", "bf16"):
        raise ValueError(f"precision must be 'auto', 'fp32' or 'bf16', got {choice!r}")
    native = device.type == "cuda" or cpu_has_bf16()
    if choice == "bf16" and not native:
        logger.warning("precision bf16 on a CPU without AMX or AVX-512 BF16: emulated, slow")
    if choice == "auto":
        return "bf16" if native else "fp32"
    return choice


@dataclass(frozen=True)
class Engine:
    """A resolved device and precision: ``Engine.of("auto", "auto")``."""

    device: torch.device
    precision: str  # "fp32" or "bf16"

    @classmethod
    def of(cls, device: str = "auto", precision: str = "auto") -> Engine:
        tune_malloc()  # once per process: training's freed buffers kept for reuse
        where = resolve_device(device)
        return cls(where, resolve_precision(precision, where))

    def autocast(self) -> contextlib.AbstractContextManager:
        """The context a forward pass (and its loss) runs in."""
        if self.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def describe(self) -> str:
        """E.g. "cpu, bf16 autocast (AMX)" — for the log and the report's settings."""
        if self.precision == "fp32":
            return f"{self.device.type}, fp32"
        if self.device.type == "cuda":
            return f"cuda ({torch.cuda.get_device_name(self.device)}), bf16 autocast"
        unit = "AMX" if torch.cpu._is_amx_tile_supported() else "AVX-512 BF16"
        return f"cpu, bf16 autocast ({unit if cpu_has_bf16() else 'emulated'})"


CPU_FP32 = Engine(torch.device("cpu"), "fp32")
