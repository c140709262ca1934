"""The report's verdict (a paired two-level bootstrap) and its page."""

import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.metrics import f1_score

from synthbalance.metrics import HEADLINE
from synthbalance.pipelines.report.nodes import build_report
from synthbalance.pipelines.report.verdict import difference, minority_f1, verdict
from synthbalance.results import SeedRun, StrategyResult
from tests.conftest import make_image_set

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 3, size=600)
RARE = [1, 2]


def noisy(accuracy: float, seed: int) -> list[int]:
    """LABELS, each replaced by a random class with probability 1 - accuracy."""
    rng = np.random.default_rng(seed)
    wrong = rng.random(len(LABELS)) > accuracy
    return np.where(wrong, rng.integers(0, 3, len(LABELS)), LABELS).tolist()


def test_minority_f1_is_sklearns_mean_f1_over_the_rare_classes():
    predicted = np.array([noisy(0.7, 1), noisy(0.4, 2)])
    expected = [f1_score(LABELS, p, labels=RARE, average="macro") for p in predicted]
    assert minority_f1(LABELS, predicted, RARE) == pytest.approx(expected)
    assert minority_f1(np.zeros(5, int), np.zeros(5, int), [1]) == 0.0  # absent, never guessed


def test_a_clearly_better_strategy_gets_an_interval_above_zero():
    better = {"0": noisy(0.95, 1), "1": noisy(0.95, 2)}
    worse = {"0": noisy(0.6, 3), "1": noisy(0.6, 4)}
    result = difference(LABELS, better, worse, RARE, seed=0)
    assert 0 < result["low"] < result["difference"] < result["high"]
    assert result["seeds"] == 2
    flipped = difference(LABELS, worse, better, RARE, seed=0)
    assert flipped["difference"] == pytest.approx(-result["difference"])
    assert flipped["high"] < 0


def test_identical_predictions_differ_by_exactly_zero():
    same = {"0": noisy(0.8, 1)}
    assert difference(LABELS, same, same, RARE, seed=0) == {
        "difference": 0.0, "low": 0.0, "high": 0.0, "seeds": 1}  # fmt: skip


def test_the_interval_is_reproducible_and_narrows_with_more_test_images():
    a, b = {"0": noisy(0.85, 1)}, {"0": noisy(0.8, 2)}
    assert difference(LABELS, a, b, RARE, 5) == difference(LABELS, a, b, RARE, 5)
    wide = difference(LABELS[:150], {"0": a["0"][:150]}, {"0": b["0"][:150]}, RARE, 5)
    narrow = difference(LABELS, a, b, RARE, 5)
    assert narrow["high"] - narrow["low"] < wide["high"] - wide["low"]


def comparison_of(predictions: dict) -> pd.DataFrame:
    rows = []
    for name, by_seed in predictions.items():
        f1 = np.mean(minority_f1(LABELS, np.array(list(by_seed.values())), RARE))
        row = {"strategy": name, "seeds": len(by_seed), "train_images": 100}
        for metric in HEADLINE:
            row |= {f"{metric}_mean": f1, f"{metric}_std": np.nan, f"{metric}_ci95": np.nan}
        rows.append(row)
    return pd.DataFrame(rows)


PREDICTIONS = {
    "none": {"0": noisy(0.5, 1)},
    "augment": {"0": noisy(0.7, 2)},  # the best simple strategy
    "oversample": {"0": noisy(0.6, 3)},
    "gan": {"0": noisy(0.95, 4)},
    "gan_augment": {"0": noisy(0.4, 5)},
    "oracle": {"0": noisy(0.99, 6)},
}


def test_the_verdict_names_the_best_simple_strategy_and_says_who_won():
    found = verdict(LABELS, PREDICTIONS, comparison_of(PREDICTIONS), RARE, seed=0)
    assert found["best_simple"] == "augment"  # oracle and the GAN strategies are not simple
    gan, gan_augment = found["comparisons"]
    assert gan["sentence"].startswith("GAN rebalancing (gan) beat the best simple strategy "
                                      "(augment) on minority F1 by ")  # fmt: skip
    assert gan_augment["sentence"].startswith("GAN rebalancing (gan_augment) did not beat")
    assert found["sentence"] == gan["sentence"]
    close = {**PREDICTIONS, "gan": PREDICTIONS["augment"]}
    assert verdict(LABELS, close, comparison_of(close), RARE, 0)["sentence"].startswith(
        "No clear difference"
    )


def test_no_verdict_without_a_gan_strategy():
    only = {k: PREDICTIONS[k] for k in ("none", "augment")}
    assert verdict(LABELS, only, comparison_of(only), RARE, 0)["sentence"] == (
        "No verdict: this run has no GAN strategy (strategies.run)."
    )


PARAMETERS = {
    "seed": 42,
    "ingest": {"source": "mnist"},
    "imbalance": {"profile": {"kind": "minority", "classes": [1, 2], "keep_fraction": 0.05}},
    "gan": {"architecture": "dcgan", "steps": 2000},
    "classifier": {"steps": 300, "seeds": [0]},
}


def page(**quality) -> tuple[str, dict, dict]:
    test_set = make_image_set([200, 200, 200]).relabel(LABELS, ["c0", "c1", "c2"])
    return build_report(
        comparison=comparison_of(PREDICTIONS),
        imbalance_summary=pd.DataFrame({"class_name": ["c0", "c1"], "before": [9, 9]}),
        synthetic_grid=Image.new("L", (20, 10)),
        test_set=test_set,
        synthetic=make_image_set([0, 5, 5]),
        parameters=PARAMETERS,
        **quality,
        **{f"report_{name}": as_result(name, p) for name, p in PREDICTIONS.items()},
    )


def as_result(name: str, predicted: dict) -> StrategyResult:
    """A strategy's result, as far as the report reads it: each seed's predicted labels."""
    runs = [SeedRun(int(seed), {}, labels) for seed, labels in predicted.items()]
    return StrategyResult(name, 100, {"real": 100}, {}, runs)


def test_the_page_is_self_contained_and_holds_table_verdict_and_figures():
    html, found, metrics = page(
        quality_table=pd.DataFrame({"group": ["1"], "set": ["synthetic"], "fd": [3.14159]}),
        quality_progress=pd.DataFrame({"step": [0, 10], "group": ["1", "1"], "fd": [9.0, 3.0]}),
        memorisation_grid=Image.new("L", (8, 8)),
    )
    assert f'<p id="verdict">{found["sentence"]}</p>' in html
    body = re.search(r'<table id="comparison">.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    assert body.count("<tr") == len(PREDICTIONS)
    assert '<tr class="gan"><td>gan</td>' in body and '<tr class="reference"><td>oracle' in body
    assert html.count("data:image/png;base64,") == 4  # grid, chart, progress, memorisation
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing fetched from elsewhere
    assert "3.1416" in html and "one classifier seed" in html
    assert set(metrics) == {
        f"{s}_minus_best_simple.minority_f1.{k}"
        for s in ("gan", "gan_augment")
        for k in ("difference", "low", "high")
    }


def test_without_quality_the_page_says_it_was_not_computed():
    html, _, _ = page()
    assert "Not computed in this run (quality.in_balance: false)" in html
