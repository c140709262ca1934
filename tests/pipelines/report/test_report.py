"""The report's page: the verdict over replicates, its numbers, class shares, figures."""
# ruff: noqa: RUF001 -- the report's sentences write the multiplication sign on purpose

import re
from html import escape

import numpy as np
import pandas as pd
from PIL import Image

from synthbalance.config import VerdictParams
from synthbalance.core.metrics import HEADLINE
from synthbalance.core.results import ReplicateRun, StrategyResult
from synthbalance.pipelines.evaluate.compare import VALIDATION, compare_strategies
from synthbalance.pipelines.report.nodes import build_report
from tests.conftest import make_image_set

# Per strategy, the test (and validation) balanced accuracy of three replicates.
SCORES = {
    "none": [0.80, 0.815, 0.82],
    "augment": [0.905, 0.91, 0.92],  # the best simple strategy, on validation too
    "oversample": [0.85, 0.86, 0.875],
    "gan": [0.95, 0.96, 0.97],
    "gan_augment": [0.89, 0.90, 0.93],
    "oracle": [0.99, 0.99, 0.99],
}


def as_result(name: str, scores: list[float]) -> StrategyResult:
    runs = [
        ReplicateRun(r, r, dict.fromkeys(HEADLINE + VALIDATION, v), [0, 1])
        for r, v in enumerate(scores)
    ]
    return StrategyResult(name, 100, {"real": 100}, {}, runs)


RESULTS = {name: as_result(name, scores) for name, scores in SCORES.items()}

PARAMETERS = {
    "seed": 42,
    "replicates": 3,
    "ingest": {"source": "mnist"},
    "imbalance": {"profile": {"kind": "minority", "classes": [1, 2], "keep_fraction": 0.05}},
    "gan": {"architecture": "dcgan", "steps": 2000},
    "classifier": {"steps": 300},
}


def page(results=RESULTS, parameters=PARAMETERS, **quality) -> tuple[str, dict, dict, object]:
    comparison, *_ = compare_strategies(*results.values(), strategies=list(results))
    return build_report(
        comparison=comparison,
        imbalance_summary=pd.DataFrame({"class_name": ["c0", "c1"], "before": [9, 9]}),
        synthetic_grid=Image.new("L", (20, 10)),
        test_set=make_image_set([200, 200, 200]),
        train_set=make_image_set([300, 10, 10]),
        validation_set=make_image_set([30, 28, 28]),
        synthetic=make_image_set([0, 5, 5]),
        verdict_params=VerdictParams(),
        parameters=parameters,
        **quality,
        **{f"report_{name}": result for name, result in results.items()},
    )


def test_the_page_is_self_contained_and_holds_table_verdict_and_figures():
    html, found, metrics, forest = page(
        quality_table=pd.DataFrame({"group": ["1"], "set": ["synthetic"], "fd": [3.14159]}),
        quality_progress=pd.DataFrame({"step": [0, 10], "group": ["1", "1"], "fd": [9.0, 3.0]}),
        memorisation_grid=Image.new("L", (8, 8)),
    )
    assert f'<p id="verdict">{escape(found["sentence"])}</p>' in html
    assert found["sentence"].startswith(
        "GAN rebalancing (gan) beat the best simple strategy "
        "(augment) on balanced accuracy: better by at least "
    )
    assert "the spread pooled over 3 strategies × 3 replicates" in found["sentence"]
    body = re.search(r'<table id="comparison">.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    assert body.count("<tr") == len(SCORES)
    assert '<tr class="gan"><td>gan</td>' in body and '<tr class="reference"><td>oracle' in body
    assert "0.9600 [" in body  # the mean [its interval]
    assert "0.9600 [0.9" in body and "] (0.9500, 0.9600, 0.9700)" in body  # and each replicate
    # grid, forest plot, chart, progress, memorisation
    assert html.count("data:image/png;base64,") == 5
    assert forest.axes[0].get_xlabel().startswith("difference in test balanced accuracy")
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing fetched from elsewhere
    assert "3.1416" in html and "chosen by its mean validation" in html
    assert '<table id="differences">' in html and '<table id="pairs">' in html
    assert set(metrics) == {
        f"{s}_minus_best_simple.balanced_accuracy.{k}"
        for s in ("gan", "gan_augment")
        for k in ("difference", "low", "high")
    }


def test_the_verdict_json_holds_what_the_issue_names():
    _, found, _, _ = page()
    assert found["metric"] == "balanced_accuracy" and found["replicates"] == 3
    assert found["best_simple"] == "augment" and found["best_simple_selected_on"] == "validation"
    for comparison in found["comparisons"]:
        assert {"difference", "low", "high", "words", "per_replicate"} <= set(comparison)
    gan_augment = found["comparisons"][1]
    assert gan_augment["words"].startswith("Inconclusive at 3 replicates")
    assert gan_augment["outcome"] == "inconclusive" and found["margin"] == 0.005
    assert found["rare_validation"] == {"c1": 28, "c2": 28}
    assert found["gate"]["learned"] and found["gate"]["reference"] == "oracle"
    assert found["families"][0]["beat_every_simple"]


def test_class_shares_of_train_and_test_sit_side_by_side():
    html, _, _, _ = page()
    shares = re.search(r'<table id="class_shares">.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    assert "<td>c1</td><td>10</td><td>3.12%</td><td>200</td><td>33.33%</td>" in shares


def test_one_replicate_draws_no_conclusion_on_the_page():
    one = {name: as_result(name, scores[:1]) for name, scores in SCORES.items()}
    _, found, metrics, _ = page(one)
    assert found["sentence"].startswith("No conclusion: one replicate")
    assert found["comparisons"][0]["low"] is None  # strict JSON: no NaN
    assert all(key.endswith(".difference") for key in metrics)


def test_no_verdict_without_a_gan_strategy():
    only = {k: RESULTS[k] for k in ("none", "augment")}
    _, found, _, _ = page(only)
    assert found["sentence"] == "No verdict: this run has no GAN strategy (strategies.run)."


def test_without_quality_the_page_says_it_was_not_computed():
    html, _, _, _ = page()
    assert "Not computed in this run (quality.in_balance: false)" in html
    assert np.isfinite(page()[1]["comparisons"][0]["difference"])


def test_an_image_folder_is_named_in_the_title():
    folder = {**PARAMETERS, "ingest": {"source": "folder", "folder": "data/01_raw/cifar10_jpg"}}
    assert "help on the image folder cifar10_jpg?</h1>" in page(parameters=folder)[0]
    assert "help on mnist?</h1>" in page()[0]
