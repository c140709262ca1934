"""The parameters that shape the DAG: which strategies, how many replicates (and whether each
draws its own imbalance), whether quality runs in balance, whether the replicates train
their GANs or sample a registered generator.

Kedro builds the pipelines while a run starts, after it has made the run's context, so they
are read through that context's own config loader: the environment of ``--env`` or
``KEDRO_ENV``, the same file patterns, interpolation and per-block merge as every other
parameter, and ``--params``. ``ProjectContext`` (``settings.CONTEXT_CLASS``) hands its loader
here as it is made. Without a context (a pipeline built in a test or a script), a loader for
``conf/`` under the current folder and ``KEDRO_ENV`` is made as Kedro would make it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from attrs import define
from kedro.config import AbstractConfigLoader, MissingConfigException
from kedro.framework.context import KedroContext
from kedro.framework.project import settings

from synthbalance.config import QualityParams, SampleParams, StrategiesParams

_loader: AbstractConfigLoader | None = None
# The parameters of the loader that shapes the DAG, read once per loader: building the DAG
# asks for them about twenty times, and each read parses every parameters file again (2-3 s
# of a session on a 2-core EPYC). Kept with the loader they came from, so that another
# loader (the next context's, or one a sweep sets for each point) is read afresh.
_read: tuple[AbstractConfigLoader, dict[str, Any]] | None = None


@define(slots=False)
class ProjectContext(KedroContext):
    """Kedro's context, which also makes its config loader the one the DAG is shaped by."""

    def __attrs_post_init__(self) -> None:
        global _loader  # one run, one context: the loader of the run being built
        _loader = self.config_loader


def _parameters() -> dict[str, Any]:
    """The parameters of the context being built (read once), else those of ``conf/`` here
    (read again each time: a script or test may change the files between two pipelines)."""
    global _read
    # `is None`, not `or`: a config loader is a mapping, and an empty one is falsy
    if _loader is None:
        return _read_parameters(_default_loader())
    if _read is None or _read[0] is not _loader:
        _read = (_loader, _read_parameters(_loader))
    return dict(_read[1])


def _read_parameters(loader: AbstractConfigLoader) -> dict[str, Any]:
    try:
        return dict(loader["parameters"])
    except MissingConfigException:
        return {}


def _default_loader() -> AbstractConfigLoader:
    """Kedro's loader for ``conf/`` here and ``KEDRO_ENV``; conf/base alone when that is unset
    and the default environment's folder does not exist (a project without conf/local)."""
    conf = Path.cwd() / settings.CONF_SOURCE
    arguments = {"base_env": "base", "default_run_env": "local", **settings.CONFIG_LOADER_ARGS}
    env = os.environ.get("KEDRO_ENV")
    if env is None and not (conf / arguments["default_run_env"]).is_dir():
        env = arguments["base_env"]
    return settings.CONFIG_LOADER_CLASS(conf_source=str(conf), **{**arguments, "env": env})


def strategies_to_run() -> list[str]:
    """``strategies.run``: one namespace per name, in this order."""
    return StrategiesParams(**(_parameters().get("strategies") or {})).run


def quality_in_balance() -> bool:
    """``quality.in_balance``: whether balance holds the quality pipeline."""
    return QualityParams(**(_parameters().get("quality") or {})).in_balance


def registered_generator() -> str | None:
    """``sample.generator``: the registered generator every replicate samples, or None when
    each replicate trains its own GAN."""
    uri = SampleParams(**(_parameters().get("sample") or {})).generator
    if uri is not None and redraw_imbalance():
        raise ValueError(
            f"sample.generator ({uri}) needs redraw_imbalance: false: a registered generator "
            "was trained on one imbalanced draw, and each replicate would draw another"
        )
    return uri


def replicates() -> int:
    """``replicates``: one ``replicate_<r>`` namespace each, r from 0."""
    value = _parameters().get("replicates", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"replicates must be a whole number of at least 1 (3 gives the verdict an interval "
            f"over the training's randomness), got {value!r}"
        )
    return value


def redraw_imbalance() -> bool:
    """``redraw_imbalance``: whether each replicate draws its own imbalanced set."""
    value = _parameters().get("redraw_imbalance", False)
    if not isinstance(value, bool):
        raise ValueError(f"redraw_imbalance must be true or false, got {value!r}")
    return value


def replicate(r: int) -> str:
    """The namespace of replicate ``r``."""
    return f"replicate_{r}"


def drawn(name: str) -> str:
    """The dataset ``name`` of the imbalance's draw (``train_imbalanced``, ``validation``,
    ``imbalance_summary``) that a stage after the replicates reads: the one shared, or
    replicate 0's when each replicate draws its own."""
    return f"{replicate(0)}.{name}" if redraw_imbalance() else name
