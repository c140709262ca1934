"""Parameters as MLflow holds them once kedro-mlflow has logged them."""

from synthbalance.config import ImbalanceParams
from synthbalance.tracking.store import logged_parameters


def test_models_and_nested_blocks_become_dotted_keys_with_text_values():
    imbalance = ImbalanceParams(
        profile={"kind": "one_vs_rest", "positive_class": 5, "keep_fraction": 0.05}
    )
    gan = {"steps": 10, "aids": {"ada": True}, "empty": {}}
    logged = logged_parameters({"imbalance": imbalance, "seed": 42, "gan": gan})
    assert logged["imbalance.profile.keep_fraction"] == "0.05"
    assert logged["imbalance.profile.positive_class"] == "5"
    assert logged["seed"] == "42"
    assert logged["gan.steps"] == "10" and logged["gan.aids.ada"] == "True"
    assert not any(key.startswith("gan.empty") for key in logged)  # an empty block: no key
    assert all(isinstance(value, str) for value in logged.values())
