"""build_report: one self-contained HTML page of a run, to send to a colleague."""

from __future__ import annotations

import base64
import html
import io
import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from PIL import Image
from pydantic import BaseModel

from synthbalance.config import VerdictParams
from synthbalance.core.charts import comparison_chart, verdict_chart
from synthbalance.core.images import ImageSet
from synthbalance.core.metrics import HEADLINE, rare_classes
from synthbalance.core.results import StrategyResult
from synthbalance.core.statistics import interval_text
from synthbalance.pipelines.report.sections import caveats, class_shares, statistics
from synthbalance.pipelines.report.verdict import verdict
from synthbalance.strategies import REGISTRY, of_family
from synthbalance.training.engine import Engine

REPORT = "report_"  # the prefix of the node's per-strategy inputs

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
tr.gan td { background: #fff4e5; } tr.reference td { color: #555; font-style: italic; }
#verdict { font-size: 1.2em; font-weight: 600; padding: .8em 1em; background: #eef4fb;
           border-left: 5px solid #2b6cb0; }
img { max-width: 100%; } .wide { overflow-x: auto; } .note { color: #555; font-size: .9em; }
details pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: .85em; }
"""


def build_report(
    comparison: pd.DataFrame,
    imbalance_summary: pd.DataFrame,
    synthetic_grid: Image.Image,
    test_set: ImageSet,
    train_set: ImageSet,
    validation_set: ImageSet,
    synthetic: ImageSet,
    verdict_params: VerdictParams,
    parameters: dict,
    quality_table: pd.DataFrame | None = None,
    quality_progress: pd.DataFrame | None = None,
    memorisation_grid: Image.Image | None = None,
    deepsmote_grid: Image.Image | None = None,
    **reports: StrategyResult,
) -> tuple[str, dict, dict, Figure]:
    """(the page, the verdict as data, the verdict's numbers as MLflow metrics, the verdict's
    forest plot).

    ``report_<strategy>``: each strategy's ``StrategyResult``, which holds its test and
    validation scores per replicate. ``train_set``: the imbalanced training set (replicate 0's),
    whose class shares the page sets beside the test set's. ``validation_set``: replicate 0's
    validation split, whose rare images bound what a choice on validation can tell apart.
    """
    # Kedro hands the sections it validated as pydantic models.
    parameters = {key: value.model_dump(mode="json") if isinstance(value, BaseModel) else value
                  for key, value in parameters.items()}  # fmt: skip
    results = {name.removeprefix(REPORT): result for name, result in reports.items()}
    rare = rare_classes(synthetic)
    counts = validation_set.class_counts()
    rare_validation = {validation_set.class_names[c]: int(counts[c]) for c in rare}
    found = _plain(verdict(results, verdict_params.metric, verdict_params.margin,
                           len(test_set.class_names), rare_validation, test_set.labels))
    forest = verdict_chart(found)
    sections = [
        f"<h1>synthbalance: does GAN rebalancing help on {_e(_dataset(parameters))}?</h1>",
        f'<p id="verdict">{_e(found["sentence"])}</p>',
        caveats(found, comparison),
        _figure(forest, "each comparison's difference and 95% interval") if found["comparisons"]
        else "",
        statistics(found),
        _settings(parameters, test_set, rare),
        class_shares(train_set, test_set),
        *_data_sections(imbalance_summary, synthetic_grid, deepsmote_grid),
        "<h2>The strategies on the real test set</h2>",
        _comparison(comparison, results),
        _figure(comparison_chart(comparison, set(of_family("generative"))),
                "balanced accuracy and rare-class F1 per strategy"),
        _quality(quality_table, quality_progress, memorisation_grid),
        f'<p class="note">Written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by '
        "synthbalance's report pipeline; every figure here is in data/08_reporting and in "
        "the MLflow run.</p>",
    ]
    return _page(sections), found, _verdict_metrics(found), forest


def _plain(value):
    """The verdict as strict JSON: NaN (no interval) as null."""
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _data_sections(imbalance_summary: pd.DataFrame, synthetic_grid: Image.Image,
                   deepsmote_grid: Image.Image | None) -> list[str]:  # fmt: skip
    parts = [
        "<h2>The imbalance</h2>",
        _table(imbalance_summary, "imbalance"),
        "<h2>Real and synthetic images of the rare classes</h2>",
        '<p class="note">Per rare class, a row of the real training images the GAN learned '
        "from above a row of the GAN's samples.</p>",
        _image(synthetic_grid, "real above synthetic"),
    ]
    if deepsmote_grid is not None:
        parts += ['<p class="note">The same for DeepSMOTE: real training images above decoded '
                  "interpolations of their codes.</p>",
                  _image(deepsmote_grid, "real above DeepSMOTE")]  # fmt: skip
    return parts


def _page(sections: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>synthbalance report</title>"
        f"<style>{_STYLE}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def _verdict_metrics(found: dict) -> dict:
    """``<strategy>_minus_best_simple.<metric>.difference|low|high`` (with validation ties,
    ``<strategy>_minus_<each tied one>``), and ``<gan>_minus_<rival>``."""
    rival = {c["against"] for c in found.get("against_rival", [])}
    tied = found.get("best_simple") is None

    def against(c: dict) -> str:
        return c["against"] if c["against"] in rival or tied else "best_simple"

    return {
        f"{c['strategy']}_minus_{against(c)}.{found['metric']}.{key}": {"value": c[key], "step": 0}
        for c in found["comparisons"] + found.get("against_rival", [])
        for key in ("difference", "low", "high")
        if c[key] is not None
    }


def _e(text: object) -> str:
    return html.escape(str(text))


def _dataset(parameters: dict) -> str:
    source = parameters["ingest"]["source"]
    return source if source != "folder" else "an image folder"


def _settings(parameters: dict, test_set: ImageSet, rare: list[int]) -> str:
    profile, gan, classifier = parameters["imbalance"]["profile"], parameters["gan"], \
        parameters["classifier"]  # fmt: skip
    rows = {
        "data": _dataset(parameters),
        "imbalance profile": ", ".join(f"{k}: {v}" for k, v in profile.items()),
        "rare classes (generated)": ", ".join(test_set.class_names[c] for c in rare),
        "GAN": _gan(gan, parameters.get("sample", {}).get("generator")),
        "classifier": _classifier(classifier),
        "engine": _engines(parameters),
        "replicates": parameters.get("replicates", 1),
        "test set": f"{len(test_set):,} real images, untouched until scoring",
        "seed": parameters["seed"],
    }
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows.items())
    every = json.dumps(parameters, indent=2, sort_keys=True, default=str)
    every = f"<details><summary>Every parameter</summary><pre>{_e(every)}</pre></details>"
    return f"<h2>Settings</h2><table>{table}</table>{every}"


def _classifier(classifier: dict) -> str:
    kept = ("the last weights" if classifier.get("keep") == "last" else
            f"the best of every {classifier.get('eval_every')} steps on validation")  # fmt: skip
    return (f"{classifier.get('architecture')}, width {classifier.get('width')}: "
            f"{classifier.get('steps')} steps of {classifier.get('batch_size')} images, "
            f"{classifier.get('schedule')} learning rate from {classifier.get('lr')}, {kept}")


def _engines(parameters: dict) -> str:
    """Where each loop ran and in what precision, as ``auto`` resolved on this machine."""
    blocks = {"classifier": parameters.get("classifier", {}), "GAN": parameters.get("gan", {}),
              "DeepSMOTE": parameters.get("strategies", {}).get("deepsmote", {})}  # fmt: skip
    said = {name: Engine.of(block.get("device", "auto"), block.get("precision", "auto"))
            .describe() for name, block in blocks.items()}  # fmt: skip
    if len(set(said.values())) == 1:
        return f"{next(iter(said.values()))} (every training loop); scoring in fp32"
    return "; ".join(f"{name}: {text}" for name, text in said.items()) + "; scoring in fp32"


def _gan(gan: dict, registered: str | None) -> str:
    if registered:
        return (f"not trained in this run: every replicate sampled the registered generator "
                f"{registered}, so the replicates do not draw the GAN again")  # fmt: skip
    return f"{gan.get('architecture', 'dcgan')}, {gan.get('steps')} steps"


# Generative rows shaded; the baseline and the upper bound in italics.
_ROW_CLASS = {"generative": "gan", "baseline": "reference", "upper_bound": "reference"}


def _comparison(comparison: pd.DataFrame, results: dict[str, StrategyResult]) -> str:
    names = [m.removeprefix("test_").replace("_", " ") for m in HEADLINE]
    head = "".join(f"<th>{_e(n)}</th>"
                   for n in ["strategy", "replicates", "train images", *names])  # fmt: skip
    body = []
    for _, row in comparison.iterrows():
        kind = _ROW_CLASS.get(REGISTRY[row["strategy"]].family, "")
        cells = [row["strategy"], row["replicates"], f"{int(row['train_images']):,}"]
        result = results.get(row["strategy"])
        few = result is not None and 1 < len(result.runs) <= 3  # each value beside it
        cells += [interval_text(row, metric, result.scores(metric) if few else None)
                  for metric in HEADLINE]  # fmt: skip
        body.append(f'<tr class="{kind}">' + "".join(f"<td>{_e(c)}</td>" for c in cells)
                    + "</tr>")  # fmt: skip
    return (f'<table id="comparison"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
            '<p class="note">The mean over replicates [its 95% interval, a t-interval on the '
            "logit scale, so it stays inside [0, 1]] (one replicate gives no interval; with "
            "three or fewer, each replicate's value follows in brackets). Generative rows (the "
            "GAN strategies and deepsmote) are shaded; none (the baseline) and oracle (the "
            "upper bound) are in italics.</p>")  # fmt: skip


def _quality(table, progress, memorisation) -> str:
    if table is None:
        return ("<h2>Generative quality</h2><p>Not computed in this run "
                "(quality.in_balance: false).</p>")  # fmt: skip
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
        _table(table.round(4), "quality"),
    ]
    if progress is not None and len(progress):
        parts.append(_figure(_progress_chart(progress), "FD-domain against GAN steps"))
    if memorisation is not None:
        parts.append("<p class='note'>The synthetic images nearest a training image, each "
                     "beside its nearest training image:</p>")  # fmt: skip
        parts.append(_image(memorisation, "nearest training images"))
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


def _table(frame: pd.DataFrame, name: str) -> str:
    table = frame.to_html(index=False, table_id=name, border=0, na_rep="")
    return f'<div class="wide">{table}</div>'  # a wide table scrolls, the page does not


def _image(image: Image.Image, alt: str) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return _png(buffer.getvalue(), alt)


def _figure(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return _png(buffer.getvalue(), alt)


def _png(data: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
