"""A null tracking URI: MLflow's own default store (SQLite), never kedro-mlflow's `mlruns` file
store, which MLflow 3.13 and later refuse."""

from types import SimpleNamespace

from kedro_mlflow.config.kedro_mlflow_config import KedroMlflowConfig

from synthbalance.framework.config_loader import ProjectConfigLoader
from synthbalance.tracking import hooks
from synthbalance.tracking.store import DEFAULT_URI, tracking_uri
from tests.conftest import copy_project


def test_a_null_store_is_the_environment_variable_else_sqlite(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri({"mlflow_tracking_uri": None}) == tracking_uri(None) == DEFAULT_URI
    assert DEFAULT_URI == "sqlite:///mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    assert tracking_uri({"mlflow_tracking_uri": None}) == "http://127.0.0.1:5999"
    assert tracking_uri({"mlflow_tracking_uri": "sqlite:///other.db"}) == "sqlite:///other.db"


def test_kedro_mlflow_is_handed_the_filled_in_store(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    project = copy_project(tmp_path)
    (project / "conf/smoke/mlflow.yml").write_text("server:\n  mlflow_tracking_uri: null\n")
    loader = ProjectConfigLoader(
        conf_source=str(project / "conf"), base_env="base", default_run_env="local", env="smoke"
    )
    conf = hooks._mlflow_conf(SimpleNamespace(config_loader=loader))
    assert conf["server"]["mlflow_tracking_uri"] == DEFAULT_URI
    # what the plugin reads next, and it is a valid kedro-mlflow configuration
    read = loader["mlflow"]
    assert read["server"]["mlflow_tracking_uri"] == DEFAULT_URI
    assert read["tracking"]["experiment"]["name"] == "synthbalance"  # conf/base's blocks kept
    KedroMlflowConfig.model_validate(read)
