"""The advantage curve: each point's comparison and verdict, side by side along the grid.

Written to ``<data>/08_reporting/sweeps/<name>/`` (and the sweep's MLflow parent run):

- ``curve.csv``: a row per point and strategy, the grid's values, the verdict's headline
  metric on the test set (mean and its interval over replicates), minority F1 likewise, and
  the validation score of the same metric;
- ``curve.png``: the headline metric of each strategy against the first grid parameter, its
  interval as a band; the GAN strategies in reds, the simple ones in blues and greens;
- ``curve.html``: the figure, the table, and in words, for each generative strategy, the range
  of the parameter where it beat, matched or lost to the best simple strategy, as each point's
  verdict says (the best simple strategy chosen on validation, at each point);
- ``ranking.csv``: for each strategy the point with the best *validation* score (tuning); the
  test score shown beside it is never used to choose.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from synthbalance.strategies import REGISTRY
from synthbalance.sweep.grid import Point, text

# The verdict's outcomes (report/verdict.py), in the curve's words.
OUTCOMES = {
    "better": "beat",
    "worse": "lost to",
    "equivalent": "was equivalent (within the margin) to",
    "inconclusive": "was inconclusive against",
    "no conclusion": "drew no conclusion (one replicate) against",
    "not learned": "drew no conclusion (the classifier did not learn the task) against",
}


def table(points: list[tuple[Point, Path]]) -> tuple[pd.DataFrame, list[dict]]:
    """(curve.csv's rows, each point's verdict) from the points' folders."""
    rows, verdicts = [], []
    for point, folder in points:
        reporting = folder / "08_reporting"
        comparison = pd.read_csv(reporting / "comparison.csv")
        verdict = json.loads((reporting / "verdict.json").read_text())
        metric = verdict["metric"]
        verdicts.append(verdict)
        for _, row in comparison.iterrows():
            rows.append(
                {
                    **point.as_dict(),
                    "point": point.name,
                    "strategy": row["strategy"],
                    "family": REGISTRY[row["strategy"]].family,
                    "metric": metric,
                    "replicates": int(row["replicates"]),
                    "mean": row[f"test_{metric}_mean"],
                    "low": row[f"test_{metric}_low"],
                    "high": row[f"test_{metric}_high"],
                    "minority_f1_mean": row["test_minority_f1_mean"],
                    "minority_f1_low": row["test_minority_f1_low"],
                    "minority_f1_high": row["test_minority_f1_high"],
                    "validation_mean": row.get(f"val_{metric}_mean"),
                    "best_simple": baseline(verdict),
                }
            )
    return pd.DataFrame(rows), verdicts


def baseline(verdict: dict) -> str:
    """The point's best simple strategy, or the ones validation could not tell apart."""
    return str(verdict.get("best_simple") or " / ".join(verdict.get("tied") or []) or None)


def outcomes(points: list[Point], verdicts: list[dict]) -> dict[str, list[tuple[Point, str]]]:
    """{generative strategy: [(point, an ``OUTCOMES`` key), ...]}: each point's verdict
    comparison against the best simple strategy, as the verdict itself said it (its interval
    against zero and the margin, report/verdict.py); a verdict from before the margin, by its
    interval's sign."""
    found: dict[str, list[tuple[Point, str]]] = {}
    for point, verdict in zip(points, verdicts, strict=True):
        # one outcome per strategy: the headline's (against every tied baseline at once)
        for comparison in verdict.get("headline") or verdict.get("comparisons", []):
            low, high = comparison.get("low"), comparison.get("high")
            outcome = comparison.get("outcome")
            if outcome is None and (low is None or high is None or pd.isna(low) or pd.isna(high)):
                outcome = "no conclusion"  # one replicate: no interval
            elif outcome is None:
                outcome = "better" if low > 0 else "worse" if high < 0 else "inconclusive"
            found.setdefault(comparison["strategy"], []).append((point, outcome))
    return found


def sentences(
    key: str, found: dict[str, list[tuple[Point, str]]], best: dict[str, str]
) -> list[str]:
    """For each strategy (and each combination of the grid's other keys), the runs of
    ``key``'s tested values, in order, with one outcome, in words; ``best``: each point's
    best simple strategy."""
    said, leaf = [], key.rsplit(".", 1)[-1]
    for strategy, along in found.items():
        lines: dict[tuple, list[tuple[Point, str]]] = {}
        for point, outcome in along:
            others = tuple((k, v) for k, v in point.values if k != key)
            lines.setdefault(others, []).append((point, outcome))
        for others, line in lines.items():
            line.sort(key=lambda item: _order(item[0].as_dict()[key]))
            stretches: list[tuple[str, list[Point]]] = []
            for point, outcome in line:
                if stretches and stretches[-1][0] == outcome:
                    stretches[-1][1].append(point)
                else:
                    stretches.append((outcome, [point]))
            parts = []
            for outcome, stretch in stretches:
                rivals = ", ".join(sorted({best[p.name] for p in stretch}))
                parts.append(
                    f"{OUTCOMES[outcome]} the best simple strategy ({rivals}) at "
                    f"{_span(leaf, [p.as_dict()[key] for p in stretch])}"
                )
            where = "".join(f" with {k.rsplit('.', 1)[-1]} = {text(v)}" for k, v in others)
            said.append(f"{strategy}{where}: {'; '.join(parts)}.")
    return said


def _order(value: Any) -> tuple:
    """Numbers by value, anything else after them by its text."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return (0, float(number), "") if pd.notna(number) else (1, 0.0, text(value))


def _span(leaf: str, values: list[Any]) -> str:
    if len(values) == 1:
        return f"{leaf} = {text(values[0])}"
    listed = ", ".join(text(v) for v in values[:-1]) + f" and {text(values[-1])}"
    return f"the {len(values)} tested values of {leaf} {listed}"


def ranking(rows: pd.DataFrame) -> pd.DataFrame:
    """For each strategy, its point with the highest validation score, and that point's test
    score beside it (never used to choose)."""
    best = (
        rows.dropna(subset=["validation_mean"])
        .sort_values("validation_mean", ascending=False, kind="stable")
        .groupby("strategy", sort=False)
        .head(1)
    )
    return best[["strategy", "point", "validation_mean", "mean", "low", "high"]].rename(
        columns={"mean": "test_mean", "low": "test_low", "high": "test_high"}
    )


def figure(rows: pd.DataFrame, key: str, path: Path) -> None:
    """The headline metric against ``key``, a line and band per strategy (other grid keys
    beyond the first: one panel per combination)."""
    others = [k for k in rows.columns[: rows.columns.get_loc("point")] if k != key]
    panels = list(rows.groupby(others, sort=False)) if others else [((), rows)]
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels) + 1.8, 4.8), squeeze=False)
    values = pd.to_numeric(rows[key], errors="coerce")
    logarithmic = bool(
        values.notna().all()
        and (values > 0).all()
        and (values.max() / values.min() >= 10 or key.endswith(("fraction", "ratio")))
    )
    colours = _colours(list(dict.fromkeys(rows["strategy"])))
    best = rows["best_simple"].mode()
    banded = {s for s in rows["strategy"] if _group(s) == "gan"} | set(best[:1])
    for axis, (label, panel) in zip(axes[0], panels, strict=True):
        for strategy, line in panel.groupby("strategy", sort=False):
            _line(axis, line, key, strategy, colours[strategy], strategy in banded)
        if logarithmic:
            axis.set_xscale("log")
        if values.notna().all():
            ticks = sorted(set(values))
            axis.set_xticks(ticks, [text(v) for v in ticks])
            axis.minorticks_off()
        # every headline metric lies in [0, 1]; an interval past it says "few replicates"
        low = max(0.0, min(rows["low"].min(), rows["mean"].min()) - 0.02)
        axis.set_ylim(low, min(1.0, max(rows["high"].max(), rows["mean"].max())) + 0.01)
        axis.set_xlabel(key)
        axis.set_ylabel(f"test {rows['metric'].iloc[0]} (mean, 95% interval)")
        axis.set_title(
            ", ".join(f"{k}={v}" for k, v in zip(others, _tuple(label), strict=True)) or ""
        )
        axis.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle(
        "Each strategy along the sweep\nbands: the 95% intervals of the GAN strategies "
        "and of the simple strategy most often best on validation",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def _line(axis, line: pd.DataFrame, key: str, strategy: str, colour, banded: bool) -> None:
    """One strategy's line along ``key`` (its band too when ``banded``)."""
    line = line.iloc[sorted(range(len(line)), key=lambda i: _order(line[key].iloc[i]))]
    x = pd.to_numeric(line[key], errors="coerce")
    x = x if x.notna().all() else line[key].astype(str)
    style = "--" if REGISTRY[strategy].family in ("baseline", "upper_bound") else "-"
    axis.plot(
        x,
        line["mean"],
        style,
        marker="o",
        ms=3,
        color=colour,
        label=strategy,
        lw=2.2 if banded else 1.0,
    )
    if banded:
        axis.fill_between(x, line["low"], line["high"], color=colour, alpha=0.15)


def _tuple(label: Any) -> tuple:
    return label if isinstance(label, tuple) else (label,)


def _group(name: str) -> str:
    record = REGISTRY[name]
    return "rival" if record.rival else "gan" if record.family == "generative" else record.family


def _colours(strategies: list[str]) -> dict[str, Any]:
    families = {"gan": plt.cm.Reds, "simple": plt.cm.Blues, "rival": plt.cm.Purples}
    groups: dict[str, list[str]] = {}
    for name in strategies:
        groups.setdefault(_group(name), []).append(name)
    colours = {"none": "0.45", "oracle": "black"}
    for group, names in groups.items():
        if group in families:
            for i, name in enumerate(names):
                colours[name] = families[group](0.45 + 0.5 * (i + 1) / (len(names) + 1))
    return {name: colours.get(name, "0.3") for name in strategies}


def write(sweep, points: list[tuple[Point, Path]]) -> list[Path]:
    """curve.csv, curve.png, curve.html and ranking.csv in ``sweep.report_folder``."""
    folder = sweep.report_folder
    folder.mkdir(parents=True, exist_ok=True)
    rows, verdicts = table(points)
    key = next(iter(sweep.grid))
    best_simple = {p.name: baseline(v) for (p, _), v in zip(points, verdicts, strict=True)}
    said = sentences(key, outcomes([p for p, _ in points], verdicts), best_simple)
    ranked = ranking(rows)
    rows.to_csv(folder / "curve.csv", index=False)
    ranked.to_csv(folder / "ranking.csv", index=False)
    figure(rows, key, folder / "curve.png")
    best = ", ".join(f"{p.name}: {baseline(v)}" for (p, _), v in zip(points, verdicts, strict=True))
    (folder / "curve.html").write_text(_page(sweep, said, best, folder / "curve.png", ranked, rows))
    return [folder / n for n in ("curve.csv", "curve.png", "curve.html", "ranking.csv")]


def _page(
    sweep, said: list[str], best: str, png: Path, ranked: pd.DataFrame, rows: pd.DataFrame
) -> str:
    """curve.html: the words, the figure (inline), the ranking and the table."""
    picture = base64.b64encode(png.read_bytes()).decode()
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>synthbalance sweep {html.escape(sweep.name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:2px 6px}}
</style></head><body>
<h1>Sweep {html.escape(sweep.name)}: {html.escape(sweep.pipeline)} over
{html.escape(", ".join(sweep.grid))}</h1>
<h2>Where each generative strategy stands against the best simple strategy</h2>
<p>At each point the best simple strategy was chosen on validation ({html.escape(best)}); a
strategy <em>beat</em> or <em>lost to</em> it where the 95% interval of the difference over
replicates lies above or below zero, was <em>equivalent</em> where it lies within the margin
(verdict.margin), and was <em>inconclusive</em> otherwise, which does not mean the two are
equal. Each point's verdict is a separate 95% test, not adjusted for the
number of points or strategies: where there is no real difference, about 1 point in 20 will
still read "beat" or "lost to". Where the outcome changes, it changes somewhere between two
tested values.</p>
<ul>{"".join(f"<li>{html.escape(s)}</li>" for s in said)}</ul>
<img src="data:image/png;base64,{picture}" style="max-width:100%">
<h2>Each strategy's best point, by validation score (for tuning)</h2>
<p>Chosen on validation; the test score is shown, never used to choose.</p>
{ranked.to_html(index=False, float_format="%.4f")}
<h2>Every point and strategy</h2>
{rows.to_html(index=False, float_format="%.4f")}
</body></html>"""
