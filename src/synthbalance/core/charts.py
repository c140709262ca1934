"""The pictures more than one pipeline draws: the comparison's chart of means and intervals
(evaluate, and again in the report), the verdict's forest plot (report), the grid of real
images above generated ones (sample, deepsmote) and the confusion matrix (evaluate, the child
runs, the report)."""
# ruff: noqa: RUF001 -- the charts' labels write the minus sign on purpose

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from matplotlib import colormaps
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont
from sklearn.metrics import confusion_matrix

from synthbalance.core.grid import tile
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
    grid = tile(torch.cat(rows), columns, padding=2, pad_value=128)
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


CELL = 40  # confusion_image's cell side, in pixels


def confusion_image(test_set: ImageSet, predicted: np.ndarray) -> Image.Image:
    """Counts of true (rows) against predicted (columns) test labels, each cell shaded by its
    share of the row (matplotlib's "Blues"). Drawn with PIL: a run draws one per strategy and
    replicate, and matplotlib took about 0.3 s for each."""
    names = list(test_set.class_names)
    n = len(names)
    matrix = confusion_matrix(test_set.labels, predicted, labels=list(range(n)))
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    small, large = ImageFont.load_default(size=12), ImageFont.load_default(size=14)
    names_width = max(int(large.getlength(name)) for name in names) + 8
    left, top = 22 + names_width, 10
    right, bottom = left + n * CELL, top + n * CELL
    sheet = Image.new("RGB", (right + 12, bottom + names_width + 26), "white")
    draw = ImageDraw.Draw(sheet)
    shades = (colormaps["Blues"](share)[..., :3] * 255).round().astype(np.uint8)
    for (i, j), count in np.ndenumerate(matrix):
        x, y = left + j * CELL, top + i * CELL
        draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=tuple(map(int, shades[i, j])))
        ink = "white" if share[i, j] > 0.5 else "black"
        draw.text((x + CELL / 2, y + CELL / 2), f"{count}", fill=ink, font=small, anchor="mm")
    draw.rectangle((left - 1, top - 1, right, bottom), outline="black")
    for k, name in enumerate(names):
        middle = k * CELL + CELL // 2
        draw.text((left - 6, top + middle), name, fill="black", font=large, anchor="rm")
        upright = _upright(name, large)  # read bottom to top, its end at the axis
        sheet.paste("black", (left + middle - upright.width // 2, bottom + 6), upright)
    draw.text(
        ((left + right) / 2, sheet.height - 4), "predicted", fill="black", font=large, anchor="md"
    )
    title = _upright("true (real test set)", large)
    sheet.paste("black", (2, top + (n * CELL - title.height) // 2), title)
    return sheet


def _upright(text: str, font: ImageFont.FreeTypeFont) -> Image.Image:
    """A mask of ``text`` turned a quarter to the left, for ``Image.paste``."""
    mask = Image.new("L", (int(font.getlength(text)) + 2, 18), 0)
    ImageDraw.Draw(mask).text((0, 9), text, fill=255, font=font, anchor="lm")
    return mask.rotate(90, expand=True)
