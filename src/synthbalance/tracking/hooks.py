"""The project's MLflow hooks: kedro-mlflow's, taught typed parameters and a checked store;
the strategies' child runs; each node's time. (The data folder's lock, the other hook that
settings.py registers, is Kedro glue: synthbalance.framework.run_lock.)"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import mlflow
from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl
from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pydantic import BaseModel

from synthbalance.core import progress
from synthbalance.core.results import RESULT_TAG, StrategyResult
from synthbalance.framework.run_lock import dag_run
from synthbalance.tracking.child_runs import log_child_runs, run_parameters
from synthbalance.tracking.serving import ALIAS, MODEL_NAME, register_current
from synthbalance.tracking.store import check_store, setup_lock, tracking_uri

log = logging.getLogger(__name__)
# The generator registered as synthbalance-generator (synthbalance.tracking.serving).
GENERATOR_MODEL = "replicate_0.generator_model"
DAG_RUN_TAG = "synthbalance.dag_run"  # the MLflow run of an Airflow DAG run's tasks


_UNSET = object()


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class ProjectMlflowHook(MlflowHook):
    """kedro-mlflow's hook, with these changes.

    Typed parameters: Kedro validates ``params:`` inputs into pydantic models before nodes
    run; the plugin's hook flattens only dicts, so it would log each model as one long
    string. This hook hands it the models as dicts: ``imbalance.profile.keep_fraction``
    becomes its own MLflow parameter, comparable across runs in the UI.

    (The report's input ``parameters``, every parameter at once, is not logged: the nodes
    that use each section log it already.) Each ``params:`` input is logged by the first node
    that reads it; later nodes with the same value log nothing (the plugin logs every node's
    parameters again, one ``log_param`` each: 1,591 store writes in a default run, now 114).

    A checked store: before the plugin sets MLflow up, the store is checked (`tracking`):
    a read-only or locked SQLite file or a server that does not answer stops the session
    with a message, before any node runs. The setup itself holds a lock on a SQLite
    file, so runs starting together on a fresh ``mlflow.db`` do not race to create it.

    A store lost mid-run: the error says that nothing saved is lost and how to go on.

    A store by default: where mlflow.yml's ``server.mlflow_tracking_uri`` is null and
    MLFLOW_TRACKING_URI is unset, ``sqlite:///mlflow.db`` (MLflow's own default), not the
    plugin's ``mlruns`` file store, which MLflow refuses. MLflow's system metrics (CPU,
    memory, disk, network) are logged for the run unless MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING
    says otherwise.

    One MLflow run per Airflow DAG run: a task of the project's DAG (a session that names its
    DAG run, synthbalance.framework.run_lock) logs into the run of the DAG run's earlier tasks,
    found
    by its tag ``synthbalance.dag_run``, or starts it; so a DAG run's nodes, parameters and
    strategies' child runs are one run in the UI, as with `kedro run`, however many workers
    ran its tasks. An orchestrator that names the run itself (``MLFLOW_RUN_ID``, as the
    sweep's DAG does) or has one active is left alone.

    A served generator: once a run that logged its first replicate's generator has
    finished, that generator becomes the newest version of the registered model
    ``synthbalance-generator``, alias ``current`` (synthbalance.tracking.serving).
    """

    def __init__(self) -> None:
        super().__init__()
        self._logged: dict[str, Any] = {}  # the params: inputs this run has logged, by name

    @hook_impl
    def after_context_created(self, context) -> None:
        uri = _mlflow_conf(context)["server"]["mlflow_tracking_uri"]
        if mlflow.active_run() is None:  # an orchestrator's active run is its own business
            check_store(uri, Path(context.project_path))
            with setup_lock(uri):
                super().after_context_created(context=context)
        else:
            super().after_context_created(context=context)

    @hook_impl
    def before_node_run(self, node, catalog, inputs: dict[str, Any], is_async: bool) -> None:
        # the plugin logs only params: inputs; those this run has logged already are left out
        given = {k: _plain(v) for k, v in inputs.items() if k.startswith("params:")}
        fresh = {
            name: value for name, value in given.items() if self._logged.get(name, _UNSET) != value
        }
        self._logged.update(fresh)
        active = mlflow.active_run()
        if active is None or active.info.run_id != self.run_id:  # a thread of its own
            super().before_node_run(node=node, catalog=catalog, inputs=fresh, is_async=is_async)
            return
        # The run is open in this thread already. The plugin would open it again before each
        # node (for threads: a read, a write and a read of the store, and one more copy of the
        # run on MLflow's stack, each closed and logged apart on an error): it logs the
        # params alone.
        run_id, self.run_id = self.run_id, None
        try:
            super().before_node_run(node=node, catalog=catalog, inputs=fresh, is_async=is_async)
        finally:
            self.run_id = run_id

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        self._logged = {}
        gathered = dag_run()
        if gathered and mlflow.active_run() is None and not os.environ.get("MLFLOW_RUN_ID"):
            tracking = self.mlflow_config.tracking
            tracking.run.id = tracking.run.id or _dag_run_mlflow_run(
                tracking.experiment.name, gathered
            )
        super().before_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)
        if gathered and mlflow.active_run() is not None:
            command = f"the tasks of Airflow DAG run {gathered}"
            mlflow.set_tags({DAG_RUN_TAG: gathered, "kedro_command": command})
        self._monitor = _system_metrics(mlflow.active_run())

    def _stop_monitor(self) -> None:
        monitor, self._monitor = getattr(self, "_monitor", None), None
        if monitor is not None:
            monitor.finish()

    @hook_impl
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        run = mlflow.active_run()
        self._stop_monitor()
        super().after_pipeline_run(run_params=run_params, pipeline=pipeline, catalog=catalog)
        # only the session that logged the generator: an orchestrator's later tasks log
        # into the same run, and each would add a version
        if run is not None and GENERATOR_MODEL in pipeline.all_outputs():
            try:
                version = register_current(run.info.run_id)
            except MlflowException as error:  # a store without a registry: the run stands
                log.warning("The generator was not registered as %s: %s", MODEL_NAME, error)
            else:
                if version is not None:
                    log.info(
                        "Registered the generator as %s version %s, alias %s",
                        MODEL_NAME,
                        version.version,
                        ALIAS,
                    )

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params, pipeline, catalog) -> None:
        self._stop_monitor()
        if _caused_by_mlflow(error):
            log.error(
                "MLflow's tracking store failed during the run (%s). Everything the run "
                "saved before it is in data/; mend the store and run the same command "
                "again: the GAN resumes from its last checkpoint and the results equal an "
                "uninterrupted run's.",
                error,
            )
        try:
            super().on_pipeline_error(
                error=error, run_params=run_params, pipeline=pipeline, catalog=catalog
            )
        except MlflowException as failure:  # the store that failed cannot mark the run
            log.warning("The MLflow run could not be marked as failed: %s", failure)


def _system_metrics(run) -> Any:
    """MLflow's system metrics (CPU, memory, disk, network) of the run of `kedro run`, every
    10 s, unless MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING is false: a monitor for this run only,
    not MLflow's global switch, which would start one for every child run too."""
    switch = os.environ.get("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "true").lower()
    if run is None or switch in ("false", "0"):
        return None
    from mlflow.system_metrics.system_metrics_monitor import SystemMetricsMonitor

    monitor = SystemMetricsMonitor(run.info.run_id)
    monitor.start()
    return monitor


def _dag_run_mlflow_run(experiment: str, gathered: str) -> str | None:
    """The MLflow run of an earlier task of the DAG run ``gathered`` in ``experiment`` (the
    oldest, should two first tasks have started together), or None: this task starts it."""
    client = MlflowClient()
    known = client.get_experiment_by_name(experiment)
    if known is None:  # kedro-mlflow creates it when it starts the run
        return None
    runs = client.search_runs(
        [known.experiment_id],
        f"tags.`{DAG_RUN_TAG}` = '{gathered}'",
        order_by=["attributes.start_time ASC"],
        max_results=1,
    )
    return runs[0].info.run_id if runs else None


def _caused_by_mlflow(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MlflowException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _mlflow_conf(context) -> dict:
    """mlflow.yml as kedro-mlflow will read it, with the store filled in where it is null
    (``tracking_uri``), and set back on the config loader so that the plugin reads that."""
    patterns = context.config_loader.config_patterns
    patterns.setdefault("mlflow", ["mlflow*", "mlflow*/**", "**/mlflow*"])  # as the plugin
    try:
        conf = dict(context.config_loader["mlflow"])
    except MissingConfigException:  # no mlflow.yml: the plugin's defaults
        conf = {}
    server = dict(conf.get("server") or {})
    server["mlflow_tracking_uri"] = tracking_uri(server)
    conf["server"] = server
    context.config_loader["mlflow"] = conf
    return conf


class StrategyRunsHook:
    """One nested MLflow run per strategy and replicate, under the run of `kedro run`
    (synthbalance.tracking.child_runs).

    After each node tagged ``strategy_result`` (every strategy's ``report_strategy``), it
    logs the node's ``StrategyResult`` as one child run per replicate, spanning the
    strategy's nodes of this session, with the run's distinguishing parameters, the
    strategy's metrics and curves, its confusion matrix and its datasets, so that the MLflow
    UI's run table and Compare view set strategies and replicates side by side. A tagged node
    without a ``StrategyResult`` fails the run, naming it: a child run never disappears
    silently.
    """

    def __init__(self) -> None:
        self._parameters: dict[str, str] = {}
        self._started: dict[str, float] = {}

    @hook_impl
    def after_context_created(self, context) -> None:
        self._parameters = run_parameters(context.params)

    @hook_impl
    def before_node_run(self, node) -> None:
        self._started.setdefault(node.name, time.time())

    @hook_impl
    def after_node_run(self, node, catalog, outputs: dict[str, Any]) -> None:
        if RESULT_TAG not in node.tags:
            return
        results = [value for value in outputs.values() if isinstance(value, StrategyResult)]
        if len(results) != 1:
            raise TypeError(
                f"node {node.name} is tagged {RESULT_TAG!r} but returned no StrategyResult "
                f"({sorted(outputs)}): its strategy's MLflow child runs cannot be logged"
            )
        if mlflow.active_run() is not None:
            log_child_runs(results[0], self._parameters, self._started, catalog.load)


class NodeTimesHook:
    """Each node's wall-clock time: logged, and a metric ``time.<node name>`` (seconds) of the
    run of `kedro run`, so that the MLflow UI shows where a run's time went and what each
    strategy costs (``benchmarks/strategy_times.py`` sums them per strategy). The node's name
    also starts the label of every progress bar it shows (synthbalance.core.progress)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    @hook_impl
    def before_node_run(self, node) -> None:
        self._started[node.name] = time.perf_counter()
        progress.set_node(node.name)

    @hook_impl
    def after_node_run(self, node) -> None:
        progress.set_node("")
        started = self._started.pop(node.name, None)
        if started is None:
            return
        seconds = time.perf_counter() - started
        log.info("node %s took %.1f s", node.name, seconds)
        if mlflow.active_run() is not None:
            mlflow.log_metric(f"time.{node.name}", round(seconds, 3))
