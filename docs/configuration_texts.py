"""The prose of docs/configuration.md that no parameter model holds: the page's introductions,
and the meaning of each global, mlflow.yml key, environment variable and DAG-shaping parameter.
docs/generate_configuration.py fails when the code has one of these without its text here."""

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

# The parameters that shape the DAG: their function in synthbalance/framework/context.py,
# and effect.
BUILD_EFFECTS = {
    "strategies.run": (
        "strategies_to_run",
        "one `strategy.<name>` namespace per listed name in "
        "the strategies, evaluate and report pipelines, in this order; an unknown "
        "name stops the build",
    ),
    "replicates": (
        "replicates",
        "one `replicate_<r>` namespace per replicate (its seed, GAN, "
        "samples and training sets), and each strategy's evaluate nodes read the "
        "training set of every replicate; not a whole number of at least 1 stops the "
        "build",
    ),
    "redraw_imbalance": (
        "redraw_imbalance",
        "`true` moves the imbalance's draw and the "
        "validation split into each `replicate_<r>` namespace; the quality "
        "pipeline and the report read replicate 0's",
    ),
    "quality.in_balance": (
        "quality_in_balance",
        "`false` leaves the quality pipeline out of "
        "`balance` (the report is then built without the quality tables); "
        "`kedro run --pipelines quality` still runs it",
    ),
}

GLOBALS_USES = {
    "data": "the folder of every catalog path (`${globals:data}/02_intermediate/…`), of "
    "`gan.checkpoint_dir` and `quality.cache_dir` in conf/base, and of the run lock "
    "`<data>/.kedro-run.lock` (`synthbalance/tracking/hooks.py:RunLockHook`); one folder per "
    "environment, so that a smoke run never feeds a real one",
}

MLFLOW_KEYS = {
    "server.mlflow_tracking_uri": "The tracking store. Checked before any node runs "
    "(`synthbalance/tracking/store.py:check_store`: a SQLite file must take a write lock, a server "
    "must answer HTTP within 20 s, a folder must be writable); a SQLite file is locked while "
    "MLflow creates its tables. `null`: `MLFLOW_TRACKING_URI`, else `sqlite:///mlflow.db` "
    "(MLflow 3.13 and later refuse an `mlruns` file store)",
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
    "`synthbalance/framework/context.py`; unset: `local`)",
    "MLFLOW_TRACKING_URI": "The tracking store when `server.mlflow_tracking_uri` is `null` "
    "(`synthbalance/tracking/store.py`); unset too: `sqlite:///mlflow.db`, MLflow's own "
    "default (not "
    "kedro-mlflow's `mlruns`, a file store MLflow refuses). conf/base sets the URI, so it is not "
    "read",
    "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING": "MLflow's: `false` turns off the system metrics "
    "(CPU, memory, disk, network) that every run logs (`synthbalance/tracking/hooks.py`)",
    "LOCAL_RANK": "Set by torchrun in each worker of a `world_size` > 1 training "
    "(`synthbalance/distributed/__main__.py`): which GPU of the machine the worker takes; "
    "never set by hand",
    "OMP_NUM_THREADS": "Threads of each torchrun worker training on a CPU; unset: the cores "
    "divided by `world_size` (`synthbalance/distributed/launch.py`; torchrun would give one). "
    "`kedro sweep --parallel N` likewise gives each point the cores divided by N",
    "MLFLOW_RUN_ID": "MLflow's: the run a `kedro run` logs into instead of a new one. `kedro "
    "sweep` sets it to each point's child run, and so does each task of its Airflow DAG "
    "(`synthbalance/sweep/`); not set by hand",
    "SYNTHBALANCE_DAG_RUN": "Set by each task of the project's Airflow DAGs (the template's and "
    "the sweep's) to `<DAG id> <run id>`: the task's session shares the data folder with the "
    "DAG run's other tasks, which run side by side, and logs into the DAG run's MLflow run "
    "(`synthbalance/framework/run_lock.py`, `synthbalance/tracking/hooks.py`); a `kedro run` "
    "without it holds the "
    "folder alone. Not set by hand",
    "SYNTHBALANCE_TUNE_MALLOC": "`0` leaves glibc's malloc as it is; otherwise the first training "
    "loop of a process sets its mmap threshold to 32 MiB and its trim threshold to 64 MiB, so a "
    "step's freed buffers are reused (`synthbalance/training/allocator.py`). Also left alone "
    "when `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_` or `GLIBC_TUNABLES` is set, or "
    "on another C library",
    "LD_PRELOAD": "Read only to see whether another allocator (jemalloc, tcmalloc: a name with "
    "`malloc` in it) replaces glibc's; if so, `synthbalance/training/allocator.py` sets nothing",
}

OTHER_ENVIRONMENT = {
    "KEDRO_DISABLE_TELEMETRY": "Kedro's: `1` keeps its telemetry off (set by the Makefile "
    "and the tests; without a network it would try at every command)",
    "KEDRO_LOGGING_CONFIG": "Kedro's: the logging configuration file (the tests point it at a "
    "plain one, and so does `distributed/launch.py` for its torchrun workers)",
    "SYNTHBALANCE_FAULT_KILLS": "`tests/test_fault_injection.py`: N more random kill points",
    "PYTEST_XDIST_WORKER": "pytest-xdist's, in each worker of the test suite: `tests/conftest.py` "
    "then gives the worker and its `kedro run`s one thread (`OMP_NUM_THREADS=1`) unless it is set",
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

Four parameters decide which nodes exist. Kedro builds the pipelines as a run starts, after it
has made the run's context, and `synthbalance/framework/context.py` reads them through that
context's own config loader (`ProjectContext`, Kedro's `CONTEXT_CLASS` in `settings.py`): the
same files, environment, interpolation, per-block merge and `--params` as every other parameter. So
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
