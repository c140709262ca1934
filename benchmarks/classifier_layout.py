"""The evaluate stage's classifier in NCHW against NHWC (channels_last), side by side.

The profile of the slowest stage (evaluate: nine strategies x 1,500 steps) showed max pooling
taking longer than the convolutions in NCHW on this CPU. This measures one training step
(forward, backward, Adam; batch 128) and inference (batch 1,024) of the default small CNN on
28x28 images in both layouts, alternating them over several rounds, and prints the medians
and their ratio.

    .venv/bin/python benchmarks/classifier_layout.py [--rounds 5] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from _common import PROJECT, print_table, save_json  # benchmarks/ is on sys.path

from synthbalance.models.classifier import Classifier

LAYOUTS = {"nchw": torch.contiguous_format, "nhwc": torch.channels_last}


def step_ms(net, images, labels, steps: int = 60) -> float:
    optimiser = torch.optim.Adam(net.parameters(), 1e-3)
    net.train()
    for i in range(steps + 10):  # 10 warm-up steps
        if i == 10:
            started = time.perf_counter()
        loss = F.cross_entropy(net(images), labels)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    return (time.perf_counter() - started) / steps * 1000


@torch.inference_mode()
def images_per_s(net, images, repeats: int = 5) -> float:
    net.eval()
    net(images)
    started = time.perf_counter()
    for _ in range(repeats):
        net(images)
    return repeats * len(images) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    args = parser.parse_args()

    torch.manual_seed(0)
    batch, labels = torch.randn(128, 1, 28, 28), torch.randint(0, 2, (128,))
    many = torch.randn(1024, 1, 28, 28)
    times = {name: {"train": [], "infer": []} for name in LAYOUTS}
    for _ in range(args.rounds):
        for name, layout in LAYOUTS.items():
            net = Classifier("cnn", 1, 28, ["a", "b"], 16, [0]).nets["0"].to(memory_format=layout)
            times[name]["train"].append(
                step_ms(net, batch.contiguous(memory_format=layout), labels)
            )
            times[name]["infer"].append(images_per_s(net, many.contiguous(memory_format=layout)))
    rows = [
        {
            "layout": name,
            "train_ms_per_step": statistics.median(t["train"]),
            "inference_images_per_s": statistics.median(t["infer"]),
        }
        for name, t in times.items()
    ]
    ratio = {
        "train_speedup": rows[0]["train_ms_per_step"] / rows[1]["train_ms_per_step"],
        "inference_speedup": rows[1]["inference_images_per_s"] / rows[0]["inference_images_per_s"],
    }
    print_table(rows)
    print({k: round(v, 2) for k, v in ratio.items()})
    save_json(
        args.out,
        "classifier_layout",
        {"rows": rows, **ratio, "rounds": args.rounds, "threads": torch.get_num_threads()},
    )


if __name__ == "__main__":
    main()
