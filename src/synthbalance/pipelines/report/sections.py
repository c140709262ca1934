"""The report's sections about the verdict: its caveats, its numbers (per replicate, and
every GAN strategy against every simple one), and the class shares of train and test; and
the generative quality's section."""
# ruff: noqa: RUF001 -- the report's sentences write the multiplication sign on purpose

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from synthbalance.core.images import ImageSet
from synthbalance.pipelines.report import html


def caveats(found: dict, comparison: pd.DataFrame) -> str:
    if not found["comparisons"]:
        return ""
    n, metric = found["replicates"], found["metric"].replace("_", " ")
    notes = [_interval_note(found, n)]
    tied, counts = found.get("tied") or [found["best_simple"]], found.get("rare_validation")
    chosen = (
        f"The best simple strategy ({tied[0]}) was chosen by its mean validation "
        f"{metric}, not on the test set the comparison is scored on."
        if len(tied) == 1
        else f"Validation could not choose the best simple strategy: {', '.join(tied)} "
        f"lie within one rare validation image ({found['tie_step']:.4f}) of the best, so "
        "each generative strategy is set against each of them."
    )
    if counts:
        chosen += (
            " Rare images in the validation set: "
            + ", ".join(f"{name}: {count}" for name, count in counts.items())
            + " (replicate 0's)."
        )
    notes.append(chosen)
    if found.get("weak_validation"):
        notes.append(found["weak_validation"])
    headline = found.get("headline") or found["comparisons"]
    notes += [c["words"] for c in headline[1:] + found.get("against_rival", [])]
    notes += [f["words"] for f in found.get("families", [])]
    if "oracle" in set(comparison["strategy"]):
        key = f"test_{found['metric']}_mean"
        oracle = comparison.set_index("strategy").loc["oracle", key]
        notes.append(
            f"The oracle — every real image, no imbalance — reaches {metric} "
            f"{oracle:.4f}: what the images the imbalance removed would have given. "
            "It bounds the data, not the score: a strategy can pass it."
        )
    return "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"


def _interval_note(found: dict, n: int) -> str:
    if n < 2:
        return (
            "With one replicate there is no interval over the training's randomness: no "
            "conclusion is drawn. Set replicates: 3 or more."
        )
    said = (
        f"Each interval is a 95% t-interval over {n} replicates: each draws again the "
        "GAN, its samples, SMOTE's and the augmentation's draws and every classifier (and, "
        "with redraw_imbalance, which rare images the imbalance keeps), so it holds the "
        "training's randomness"
        + (
            "; and the test set's own sampling (a class-stratified bootstrap, exact)."
            if found["comparisons"][0].get("test_sampling_sd") is not None
            else " on this test set; the test set's own sampling is not in it."
        )
    )
    pool = found.get("pooled")
    if pool and pool["alike"]:
        said += (
            f" The spread is pooled over {', '.join(pool['strategies'])} (strategies × "
            f"replicates as blocks: {pool['df']} degrees of freedom instead of {n - 1}); "
            f"their spreads were not shown to differ (Bartlett p = "
            f"{pool['bartlett_p']:.2f}, pooled when 0.25 or more; at {n} replicates the "
            "check has little power), and a pair whose own paired spread is larger than "
            "the pool's (an F-test at 25%) keeps its own: the interval column of the "
            "verdict's numbers says which each row used."
        )
    elif pool:
        spreads = ", ".join(f"{k} {v:.4f}" for k, v in pool["std_each"].items())
        why = (
            "cannot be compared"
            if pool["bartlett_p"] is None or pool["bartlett_p"] != pool["bartlett_p"]  # NaN
            else f"differ (Bartlett p = {pool['bartlett_p']:.3f})"
        )
        said += (
            f" The spreads of {', '.join(pool['strategies'])} {why} (each strategy's SD "
            f"about the others' mean in its replicate: {spreads}), so they are not "
            "pooled: each comparison uses its own pair's paired spread."
        )
    return said + (
        f" Words: better or worse by at least the interval's near end when it "
        f"excludes zero; equivalent when it lies within ±{100 * found['margin']:.2f} "
        "points (verdict.margin); otherwise inconclusive."
    )


def _number(value, digits: int = 4, sign: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}g}"


def statistics(found: dict) -> str:
    """Per replicate, each generative strategy minus the best simple one (and each GAN
    strategy minus the rival); and every pair, Holm per generative strategy."""
    if not found["comparisons"]:
        return ""
    metric = found["metric"].replace("_", " ")
    n = found["replicates"]
    head = [
        "strategy",
        "against",
        *[f"replicate {r}" for r in range(n)],
        "mean",
        "95% low",
        "95% high",
        "interval",
        "paired low",
        "paired high",
        "outcome",
        f"replicates for ±{100 * found['margin']:.2f} points",
    ]
    rows = [
        [
            c["strategy"],
            c["against"],
            *[_number(g) for g in c["per_replicate"]],
            _number(c["difference"]),
            _number(c["low"]),
            _number(c["high"]),
            c.get("interval", "paired"),
            _number(c.get("own_low")),
            _number(c.get("own_high")),
            c.get("outcome", ""),
            c["replicates_needed"] or "—",
        ]
        for c in found["comparisons"] + found.get("against_rival", [])
    ]
    pairs = [
        [
            p["strategy"],
            p["against"],
            _number(p["difference"]),
            _number(p["low"]),
            _number(p["high"]),
            _number(p["p_value"], 3, False),
            _number(p["p_holm"], 3, False),
        ]
        for p in found["pairs"]
    ]
    chosen = ", ".join(f"{s} {v:.4f}" for s, v in found["validation_scores"].items())
    against = found["best_simple"] or " and ".join(found.get("tied", []))
    return (
        f'<h2>The verdict\'s numbers</h2><p class="note">Test {html.escape(metric)} of each '
        f"generative strategy minus that of {html.escape(against)} (and of each GAN strategy minus "
        "that of the non-GAN generative rival, when it ran), replicate by replicate; the "
        "interval the words use (pooled, or the pair's own paired one) beside the paired one. "
        f"The simple strategies' mean validation {html.escape(metric)}: {html.escape(chosen)}.</p>"
        + _rows_table("differences", head, rows)
        + '<p class="note">Each generative strategy against every simple strategy: paired '
        "t-test over replicates, p-values adjusted by Holm over the simple strategies, for "
        "each generative strategy. It beat the simple fixes only if it beat every one.</p>"
        + _rows_table(
            "pairs",
            ["strategy", "against", "difference", "95% low", "95% high", "p", "p (Holm)"],
            pairs,
        )
    )


def _rows_table(name: str, head: list[str], rows: list[list]) -> str:
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f'<div class="wide"><table id="{name}"><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def class_shares(train_set: ImageSet, test_set: ImageSet) -> str:
    """Each class's share of the training and of the test set: a metric such as minority F1
    depends on the test set's; balanced accuracy does not."""
    train, test = train_set.class_counts(), test_set.class_counts()
    rows = [
        [
            name,
            f"{a:,}",
            f"{a / max(train.sum(), 1):.2%}",
            f"{b:,}",
            f"{b / max(test.sum(), 1):.2%}",
        ]
        for name, a, b in zip(test_set.class_names, train, test, strict=True)
    ]
    return (
        '<h2>Class shares</h2><p class="note">The test set keeps the data\'s own shares; '
        "minority F1 and PR-AUC move with them, balanced accuracy does not.</p>"
        + _rows_table(
            "class_shares",
            ["class", "train images", "train share", "test images", "test share"],
            rows,
        )
    )


def quality(table, progress, memorisation, extractor_scores: dict | None = None) -> str:
    """The generative quality section: the quality table, FD-domain against GAN steps, the
    nearest training images, and how well the measuring CNN classifies real test images."""
    if table is None:
        return (
            "<h2>Generative quality</h2><p>Not computed in this run "
            "(quality.in_balance: false).</p>"
        )
    parts = [
        "<h2>Generative quality</h2>",
        '<p class="note">The synthetic images of each rare class against real images the GAN '
        "never saw; a held-back set of such real images is scored the same way — what a "
        "perfect generator would score. FD and KID: lower is better; the rest: higher, "
        "except memorisation (the share of samples nearer a training image than real images "
        "are to one another). Every row is scored at the held-back set's size: the synthetic "
        "row (the GAN's; deepsmote: DeepSMOTE's, when it ran) is the mean over subsamples of "
        "every replicate's set, and "
        "<code>_low</code>, <code>_high</code> its 95% t-interval over them.</p>",
        html.table(table.round(4), "quality"),
    ]
    if extractor_scores is not None:
        parts.append(_extractor(extractor_scores))
    if progress is not None and len(progress):
        parts.append(html.figure(_progress_chart(progress), "FD-domain against GAN steps"))
    if memorisation is not None:
        parts.append(
            "<p class='note'>The synthetic images nearest a training image, each "
            "beside its nearest training image:</p>"
        )
        parts.append(html.image(memorisation, "nearest training images"))
    return "\n".join(parts)


def _progress_chart(progress: pd.DataFrame) -> Figure:
    figure = Figure(figsize=(6, 3), layout="constrained")
    axes = figure.subplots()
    for group, rows in progress.groupby("group"):
        axes.plot(rows["step"], rows["fd"], marker="o", label=f"class {group}")
    axes.set_yscale("log")
    axes.set_xlabel("GAN step")
    axes.set_ylabel("FD-domain (log)")
    axes.legend()
    return figure


def _extractor(scores: dict) -> str:
    """One sentence on the measuring CNN: features are only as telling as its accuracy."""
    weakest = min(scores["recall"], key=scores["recall"].get)
    return (
        f'<p class="note" id="extractor">The measuring CNN (the features above) classifies '
        f"the {scores['test_images']:,} real test images with accuracy "
        f"{scores['accuracy']:.4f}, balanced accuracy {scores['balanced_accuracy']:.4f} "
        f"(the dataset's own classes; its weakest, {html.escape(weakest)}, "
        f"{scores['recall'][weakest]:.4f} recall).{_ruler_warning(scores)}</p>"
    )


def _ruler_warning(scores: dict) -> str:
    """A warning when the ruler reads real images little better than chance."""
    chance = 1 / len(scores["recall"])
    if scores["balanced_accuracy"] >= chance + 0.5 * (1 - chance):
        return ""
    return (
        f" That is less than halfway from chance ({chance:.2f}) to 1: distances in its "
        "features say little about the images."
    )
