import mlflow
import pytest
from kedro.io import DataCatalog
from kedro_mlflow.io.catalog.switch_catalog_logging import switch_catalog_logging
from kedro_mlflow.io.metrics import MlflowMetricsHistoryDataset
from mlflow.tracking import MlflowClient

from synthbalance.datasets import MlflowBatchedMetricsDataset


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
        # a step logged twice, the second value smaller; a value logged twice at one step
        "tau": [{"value": 2.0, "step": 1}, {"value": 1.0, "step": 1}, {"value": 1.0, "step": 1}],
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
    for kind in (MlflowMetricsHistoryDataset, MlflowBatchedMetricsDataset):
        with mlflow.start_run() as run:
            kind(prefix="gan").save(values)
            runs[kind] = run.info.run_id
    assert batches == [1000, 204]  # ours: two calls for 1,204 values
    theirs, ours = runs[MlflowMetricsHistoryDataset], runs[MlflowBatchedMetricsDataset]
    assert _history(tracking, ours, "gan.tau") == [(1, 2.0), (1, 1.0), (1, 1.0)]
    for key in ("gan.loss", "gan.best_step", "gan.tau"):
        assert _history(tracking, ours, key) == _history(tracking, theirs, key)
    assert _history(tracking, ours, "gan.loss")[-1] == (30000, 1200.0)
    with mlflow.start_run(run_id=ours):
        assert MlflowBatchedMetricsDataset(prefix="gan").load()["gan.best_step"] == {
            "step": 0,
            "value": 750.0,
        }


def test_kedro_mlflow_switches_its_logging_off_like_its_own(tracking):
    catalog = DataCatalog({"history": MlflowBatchedMetricsDataset(prefix="gan")})
    switch_catalog_logging(catalog, False)
    with mlflow.start_run() as run:
        catalog["history"].save({"loss": {"value": 1.0, "step": 0}})
    assert tracking.get_run(run.info.run_id).data.metrics == {}
