import numpy as np
import pytest
import torch

from synthbalance.config import ClassifierParams
from synthbalance.training import engine as engines
from synthbalance.training.classifier import train_classifier
from synthbalance.training.engine import Engine, resolve_device, resolve_precision
from tests.conftest import separable

CPU = torch.device("cpu")


def test_auto_is_bf16_exactly_where_the_cpu_multiplies_bf16(monkeypatch):
    monkeypatch.setattr(engines, "cpu_has_bf16", lambda: True)
    assert resolve_precision("auto", CPU) == "bf16"
    monkeypatch.setattr(engines, "cpu_has_bf16", lambda: False)
    assert resolve_precision("auto", CPU) == "fp32"
    assert resolve_precision("bf16", CPU) == "bf16"  # asked for: allowed, emulated
    assert resolve_precision("fp32", torch.device("cuda")) == "fp32"
    assert resolve_precision("auto", torch.device("cuda")) == "bf16"


def test_bad_choices_are_clear_errors(monkeypatch):
    with pytest.raises(ValueError, match="precision must be 'auto', 'fp32' or 'bf16'"):
        resolve_precision("fp16", CPU)
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA device is available"):
        resolve_device("cuda")
    assert resolve_device("auto") == CPU


def test_bf16_autocast_computes_products_in_bf16_and_fp32_does_not():
    x, w = torch.randn(4, 8), torch.randn(8, 3)
    with Engine(CPU, "bf16").autocast():
        assert (x @ w).dtype == torch.bfloat16
    with Engine(CPU, "fp32").autocast():
        assert (x @ w).dtype == torch.float32
    assert "bf16" in Engine(CPU, "bf16").describe()
    assert Engine(CPU, "fp32").describe() == "cpu, fp32"


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_a_classifier_learns_in_either_precision_and_keeps_fp32_weights(precision):
    params = ClassifierParams(
        width=8,
        steps=60,
        batch_size=32,
        eval_every=30,
        lr=1e-2,
        schedule="cosine",
        keep="last",
        precision=precision,
    )
    classifier, history = train_classifier(
        separable([80, 40]), separable([30, 15], seed=1), params, seed=0
    )
    assert all(p.dtype == torch.float32 and p.device == CPU for p in classifier.parameters())
    assert history["step"].tolist() == [30, 60]
    assert history["val_balanced_accuracy"].iloc[-1] > 0.9
    assert np.isfinite(history["train_loss"]).all()


def test_keep_last_keeps_the_last_weights_not_the_best():
    params = ClassifierParams(
        width=4, steps=40, batch_size=16, eval_every=10, keep="last", precision="fp32"
    )
    last, _ = train_classifier(separable([60, 20]), separable([20, 6], seed=1), params, seed=3)
    longer, _ = train_classifier(
        separable([60, 20]),
        separable([20, 6], seed=1),
        params.model_copy(update={"eval_every": 40}),
        seed=3,
    )
    # validation points pick nothing: scoring more often leaves the weights as they were
    for key, value in last.state_dict().items():
        assert torch.equal(value, longer.state_dict()[key])
