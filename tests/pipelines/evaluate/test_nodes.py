import numpy as np
import pandas as pd
import pytest

from synthbalance.config import ClassifierParams
from synthbalance.core.charts import confusion_image
from synthbalance.core.images import ImageSet
from synthbalance.core.metrics import HEADLINE, classification_metrics
from synthbalance.core.results import ReplicateRun, StrategyResult
from synthbalance.pipelines.evaluate.compare import VALIDATION, compare_strategies
from synthbalance.pipelines.evaluate.nodes import report_strategy, score_classifier
from synthbalance.training.replicates import train_replicates
from tests.conftest import make_image_set, separable


def test_metrics_match_a_hand_computed_example():
    labels = np.array([0, 0, 0, 1, 1])
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4]])
    metrics = classification_metrics(labels, probabilities, ["not 5", "5"], rare=[1])
    # predictions 0 0 1 1 0: recalls 2/3 and 1/2, precisions 2/3 and 1/2
    assert metrics["test_accuracy"] == 0.6
    assert metrics["test_balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2) / 2, abs=1e-6)
    assert metrics["test_g_mean"] == pytest.approx(np.sqrt(2 / 3 * 1 / 2), abs=1e-6)
    assert metrics["test_minority_precision"] == metrics["test_minority_recall"] == 0.5
    assert metrics["test_minority_f1"] == 0.5
    assert metrics["test_macro_f1"] == pytest.approx((2 / 3 + 1 / 2) / 2, abs=1e-6)
    # ranked by P(5): .7(+) .6(-) .4(+) .2 .1 -> average precision (1 + 2/3) / 2
    assert metrics["test_minority_pr_auc"] == pytest.approx(5 / 6, abs=1e-6)
    assert metrics["test_f1_not_5"] == pytest.approx(2 / 3, abs=1e-6)


PARAMS = ClassifierParams(width=4, steps=30, batch_size=16, eval_every=10, resume=False)


def two_replicates(train, validation):
    return train_replicates([train, train], [validation, validation], PARAMS, seed=0)


def test_scores_every_replicate_on_the_test_set_and_draws_a_confusion_matrix():
    train, validation, test = separable([60, 20]), separable([20, 6], 1), separable([30, 30], 2)
    classifier, _ = two_replicates(train, validation)
    synthetic = separable([0, 5], 3)
    scores, matrix, predicted = score_classifier(classifier, test, synthetic, validation=validation)
    assert set(scores) == set(predicted) == {"0", "1"}
    assert set(HEADLINE) <= set(scores["0"])
    assert {"val_balanced_accuracy", "val_minority_f1", "val_minority_pr_auc"} <= set(scores["0"])
    for seed, labels in predicted.items():  # the labels the scores were computed from
        assert len(labels) == len(test) and set(labels) <= {0, 1}
        assert scores[seed]["test_accuracy"] == pytest.approx(np.mean(labels == test.labels))
    assert matrix.size == confusion_image(test, np.asarray(predicted["0"])).size


def test_a_test_set_of_another_task_is_a_clear_error():
    classifier, _ = two_replicates(separable([20, 8]), separable([6, 3], 1))
    with pytest.raises(ValueError, match="train and test must come from one task"):
        score_classifier(
            classifier,
            make_image_set([5, 5, 5]),
            separable([0, 5]),
            validation=separable([6, 3], 1),
        )


def test_report_counts_by_origin_and_carries_the_curves():
    origins = np.array(["real"] * 8 + ["synthetic"] * 4)
    base = make_image_set([6, 6])
    train_set = ImageSet(base.images, base.labels, base.class_names, origins)
    history = pd.DataFrame(
        [
            {
                "replicate": 0,
                "step": 10,
                "train_loss": 0.5,
                "val_balanced_accuracy": 0.9,
                "val_macro_f1": 0.8,
            }
        ]
    )
    report = report_strategy(
        train_set, history, {"0": {"test_accuracy": 1.0}}, {"0": [1, 0, 1]}, "gan", seed=42
    )
    assert isinstance(report, StrategyResult)
    assert report.runs[0].predicted == [1, 0, 1]
    assert report.train_by_origin == {"real": 8, "synthetic": 4}
    assert report.runs[0].history[0]["step"] == 10
    assert StrategyResult.from_json(report.to_json()) == report


def result(strategy, values):
    runs = [
        ReplicateRun(i, i, dict.fromkeys(HEADLINE + VALIDATION, v), [], [])
        for i, v in enumerate(values)
    ]
    return StrategyResult(strategy, 10, {"real": 10}, {"c0": 10}, runs)


def test_the_comparison_gives_mean_std_and_a_95_percent_interval_inside_zero_to_one():
    table, markdown, figure, metrics = compare_strategies(
        result("none", [0.7, 0.8, 0.9]), result("gan", [0.85]), strategies=["none", "gan"]
    )
    none = table.set_index("strategy").loc["none"]
    logits = np.log(np.array([0.7, 0.8, 0.9]) / (1 - np.array([0.7, 0.8, 0.9])))
    half = 4.302653 * logits.std(ddof=1) / np.sqrt(3)  # a t-interval of the logits
    low, high = 1 / (1 + np.exp(-(logits.mean() - half))), 1 / (1 + np.exp(-(logits.mean() + half)))
    assert none["test_minority_f1_mean"] == pytest.approx(0.8)
    assert none["test_minority_f1_std"] == pytest.approx(0.1)
    assert none["test_minority_f1_low"] == pytest.approx(low, rel=1e-5)
    assert none["test_minority_f1_high"] == pytest.approx(high, rel=1e-5)
    assert 0 < low < 0.7 and 0.9 < high < 1  # the plain t-interval reaches 1.048
    assert none["val_minority_f1_mean"] == pytest.approx(0.8)
    assert np.isnan(table.set_index("strategy").loc["gan", "test_minority_f1_low"])
    assert (
        f"| none | 3 | 10 | 0.8000 [{low:.4f}, {high:.4f}] (0.7000, 0.8000, 0.9000) |" in markdown
    )  # three replicates: each value beside the interval
    assert "| gan | 1 | 10 | 0.8500 |" in markdown
    assert len(figure.axes) == 2
    assert metrics["none.test_balanced_accuracy.low"]["value"] == pytest.approx(low, 1e-5)
    assert "gan.test_balanced_accuracy.mean" in metrics
    assert "gan.test_balanced_accuracy.low" not in metrics  # one replicate: no interval


def test_a_missing_strategy_result_is_named():
    with pytest.raises(ValueError, match=r"no evaluation result for strategies \['gan'\]"):
        compare_strategies(result("none", [0.7]), None, strategies=["none", "gan"])
