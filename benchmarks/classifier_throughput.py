"""The classifier's training step: its FLOP/s against this machine's matrix-multiply peak, where
its time goes, and whether stacking several networks into one call pays, in one run.

One step is what ``training.classifier`` does: forward, loss, backward and Adam, for the
default small CNN (conf/base's width, channels_last) on 28 x 28 grey images. Rows:
``alone`` at batch 128 and 256; ``vmap R`` — R networks, each on its own batch, as one
``torch.func`` call over their stacked weights; ``grouped R`` — the same as grouped
convolutions and batched matrix products. FLOPs are counted by torch's FlopCounterMode for
one network alone (it overcounts grouped convolutions), times R; the peak is the best of
several 2048 x 2048 float32 matrix products, before and after. Then torch.profiler's table of
the step alone: which operators take its time.

    .venv/bin/python benchmarks/classifier_throughput.py [--seconds 5] [--out DIR]
"""

from __future__ import annotations

import argparse
import copy

import torch
import torch.nn.functional as F
from _common import PROJECT, print_table, project_parameters, save_json
from gan_throughput import flops, matmul_peak_gflops, timed
from torch import nn
from torch.func import functional_call, stack_module_state

from synthbalance.models.classifier import small_cnn


def alone(batch: int, width: int, lr: float = 1e-3, compiled: bool = False):
    """One network's training step; ``compiled``: its forward under ``torch.compile``."""
    net = small_cnn(1, 28, 10, width).to(memory_format=torch.channels_last).train()
    optimiser = torch.optim.Adam(net.parameters(), lr)
    model = torch.compile(net) if compiled else net
    images = torch.randn(batch, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, 10, (batch,))

    def step():
        loss = F.cross_entropy(model(images), labels)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return step


def vmapped(count: int, batch: int, width: int):
    nets = [small_cnn(1, 28, 10, width) for _ in range(count)]
    params, buffers = stack_module_state(nets)
    skeleton = copy.deepcopy(nets[0]).to("meta")
    run = torch.vmap(
        lambda p, b, x: functional_call(skeleton, (p, b), (x,)), randomness="different"
    )
    optimiser = torch.optim.Adam(list(params.values()), 1e-3)
    images, labels = torch.randn(count, batch, 1, 28, 28), torch.randint(0, 10, (count, batch))

    def step():
        logits = run(params, buffers, images)
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="sum") / batch
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return step


def grouped(count: int, batch: int, width: int):
    nets = nn.ModuleList(small_cnn(1, 28, 10, width) for _ in range(count))
    optimiser = torch.optim.Adam(nets.parameters(), 1e-3)
    images, labels = torch.randn(batch, count, 28, 28), torch.randint(0, 10, (count, batch))
    images = images.contiguous(memory_format=torch.channels_last)

    def forward():
        h = images
        for layers in zip(*nets, strict=True):
            first = layers[0]
            if isinstance(first, nn.Conv2d):
                h = F.conv2d(
                    h,
                    torch.cat([m.weight for m in layers]),
                    torch.cat([m.bias for m in layers]),
                    padding=1,
                    groups=count,
                )
            elif isinstance(first, nn.MaxPool2d):
                h = F.max_pool2d(h, 2)
            elif isinstance(first, nn.ReLU):
                h = F.relu(h)
            elif isinstance(first, nn.Flatten):
                h = h.reshape(batch, count, -1).transpose(0, 1)
            elif isinstance(first, nn.Linear):
                h = torch.baddbmm(
                    torch.stack([m.bias for m in layers])[:, None],
                    h,
                    torch.stack([m.weight for m in layers]).transpose(1, 2),
                )
            elif isinstance(first, nn.Dropout):
                h = F.dropout(h, first.p)
        return h

    def step():
        loss = F.cross_entropy(forward().flatten(0, 1), labels.flatten(), reduction="sum") / batch
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    torch.manual_seed(0)
    width = project_parameters()["classifier"]["width"]
    peak_before = matmul_peak_gflops()
    per_network = {batch: flops(alone(batch, width)) for batch in (128, 256)}
    cases = [("alone", 1, 128, alone(128, width)), ("alone", 1, 256, alone(256, width))]
    cases += [
        (kind, count, 128, build(count, 128, width))
        for kind, build in (("vmap", vmapped), ("grouped", grouped))
        for count in (2, 3, 6)
    ]
    rows = []
    for kind, count, batch, step in cases:
        seconds = timed(step, args.seconds)
        total = count * per_network[batch]
        rows.append(
            {
                "step": kind,
                "networks": count,
                "batch": batch,
                "ms_per_step": 1000 * seconds,
                "ms_per_network": 1000 * seconds / count,
                "mflop_per_network": per_network[batch] / 1e6,
                "gflop_per_s": total / seconds / 1e9,
                "pct_of_peak": 100 * total / seconds / 1e9 / peak_before,
            }
        )
    peak_after = matmul_peak_gflops()
    print(
        f"matrix-multiply peak: {peak_before:.1f} GFLOP/s before, {peak_after:.1f} after "
        f"({torch.get_num_threads()} threads, float32)"
    )
    print_table(rows)
    step = alone(128, width)
    for _ in range(10):
        step()
    with torch.profiler.profile() as profile:
        for _ in range(50):
            step()
    print("\nwhere one step alone (batch 128) spends its time, 50 steps:")
    print(profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=14))
    save_json(
        args.out,
        "classifier_throughput",
        {
            "matmul_peak_gflops": [round(peak_before, 1), round(peak_after, 1)],
            "threads": torch.get_num_threads(),
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
