"""The advantage curve: points' comparisons side by side, the verdicts in words."""

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from synthbalance.sweep import curve, grid

STRATEGIES = ["none", "augment", "gan", "oracle"]


def write_point(folder, scores: dict[str, tuple[float, float]], gan_interval):
    """A point's comparison.csv ({strategy: (test mean, validation mean)}) and verdict.json
    (gan against augment, its interval ``gan_interval``)."""
    reporting = folder / "08_reporting"
    reporting.mkdir(parents=True)
    rows = [
        {
            "strategy": s,
            "replicates": 3,
            "test_balanced_accuracy_mean": test,
            "test_balanced_accuracy_low": test - 0.01,
            "test_balanced_accuracy_high": test + 0.01,
            "test_minority_f1_mean": test - 0.1,
            "test_minority_f1_low": test - 0.12,
            "test_minority_f1_high": test - 0.08,
            "val_balanced_accuracy_mean": val,
        }
        for s, (test, val) in scores.items()
    ]
    pd.DataFrame(rows).to_csv(reporting / "comparison.csv", index=False)
    low, high = gan_interval
    verdict = {
        "metric": "balanced_accuracy",
        "best_simple": "augment",
        "comparisons": [
            {
                "strategy": "gan",
                "against": "augment",
                "difference": (low + high) / 2,
                "low": low,
                "high": high,
            }
        ],
    }
    (reporting / "verdict.json").write_text(json.dumps(verdict))


@pytest.fixture
def swept(tmp_path):
    key = "imbalance.profile.keep_fraction"
    points = grid.points({key: [0.01, 0.2, 0.02, 0.05]})  # out of order, as a user may give
    intervals = [(0.01, 0.03), (-0.03, -0.01), (0.002, 0.01), (-0.01, 0.02)]
    folders = []
    for i, (point, interval) in enumerate(zip(points, intervals, strict=True)):
        folder = tmp_path / point.name
        # gan's test score is highest at 0.05; its validation score at 0.02
        scores = {
            "none": (0.6 + 0.1 * i, 0.6),
            "augment": (0.9, 0.9),
            "gan": (0.95 if i == 3 else 0.9, 0.97 if i == 2 else 0.9),
            "oracle": (0.99, 0.99),
        }
        write_point(folder, scores, interval)
        folders.append((point, folder))
    sweep = SimpleNamespace(
        name="keep_fraction",
        pipeline="balance",
        grid={key: [0.01]},
        report_folder=tmp_path / "report",
    )
    return sweep, folders


def test_the_words_give_each_stretch_of_the_parameter_its_outcome(swept):
    _sweep, folders = swept
    _rows, verdicts = curve.table(folders)
    found = curve.outcomes([p for p, _ in folders], verdicts)
    assert [o for _, o in found["gan"]] == ["better", "worse", "better", "inconclusive"]
    words = curve.sentences(
        "imbalance.profile.keep_fraction", found, {p.name: "augment" for p, _ in folders}
    )
    assert words == [
        "gan: beat the best simple strategy (augment) at the 2 tested values of keep_fraction "
        "0.01 and 0.02; was inconclusive against the best simple strategy (augment) at "
        "keep_fraction = 0.05; lost to the best simple strategy (augment) at keep_fraction = 0.2."
    ]


def test_each_combination_of_the_other_keys_gets_its_own_sentence():
    points = grid.points({"a.x": [0.1, 0.2], "b.y": [1, 2]})
    outcomes = [(0.01, 0.02), (-0.02, -0.01), (-0.01, 0.01), (-0.02, -0.01)]
    verdicts = [
        {"comparisons": [{"strategy": "gan", "low": low, "high": high}]} for low, high in outcomes
    ]
    found = curve.outcomes(points, verdicts)
    words = curve.sentences("a.x", found, {p.name: "augment" for p in points})
    assert words == [
        "gan with y = 1: beat the best simple strategy (augment) at x = 0.1; was inconclusive "
        "against the best simple strategy (augment) at x = 0.2.",
        "gan with y = 2: lost to the best simple strategy (augment) at the 2 tested values of "
        "x 0.1 and 0.2.",
    ]


def test_the_verdicts_own_outcome_is_the_curves_word():
    points = grid.points({"a.x": [0.1, 0.2]})
    verdicts = [
        {
            "comparisons": [
                {"strategy": "gan", "low": -0.001, "high": 0.002, "outcome": "equivalent"}
            ]
        },
        {"comparisons": [{"strategy": "gan", "low": 0.2, "high": 0.3, "outcome": "not learned"}]},
    ]
    found = curve.outcomes(points, verdicts)
    assert [o for _, o in found["gan"]] == ["equivalent", "not learned"]
    (said,) = curve.sentences("a.x", found, {p.name: "augment" for p in points})
    assert (
        "was equivalent (within the margin) to the best simple strategy (augment) at x = 0.1"
        in said
        and "did not learn the task" in said
    )


def test_one_replicate_draws_no_conclusion():
    point = grid.points({"a.x": [0.1]})
    found = curve.outcomes(
        point, [{"comparisons": [{"strategy": "gan", "low": None, "high": None}]}]
    )
    assert found["gan"][0][1] == "no conclusion"


def test_the_curve_has_every_point_and_strategy_and_tuning_chooses_on_validation(swept):
    sweep, folders = swept
    written = curve.write(sweep, folders)
    assert [p.name for p in written] == ["curve.csv", "curve.png", "curve.html", "ranking.csv"]
    rows = pd.read_csv(sweep.report_folder / "curve.csv")
    assert len(rows) == 4 * len(STRATEGIES)
    assert rows.groupby("strategy").size().to_dict() == {s: 4 for s in STRATEGIES}
    assert {"mean", "low", "high", "minority_f1_mean", "validation_mean"} <= set(rows.columns)
    ranked = pd.read_csv(sweep.report_folder / "ranking.csv").set_index("strategy")
    assert ranked.loc["gan", "point"] == "keep_fraction=0.02"  # not 0.05, the best on test
    page = (sweep.report_folder / "curve.html").read_text()
    assert (
        "gan: beat the best simple strategy (augment) at the 2 tested values of "
        "keep_fraction 0.01 and 0.02"
    ) in page
    assert "never used to choose" in page and "data:image/png;base64," in page
    assert (sweep.report_folder / "curve.png").stat().st_size > 10_000
