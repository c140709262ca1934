"""The device and precision fields every training block shares (``training.engine`` reads
them): one type and one meaning, said once."""

from __future__ import annotations

from typing import Literal

Device = Literal["auto", "cpu", "cuda"]
Precision = Literal["auto", "fp32", "bf16"]

DEVICE = "`auto`: CUDA when available, else the CPU; `cuda` without a CUDA device is an error"
PRECISION = (
    "`bf16`: autocast to bfloat16 with float32 weights and optimiser state; `auto`: "
    "bf16 on CUDA or a CPU with AMX or AVX-512 BF16, else `fp32`"
)
