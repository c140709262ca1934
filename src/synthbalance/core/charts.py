"""The pictures more than one pipeline draws: the comparison's chart of means and intervals
(evaluate, and again in the report), the verdict's forest plot (report) and the grid of real
images above generated ones (sample, deepsmote)."""
# ruff: noqa: RUF001 -- the charts' labels write the minus sign on purpose

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont
from sklearn.metrics import confusion_matrix
from torchvision.utils import make_grid

from synthbalance.core.images import ImageSet


def comparison_chart(table: pd.DataFrame, generative: set[str]) -> Figure:
    """Balanced accuracy and rare-class F1 per strategy: each mean a point with its 95%
    interval, on the scores' own range (bars from 0 made 0.92 and 0.99 look alike); the
    ``generative`` strategies in orange, the others in blue."""
    figure = Figure(figsize=(10, 0.9 + 0.32 * len(table)), layout="constrained")
    colours = ["tab:orange" if s in generative else "tab:blue" for s in table["strategy"]]
    rows = np.arange(len(table))[::-1]  # the table's first strategy at the top
    for axes, metric in zip(
        figure.subplots(1, 2, sharey=True),
        ["test_balanced_accuracy", "test_minority_f1"],
        strict=True,
    ):
        mean = table[f"{metric}_mean"].to_numpy(float)
        low = table[f"{metric}_low"].fillna(table[f"{metric}_mean"]).to_numpy(float)
        high = table[f"{metric}_high"].fillna(table[f"{metric}_mean"]).to_numpy(float)
        axes.hlines(rows, low, high, colors=colours, linewidth=2)
        axes.scatter(mean, rows, c=colours, zorder=3)
        axes.set_yticks(rows, table["strategy"])
        axes.set_title(metric.removeprefix("test_").replace("_", " "))
        axes.grid(axis="x", alpha=0.3)
    figure.suptitle(
        "Strategies on the real test set (orange: generative; points: the mean, "
        "lines: its 95% interval over replicates)"
    )
    return figure


def verdict_chart(found: dict) -> Figure:
    """The verdict as a forest plot: each comparison's difference (points of the metric) and
    its 95% interval, zero, and the margin band within which two strategies are called
    equivalent."""
    rows = found.get("comparisons", []) + found.get("against_rival", [])
    figure = Figure(figsize=(8, 1.2 + 0.45 * max(len(rows), 1)), layout="constrained")
    axes = figure.subplots()
    margin = 100 * found.get("margin", 0.0)
    axes.axvspan(-margin, margin, color="tab:green", alpha=0.15)
    axes.axvline(0, color="black", linewidth=1)
    colour = {"better": "tab:blue", "worse": "tab:red", "equivalent": "tab:green"}
    for y, row in zip(range(len(rows))[::-1], rows, strict=True):
        low, high = row.get("low"), row.get("high")
        mean = 100 * row["difference"]
        shade = colour.get(row.get("outcome"), "tab:gray")
        if low is not None and np.isfinite(low):
            axes.hlines(y, 100 * low, 100 * high, colors=shade, linewidth=2.5)
        axes.scatter([mean], [y], color=shade, zorder=3)
    axes.set_yticks(range(len(rows))[::-1], [f"{r['strategy']} − {r['against']}" for r in rows])
    metric = found.get("metric", "").replace("_", " ")
    axes.set_xlabel(f"difference in test {metric}, points (95% interval)")
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_title(
        "Blue better, red worse, green equivalent, grey inconclusive\n"
        f"(each row's 95% interval, before Holm; green: within ±{margin:.2f} points)",
        fontsize=10,
    )
    return figure


def real_and_generated_grid(real: ImageSet, synthetic: ImageSet, columns: int = 10) -> Image.Image:
    """Per generated class, a row of real images above a row of generated ones."""
    rows = []
    for label in np.unique(synthetic.labels):
        for image_set in (real, synthetic):
            chosen = image_set.images[image_set.labels == label][:columns]
            row = np.zeros((columns, *chosen.shape[1:]), np.uint8)
            row[: len(chosen)] = chosen
            rows.append(torch.from_numpy(row))
    grid = make_grid(torch.cat(rows), nrow=columns, padding=2, pad_value=128)
    array = grid.permute(1, 2, 0).numpy()
    image = Image.fromarray(array[..., 0] if real.images.shape[1] == 1 else array)
    return image.resize((image.width * 2, image.height * 2), Image.Resampling.NEAREST)


TILE = 48  # class_grid's tile size, in pixels
# kedro-viz draws a preview 300 px high across a side panel about 400 px wide, cropping what
# is wider: class_grid's layout is the one nearest this width to height
PANEL_ASPECT = 4 / 3


def class_grid(images: ImageSet, per_class: int = 8) -> Image.Image:
    """A block per class: its name and count, then up to ``per_class`` of its images in 8, 4
    or 2 columns, whichever makes the sheet's shape nearest kedro-viz's preview panel (what
    kedro-viz shows of an image set)."""
    counts, label_width = images.class_counts(), 100
    # tiles of about TILE pixels, whole multiples of the image: 8x8 digits x6, MNIST x2
    size = images.images.shape[-1] * max(1, round(TILE / images.images.shape[-1]))
    present = [c for c in range(len(images.class_names)) if counts[c]]

    def shape(columns: int) -> tuple[int, int]:
        lines = -(-per_class // columns)
        return label_width + columns * (size + 2), len(present) * lines * (size + 2)

    columns = min(
        (c for c in (8, 4, 2) if c <= max(per_class, 2)),
        key=lambda c: abs(shape(c)[0] / shape(c)[1] - PANEL_ASPECT),
    )
    lines = -(-per_class // columns)
    sheet = Image.new("RGB", shape(columns), "white")
    draw, font = ImageDraw.Draw(sheet), ImageFont.load_default(size=16)
    for row, label in enumerate(present):
        top = row * lines * (size + 2)
        draw.text(
            (14, top + lines * (size + 2) // 2),
            f"{images.class_names[label]}: {counts[label]:,}",
            fill="black",
            font=font,
            anchor="lm",
        )
        for k, pixels in enumerate(images.images[images.labels == label][:per_class]):
            tile = Image.fromarray(pixels[0] if pixels.shape[0] == 1 else pixels.transpose(1, 2, 0))
            tile = tile.convert("RGB").resize((size, size), Image.Resampling.NEAREST)
            line, column = divmod(k, columns)
            sheet.paste(tile, (label_width + column * (size + 2), top + line * (size + 2)))
    return sheet


def confusion_figure(test_set: ImageSet, predicted: np.ndarray) -> Figure:
    """Counts of true (rows) against predicted (columns) test labels, shaded by row share."""
    names = list(test_set.class_names)
    matrix = confusion_matrix(test_set.labels, predicted, labels=list(range(len(names))))
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure = Figure(figsize=(1.2 + 0.6 * len(names), 1 + 0.6 * len(names)), layout="constrained")
    axes = figure.subplots()
    axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        axes.text(
            j,
            i,
            f"{count}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if share[i, j] > 0.5 else "black",
        )
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true (real test set)")
    return figure
