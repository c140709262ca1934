"""The report's sections about the verdict: its caveats, its numbers (per replicate, and
every GAN strategy against every simple one), and the class shares of train and test."""

from __future__ import annotations

import html

import pandas as pd

from synthbalance.images import ImageSet


def _e(text: object) -> str:
    return html.escape(str(text))


def caveats(found: dict, comparison: pd.DataFrame) -> str:
    if not found["comparisons"]:
        return ""
    n, metric = found["replicates"], found["metric"].replace("_", " ")
    notes = [
        f"Each interval is a 95% t-interval over {n} replicates: each draws again the GAN, "
        "its samples, SMOTE's and the augmentation's draws and every classifier, so it holds "
        "the training's randomness on this test set."
        if n > 1
        else "With one replicate there is no interval over the training's randomness: no "
        "conclusion is drawn. Set replicates: 3 or more.",
        f"The best simple strategy ({found['best_simple']}) was chosen by its mean validation "
        f"{metric}, not on the test set the comparison is scored on.",
    ]
    notes += [c["words"] for c in found["comparisons"][1:] + found.get("against_rival", [])]
    if "oracle" in set(comparison["strategy"]):
        key = f"test_{found['metric']}_mean"
        oracle = comparison.set_index("strategy").loc["oracle", key]
        notes.append(f"The oracle — every real image, no imbalance — reaches {metric} "
                     f"{oracle:.4f}: what the images the imbalance removed would have given. "
                     "It bounds the data, not the score: a strategy can pass it.")  # fmt: skip
    return "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"


def _number(value, digits: int = 4, sign: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}g}"


def statistics(found: dict) -> str:
    """Per replicate, each generative strategy minus the best simple one (and each GAN
    strategy minus the rival); and every pair, Holm."""
    if not found["comparisons"]:
        return ""
    metric = found["metric"].replace("_", " ")
    n = found["replicates"]
    head = ["strategy", "against", *[f"replicate {r}" for r in range(n)], "mean", "95% low",
            "95% high", "replicates needed"]  # fmt: skip
    rows = [[c["strategy"], c["against"], *[_number(g) for g in c["per_replicate"]],
             _number(c["difference"]), _number(c["low"]), _number(c["high"]),
             c["replicates_needed"] or "—"]
            for c in found["comparisons"] + found.get("against_rival", [])]  # fmt: skip
    pairs = [[p["strategy"], p["against"], _number(p["difference"]), _number(p["low"]),
              _number(p["high"]), _number(p["p_value"], 3, False), _number(p["p_holm"], 3, False)]
             for p in found["pairs"]]  # fmt: skip
    chosen = ", ".join(f"{s} {v:.4f}" for s, v in found["validation_scores"].items())
    return (
        f'<h2>The verdict\'s numbers</h2><p class="note">Test {_e(metric)} of each generative '
        f"strategy minus that of {_e(found['best_simple'])} (and of each GAN strategy minus "
        "that of the non-GAN generative rival, when it ran), replicate by replicate. The simple "
        f"strategies' mean validation {_e(metric)}: {_e(chosen)}.</p>"
        + _rows_table("differences", head, rows)
        + '<p class="note">Each generative strategy against every simple strategy: paired '
        "t-test over replicates, p-values adjusted by Holm over the whole table.</p>"
        + _rows_table(
            "pairs",
            ["strategy", "against", "difference", "95% low", "95% high", "p", "p (Holm)"],
            pairs,
        )
    )


def _rows_table(name: str, head: list[str], rows: list[list]) -> str:
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="wide"><table id="{name}"><thead><tr>{header}</tr></thead>' \
           f"<tbody>{body}</tbody></table></div>"  # fmt: skip


def class_shares(train_set: ImageSet, test_set: ImageSet) -> str:
    """Each class's share of the training and of the test set: a metric such as minority F1
    depends on the test set's; balanced accuracy does not."""
    train, test = train_set.class_counts(), test_set.class_counts()
    rows = [[name, f"{a:,}", f"{a / max(train.sum(), 1):.2%}", f"{b:,}",
             f"{b / max(test.sum(), 1):.2%}"]
            for name, a, b in zip(test_set.class_names, train, test, strict=True)]  # fmt: skip
    return ("<h2>Class shares</h2><p class=\"note\">The test set keeps the data's own shares; "
            "minority F1 and PR-AUC move with them, balanced accuracy does not.</p>"
            + _rows_table("class_shares", ["class", "train images", "train share",
                                           "test images", "test share"], rows))  # fmt: skip
