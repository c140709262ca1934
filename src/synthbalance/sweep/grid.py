"""A sweep's grid: ``--grid "key=v1,v2"`` options, their product, each point checked.

Values are read as ``kedro run --params`` reads them (OmegaConf's dot-list: ``0.05`` is a
float, ``true`` a bool, ``dcgan`` a string), so a point run with ``--params`` gets the types
its check saw. Every point is checked against the environment's parameters and the
parameter models before any point runs: a key the environment does not have, or a value its
model rejects, stops the sweep with a message that names it.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import re
from dataclasses import dataclass
from typing import Any

from omegaconf import OmegaConf
from pydantic import ValidationError

from synthbalance import config


class GridError(ValueError):
    """A sweep that cannot start, said in words: a ``--grid`` option that cannot be swept, or
    settings of the environment the sweep needs (its MLflow login)."""


@dataclass(frozen=True)
class Point:
    """One combination of the grid's values: ``{dotted key: value}``, in the grid's order."""

    values: tuple[tuple[str, Any], ...]

    @property
    def name(self) -> str:
        """Its folder's and MLflow run's name: ``keep_fraction=0.01`` (the last part of each
        key, or the whole key where two keys end alike), ``+`` between keys."""
        keys = [key for key, _ in self.values]
        leaves = [key.rsplit(".", 1)[-1] for key in keys]
        short = len(set(leaves)) == len(leaves)
        return "+".join(
            f"{leaf if short else key}={text(value)}"
            for key, leaf, (_, value) in zip(keys, leaves, self.values, strict=True)
        )

    @property
    def params(self) -> str:
        """The point's values as ``kedro run --params`` takes them."""
        return ",".join(f"{key}={text(value)}" for key, value in self.values)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)


def text(value: Any) -> str:
    """A value as ``--params`` writes it: ``null``, ``true``, ``0.05``."""
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else str(value)


def parse(options: list[str]) -> dict[str, list[Any]]:
    """``["a.b=1,2", "c=x"]`` -> ``{"a.b": [1, 2], "c": ["x"]}``."""
    if not options:
        raise GridError('a sweep needs at least one --grid "key=value1,value2,..."')
    grid: dict[str, list[Any]] = {}
    for option in options:
        key, equals, values = option.partition("=")
        key = key.strip()
        if not equals or not key:
            raise GridError(
                f'--grid "{option}": write it as "key=value1,value2,...", e.g. '
                f'"imbalance.profile.keep_fraction=0.01,0.05"'
            )
        if key in grid:
            raise GridError(f"--grid {key} is given twice; give its values in one option")
        items = [item.strip() for item in values.split(",")]
        if not any(items) or not all(items):
            raise GridError(
                f'--grid "{option}": {key} needs a list of values separated by '
                f"commas, with none empty, e.g. {key}=0.01,0.05"
            )
        parsed = [_value(key, item) for item in items]
        if len({repr(v) for v in parsed}) < len(parsed):
            raise GridError(f"--grid {key} lists a value twice: {items}")
        grid[key] = parsed
    return grid


SAFE = re.compile(r"^[A-Za-z0-9._+-]*$")  # a value's text in a folder's and a run's name


def _value(key: str, item: str) -> Any:
    """``item`` as ``kedro run --params`` reads it; a scalar whose text reads back the same."""
    try:
        value = OmegaConf.to_container(OmegaConf.from_dotlist([f"v={item}"]))["v"]
    except Exception as error:  # OmegaConf's YAML errors
        raise GridError(f"--grid {key}: {item!r} is not a value: {error}") from error
    if isinstance(value, (list, dict)):
        raise GridError(
            f"--grid {key}: {item!r} is a list or a mapping; a sweep's values are "
            f"single numbers, words or true/false (set lists in an environment)"
        )
    again = OmegaConf.to_container(OmegaConf.from_dotlist([f"v={text(value)}"]))["v"]
    if again != value or type(again) is not type(value) or not SAFE.match(text(value)):
        raise GridError(
            f"--grid {key}: {item!r} would not reach the run as it is checked here; "
            f"use letters, digits, '.', '_', '+' and '-'"
        )
    return value


def points(grid: dict[str, list[Any]]) -> list[Point]:
    """The grid's product, the first key varying slowest."""
    keys = list(grid)
    return [
        Point(tuple(zip(keys, combination, strict=True)))
        for combination in itertools.product(*grid.values())
    ]


def check(grid: dict[str, list[Any]], parameters: dict[str, Any]) -> None:
    """Raise ``GridError`` unless every key is one of the environment's ``parameters`` and
    every point's parameters pass their models."""
    known = sorted(_paths(parameters))
    for key in grid:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
            hint = (
                f"; did you mean {', '.join(close)}?"
                if close
                else (
                    "; it must be a parameter of the environment, written as a dotted path "
                    "(docs/configuration.md lists them)"
                )
            )
            raise GridError(f"--grid {key}: the environment has no parameter {key}{hint}")
    for point in points(grid):
        problem = _rejected(with_values(parameters, point))
        if problem:
            raise GridError(
                f"--grid: the point {point.name} is not a valid configuration: {problem}"
            )


def with_values(parameters: dict[str, Any], point: Point) -> dict[str, Any]:
    """A copy of ``parameters`` with the point's values set at their dotted keys."""
    merged = copy.deepcopy(parameters)
    for key, value in point.values:
        *path, leaf = key.split(".")
        here = merged
        for part in path:
            here = here[part]
        here[leaf] = value
    return merged


def _paths(tree: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        found.append(path)
        if isinstance(value, dict):
            found += _paths(value, f"{path}.")
    return found


def _keys(tree: Any, location: tuple) -> list[str]:
    """The parts of a pydantic error's location that are keys of ``tree`` (not the union
    member or constraint names pydantic puts between them)."""
    keys = []
    for part in location:
        in_dict = isinstance(tree, dict) and part in tree
        in_list = isinstance(tree, list) and isinstance(part, int) and part < len(tree)
        if in_dict or in_list:
            keys.append(str(part))
            tree = tree[part]
    return keys


def _rejected(parameters: dict[str, Any]) -> str | None:
    """What the models say is wrong with ``parameters``, or None."""
    for block, model in config.BLOCKS.items():
        if block in parameters:
            try:
                model.model_validate(parameters[block])
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join([block, *_keys(parameters[block], first["loc"])])
                return f"{where}: {first['msg']} (got {first.get('input')!r})"
    for key in ("seed", "replicates"):
        value = parameters.get(key)
        if key in parameters and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or (key == "replicates" and value < 1)
        ):
            return (
                f"{key} must be a whole number{' of at least 1' * (key == 'replicates')}, "
                f"got {value!r}"
            )
    if not isinstance(parameters.get("redraw_imbalance", False), bool):
        return f"redraw_imbalance must be true or false, got {parameters['redraw_imbalance']!r}"
    return None
