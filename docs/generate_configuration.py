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
import types
import typing
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types as at
import yaml
from kedro.config import OmegaConfigLoader
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import synthbalance
from synthbalance.config import PLAIN
from synthbalance.strategies import REGISTRY

STAGES = ["ingest", "imbalance", "gan", "sample", "strategies", "evaluate", "quality", "report"]
PACKAGE = Path(synthbalance.__file__).parent
_MISSING = object()

SECTION_NOTES = {
    "imbalance": "Checks that need the data (a class the dataset lacks, more images than "
    "exist, a class or its validation share left empty) run at the start of `make_imbalanced`, "
    "before anything is drawn.",
    "gan": "Which changes resume the last checkpoint and which start training afresh: "
    "[docs/index.md, gan](index.md#gan), *Checkpoints and resume*.",
    "strategies": "What each strategy's training set holds: "
    "[docs/index.md, strategies](index.md#strategies); adding one: "
    "[extending.md](extending.md#add-a-strategy).",
}

# The parameters that shape the DAG: their function in synthbalance/shape.py, and effect.
BUILD_EFFECTS = {
    "strategies.run": ("strategies_to_run", "one `strategy.<name>` namespace per listed name in "
                       "the strategies, evaluate and report pipelines, in this order; an unknown "
                       "name stops the build"),
    "quality.in_balance": ("quality_in_balance", "`false` leaves the quality pipeline out of "
                           "`balance` (the report is then built without the quality tables); "
                           "`kedro run --pipelines quality` still runs it"),
}  # fmt: skip

GLOBALS_USES = {
    "data": "the folder of every catalog path (`${globals:data}/02_intermediate/…`), of "
    "`gan.checkpoint_dir` and `quality.cache_dir` in conf/base, and of the run lock "
    "`<data>/.kedro-run.lock` (`synthbalance/hooks.py:RunLockHook`); one folder per "
    "environment, so that a smoke run never feeds a real one",
}

MLFLOW_KEYS = {
    "server.mlflow_tracking_uri": "The tracking store. Checked before any node runs "
    "(`synthbalance/tracking.py:check_store`: a SQLite file must take a write lock, a server "
    "must answer HTTP within 20 s, a folder must be writable); a SQLite file is locked while "
    "MLflow creates its tables. `null`: `MLFLOW_TRACKING_URI`, else `mlruns` in the project",
    "server.mlflow_registry_uri": "The model registry; `null`: the tracking store",
    "server.credentials": "A key of credentials.yml that kedro-mlflow exports as environment "
    "variables; `null`: none",
    "tracking.disable_tracking.disable_autologging": "`true`: MLflow's autologging stays off; "
    "everything reaches MLflow through the catalog or the strategy hook",
    "tracking.disable_tracking.pipelines": "Pipelines run without tracking; `[]`: none",
    "tracking.experiment.name": "The experiment of every run; the tests look runs up by it "
    "(`tests/test_concurrent_runs.py`)",
    "tracking.experiment.restore_if_deleted": "A deleted experiment of that name is restored",
    "tracking.run.id": "`null`: a new parent run for each `kedro run`",
    "tracking.run.name": "`null`: the run is named after the pipeline",
    "tracking.run.nested": "`true`: under an MLflow run that is already active (an "
    "orchestrator's), the kedro run's run is nested in it; the store check is then skipped",
    "tracking.params.dict_params.flatten": "`true`: one MLflow param per field, "
    "`imbalance.profile.keep_fraction`; the project's `ProjectMlflowHook` hands "
    "kedro-mlflow the validated models as dicts so that this applies",
    "tracking.params.dict_params.recursive": "`true`: nested blocks are flattened all the way",
    "tracking.params.dict_params.sep": "`.`: the flattened names are the dotted paths of this page",
    "tracking.params.long_params_strategy": "`truncate`: a value longer than MLflow allows is "
    "cut, not an error",
    "ui.port": "Where `kedro mlflow ui` serves the UI",
    "ui.host": "Where `kedro mlflow ui` serves the UI",
}

ENVIRONMENT = {
    "KEDRO_ENV": "Kedro's run environment when `--env` is not given; also the environment "
    "whose files shape a pipeline built outside a `kedro` command (a test, a script: "
    "`synthbalance/shape.py`; unset: `local`)",
    "MLFLOW_TRACKING_URI": "The tracking store when `server.mlflow_tracking_uri` is `null` "
    "(`synthbalance/hooks.py`, as kedro-mlflow does); conf/base sets the URI, so it is not read",
    "LOCAL_RANK": "Set by torchrun in each worker of a `world_size` > 1 training "
    "(`synthbalance/distributed/__main__.py`): which GPU of the machine the worker takes; "
    "never set by hand",
    "OMP_NUM_THREADS": "Threads of each torchrun worker training on a CPU; unset: the cores "
    "divided by `world_size` (`synthbalance/distributed/launch.py`; torchrun would give one)",
}

OTHER_ENVIRONMENT = {
    "KEDRO_DISABLE_TELEMETRY": "Kedro's: `1` keeps its telemetry off (set by the Makefile "
    "and the tests; without a network it would try at every command)",
    "KEDRO_LOGGING_CONFIG": "Kedro's: the logging configuration file (the tests point it at a "
    "plain one, and so does `distributed/launch.py` for its torchrun workers)",
    "SYNTHBALANCE_FAULT_KILLS": "`tests/test_fault_injection.py`: N more random kill points",
}

INTRO = """
# Configuration reference

Generated from the parameter models (`synthbalance/config/`), conf/base and the strategy
registry: `.venv/bin/python docs/generate_configuration.py > docs/configuration.md`, run in the
project folder, rewrites this page; do not edit it by hand. `tests/test_docs.py` fails when the
page differs from what the models, conf/base and the code say today.

Every parameter is named by its dotted path, as `--params` takes it:

```bash
kedro run --pipelines balance --params "imbalance.profile.keep_fraction=0.01,gan.steps=4000"
```

- **Where values come from.** `conf/base/parameters_<block>.yml`, then the run's environment
  (`--env <name>`; by default `conf/local`), then `--params`. An environment's file replaces
  base's *whole block* (Kedro's default merge): a block in `conf/local` or `conf/smoke` that
  lists some keys gives every other key the model's default, which is conf/base's value too
  (`tests/config/test_defaults.py` fails when they differ). `--params` changes single keys.
- **Lists on the command line.** Kedro splits `--params` at commas, so a list of more than one
  item (`classifier.seeds: [0, 1, 2]`, `gan.betas`) cannot be given there: put it in an
  environment's file.
- **Validation.** Each block is a pydantic model that the node's type hint names; Kedro
  validates it before any node runs. A misspelt key, a value of the wrong type or outside its
  constraints stops the run with pydantic's message ([docs/index.md,
  Parameters](index.md#parameters)).
- **Build-time parameters** (`strategies.run`, `quality.in_balance`) decide which nodes exist;
  they are read through the same configuration as every other parameter, when the pipeline is
  built ([below](#build-time-parameters)).
- *default*: the model's default, which conf/base repeats. *constraints*: what validation
  enforces (x is the value).
"""

BUILD_INTRO = """
## Build-time parameters

Two parameters decide which nodes exist. Kedro builds the pipelines as a run starts, after it
has made the run's context, and `synthbalance/shape.py` reads them through that context's own
config loader (`ProjectContext`, Kedro's `CONTEXT_CLASS` in `settings.py`): the same files,
environment, interpolation, per-block merge and `--params` as every other parameter. So
`kedro run --env <name>` and `KEDRO_ENV=<name> kedro run` build the same DAG. A pipeline built
outside a `kedro` command (a test, a script) reads `conf/` of the current folder in the
`KEDRO_ENV` environment (`local` when unset), as Kedro would. Each block is validated by its
model as the pipeline is built, so an unknown strategy stops the build with the list of known
ones.
"""

MLFLOW_INTRO = """
## mlflow.yml

kedro-mlflow's configuration, `conf/base/mlflow.yml` (an environment's `mlflow.yml` replaces
its top-level blocks). The keys it sets and what the project relies on them for:
"""

MLFLOW_SERVER = """
A shared tracking server is a change of one key: start one with MLflow's own command (for
example `mlflow server --backend-store-uri sqlite:///mlflow.db --host 127.0.0.1 --port 5000`,
or a database URI for a team) and set `server: {mlflow_tracking_uri: "http://<host>:5000"}` in
`conf/local/mlflow.yml` or an environment's `mlflow.yml`. The run stops before any node if it
does not answer within 20 s.
"""

ENVIRONMENT_INTRO = """
## Environment variables

Read by synthbalance's own code:
"""

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


# ---- types, constraints and values as text ------------------------------------------------


def constraints_text(metadata: list) -> str:
    flat = []
    for item in metadata:
        flat += item.metadata if isinstance(item, FieldInfo) else [item]
    low = [(f"{m.gt} <", f"x > {m.gt}") for m in flat if isinstance(m, at.Gt)]
    low += [(f"{m.ge} ≤", f"x ≥ {m.ge}") for m in flat if isinstance(m, at.Ge)]
    high = [f"< {m.lt}" for m in flat if isinstance(m, at.Lt)]
    high += [f"≤ {m.le}" for m in flat if isinstance(m, at.Le)]
    if low and high:
        parts = [f"{low[0][0]} x {high[0]}"]
    else:
        parts = [low[0][1]] if low else [f"x {high[0]}"] if high else []
    for m in flat:
        if isinstance(m, at.MinLen):
            parts.append(f"at least {m.min_length} item" + ("s" if m.min_length > 1 else ""))
    return ", ".join(parts)


def type_text(kind: Any) -> str:
    """A type as a writer of YAML would put it."""
    origin, args = get_origin(kind), get_args(kind)
    if kind is type(None):
        return "null"
    if origin is Annotated:
        bounds = constraints_text(list(args[1:]))
        return type_text(args[0]) + (f" ({bounds})" if bounds else "")
    if origin is Literal:
        return ("one of " if len(args) > 1 else "") + ", ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        some = " or ".join(type_text(a) for a in args if a is not type(None))
        return some + (", or null" if type(None) in args else "")
    if origin is list and get_origin(args[0]) is Literal:
        return "list of items from " + ", ".join(f"`{a}`" for a in get_args(args[0]))
    if origin is list:
        element = type_text(args[0])
        return f"list of ({element})" if " or " in element else f"list of {element}"
    if origin is tuple:
        return "pair [" + ", ".join(type_text(a) for a in args) + "]"
    if origin is dict:
        return f"map of ({type_text(args[0])}) to {type_text(args[1])}"
    if _is_model(kind):
        return f"`{kind.__name__}`"
    return getattr(kind, "__name__", str(kind))


def value_text(value: Any) -> str:
    """A value as YAML writes it, on one line."""
    if isinstance(value, tuple):
        value = list(value)
    dumped = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return dumped.removesuffix("...").strip()


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _docstring(obj: Any) -> str:
    first = " ".join((inspect.getdoc(obj) or "").split("\n\n")[0].split())
    return first.replace("``", "`")


# ---- the walk over a model ----------------------------------------------------------------


def _meaning(path: str, field: FieldInfo) -> str:
    """The field's description, as a sentence; a field without one is an error."""
    if not field.description:
        raise KeyError(f"{path} has no description: give its Field one, in synthbalance.config")
    description = re.sub(r"\bNone\b", "`null`", field.description)
    return description[0].upper() + description[1:].rstrip(".") + "."


def _checks(field: FieldInfo) -> str:
    """Its bounds, and what its validator checks beyond them."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return ", ".join(c for c in [constraints_text(field.metadata), extra.get("checks", "")] if c)


def _default(field: FieldInfo, instance: Any, name: str) -> str:
    if instance is not None:
        return f"`{value_text(getattr(instance, name))}`"
    if field.is_required():
        return "required"
    return f"`{value_text(field.get_default(call_default_factory=True))}`"


def _union_tables(field: FieldInfo, here: str) -> list:
    """[(title, text, rows)]: one table per member of a discriminated union."""
    tables = []
    for member in get_args(field.annotation):
        tag = get_args(member.model_fields[field.discriminator].annotation)[0]
        rows, _ = walk(member, here, None)
        tables.append((f"`{here}` with `{field.discriminator}: {tag}`", _docstring(member), rows))
    return tables


def walk(model, path: str, instance: Any):
    """(the rows of ``model``'s table, [(title, text, rows)] of its unions' sub-tables)."""
    rows, tables = [], []
    for name, field in model.model_fields.items():
        here, checks = f"{path}.{name}", _checks(field)
        inner = getattr(instance, name) if instance is not None else None
        if field.discriminator:
            default = f"`{getattr(inner, field.discriminator)}` profile" if inner else "required"
            rows.append(_row(f"`{here}`", f"a profile, chosen by `{field.discriminator}`",
                             default, checks, _meaning(here, field)))  # fmt: skip
            tables += _union_tables(field, here)
        elif _is_model(field.annotation):
            rows.append(_row(f"`{here}`", type_text(field.annotation), "", checks,
                             _meaning(here, field)))  # fmt: skip
            sub_rows, sub_tables = walk(field.annotation, here, inner)
            rows, tables = rows + sub_rows, tables + sub_tables
        else:
            rows.append(_row(f"`{here}`", type_text(field.annotation),
                             _default(field, instance, name), checks, _meaning(here, field)))
    return rows, tables


# ---- the page -----------------------------------------------------------------------------

HEADER = ["| parameter | type | default | constraints | meaning |", "|---|---|---|---|---|"]


def _section(name: str, kind: Any, package: str, readers: list[str], files: dict,
             base: dict) -> str:  # fmt: skip
    file = files.get(name)
    where = f"`conf/base/{file}`" if file else "not set in conf/base"
    read_by = ", ".join(f"`{r}`" for r in readers)
    lines = [f"## `{name}`", ""]
    if not _is_model(kind):
        value = base.get(name, _MISSING)
        default = "required" if value is _MISSING else f"`{value_text(value)}` (conf/base)"
        row = _row(f"`{name}`", type_text(kind), default, "", PLAIN[name].rstrip(".") + ".")
        lines += [f"Set in {where}; read by {read_by}.", "", *HEADER, row]
        return "\n".join(lines)
    instance = kind() if not any(f.is_required() for f in kind.model_fields.values()) else None
    rows, tables = walk(kind, name, instance)
    lines.append(
        f"{_docstring(kind)} Model `{kind.__module__}.{kind.__name__}`, set in {where}, "
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
        loss = "class-weighted" if strategy.weighted_loss else "plain"
        reads = ", ".join(f"`{n}`" for n in strategy.needs)
        rows.append(_row(f"`{name}`", family, loss, f"`{strategy.build.__name__}`", reads))
    intro = ("The strategies `run` may list: `synthbalance.strategies.REGISTRY`, in its order. "
             "The verdict sets each generative strategy against the best of the baseline and "
             "simple ones.")  # fmt: skip
    return intro + "\n\n" + "\n".join(rows)


def _sources_matching(pattern: str) -> dict[str, set]:
    """{first group of ``pattern``: the package files it is found in} over synthbalance."""
    found: dict[str, set] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in re.findall(pattern, path.read_text()):
            found.setdefault(match, set()).add(path.relative_to(PACKAGE.parent).as_posix())
    return found


def build_parameters_section() -> str:
    from synthbalance import shape  # imports Kedro's project settings, which log

    rows = ["| parameter | read by | effect |", "|---|---|---|"]
    for key, (function, effect) in BUILD_EFFECTS.items():
        if not callable(getattr(shape, function, None)):
            raise KeyError(f"synthbalance.shape has no {function}, which BUILD_EFFECTS names")
        rows.append(_row(f"`{key}`", f"`synthbalance/shape.py:{function}`", effect))
    return BUILD_INTRO.strip() + "\n\n" + "\n".join(rows)


def globals_section(conf: Path) -> str:
    envs = {p.parent.name: yaml.safe_load(p.read_text()) or {}
            for p in sorted(conf.glob("*/globals.yml"))}  # fmt: skip
    envs = {"base": envs.pop("base", {}), **envs}
    keys = sorted({k for values in envs.values() for k in values})
    rows = ["| key | " + " | ".join(f"conf/{e}" for e in envs) + " | used for |",
            "|---|" + "---|" * len(envs) + "---|"]  # fmt: skip
    for key in keys:
        if key not in GLOBALS_USES:
            raise KeyError(f"global {key} has no entry in GLOBALS_USES")
        cells = [f"`{value_text(v[key])}`" if key in v else "—" for v in envs.values()]
        rows.append(_row(f"`{key}`", *cells, GLOBALS_USES[key]))
    intro = ("## Globals\n\n`conf/<env>/globals.yml`, used in the other files as "
             "`${globals:<key>}`. `ingest.folder`'s default (`data/01_raw/<source>`) does not "
             "follow `data`.")  # fmt: skip
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
        rows.append(_row(f"`{key}`", f"`{value_text(value)}`", MLFLOW_KEYS[key] + "."))
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
    rows += [_row(f"`{n}`", ENVIRONMENT[n] + ".") for n in environment_variables()]
    other = ["| variable | meaning |", "|---|---|"]
    other += [_row(f"`{n}`", text + ".") for n, text in OTHER_ENVIRONMENT.items()]
    return "\n\n".join([ENVIRONMENT_INTRO.strip(), "\n".join(rows),
                        "Read by Kedro or the tests:", "\n".join(other)])  # fmt: skip


def render(conf: Path = Path("conf")) -> str:
    """The whole of docs/configuration.md."""
    files, base = block_files(conf), base_parameters(conf)
    blocks = sorted(parameter_blocks().items(), key=lambda item: _is_model(item[1][0]))
    sections = [_section(name, *block, files, base) for name, block in blocks]
    parts = [INTRO, *sections, build_parameters_section(), globals_section(conf),
             mlflow_section(conf), environment_section()]  # fmt: skip
    return "\n\n".join(part.strip() for part in parts) + "\n"


def main() -> None:
    with contextlib.redirect_stdout(sys.stderr):  # Kedro's rich logging writes to stdout
        page = render()
    sys.stdout.write(page)


if __name__ == "__main__":
    main()
