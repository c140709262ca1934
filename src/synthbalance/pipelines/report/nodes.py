"""build_report: one self-contained HTML page of a run, to send to a colleague."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

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
from synthbalance.pipelines.report import html
from synthbalance.pipelines.report.generated_vs_real import generated_vs_real
from synthbalance.pipelines.report.sections import caveats, class_shares, quality, statistics
from synthbalance.pipelines.report.verdict import verdict
from synthbalance.strategies import REGISTRY, of_family
from synthbalance.training.engine import Engine

REPORT = "report_"  # the prefix of the node's per-strategy inputs


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
    extractor_scores: dict | None = None,
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
    parameters = {
        key: value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        for key, value in parameters.items()
    }
    results = {name.removeprefix(REPORT): result for name, result in reports.items()}
    rare = rare_classes(synthetic)
    counts = validation_set.class_counts()
    rare_validation = {validation_set.class_names[c]: int(counts[c]) for c in rare}
    found = _plain(
        verdict(
            results,
            verdict_params.metric,
            verdict_params.margin,
            len(test_set.class_names),
            rare_validation,
            test_set.labels,
        )
    )
    forest = verdict_chart(found)
    sections = [
        f"<h1>synthbalance: does GAN rebalancing help on {html.escape(_dataset(parameters))}?</h1>",
        f'<p id="verdict">{html.escape(found["sentence"])}</p>',
        caveats(found, comparison),
        html.figure(forest, "each comparison's difference and 95% interval")
        if found["comparisons"]
        else "",
        statistics(found),
        _settings(parameters, test_set, rare),
        class_shares(train_set, test_set),
        *_data_sections(imbalance_summary, synthetic_grid, deepsmote_grid),
        "<h2>The strategies on the real test set</h2>",
        _comparison(comparison, results),
        html.figure(
            comparison_chart(comparison, set(of_family("generative"))),
            "balanced accuracy and rare-class F1 per strategy",
        ),
        generated_vs_real(results, test_set),
        quality(quality_table, quality_progress, memorisation_grid, extractor_scores),
        f'<p class="note">Written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by '
        "synthbalance's report pipeline; every figure here is in data/08_reporting and in "
        "the MLflow run.</p>",
    ]
    return html.page(sections), found, _verdict_metrics(found), forest


def _plain(value):
    """The verdict as strict JSON: NaN (no interval) as null."""
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _data_sections(
    imbalance_summary: pd.DataFrame, synthetic_grid: Image.Image, deepsmote_grid: Image.Image | None
) -> list[str]:
    parts = [
        "<h2>The imbalance</h2>",
        html.table(imbalance_summary, "imbalance"),
        "<h2>Real and synthetic images of the rare classes</h2>",
        '<p class="note">Per rare class, a row of the real training images the GAN learned '
        "from above a row of the GAN's samples.</p>",
        html.image(synthetic_grid, "real above synthetic"),
    ]
    if deepsmote_grid is not None:
        parts += [
            '<p class="note">The same for DeepSMOTE: real training images above decoded '
            "interpolations of their codes.</p>",
            html.image(deepsmote_grid, "real above DeepSMOTE"),
        ]
    return parts


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


def _dataset(parameters: dict) -> str:
    source, folder = parameters["ingest"]["source"], parameters["ingest"].get("folder")
    if source != "folder":
        return source
    return f"the image folder {Path(folder).name}" if folder else "an image folder"


def _settings(parameters: dict, test_set: ImageSet, rare: list[int]) -> str:
    profile, gan, classifier = (
        parameters["imbalance"]["profile"],
        parameters["gan"],
        parameters["classifier"],
    )
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
    cells = (f"<th>{html.escape(k)}</th><td>{html.escape(v)}</td>" for k, v in rows.items())
    table = "".join(f"<tr>{row}</tr>" for row in cells)
    every = json.dumps(parameters, indent=2, sort_keys=True, default=str)
    every = f"<details><summary>Every parameter</summary><pre>{html.escape(every)}</pre></details>"
    return f"<h2>Settings</h2><table>{table}</table>{every}"


def _classifier(classifier: dict) -> str:
    kept = (
        "the last weights"
        if classifier.get("keep") == "last"
        else f"the best of every {classifier.get('eval_every')} steps on validation"
    )
    return (
        f"{classifier.get('architecture')}, width {classifier.get('width')}: "
        f"{classifier.get('steps')} steps of {classifier.get('batch_size')} images, "
        f"{classifier.get('schedule')} learning rate from {classifier.get('lr')}, {kept}"
    )


def _engines(parameters: dict) -> str:
    """Where each loop ran and in what precision, as ``auto`` resolved on this machine."""
    blocks = {
        "classifier": parameters.get("classifier", {}),
        "GAN": parameters.get("gan", {}),
        "DeepSMOTE": parameters.get("strategies", {}).get("deepsmote", {}),
    }
    said = {
        name: Engine.of(block.get("device", "auto"), block.get("precision", "auto")).describe()
        for name, block in blocks.items()
    }
    if len(set(said.values())) == 1:
        return f"{next(iter(said.values()))} (every training loop); scoring in fp32"
    return "; ".join(f"{name}: {text}" for name, text in said.items()) + "; scoring in fp32"


def _gan(gan: dict, registered: str | None) -> str:
    if registered:
        return (
            f"not trained in this run: every replicate sampled the registered generator "
            f"{registered}, so the replicates do not draw the GAN again"
        )
    return f"{gan.get('architecture', 'dcgan')}, {gan.get('steps')} steps"


# Generative rows shaded; the baseline and the upper bound in italics.
_ROW_CLASS = {"generative": "gan", "baseline": "reference", "upper_bound": "reference"}


def _comparison(comparison: pd.DataFrame, results: dict[str, StrategyResult]) -> str:
    names = [m.removeprefix("test_").replace("_", " ") for m in HEADLINE]
    head = "".join(
        f"<th>{html.escape(n)}</th>" for n in ["strategy", "replicates", "train images", *names]
    )
    body = []
    for _, row in comparison.iterrows():
        kind = _ROW_CLASS.get(REGISTRY[row["strategy"]].family, "")
        cells = [row["strategy"], row["replicates"], f"{int(row['train_images']):,}"]
        result = results.get(row["strategy"])
        few = result is not None and 1 < len(result.runs) <= 3  # each value beside it
        cells += [
            interval_text(row, metric, result.scores(metric) if few else None)
            for metric in HEADLINE
        ]
        body.append(
            f'<tr class="{kind}">' + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
        )
    return (
        f'<table id="comparison"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        '<p class="note">The mean over replicates [its 95% interval, a t-interval on the '
        "logit scale, so it stays inside [0, 1]] (one replicate gives no interval; with "
        "three or fewer, each replicate's value follows in brackets). Generative rows (the "
        "GAN strategies and deepsmote) are shaded; none (the baseline) and oracle (the "
        "upper bound) are in italics.</p>"
    )
