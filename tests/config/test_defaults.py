"""One home per parameter: each model's defaults are conf/base's values, so an environment
that replaces a block gets the same values for the keys it leaves out."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.config import OmegaConfigLoader
from pydantic import BaseModel

from synthbalance import config

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = config.BLOCKS


@pytest.fixture(scope="module")
def base() -> dict:
    """conf/base's parameters, resolved as Kedro resolves them for a run in conf/base."""
    loader = OmegaConfigLoader(str(ROOT / "conf"), base_env="base", default_run_env="base")
    return loader["parameters"]


def differences(model: BaseModel, values: dict, path: str) -> list[str]:
    """The dotted paths where ``values`` (conf/base) and ``model``'s defaults differ, and
    every key of the model that conf/base leaves out."""
    found, given = [], type(model).model_validate(values)
    for name in type(model).model_fields:
        here, default = f"{path}.{name}", getattr(model, name)
        if name not in values:
            found.append(f"{here}: not in conf/base")
        elif isinstance(default, BaseModel) and isinstance(values[name], dict):
            found += differences(default, values[name], here)
        elif isinstance(default, BaseModel):
            found.append(f"{here}: conf/base {values[name]!r}, model a block")
        elif default != getattr(given, name):
            found.append(f"{here}: conf/base {values[name]!r}, model {default!r}")
    return found


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_every_model_default_is_conf_base_s_value(base, block):
    assert differences(BLOCKS[block](), base[block], block) == []


def test_a_changed_default_is_caught(base):
    changed = {**base["gan"], "steps": base["gan"]["steps"] + 1}
    assert differences(config.GanParams(), changed, "gan") == [
        f"gan.steps: conf/base {changed['steps']!r}, model {config.GanParams().steps!r}"
    ]


def test_conf_base_holds_no_key_that_no_model_has(base):
    assert set(base) == {*BLOCKS, *config.PLAIN}
    for block, model in BLOCKS.items():
        model.model_validate(base[block])  # extra="forbid": an unknown key is an error
