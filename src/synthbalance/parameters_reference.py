"""The configuration reference, docs/configuration.md, generated from the parameter models.

    python -m synthbalance.parameters_reference > docs/configuration.md

Parameter blocks are found where Kedro finds them: every ``params:<name>`` input of every
pipeline's nodes, typed by the node function's hint (a pydantic model, or a plain type). Each
model is walked field by field: dotted path, type, default (and conf/base's value where it
differs), constraints and meaning. The meaning is the field's entry in ``DESCRIPTIONS`` below,
written where the model gives no ``Field(description=...)`` or only a remark that cannot stand
alone, else the model's description. A field with neither is an error, and so is an environment
variable, a build-time parameter, a global or an mlflow.yml key without its text here, so the
reference stays complete. tests/test_docs.py checks that docs/configuration.md equals this
output.
"""

# ruff: noqa: RUF001 -- the texts are Markdown prose: their multiplication and minus signs are meant
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
from pydantic import BaseModel
from pydantic.fields import FieldInfo

STAGES = ["ingest", "imbalance", "gan", "sample", "strategies", "evaluate", "quality", "report"]
PACKAGE = Path(__file__).parent
_MISSING = object()

# ---- what the models do not say: meanings by dotted path ----------------------------------
# A key ``a.b[kind].c`` is field c of the profile ``kind`` of the union a.b. An entry here wins
# over the model's description (written for fields whose description is only a remark).

DESCRIPTIONS = {
    "seed": "The one seed every random generator of every stage derives from "
    "(`synthbalance.seeding.make_rng(seed, stage)`, one stream per stage): the same seed gives "
    "the same numbers on the same machine",
    "ingest.source": "Which dataset to read; README's table lists the files each source expects",
    "ingest.color": "Colour of the images; `null`: the source's own",
    "ingest.skip_bad_files": "`folder` only: leave out unreadable images, named in a warning, "
    "instead of stopping",
    "ingest.test_fraction": "Share of each class held out for test (rounded up), for sources "
    "without a test split (`digits`, a `folder` without `train/` and `test/`)",
    "imbalance.profile": "How the training data is made imbalanced: one of the profiles in the "
    "tables below, chosen by `kind`",
    "imbalance.validation_fraction": "Share of each class's kept images carved out as the real "
    "validation set, `ceil(fraction × n)`, so even the rarest class is in it",
    "imbalance.profile.kind": "Selects this profile",
    "imbalance.profile[one_vs_rest].positive_class": "The class made rare, by label (`5`) or "
    "name; the task becomes this class against the rest (`not 5`, `5`)",
    "imbalance.profile[one_vs_rest].keep_fraction": "Share of the positive class kept: "
    "`round(keep_fraction × n)` images",
    "imbalance.profile[minority].classes": "The classes made rare, by label or name",
    "imbalance.profile[minority].keep_fraction": "Share of each listed class kept, "
    "`round(f × n)`: one number for all, or a list with one per class",
    "imbalance.profile[step].classes": "The classes cut to `round(largest / ratio)` images; the "
    "others stay whole",
    "imbalance.profile[counts].counts": "Exactly this many images of each listed class (label or "
    "name: count); unlisted classes stay whole",
    "gan.architecture": "`dcgan`: one unconditional GAN per rare class; `conditional`: one GAN "
    "over all classes (class embedding in G, projection discriminator); `auto`: conditional "
    "when the task has more than two classes, dcgan otherwise",
    "gan.classes": "Which classes to generate, by label or name; `null`: the minority classes",
    "gan.minority_threshold": "With `classes: null`, a class is generated when it has fewer "
    "than this × the largest class's images",
    "gan.ema_decay": "Decay of the moving average of the generator's weights; the averaged "
    "weights draw the grids and the samples and are the saved generator; 0: no averaging",
    "gan.z_dim": "Length of the generator's noise vector",
    "gan.generator_width": "Channels of the generator's last hidden layer; the first has twice "
    "as many",
    "gan.discriminator_width": "Channels of the discriminator's first convolution; the second "
    "has twice as many",
    "gan.steps": "Training steps of each GAN (each class's pair, for dcgan)",
    "gan.batch_size": "Real images per step, and as many generated ones; a class with fewer "
    "images trains on all of them each step",
    "gan.lr_generator": "Adam learning rate of the generator",
    "gan.lr_discriminator": "Adam learning rate of the discriminator",
    "gan.betas": "Adam's (β1, β2), both optimisers",
    "gan.loss": "The GAN loss: hinge, or the non-saturating (softplus) loss",
    "gan.augment": "DiffAugment transforms applied to every discriminator input, real and fake: "
    "`color` (RGB images only), `translation`, `cutout`; `[]`: none",
    "gan.spectral_norm": "Spectral normalisation of the discriminator's layers",
    "gan.progress_every": "A fixed-noise EMA grid (and `monitor_images` samples per class) "
    "every this many steps",
    "gan.log_every": "Means of loss_d, loss_g, D(real) and D(fake) over this many steps, "
    "logged as MLflow metric histories `gan.<class>.<metric>`",
    "gan.checkpoint_every": "A checkpoint every this many steps, and at the end",
    "gan.checkpoint_dir": "Folder of the checkpoints, `gan-<fingerprint>.pt`",
    "gan.resume": "Go on from the checkpoint of the same data, seed and parameters; `false`: "
    "always start afresh",
    "gan.device": "`auto`: CUDA when available, else the CPU; `cuda` without a CUDA device is "
    "an error",
    "sample.filter": "`discriminator`: keep a sample only if the GAN's critic scores it at least "
    "as high as the `filter_quantile` of the class's real images; `none`: keep every sample",
    "sample.batch_size": "Images generated per batch",
    "sample.target_ratio": "Top each generated class up to this × the largest class's count",
    "sample.per_class": "Instead of `target_ratio`: exactly this many synthetic images of each "
    "generated class",
    "sample.max_draws": "Draw at most this × the count wanted per class, then say by how much "
    "the set is short",
    "strategies.run": "The strategies to build, train and score, in this order (the order of "
    "the comparison's rows)",
    "strategies.augment": "Classical augmentation of real images (torchvision transforms v2), "
    "used by the `augment` and `gan_augment` strategies",
    "strategies.augment.rotation": "Largest rotation, in degrees, either way",
    "strategies.augment.translate": "Largest shift, as a fraction of the size, either way",
    "strategies.augment.scale": "Range (min, max) of the random scale factor",
    "strategies.augment.horizontal_flip": "Flip half the images left to right; off for digits: "
    "a flipped 5 is no 5",
    "strategies.augment.brightness": "Brightness jitter: a factor drawn from [1 − b, 1 + b]",
    "classifier.architecture": "`cnn`: a small CNN (two convolutions); `mlp`: the seeds' "
    "classifier (two hidden layers on the flattened pixels)",
    "classifier.width": "Channels of the first convolution (cnn; the second has twice as "
    "many), or units of the first hidden layer (mlp)",
    "classifier.steps": "Optimiser steps, the same for every strategy whatever the size of its "
    "training set",
    "classifier.batch_size": "Images per step, drawn at random (with replacement) from the "
    "training set",
    "classifier.lr": "Adam learning rate",
    "classifier.eval_every": "Score the real validation set every this many steps (and at the "
    "last); the weights with the best `select_by` are kept",
    "classifier.select_by": "The validation metric that picks the kept weights",
    "quality.in_balance": "Run the quality pipeline as part of `balance`",
    "quality.extractor": "How the measuring CNN is trained: the fields of `classifier`, used by "
    "the same `train_classifier`, on the full real train split with the dataset's own labels",
    "quality.extractor.eval_every": "Score the extractor's check split (5% of the train split, "
    "stratified) every this many steps; the best weights are kept",
    "quality.extractor.steps": "Optimiser steps of the extractor",
    "quality.extractor.select_by": "The metric on the check split that picks the kept weights",
    "quality.max_images": "Most images per set (synthetic, reference, held-back); drawn at "
    "random beyond this",
    "quality.inception_weights": "A local file of torch-fidelity's Inception v3 weights: adds "
    "`inception_fid` and `inception_score` to quality.csv; `null`: off (nothing is downloaded)",
    "quality.inception_images": "Images per set for the Inception figures (about 9 images/s on "
    "a 2-core CPU)",
    "quality.cache_dir": "Where trained extractors are kept, one file per train split, seed and "
    "synthbalance version; a later run with the same `extractor` settings reuses it",
    "quality.nearest_k": "k of the k-NN manifolds of precision, recall, density and coverage",
    "quality.copy_quantile": "A synthetic image is a near copy when it is closer to a GAN "
    "training image than this quantile of the held-back real images' distances to them",
    "quality.grid_pairs": "How many closest synthetic/training pairs `memorisation_pairs.png` "
    "shows",
}

# Appended to a field's description (its own or the one above).
NOTES = {
    "ingest.folder": "Not under the environment's `data` folder: the same for every environment.",
    "ingest.download": "Applies to `mnist`, `fashion_mnist` and `cifar10`.",
    "ingest.image_size": "`folder` uses 32 when null.",
    "ingest.color": "`folder` uses `rgb` when null.",
    "gan.augment": "Off in conf/base: on MNIST's fives it made the samples worse "
    "([docs/index.md, gan](index.md#gan)).",
    "gan.world_size": "How to use it, what is sharded and what rank 0 does: "
    "[distributed.md](distributed.md).",
    "classifier.world_size": "One torchrun launch per training (all its seeds): "
    "[distributed.md](distributed.md).",
    "gan.checkpoint_dir": "conf/base puts it under `${globals:data}`; an environment that "
    "replaces the `gan` block must set it again or it falls back to the model's `data/…` path.",
    "quality.cache_dir": "conf/base puts it under `${globals:data}`; an environment that "
    "replaces the `quality` block must set it again.",
    "strategies.run": "A build-time parameter: `--params` does not change it "
    "([below](#build-time-parameters)).",
    "quality.in_balance": "A build-time parameter: `--params` does not change it "
    "([below](#build-time-parameters)).",
    "classifier.seeds": "A seed changes only the network's initial weights and batch order; "
    "`[0, 1, 2]` gives a mean, standard deviation and 95% interval (and three times the "
    "evaluate stage's time).",
    "quality.extractor.seeds": "Features come from the first seed's network only.",
}

# What validators check beyond the field's bounds.
CHECKS = {
    "classifier.seeds": "distinct",
    "strategies.run": "each a name in `BUILDERS`",
    "imbalance.profile[minority].keep_fraction": "a list: one per class",
    "gan.classes": "each in the data",
    "imbalance.profile[one_vs_rest].positive_class": "in the data",
    "imbalance.profile[minority].classes": "each in the data, once",
    "imbalance.profile[step].classes": "each in the data, once",
    "imbalance.profile[long_tail].order": "every class once",
    "imbalance.profile[counts].counts": "each ≤ the class's images",
}

# A nested block documented under another's keys.
ALIASES = {"quality.extractor": "classifier"}

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

BUILD_EFFECTS = {
    "strategies.run": "one `strategy.<name>` namespace per listed name in the strategies, "
    "evaluate and report pipelines, in this order; an unknown name stops the build",
    "quality.in_balance": "`false` leaves the quality pipeline out of `balance` (the report "
    "is then built without the quality tables); `kedro run --pipelines quality` still runs it",
}

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
    "KEDRO_ENV": "The environment whose parameter files give the build-time parameters "
    "(`synthbalance/build_parameters.py`; unset: `local`). Kedro also takes it as the run's "
    "environment when `--env` is not given",
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

Generated from the parameter models: `python -m synthbalance.parameters_reference >
docs/configuration.md`, run in the project folder, rewrites this page; do not edit it by hand.
`tests/test_docs.py` fails when the page differs from what the models, conf/base and the code
say today.

Every parameter is named by its dotted path, as `--params` takes it:

```bash
kedro run --pipelines balance --params "imbalance.profile.keep_fraction=0.01,gan.steps=4000"
```

- **Where values come from.** `conf/base/parameters_<block>.yml`, then the run's environment
  (`--env <name>`; by default `conf/local`), then `--params`. An environment's file replaces
  base's *whole block* (Kedro's default merge): a block in `conf/local` or `conf/smoke` that
  lists some keys gives every other key the **model's** default, not conf/base's. The *default*
  column shows both where they differ. `--params` changes single keys.
- **Lists on the command line.** Kedro splits `--params` at commas, so a list of more than one
  item (`classifier.seeds: [0, 1, 2]`, `gan.betas`) cannot be given there: put it in an
  environment's file.
- **Validation.** Each block is a pydantic model that the node's type hint names; Kedro
  validates it before any node runs. A misspelt key, a value of the wrong type or outside its
  constraints stops the run with pydantic's message ([docs/index.md,
  Parameters](index.md#parameters)).
- **Build-time parameters** (`strategies.run`, `quality.in_balance`) decide which nodes exist;
  they are read from the files when the pipeline is built, and `--params` does not change them
  ([below](#build-time-parameters)).
- *default*: the model's default, or, where conf/base sets another value, that value and then
  the model's. *constraints*: what validation enforces (x is the value).
"""

BUILD_INTRO = """
## Build-time parameters

Kedro builds the pipelines before it loads a run's configuration, so a parameter that decides
which nodes exist is read separately, by `synthbalance/build_parameters.py:build_parameter`:

- from the parameter files as plain YAML: every `parameters*.yml` of `conf/base`, then of the
  environment named by the `KEDRO_ENV` variable (`local` when unset). Per key: the last file
  that sets `<block>.<key>` wins, so an environment's block that leaves the key out keeps
  base's value (unlike ordinary parameters). `${...}` is not resolved; the folder is
  `conf/` under the current folder (Kedro's `CONF_SOURCE`), whatever `--conf-source` says.
- `--params` cannot change them: `--params strategies.run=...` is validated like any
  parameter, and has no effect on the pipeline.
- `kedro run --env <name>` does **not** set `KEDRO_ENV`. Build-time parameters in
  `conf/<name>/` are read only when the variable names the environment:
  `KEDRO_ENV=<name> kedro run --pipelines balance` (Kedro then runs in that environment too).
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


def _yaml_files(folder: Path, pattern: str) -> dict:
    values = {}
    for path in sorted(folder.glob(pattern)):
        values |= {k: (v, path.name) for k, v in (yaml.safe_load(path.read_text()) or {}).items()}
    return values


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


def lookup_keys(path: str, kind: str | None = None) -> list[str]:
    """The keys of ``path`` in DESCRIPTIONS, NOTES and CHECKS, most specific first."""
    prefix, _, name = path.rpartition(".")
    keys = [f"{prefix}[{kind}].{name}"] if kind else []
    keys.append(path)
    keys += [target + path[len(alias) :] for alias, target in ALIASES.items()
             if path.startswith(alias + ".")]  # fmt: skip
    return keys


def _meaning(keys: list[str], field: FieldInfo | None) -> str:
    description = next((DESCRIPTIONS[k] for k in keys if k in DESCRIPTIONS), None)
    if not description and field is not None and field.description:
        description = re.sub(r"\bNone\b", "`null`", field.description)
        description = description[0].upper() + description[1:]
    if not description:
        raise KeyError(f"{keys[0]} has no description: give its field one, or add it to "
                       f"DESCRIPTIONS in {Path(__file__).name}")  # fmt: skip
    notes = [NOTES[k] for k in keys if k in NOTES][:1]
    return " ".join([description.rstrip(".") + ".", *notes])


def _default(field: FieldInfo, instance: Any, name: str, base: Any, diffs: list) -> str:
    if instance is not None:
        model = getattr(instance, name)
    else:
        model = _MISSING if field.is_required() else field.get_default(call_default_factory=True)
    shown = "required" if model is _MISSING else f"`{value_text(model)}`"
    if base is _MISSING or (model is not _MISSING and value_text(model) == value_text(base)):
        return shown
    diffs.append(name)
    return f"`{value_text(base)}` in conf/base; model: {shown}"


def walk(model, path: str, instance: Any, base: Any, diffs: list, kind: str | None = None):
    """(the rows of ``model``'s table, [(title, text, rows)] of its unions' sub-tables)."""
    rows, tables = [], []
    base = base if isinstance(base, dict) else {}
    for name, field in model.model_fields.items():
        here = f"{path}.{name}"
        value, keys = base.get(name, _MISSING), lookup_keys(here, kind)
        checks = ", ".join(c for c in [constraints_text(field.metadata),
                                       *(CHECKS.get(k, "") for k in keys[:2])] if c)  # fmt: skip
        inner = getattr(instance, name) if instance is not None else None
        if field.discriminator:
            tag_of = field.discriminator
            default = "required" if inner is None else f"`{getattr(inner, tag_of)}` profile"
            kind_text = f"a profile, chosen by `{tag_of}`"
            rows.append(_row(f"`{here}`", kind_text, default, checks, _meaning(keys, field)))
            for member in get_args(field.annotation):
                tag = get_args(member.model_fields[tag_of].annotation)[0]
                chosen = value if isinstance(value, dict) and value.get(tag_of) == tag else None
                sub, _ = walk(member, here, None, chosen, diffs, tag)
                tables.append((f"`{here}` with `{tag_of}: {tag}`", _docstring(member), sub))
        elif _is_model(field.annotation):
            rows.append(_row(f"`{here}`", type_text(field.annotation), "", checks,
                             _meaning(keys, field)))  # fmt: skip
            sub_rows, sub_tables = walk(field.annotation, here, inner, value, diffs)
            rows, tables = rows + sub_rows, tables + sub_tables
        else:
            default = _default(field, instance, name, value, diffs)
            rows.append(_row(f"`{here}`", type_text(field.annotation), default, checks,
                             _meaning(keys, field)))  # fmt: skip
    return rows, tables


# ---- the page -----------------------------------------------------------------------------

HEADER = ["| parameter | type | default | constraints | meaning |", "|---|---|---|---|---|"]


def _section(name: str, kind: Any, package: str, readers: list[str], base: dict) -> str:
    value, file = base.get(name, (_MISSING, None))
    where = f"`conf/base/{file}`" if file else "not set in conf/base"
    read_by = ", ".join(f"`{r}`" for r in readers)
    lines = [f"## `{name}`", ""]
    if not _is_model(kind):
        default = "required" if value is _MISSING else f"`{value_text(value)}` (conf/base)"
        row = _row(f"`{name}`", type_text(kind), default, "", _meaning([name], None))
        lines += [f"Set in {where}; read by {read_by}.", "", *HEADER, row]
        return "\n".join(lines)
    instance = kind() if not any(f.is_required() for f in kind.model_fields.values()) else None
    diffs: list[str] = []
    rows, tables = walk(kind, name, instance, value, diffs)
    lines.append(
        f"{_docstring(kind)} Model `{kind.__module__}.{kind.__name__}`, set in {where}, "
        f"read by {read_by}; the stage: [docs/index.md, {package}](index.md#{package})."
    )
    if name in SECTION_NOTES:
        lines += ["", SECTION_NOTES[name]]
    if diffs:
        names = ", ".join(f"`{d}`" for d in diffs)
        lines += ["", f"conf/base sets other values than the model for {names}: an environment "
                  f"that replaces the `{name}` block without them gets the model's."]  # fmt: skip
    lines += ["", *HEADER, *rows]
    for title, doc, sub in tables:
        lines += ["", f"### {title}", "", doc, "", *HEADER, *sub]
    return "\n".join(lines)


def _sources_matching(pattern: str) -> dict[str, set]:
    """{first group of ``pattern``: the package files it is found in} over synthbalance."""
    found: dict[str, set] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in re.findall(pattern, path.read_text()):
            found.setdefault(match, set()).add(path.relative_to(PACKAGE.parent).as_posix())
    return found


def build_parameters_section() -> str:
    calls = _sources_matching(r"""build_parameter\(\s*["'](\w+["'],\s*["']\w+)["']""")
    calls = {re.sub(r"""["'],\s*["']""", ".", key): files for key, files in calls.items()}
    callers = _sources_matching(r"(configured_strategies)\(\)").get("configured_strategies", set())
    rows = ["| parameter | read in | effect |", "|---|---|---|"]
    for key, files in sorted(calls.items()):
        if key not in BUILD_EFFECTS:
            raise KeyError(f"build-time parameter {key} has no entry in BUILD_EFFECTS")
        files = files | (callers if key == "strategies.run" else set())
        rows.append(_row(f"`{key}`", ", ".join(f"`{f}`" for f in sorted(files)),
                         BUILD_EFFECTS[key]))  # fmt: skip
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
    base = _yaml_files(conf / "base", "parameters*.yml")
    blocks = sorted(parameter_blocks().items(), key=lambda item: _is_model(item[1][0]))
    sections = [_section(name, *block, base) for name, block in blocks]
    parts = [INTRO, *sections, build_parameters_section(), globals_section(conf),
             mlflow_section(conf), environment_section()]  # fmt: skip
    return "\n\n".join(part.strip() for part in parts) + "\n"


def main() -> None:
    with contextlib.redirect_stdout(sys.stderr):  # Kedro's rich logging writes to stdout
        page = render()
    sys.stdout.write(page)


if __name__ == "__main__":
    main()
