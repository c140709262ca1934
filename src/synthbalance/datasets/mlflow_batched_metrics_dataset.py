"""``MlflowBatchedMetricsDataset``: kedro-mlflow's metrics history, logged in batches."""

from __future__ import annotations

import time
from itertools import chain

from kedro.io.core import DatasetError
from kedro_mlflow.io.metrics import MlflowMetricsHistoryDataset
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

BATCH = 1000  # the most metrics MLflow takes in one log_batch


class MlflowBatchedMetricsDataset(MlflowMetricsHistoryDataset):
    """``kedro_mlflow.io.metrics.MlflowMetricsHistoryDataset`` (its keys, values, steps,
    prefix and loading), saved with one ``log_batch`` per 1,000 values instead of one
    ``log_metric`` per value, each its own transaction in the tracking store. A GAN's
    training history alone is about 600 values a replicate.

    Each value gets its own timestamp, a millisecond after the one before, in the order
    given, as the one-at-a-time logging gave them: MLflow orders a history by timestamp and
    keeps repeated points apart by it. Its name starts with ``Mlflow`` so that kedro-mlflow
    switches its logging off with the others' (``disable_tracking``).

    Example catalog entry::

        "{replicate}.gan_metrics":
          type: synthbalance.datasets.MlflowBatchedMetricsDataset
          prefix: gan.{replicate}
    """

    def _save(self, data) -> None:
        try:
            run_id = self.run_id
        except DatasetError:  # no run to log to: kedro-mlflow's way (it starts one)
            super()._save(data)
            return
        if not self._logging_activated:
            return
        now = int(time.time() * 1000)
        items = chain.from_iterable(
            self._build_args_list_from_metric_item(key, value) for key, value in data.items()
        )
        metrics = [
            Metric(key, float(value), now + i, int(step or 0))
            for i, (key, value, step) in enumerate(items)
        ]
        client = MlflowClient()
        for start in range(0, len(metrics), BATCH):
            client.log_batch(run_id, metrics=metrics[start : start + BATCH])
