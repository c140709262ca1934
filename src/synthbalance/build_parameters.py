"""Parameters that shape a pipeline, read when the pipeline is built.

Kedro builds pipelines before it loads a run's configuration, so a parameter that decides
which nodes exist (which strategies; whether quality runs in balance) is read here, from the
parameter files as plain YAML: conf/base, then conf/local or the environment named in
KEDRO_ENV. ``--params`` cannot change these; everything else stays an ordinary parameter.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from kedro.framework.project import settings


def build_parameter(section: str, key: str, default: Any) -> Any:
    """``<section>.<key>`` from the parameter files, or ``default``."""
    value = default
    conf = Path(settings.CONF_SOURCE)
    for env in ("base", os.environ.get("KEDRO_ENV", "local")):
        for path in sorted((conf / env).glob("parameters*.yml")):
            block = (yaml.safe_load(path.read_text()) or {}).get(section) or {}
            value = block.get(key, value)
    return value
