"""A sweep as one Airflow 3 DAG: a task group per point, the point's nodes inside it.

``kedro sweep ... --airflow PATH`` writes the DAG file instead of running the points. Inside a
point's group, every Kedro node is a task in a task group per level of its namespace, as
templates/airflow_dag_template.j2 lays out one run (docs/orchestration.md), and the pipeline's
dependencies are the edges. Each task is one Kedro session with the point's values and its
own ``data_folder`` as runtime parameters, so points share no file and are free to run at
once, and a point's own tasks share its data folder as those of `balance`'s DAG do
(``SYNTHBALANCE_DAG_RUN``, synthbalance.framework.run_lock): as many at once as Airflow's
slots allow (``core.max_active_tasks_per_dag``). Each point's pipeline is built with its own
parameters, so a
grid over a parameter that shapes the DAG (``replicates``) gives each point its own tasks.

MLflow: the DAG's first task, ``sweep_runs``, makes the sweep's parent run and a child run per
point as ``kedro sweep`` does, and each of a point's tasks logs into its point's child run
(``MLFLOW_RUN_ID``), so its strategy runs nest under it. The last task, ``curve``, once every
point is marked finished, is ``kedro sweep``'s own end: it runs nothing more and draws the
curve into the parent run.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path

from omegaconf import OmegaConf

from synthbalance.framework import context
from synthbalance.framework.config_loader import DATA_FOLDER, ProjectConfigLoader
from synthbalance.sweep.plan import MARKER

HEADER = '''"""Airflow DAG of `kedro sweep` {name}: pipeline `{pipeline}`, environment `{env}`,
{count} points, one task group each (written by `kedro sweep --airflow`; regenerate it rather
than editing it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import TaskGroup, dag, task

env = {env_json}
pipeline_name = {pipeline_json}
project_path = Path({project_json})
sweep_name = {name_json}
grid = {grid}


def the_sweep():
    """The sweep, read from the project as `kedro sweep` reads it."""
    import os

    from synthbalance.sweep.plan import Sweep

    os.chdir(project_path)
    return Sweep(project_path, grid, env=env, pipeline=pipeline_name, name=sweep_name)


@task(multiple_outputs=True)
def sweep_runs():
    """The sweep's MLflow parent run and a child run per point: {{point's id: child run id}}."""
    from synthbalance.sweep.airflow import slug
    from synthbalance.sweep.mlflow_runs import open_runs

    return {{slug(point): run_id for point, run_id in open_runs(the_sweep()).items()}}


@task
def kedro_run(node_names, runtime_params, run_id):
    """One Kedro session that runs ``node_names`` with the point's runtime parameters, logged
    into the point's child run; beside the DAG run's other tasks
    (synthbalance.framework.run_lock)."""
    import os

    from airflow.sdk import get_current_context
    from kedro.framework.project import configure_project
    from kedro.framework.session import KedroSession

    os.chdir(project_path)
    configure_project("synthbalance")
    os.environ["MLFLOW_RUN_ID"] = run_id
    context = get_current_context()
    os.environ["SYNTHBALANCE_DAG_RUN"] = f"{{context['dag'].dag_id}} {{context['run_id']}}"
    try:
        with KedroSession.create(project_path=project_path, env=env,
                                 runtime_params=runtime_params) as session:
            session.run(pipeline_names=[pipeline_name], node_names=node_names)
    finally:
        os.environ.pop("MLFLOW_RUN_ID", None)
        os.environ.pop("SYNTHBALANCE_DAG_RUN", None)


@task
def mark_finished(folder, record, run_id):
    """The point's sweep_point.json, as `kedro sweep` writes it, once its nodes have all run."""
    import json

    path = project_path / folder / "sweep_point.json"
    path.with_suffix(".tmp").write_text(json.dumps({{**record, "run_id": run_id}}, indent=2))
    path.with_suffix(".tmp").replace(path)


@task
def curve():
    """`kedro sweep`'s end: every point finished, it runs none and draws the curve."""
    from synthbalance.sweep.run import run_sweep

    run_sweep(the_sweep())


@dag(
    dag_id={dag_id_json},
    start_date=datetime(2023, 1, 1),
    # points and their tasks side by side, as many as Airflow's slots allow
    max_active_runs=1,
    schedule=None,
    catchup=False,
    default_args=dict(owner="airflow", retries=1, retry_delay=timedelta(minutes=5)),
)
def {dag_id}():
    groups, tasks = {{}}, {{}}
    runs = sweep_runs()
    tasks["curve"] = curve()
'''


def slug(text: str) -> str:
    """An Airflow id: letters, digits and underscores."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")


def point_pipeline(sweep, point):
    """The pipeline as a run of ``point`` builds it (its parameters shape the DAG)."""
    runtime = OmegaConf.to_container(OmegaConf.from_dotlist(point.params.split(",")))
    loader = ProjectConfigLoader(
        conf_source=str(sweep.project / "conf"),
        base_env="base",
        default_run_env="local",
        env=sweep.env,
        runtime_params=runtime,
    )
    previous, context._loader = context._loader, loader
    try:
        return importlib.import_module(f"synthbalance.pipelines.{sweep.pipeline}").create_pipeline()
    finally:
        context._loader = previous


def _literal(value) -> str:
    """``value`` (JSON's kinds) as a Python literal: ``None`` and ``True``, not JSON's words."""
    return repr(json.loads(json.dumps(value, default=str)))


def runtime_params(sweep, point) -> dict:
    folder = os.path.relpath(sweep.folder(point), sweep.project)
    runtime = OmegaConf.to_container(OmegaConf.from_dotlist(point.params.split(",")))
    return {**runtime, DATA_FOLDER: folder}


def write_dag(sweep, target: Path) -> Path:
    """The DAG file in ``target`` (a folder): ``synthbalance_sweep_<name>_dag.py``."""
    dag_id = slug(f"synthbalance_sweep_{sweep.name}")
    lines = [
        HEADER.format(
            name=sweep.name,
            pipeline=sweep.pipeline,
            env=sweep.env or "local",
            count=len(sweep.points),
            env_json=json.dumps(sweep.env),
            pipeline_json=json.dumps(sweep.pipeline),
            project_json=json.dumps(str(sweep.project)),
            name_json=json.dumps(sweep.name),
            grid=_literal(sweep.grid),
            dag_id_json=json.dumps(dag_id),
            dag_id=dag_id,
        )
    ]
    for point in sweep.points:
        lines += _point(sweep, point)
    lines.append(f"\n\n{dag_id}()\n")
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{dag_id}_dag.py"
    path.write_text("\n".join(lines))
    return path


def _groups(pipeline, top: str) -> list[str]:
    """The point's task group and, inside it, one per level of its nodes' namespaces."""
    lines = [f"    groups[{json.dumps(top)}] = TaskGroup({json.dumps(slug(top))})"]
    names = sorted(
        {
            ".".join(node.namespace.split(".")[: d + 1])
            for node in pipeline.nodes
            if node.namespace
            for d in range(len(node.namespace.split(".")))
        }
    )
    for name in names:
        parent = f"{top}/{name.rpartition('.')[0]}" if "." in name else top
        lines.append(
            f"    groups[{json.dumps(f'{top}/{name}')}] = TaskGroup("
            f"{json.dumps(slug(name.rpartition('.')[2]))}, "
            f"parent_group=groups[{json.dumps(parent)}])"
        )
    return lines


def _point(sweep, point) -> list[str]:
    """The statements of ``point``'s task group: its groups, a task per node, its last task
    (the marker), the pipeline's edges and the marker's edge to the curve."""
    pipeline, top = point_pipeline(sweep, point), point.name
    lines = [f"    # point {top}", *_groups(pipeline, top)]
    params, run_id = _literal(runtime_params(sweep, point)), f"runs[{json.dumps(slug(top))}]"
    for node in pipeline.nodes:
        group = f"{top}/{node.namespace}" if node.namespace else top
        own = node.name[len(node.namespace) + 1 :] if node.namespace else node.name
        lines.append(
            f"    tasks[{json.dumps(f'{top}/{node.name}')}] = kedro_run.override("
            f"task_id={json.dumps(slug(own))}, task_group=groups[{json.dumps(group)}]"
            f")(node_names={json.dumps([node.name])}, runtime_params={params}, "
            f"run_id={run_id})"
        )
    edges = [
        (a.name, b.name)
        for b, parents in pipeline.node_dependencies.items()
        for a in sorted(parents, key=lambda n: n.name)
    ]
    ends = {n.name for n in pipeline.nodes} - {a for a, _ in edges}
    edges += [(end, MARKER) for end in sorted(ends)]
    record = {
        "point": point.as_dict(),
        "fingerprint": sweep.fingerprint(point),
        "run_id": None,
        "seconds": None,
        "by": "airflow",
    }
    folder = os.path.relpath(sweep.folder(point), sweep.project)
    lines.append(
        f"    tasks[{json.dumps(f'{top}/{MARKER}')}] = mark_finished.override("
        f"task_id='finished', task_group=groups[{json.dumps(top)}])("
        f"folder={json.dumps(folder)}, record={_literal(record)}, run_id={run_id})"
    )
    lines += [
        f"    tasks[{json.dumps(f'{top}/{a}')}] >> tasks[{json.dumps(f'{top}/{b}')}]"
        for a, b in edges
    ]
    lines.append(f'    tasks[{json.dumps(f"{top}/{MARKER}")}] >> tasks["curve"]')
    return lines
