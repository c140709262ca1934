"""The classifier's pyfunc "from code": MLflow keeps this file with the model and runs it to
load the model, so that nothing is unpickled (synthbalance.tracking.classifier_model)."""

import mlflow

from synthbalance.tracking.classifier_model import ClassifierModel

mlflow.models.set_model(ClassifierModel())
