import mlflow
import pytest
from kedro_mlflow.io.metrics import MlflowMetricsHistoryDataset
from mlflow.tracking import MlflowClient

from synthbalance.datasets import MetricsHistoryDataset


@pytest.fixture
def tracking(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    yield MlflowClient()
    mlflow.set_tracking_uri(None)


def _history(client, run_id, key):
    return [(m.step, m.value) for m in client.get_metric_history(run_id, key)]


def test_it_logs_what_kedro_mlflow_logs_in_batches(tracking, monkeypatch):
    values = {
        "loss": [{"value": float(i), "step": 25 * i} for i in range(1, 1201)],
        "best_step": {"value": 750, "step": 0},
    }
    batches = []
    log_batch = MlflowClient.log_batch
    monkeypatch.setattr(
        MlflowClient,
        "log_batch",
        lambda self, run_id, **kw: (
            batches.append(len(kw["metrics"])) or log_batch(self, run_id, **kw)
        ),
    )
    runs = {}
    for kind in (MlflowMetricsHistoryDataset, MetricsHistoryDataset):
        with mlflow.start_run() as run:
            kind(prefix="gan").save(values)
            runs[kind] = run.info.run_id
    assert batches == [1000, 201]  # ours: two calls for 1,201 values
    theirs, ours = runs[MlflowMetricsHistoryDataset], runs[MetricsHistoryDataset]
    for key in ("gan.loss", "gan.best_step"):
        assert _history(tracking, ours, key) == _history(tracking, theirs, key)
    assert _history(tracking, ours, "gan.loss")[-1] == (30000, 1200.0)
    with mlflow.start_run(run_id=ours):
        assert MetricsHistoryDataset(prefix="gan").load()["gan.best_step"] == {
            "step": 0,
            "value": 750.0,
        }
