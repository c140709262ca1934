"""A strategy's child runs in a real (SQLite) store: each carries its metrics, its confusion
matrix and its replicate's classifier as a model, with the step-0 metrics linked to the model
as MLflow links those it finds when a model is logged."""

from __future__ import annotations

import mlflow
from kedro.io.core import DatasetError
from mlflow.tracking import MlflowClient

from synthbalance.core.results import ReplicateRun, StrategyResult
from synthbalance.models.classifier import Classifier
from synthbalance.tracking.child_runs import log_child_runs
from tests.conftest import make_image_set


def test_each_replicate_is_a_child_with_its_metrics_matrix_and_model(tmp_path):
    test_set = make_image_set([3, 3, 2])
    classifier = Classifier("cnn", 1, 8, ["c0", "c1", "c2"], 4, [0, 1])
    runs = [
        ReplicateRun(
            r,
            40 + r,
            {"test_balanced_accuracy": 0.5 + r / 10, "val_balanced_accuracy": 0.4},
            [0, 1, 2, 0, 1, 2, 0, 1],
            [{"step": 0, "val_balanced_accuracy": 0.3}, {"step": 10, "val_balanced_accuracy": 0.4}],
        )
        for r in (0, 1)
    ]
    result = StrategyResult("none", 8, {"real": 8}, {"c0": 3, "c1": 3, "c2": 2}, runs)
    datasets = {
        "test_set": test_set,
        "strategy.none.classifier": classifier,
        "replicate_0.strategy.none.train_set": test_set,
        "replicate_1.strategy.none.train_set": test_set,
    }

    def load(name):
        if name not in datasets:
            raise DatasetError(f"no {name}")
        return datasets[name]

    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(store)
    try:
        with mlflow.start_run() as parent:
            ids = log_child_runs(result, {"gan.steps": "20"}, {}, load)
    finally:
        mlflow.set_tracking_uri(None)
    client = MlflowClient(store)
    for replicate, run_id in enumerate(ids):
        child = client.get_run(run_id)
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.params["gan.steps"] == "20"
        assert child.data.metrics["test_balanced_accuracy"] == 0.5 + replicate / 10
        assert [a.path for a in client.list_artifacts(run_id)] == ["confusion.png"]
        curve = client.get_metric_history(run_id, "curve.val_balanced_accuracy")
        assert [(m.step, m.value) for m in curve] == [(0, 0.3), (10, 0.4)]
        (model,) = client.search_logged_models(
            [child.info.experiment_id], f"source_run_id = '{run_id}'"
        )
        linked = {(m.key, m.step, m.value) for m in model.metrics}
        assert linked == {
            ("test_balanced_accuracy", 0, 0.5 + replicate / 10),
            ("val_balanced_accuracy", 0, 0.4),
            ("curve.val_balanced_accuracy", 0, 0.3),
        }
