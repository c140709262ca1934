"""docs/configuration.md, generated from the parameter models, conf/base and the registry.

    .venv/bin/python docs/generate_configuration.py > docs/configuration.md

Parameter blocks are found where Kedro finds them: every ``params:<name>`` input of every
pipeline's nodes, typed by the node function's hint (a pydantic model of
``synthbalance.config``, or a plain type). Each model is walked field by field: dotted path,
type, default, constraints (with the validator's check, ``json_schema_extra["checks"]``) and
meaning, the field's ``description``: the model is the one home of a parameter, and a field
without a description is an error. The strategies' table is ``synthbalance.strategies``'
registry. An environment variable, a global or an mlflow.yml key without its text here is an
error too, so the page stays complete. tests/test_docs.py checks that docs/configuration.md
equals this output.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import re
import sys
import typing
import warnings
from pathlib import Path
from typing import Any

import yaml
from kedro.config import OmegaConfigLoader

import synthbalance
from synthbalance.config import PLAIN
from synthbalance.strategies import REGISTRY

sys.path.insert(0, str(Path(__file__).parent))  # its two modules, beside it

STAGES = ["ingest", "imbalance", "gan", "sample", "strategies", "evaluate", "quality", "report"]
PACKAGE = Path(synthbalance.__file__).parent
_MISSING = object()

from configuration_texts import (  # noqa: E402 -- beside this script
    BUILD_EFFECTS,
    BUILD_INTRO,
    ENVIRONMENT,
    ENVIRONMENT_INTRO,
    GLOBALS_USES,
    INTRO,
    MLFLOW_INTRO,
    MLFLOW_KEYS,
    MLFLOW_SERVER,
    OTHER_ENVIRONMENT,
    SECTION_NOTES,
)
from model_tables import (  # noqa: E402 -- beside this script
    HEADER,
    docstring_text,
    is_model,
    table_row,
    type_text,
    value_text,
    walk,
)

# ---- parameter blocks, found in the pipelines ---------------------------------------------


def parameter_blocks() -> dict[str, tuple[Any, str, list[str]]]:
    """{block: (its type, the pipeline package that reads it first, the node functions that
    read it)}, in the order of the stages."""
    import synthbalance.pipelines as pipelines

    names = [m.name for m in pkgutil.iter_modules(pipelines.__path__)]
    blocks: dict[str, tuple[Any, str, list[str]]] = {}
    for package in [*(s for s in STAGES if s in names), *sorted(set(names) - set(STAGES))]:
        module = importlib.import_module(f"synthbalance.pipelines.{package}")
        with warnings.catch_warnings():  # strategy.<name>.*: namespaces, as settings.py says
            warnings.filterwarnings("ignore", message="One or more dataset names contain")
            nodes = module.create_pipeline().nodes
        for node in nodes:
            func = inspect.unwrap(node.func)
            hints = typing.get_type_hints(func)
            for argument, dataset in _arguments(node, func).items():
                if dataset.startswith("params:"):
                    name = dataset.removeprefix("params:")
                    _, _, readers = blocks.setdefault(name, (hints.get(argument), package, []))
                    if func.__name__ not in readers:
                        readers.append(func.__name__)
    return blocks


def _arguments(node, func) -> dict[str, str]:
    """{function argument: dataset} of a node, whose inputs are a list or a dict."""
    if isinstance(node._inputs, dict):
        return dict(node._inputs)
    return dict(zip(inspect.signature(func).parameters, node.inputs, strict=False))


def block_files(conf: Path) -> dict[str, str]:
    """{block: the conf/base file that sets it}."""
    files = {}
    for path in sorted((conf / "base").glob("parameters*.yml")):
        files |= dict.fromkeys(yaml.safe_load(path.read_text()) or {}, path.name)
    return files


def base_parameters(conf: Path = Path("conf")) -> dict:
    """conf/base's parameters as Kedro resolves them (interpolation included)."""
    return OmegaConfigLoader(str(conf), base_env="base", default_run_env="base")["parameters"]


# ---- the page -----------------------------------------------------------------------------


def _section(
    name: str, kind: Any, package: str, readers: list[str], files: dict, base: dict
) -> str:
    file = files.get(name)
    where = f"`conf/base/{file}`" if file else "not set in conf/base"
    read_by = ", ".join(f"`{r}`" for r in readers)
    lines = [f"## `{name}`", ""]
    if not is_model(kind):
        value = base.get(name, _MISSING)
        default = "required" if value is _MISSING else f"`{value_text(value)}` (conf/base)"
        row = table_row(f"`{name}`", type_text(kind), default, "", PLAIN[name].rstrip(".") + ".")
        lines += [f"Set in {where}; read by {read_by}.", "", *HEADER, row]
        return "\n".join(lines)
    instance = kind() if not any(f.is_required() for f in kind.model_fields.values()) else None
    rows, tables = walk(kind, name, instance)
    lines.append(
        f"{docstring_text(kind)} Model `{kind.__module__}.{kind.__name__}`, set in {where}, "
        f"read by {read_by}; the stage: [docs/index.md, {package}](index.md#{package})."
    )
    if name in SECTION_NOTES:
        lines += ["", SECTION_NOTES[name]]
    if name == "strategies":
        lines += ["", strategies_table()]
    lines += ["", *HEADER, *rows]
    for title, doc, sub in tables:
        lines += ["", f"### {title}", "", doc, "", *HEADER, *sub]
    return "\n".join(lines)


def strategies_table() -> str:
    """The strategy registry: each strategy's family, loss and inputs."""
    rows = ["| strategy | family | loss | builder | reads |", "|---|---|---|---|---|"]
    for name, strategy in REGISTRY.items():
        family = strategy.family.replace("_", " ")
        if strategy.family == "generative" and not strategy.in_verdict:
            family += " (ablation: not in the verdict)"
        loss = (
            f"`{strategy.adjusts}`'s networks, τ at prediction"
            if strategy.adjusts
            else strategy.loss.replace("_", " ")
        )
        reads = ", ".join(f"`{n}`" for n in strategy.needs)
        rows.append(table_row(f"`{name}`", family, loss, f"`{strategy.build.__name__}`", reads))
    intro = (
        "The strategies `run` may list: `synthbalance.strategies.REGISTRY`, in its order. "
        "The verdict sets each generative strategy against the best of the baseline and "
        "simple ones."
    )
    return intro + "\n\n" + "\n".join(rows)


def _sources_matching(pattern: str) -> dict[str, set]:
    """{first group of ``pattern``: the package files it is found in} over synthbalance."""
    found: dict[str, set] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in re.findall(pattern, path.read_text()):
            found.setdefault(match, set()).add(path.relative_to(PACKAGE.parent).as_posix())
    return found


def build_parameters_section() -> str:
    from synthbalance.framework import context  # imports Kedro's project settings, which log

    rows = ["| parameter | read by | effect |", "|---|---|---|"]
    for key, (function, effect) in BUILD_EFFECTS.items():
        if not callable(getattr(context, function, None)):
            raise KeyError(
                f"synthbalance.framework.context has no {function}, which BUILD_EFFECTS names"
            )
        rows.append(
            table_row(f"`{key}`", f"`synthbalance/framework/context.py:{function}`", effect)
        )
    return BUILD_INTRO.strip() + "\n\n" + "\n".join(rows)


def globals_section(conf: Path) -> str:
    envs = {
        p.parent.name: yaml.safe_load(p.read_text()) or {}
        for p in sorted(conf.glob("*/globals.yml"))
    }
    envs = {"base": envs.pop("base", {}), **envs}
    keys = sorted({k for values in envs.values() for k in values})
    rows = [
        "| key | " + " | ".join(f"conf/{e}" for e in envs) + " | used for |",
        "|---|" + "---|" * len(envs) + "---|",
    ]
    for key in keys:
        if key not in GLOBALS_USES:
            raise KeyError(f"global {key} has no entry in GLOBALS_USES")
        cells = [f"`{value_text(v[key])}`" if key in v else "—" for v in envs.values()]
        rows.append(table_row(f"`{key}`", *cells, GLOBALS_USES[key]))
    intro = (
        "## Globals\n\n`conf/<env>/globals.yml`, used in the other files as "
        "`${globals:<key>}`. `ingest.folder`'s default (`data/01_raw/<source>`) does not "
        "follow `data`."
    )
    return intro + "\n\n" + "\n".join(rows)


def _flatten(values: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def mlflow_section(conf: Path) -> str:
    flat = _flatten(yaml.safe_load((conf / "base" / "mlflow.yml").read_text()) or {})
    rows = ["| key | conf/base | meaning |", "|---|---|---|"]
    for key, value in flat.items():
        if key not in MLFLOW_KEYS:
            raise KeyError(f"mlflow.yml key {key} has no entry in MLFLOW_KEYS")
        rows.append(table_row(f"`{key}`", f"`{value_text(value)}`", MLFLOW_KEYS[key] + "."))
    return "\n\n".join([MLFLOW_INTRO.strip(), "\n".join(rows), MLFLOW_SERVER.strip()])


def environment_variables() -> list[str]:
    """Every environment variable synthbalance's code reads, by name."""
    pattern = r"""(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Z0-9_]+)["']"""
    return sorted(_sources_matching(pattern))


def environment_section() -> str:
    unknown = [n for n in environment_variables() if n not in ENVIRONMENT]
    if unknown:
        raise KeyError(f"environment variables {unknown} are read but not in ENVIRONMENT")
    rows = ["| variable | meaning |", "|---|---|"]
    rows += [table_row(f"`{n}`", ENVIRONMENT[n] + ".") for n in environment_variables()]
    other = ["| variable | meaning |", "|---|---|"]
    other += [table_row(f"`{n}`", text + ".") for n, text in OTHER_ENVIRONMENT.items()]
    return "\n\n".join(
        [
            ENVIRONMENT_INTRO.strip(),
            "\n".join(rows),
            "Read by Kedro or the tests:",
            "\n".join(other),
        ]
    )


def render(conf: Path = Path("conf")) -> str:
    """The whole of docs/configuration.md."""
    files, base = block_files(conf), base_parameters(conf)
    found = parameter_blocks()
    for name in [
        n for n in PLAIN if n not in found
    ]:  # read only by synthbalance/framework/context.py
        found[name] = (type(base[name]), "balance", [f"synthbalance.framework.context.{name}"])
    blocks = sorted(found.items(), key=lambda item: is_model(item[1][0]))
    sections = [_section(name, *block, files, base) for name, block in blocks]
    parts = [
        INTRO,
        *sections,
        build_parameters_section(),
        globals_section(conf),
        mlflow_section(conf),
        environment_section(),
    ]
    return "\n\n".join(part.strip() for part in parts) + "\n"


def main() -> None:
    with contextlib.redirect_stdout(sys.stderr):  # Kedro's rich logging writes to stdout
        page = render()
    sys.stdout.write(page)


if __name__ == "__main__":
    main()
