"""The generator's pyfunc "from code": MLflow keeps this file with the model and runs it to
load the model, so that nothing is unpickled (synthbalance.serving)."""

import mlflow

from synthbalance.serving import GeneratorModel

mlflow.models.set_model(GeneratorModel())
