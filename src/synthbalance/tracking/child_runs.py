"""One MLflow child run per strategy and replicate, logged once the strategy is scored.

Each child spans its strategy's work: it starts when the first of the strategy's nodes of this
session started (its replicate's training set being built, else the training) and ends when it
is logged, after the scoring. It carries the parameters that tell runs apart (the dataset, the
imbalance, the GAN, sampling, the classifier, the seed, the replicate), the strategy's
test_* and val_* metrics, its validation curve as metric histories (``curve.*``), its own
confusion matrix on the real test set (``confusion.png``), its replicate's network as an
MLflow pyfunc model ``classifier`` (synthbalance.tracking.classifier_model), and the datasets it
used
as MLflow inputs (its training set, its validation set and the test set, each with MLflow's
digest of its images), so the UI's Dataset column is filled.
"""

from __future__ import annotations

import time
from typing import Any

import mlflow
import numpy as np
from kedro.io.core import DatasetError
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

from synthbalance.core.charts import confusion_image
from synthbalance.core.images import ImageSet
from synthbalance.core.results import StrategyResult
from synthbalance.framework import context
from synthbalance.strategies import REGISTRY
from synthbalance.tracking.classifier_model import log_classifier
from synthbalance.tracking.store import logged_parameters

# The parameter blocks a child carries: those that make one run's strategies differ from
# another run's (each a few dozen keys; MLflow takes 100 per batch). The child's ``seed`` is
# its replicate's, which every stream of the replicate derives from.
BLOCKS = ("ingest", "imbalance", "gan", "sample", "classifier", "replicates")


def run_parameters(parameters: dict[str, Any]) -> dict[str, str]:
    """The blocks of ``parameters`` a child carries (Kedro hands them over as the parameter
    models), flattened to dotted keys as the parent run has them."""
    return logged_parameters({k: v for k, v in parameters.items() if k in BLOCKS})


def log_child_runs(
    result: StrategyResult, parameters: dict[str, str], started: dict[str, float], load
) -> list[str]:
    """A child of the active run for each of ``result``'s replicates: their run ids.
    ``started``: each node's start (``time.time()``) this session; ``load``: the catalog's
    ``load``, for the datasets each child used."""
    client, parent = MlflowClient(), mlflow.active_run()
    test_set = load("test_set")
    classifier = load(f"strategy.{result.strategy}.classifier")
    ids = []
    for run in result.runs:
        own = (
            f"{context.replicate(run.replicate)}.strategy.{result.strategy}.",
            f"strategy.{result.strategy}.",
        )
        begun = min([t for name, t in started.items() if name.startswith(own)] or [time.time()])
        child = client.create_run(
            parent.info.experiment_id,
            start_time=int(begun * 1000),
            run_name=f"{result.strategy} (replicate {run.replicate})",
            tags={
                "mlflow.parentRunId": parent.info.run_id,
                "strategy": result.strategy,
                "replicate": str(run.replicate),
                "seed": str(run.seed),
                "family": REGISTRY[result.strategy].family,
            },
        )
        run_id = child.info.run_id
        with mlflow.start_run(run_id=run_id, nested=True):
            # the model before the metrics: MLflow links a run's step-0 metrics to each model
            # logged into it, reading them back one query per metric; logged after the
            # model, they are linked in the batch that logs them
            model = log_classifier(classifier, run.replicate)
            _log_values(client, run_id, result, run, parameters, model.model_id)
            mlflow.log_image(confusion_image(test_set, np.asarray(run.predicted)), "confusion.png")
            _log_inputs(result.strategy, run.replicate, test_set, load)
        ids.append(run_id)
    return ids


def _log_values(
    client: MlflowClient,
    run_id: str,
    result: StrategyResult,
    run,
    parameters: dict[str, str],
    model_id: str,
) -> None:
    """The child's parameters and metrics, in batches of MLflow's size; those of step 0
    linked to its model ``model_id``, as MLflow links them to a model logged after them."""
    now = int(time.time() * 1000)
    own = {
        "strategy": result.strategy,
        "train_images": result.train_images,
        "replicate": run.replicate,
        "seed": run.seed,
    }
    own |= {f"train_{origin}": n for origin, n in result.train_by_origin.items()}
    params = [Param(k, str(v)) for k, v in ({**parameters, **own}).items()]
    # the curve under its own keys: val_* are the kept weights' scores, one value each
    metrics = [
        (f"curve.{key}", float(value), int(row["step"]))
        for row in run.history
        for key, value in row.items()
        if key != "step"
    ]
    metrics += [(key, value, 0) for key, value in run.metrics.items()]
    metrics = [
        Metric(key, value, now, step, model_id=model_id if step == 0 else None)
        for key, value, step in metrics
    ]
    for start in range(0, len(params), 100):
        client.log_batch(run_id, params=params[start : start + 100])
    for start in range(0, len(metrics), 1000):
        client.log_batch(run_id, metrics=metrics[start : start + 1000])


def _log_inputs(strategy: str, replicate: int, test_set: ImageSet, load) -> None:
    """The child's training, validation and test sets as MLflow inputs."""
    train = load(f"{context.replicate(replicate)}.strategy.{strategy}.train_set")
    sets = {
        "training": (train, f"{strategy} training set"),
        "validation": (_validation(load, replicate), "validation set"),
        "test": (test_set, "test set"),
    }
    for role, (images, name) in sets.items():
        if images is not None:
            dataset = mlflow.data.from_numpy(
                images.images, targets=images.labels, name=name, digest=images.digest()[:8]
            )
            mlflow.log_input(dataset, context=role)


def _validation(load, replicate: int) -> ImageSet | None:
    """The replicate's own validation set (imbalance redrawn per replicate), else the one of
    the run, else None."""
    for name in (f"{context.replicate(replicate)}.validation", "validation"):
        try:
            return load(name)
        except DatasetError:  # not in this catalog
            continue
    return None
