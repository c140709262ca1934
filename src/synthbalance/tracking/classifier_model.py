"""A child run's classifier as an MLflow pyfunc model: the class of each image.

Input: a uint8 tensor (N, C, H, W), pixels 0 to 255 as in the data's ``ImageSet`` (MNIST:
N x 1 x 28 x 28). Output, a row per image: ``label``, ``class`` (its name) and
``probabilities`` (the softmax over every class, in label order; ``threshold``'s offsets
applied). One replicate's network, logged "from code" (``classifier_code.py``) with its
weights (``classifier.pt``, read back with ``torch.load(weights_only=True)``), so nothing is
unpickled::

    model = mlflow.pyfunc.load_model(f"runs:/{child_run_id}/classifier")
    model.predict(test_set.images[:8])
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import torch
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.types import ColSpec, Schema, TensorSpec
from mlflow.types.schema import Array

from synthbalance.models.classifier import Classifier
from synthbalance.tracking.serving import log_pyfunc, read_network
from synthbalance.training.classifier import probabilities

CODE = Path(__file__).with_name("classifier_code.py")
OUTPUTS = Schema(
    [
        ColSpec("long", "label"),
        ColSpec("string", "class"),
        ColSpec(Array("double"), "probabilities"),
    ]
)


def one_replicate(classifier: Classifier, replicate: int) -> Classifier:
    """The network of ``replicate`` alone (with its offsets, if any), as a Classifier."""
    config = {**classifier.config, "replicates": [replicate]}
    if "offsets" in config:
        config["offsets"] = {str(replicate): config["offsets"][str(replicate)]}
    own = f"nets.{replicate}."
    with torch.random.fork_rng(devices=[]):  # its initial weights are replaced
        single = Classifier(**config)
    single.load_state_dict({k: v for k, v in classifier.state_dict().items() if k.startswith(own)})
    return single.eval()


def classify(classifier: Classifier, images: np.ndarray) -> pd.DataFrame:
    """The table the module's docstring describes, for uint8 ``images`` (N, C, H, W)."""
    shape = (
        classifier.config["channels"],
        classifier.config["image_size"],
        classifier.config["image_size"],
    )
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1:] != shape:
        raise MlflowException(
            f"the input must be images of shape (N, {', '.join(map(str, shape))})"
            f", uint8 0 to 255; got shape {images.shape}",
            error_code=INVALID_PARAMETER_VALUE,
        )
    replicate = classifier.replicates[0]
    shares = probabilities(classifier, replicate, images.astype(np.uint8))
    labels = shares.argmax(1)
    return pd.DataFrame(
        {
            "label": labels,
            "class": [classifier.class_names[k] for k in labels],
            "probabilities": list(shares.astype(np.float64)),
        }
    )


class ClassifierModel(mlflow.pyfunc.PythonModel):
    """The pyfunc: the network read from its artifact, ``classify`` as ``predict``."""

    def load_context(self, context) -> None:
        self.classifier = read_network(context.artifacts["classifier"], Classifier)

    def predict(self, context, model_input: np.ndarray, params: dict | None = None):
        return classify(self.classifier, model_input)


def log_classifier(classifier: Classifier, replicate: int, name: str = "classifier") -> Any:
    """Log replicate ``replicate``'s network of ``classifier`` into the active run as the
    pyfunc model ``name``; its ModelInfo."""
    single = one_replicate(classifier, replicate)
    c, size = single.config["channels"], single.config["image_size"]
    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.uint8), (-1, c, size, size))]), outputs=OUTPUTS
    )
    with tempfile.TemporaryDirectory() as folder:
        weights = Path(folder) / "classifier.pt"
        torch.save({"config": single.config, "state_dict": single.state_dict()}, weights)
        return log_pyfunc(name, CODE, {"classifier": str(weights)}, signature)
