"""The seeds' comparison in the report, and the measuring CNN's own accuracy."""

import numpy as np
import pandas as pd
import pytest

from synthbalance.core.results import ReplicateRun, StrategyResult
from synthbalance.pipelines.quality import extractor
from synthbalance.pipelines.quality.extractor import score_extractor
from synthbalance.pipelines.report.generated_vs_real import generated_vs_real
from synthbalance.pipelines.report.sections import quality
from tests.conftest import make_image_set

METRICS = ("test_accuracy", "test_balanced_accuracy", "test_minority_recall")


def result(name: str, scores: list[float], predicted: list[int]) -> StrategyResult:
    runs = [ReplicateRun(r, r, dict.fromkeys(METRICS, v), predicted) for r, v in enumerate(scores)]
    return StrategyResult(name, 10, {"real": 10}, {}, runs)


TEST = make_image_set([3, 3])  # labels 0, 0, 0, 1, 1, 1


def test_synthetic_only_sits_beside_none_and_oracle_with_both_confusion_matrices():
    results = {
        "synthetic_only": result("synthetic_only", [0.4, 0.5, 0.45], [0, 0, 0, 0, 0, 0]),
        "none": result("none", [0.6, 0.62, 0.61], [0, 0, 0, 1, 0, 0]),
        "oracle": result("oracle", [0.9, 0.92, 0.91], [0, 0, 0, 1, 1, 1]),
    }
    section = generated_vs_real(results, TEST)
    rows = section.split("<tbody>")[1].split("</tr>")
    assert [row.split("<td>")[1].split("</td>")[0] for row in rows[:3]] == [
        "synthetic_only",
        "none",
        "oracle",
    ]
    assert "0.4500 [" in rows[0] and "0.9100 [" in rows[2]  # means with their intervals
    assert section.count("confusion matrix of") == 2 and "Mean over replicates" in section


def test_one_replicate_says_so_and_a_run_without_either_end_has_no_section():
    one = {
        "synthetic_only": result("synthetic_only", [0.4], [0] * 6),
        "oracle": result("oracle", [0.9], [0, 0, 0, 1, 1, 1]),
    }
    section = generated_vs_real(one, TEST)
    assert "One replicate." in section and "0.4000</td>" in section and "[" not in section
    assert generated_vs_real({"oracle": one["oracle"]}, TEST) == ""


def test_the_extractor_is_scored_on_the_real_test_split(monkeypatch):
    predicted = np.array([0, 0, 0, 1, 0, 1])
    monkeypatch.setattr(extractor, "embed", lambda net, images: (None, predicted))
    scores, metrics = score_extractor(object(), TEST)
    assert scores["accuracy"] == pytest.approx(5 / 6)
    assert scores["recall"] == {"c0": 1.0, "c1": pytest.approx(2 / 3)}
    assert scores["balanced_accuracy"] == pytest.approx(5 / 6)
    assert metrics["balanced_accuracy"]["value"] == pytest.approx(5 / 6)


@pytest.mark.parametrize(("balanced", "warned"), [(0.9, False), (0.3, True)])
def test_the_report_warns_when_the_ruler_reads_little_better_than_chance(balanced, warned):
    recall = {f"c{k}": balanced for k in range(10)}
    scores = {"test_images": 100, "accuracy": balanced, "balanced_accuracy": balanced}
    section = quality(pd.DataFrame({"group": ["c1"]}), None, None, scores | {"recall": recall})
    assert f"balanced accuracy {balanced:.4f}" in section
    assert ("say little about the images" in section) == warned
