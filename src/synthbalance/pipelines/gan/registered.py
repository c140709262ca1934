"""The generator of an earlier run, from MLflow's model registry (``sample.generator``).

The generator must have been trained on this run's data: the run that logged it must have
had the same ``ingest``, ``imbalance`` and ``seed`` parameters (``redraw_imbalance: true``,
where each replicate draws its own imbalance, is refused by
``framework.context.registered_generator``).
Another split could have put its training images in this run's test set, and another
imbalance would have let it see rare-class images this run's strategies never get.
"""

from __future__ import annotations

import logging
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException

from synthbalance.models.gan import ImageGenerator
from synthbalance.tracking.serving import GeneratorModel
from synthbalance.tracking.store import logged_parameters

logger = logging.getLogger(__name__)

# Parameters that do not change which images the generator saw.
IGNORED = {"ingest.download"}


def load_registered_generator(uri: str, ingest: Any, imbalance: Any, seed: int) -> ImageGenerator:
    """The generator at the MLflow model URI ``uri``, once its run is found to have had this
    run's data parameters."""
    try:
        model = mlflow.pyfunc.load_model(uri)
    except (MlflowException, OSError) as error:
        raise ValueError(
            f"sample.generator: no model at {uri!r} in the MLflow store "
            f"{mlflow.get_tracking_uri()!r} ({error}). A finished balance run with "
            "sample.generator: null registers its generator as "
            "models:/synthbalance-generator@current; `mlflow models` and the MLflow UI's Models "
            "page list the versions."
        ) from error
    except ImportError as error:  # its code file names a module this release does not have
        raise ValueError(
            f"sample.generator: the model at {uri!r} was logged by another synthbalance "
            f"release, whose code it loads ({error}); since issue 33 its serving code is "
            "synthbalance.tracking.serving. Run balance once with sample.generator: null to "
            "register a generator of this release, then name that version."
        ) from error
    served = model.unwrap_python_model()
    if not isinstance(served, GeneratorModel):
        raise ValueError(
            f"sample.generator: {uri!r} is a {type(served).__name__}, not synthbalance's "
            "generator (a GeneratorModel, registered as synthbalance-generator)"
        )
    wanted = _flat({"ingest": ingest, "imbalance": imbalance, "seed": seed})
    _check_same_data(uri, model.metadata.run_id, wanted)
    logger.info("gan: not trained; sampling %s (run %s)", uri, model.metadata.run_id)
    return served.generator


def _flat(values: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in logged_parameters(values).items() if k not in IGNORED}


def _check_same_data(uri: str, run_id: str | None, wanted: dict[str, str]) -> None:
    """Stop unless run ``run_id`` logged every parameter in ``wanted`` with the same value."""
    if run_id is None:
        raise ValueError(
            f"sample.generator: {uri!r} names no run it came from, so its data "
            "cannot be checked against this run's"
        )
    logged = mlflow.get_run(run_id).data.params
    differ = {
        k: (logged.get(k, "(not logged)"), v) for k, v in wanted.items() if logged.get(k) != v
    }
    if differ:
        listed = "; ".join(f"{k}: {was} there, {now} here" for k, (was, now) in differ.items())
        raise ValueError(
            f"sample.generator: the generator at {uri!r} was trained in run {run_id} on other "
            f"data ({listed}). Another split could put its training images in this run's test "
            "set, and another imbalance lets it see rare images this run's strategies never "
            "get. Run with the same ingest, imbalance and seed, or with sample.generator: null "
            "to train the GAN on this run's data."
        )
