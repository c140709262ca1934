"""The generator's pyfunc "from code": MLflow keeps this file with the model and runs it to
load the model, so that nothing is unpickled (synthbalance.tracking.serving)."""

import mlflow

from synthbalance.tracking.serving import GeneratorModel

mlflow.models.set_model(GeneratorModel())
