"""`balance` as an Airflow 3 DAG (docs/orchestration.md).

`kedro airflow create` with templates/airflow_dag_template.j2 writes one task per Kedro node
(the task runs that node alone), the pipeline's dependencies between them, and one task group
per Kedro namespace: each stage, and each strategy as `strategy.<name>`, so a task's full id
is its node's name.

The generated file is read two ways. Its task graph is read from its source (the template's
statements, by `ast`), always. Airflow's own parse (a DagBag) runs when an interpreter with
Airflow 3 is at hand: this one, or the one SYNTHBALANCE_AIRFLOW_PYTHON names (Airflow pins
an older FastAPI than MLflow and kedro-viz use here, so it is not in the test extras).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import PROJECT, copy_project, kedro_environment

TEMPLATE = PROJECT / "templates/airflow_dag_template.j2"
DAG_ID = "synthbalance_smoke_balance"
STRATEGY_NODES = {"train_classifier", "score_classifier", "report_strategy"}
REPLICATES = 2  # conf/smoke; each replicate's builder of each strategy is in its own group


@pytest.fixture(scope="module")
def dag_file(tmp_path_factory) -> Path:
    """`kedro airflow create` for `balance` in the smoke environment, run in a copy of the
    project (loading the context sets up MLflow, which would create a store in the repo)."""
    project = copy_project(tmp_path_factory.mktemp("airflow_project"))
    dags = tmp_path_factory.mktemp("airflow_dags")
    command = [
        str(Path(sys.executable).parent / "kedro"),
        "airflow",
        "create",
        "--pipelines",
        "balance",
        "--env",
        "smoke",
        "--target-dir",
        str(dags),
        "--jinja-file",
        str(TEMPLATE),
    ]
    environment = kedro_environment(project)
    environment.pop("KEDRO_ENV", None)  # the pipeline's shape follows --env smoke
    result = subprocess.run(
        command, cwd=project, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    (path,) = dags.glob("*.py")
    assert path.name == f"{DAG_ID}_dag.py"
    return path


@pytest.fixture(scope="module")
def expected():
    """The Kedro pipeline the DAG must mirror: its nodes, namespaces and dependencies."""
    from synthbalance.framework.context import strategies_to_run
    from synthbalance.pipelines.balance import create_pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT)  # the pipeline's shape is read from ./conf, in smoke
        patch.setenv("KEDRO_ENV", "smoke")
        pipeline, strategies = create_pipeline(), strategies_to_run()
    edges = {
        (parent.name, child.name)
        for child, parents in pipeline.node_dependencies.items()
        for parent in parents
    }
    groups = {node.name: node.namespace for node in pipeline.nodes}
    return {"groups": groups, "edges": edges, "strategies": strategies}


def read_source(path: Path) -> dict:
    """The task graph the generated file declares, read from its statements: task groups
    ``groups[k] = TaskGroup(id, parent_group=groups[p])``, tasks ``tasks[k] =
    kedro_run.override(task_id=..., task_group=groups[g])(node_names=[...])`` and
    dependencies ``tasks[a] >> tasks[b]``; in Airflow's terms (full, dotted ids)."""
    tree = ast.parse(path.read_text())
    (function,) = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == DAG_ID]
    (decorator,) = function.decorator_list
    settings = {
        k.arg: ast.literal_eval(k.value)
        for k in decorator.keywords
        if k.arg in ("dag_id", "max_active_runs", "max_active_tasks")
    }
    key = lambda subscript: ast.literal_eval(subscript.slice)  # noqa: E731
    group_ids, tasks, edges = {}, {}, set()
    for statement in function.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Subscript):
            target, call = statement.targets[0], statement.value
            if target.value.id == "groups":  # TaskGroup(group_id, parent_group=...)
                own = ast.literal_eval(call.args[0])
                parent = {k.arg: k.value for k in call.keywords}.get("parent_group")
                group_ids[key(target)] = f"{group_ids[key(parent)]}.{own}" if parent else own
            else:  # kedro_run.override(task_id, task_group)(node_names=...)
                options = {k.arg: k.value for k in call.func.keywords}
                group = options.get("task_group")
                group_id = group_ids[key(group)] if group is not None else None
                task_id = ast.literal_eval(options["task_id"])
                tasks[key(target)] = {
                    "task_id": f"{group_id}.{task_id}" if group_id else task_id,
                    "group": group_id,
                    "node_names": ast.literal_eval(call.keywords[0].value),
                }
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.BinOp):
            assert isinstance(statement.value.op, ast.RShift)
            edges.add((key(statement.value.left), key(statement.value.right)))
    ids = {name: task["task_id"] for name, task in tasks.items()}
    return {
        **settings,
        "tasks": {task.pop("task_id"): task for task in tasks.values()},
        "edges": sorted([ids[a], ids[b]] for a, b in edges),
    }


AIRFLOW_PARSE = textwrap.dedent("""
    import json, sys
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0
        from airflow.models.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1], safe_mode=False)
    (dag,) = bag.dags.values()
    with open(sys.argv[2], "w") as out:
        json.dump({
            "errors": {str(k): str(v) for k, v in bag.import_errors.items()},
            "dag_id": dag.dag_id,
            "max_active_runs": dag.max_active_runs,
            "max_active_tasks": dag.max_active_tasks,
            "tasks": {t.task_id: {"group": t.task_group.group_id,
                                  "node_names": t.op_kwargs.get("node_names")}
                      for t in dag.tasks},
            "edges": sorted([u, t.task_id] for t in dag.tasks for u in t.upstream_task_ids),
        }, out)
""")


def airflow_python() -> str | None:
    """This interpreter when it has Airflow, else SYNTHBALANCE_AIRFLOW_PYTHON's when that
    exists (`make test` builds .venv-airflow for it), else None."""
    if importlib.util.find_spec("airflow") is not None:
        return sys.executable
    named = os.environ.get("SYNTHBALANCE_AIRFLOW_PYTHON")
    return named if named and Path(named).is_file() else None


def require_airflow():
    """Skip without Airflow 3; fail instead under SYNTHBALANCE_REQUIRE_AIRFLOW=1 (CI)."""
    missing = "no Airflow 3 here; SYNTHBALANCE_AIRFLOW_PYTHON may name an interpreter"
    if os.environ.get("SYNTHBALANCE_REQUIRE_AIRFLOW") == "1":
        pytest.fail(missing + " (make test builds .venv-airflow)")
    pytest.skip(missing)


def read_with_airflow(path: Path, python: str, scratch: Path) -> dict:
    """The DAG as Airflow's DagBag loads it, in a subprocess (Airflow sets up its own
    logging and home folder)."""
    out = scratch / "dag.json"
    environment = {**os.environ, "AIRFLOW_HOME": str(scratch / "airflow_home")}
    result = subprocess.run(
        [python, "-c", AIRFLOW_PARSE, str(path.parent), str(out)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    graph = json.loads(out.read_text())
    assert graph.pop("errors") == {}
    return graph


def check_mirrors_pipeline(graph: dict, expected: dict) -> None:
    """One task per node, with the node's name as its full id, running that node; in the
    node's namespace's group; the pipeline's dependencies and no others; one group per
    strategy with its three evaluate nodes, and per replicate one with its builder; one DAG
    run at a time, its tasks as many at once as Airflow's slots allow."""
    assert graph["dag_id"] == DAG_ID
    assert graph["max_active_runs"] == 1  # a versioned dataset loads its latest version
    # not set in the file (Airflow's core.max_active_tasks_per_dag decides, 16 by default)
    assert graph.get("max_active_tasks", 16) == 16
    tasks, groups = graph["tasks"], expected["groups"]
    assert set(tasks) == set(groups)
    assert {name: task["node_names"] for name, task in tasks.items()} == {
        name: [name] for name in groups
    }
    assert {name: task["group"] for name, task in tasks.items()} == groups
    assert {tuple(edge) for edge in graph["edges"]} == expected["edges"]
    for strategy in expected["strategies"]:
        members = {name for name, task in tasks.items() if task["group"] == f"strategy.{strategy}"}
        own = (
            STRATEGY_NODES
            if strategy != "threshold"
            # it adjusts none's networks
            else (STRATEGY_NODES - {"train_classifier"} | {"move_thresholds"})
        )
        assert members == {f"strategy.{strategy}.{node}" for node in own}
        for r in range(REPLICATES):
            group = f"replicate_{r}.strategy.{strategy}"
            built = {name for name, task in tasks.items() if task["group"] == group}
            assert built == {f"{group}.build_train_set"}
    stages = {"ingest", "imbalance", "evaluate", "quality", "report"}
    per_replicate = {
        f"replicate_{r}{inner}"
        for r in range(REPLICATES)
        for inner in ("", ".imbalance", ".gan", ".sample", ".deepsmote")
    }
    places = ["", *(f"replicate_{r}." for r in range(REPLICATES))]
    strategy_groups = {
        f"{where}strategy.{name}" for name in expected["strategies"] for where in places
    }
    # replicate_<r> itself holds its replicate_seed task
    assert {task["group"] for task in tasks.values()} == stages | per_replicate | strategy_groups


def test_every_dataset_between_tasks_is_persisted():
    """A task is a Kedro session of its own: an output that another node reads must be in
    the catalog, and not a MemoryDataset, or the next task would not find it. (Parameters
    are memory datasets, but every session reads them from conf again.)"""
    from kedro.config import OmegaConfigLoader
    from kedro.io import DataCatalog
    from kedro_airflow.grouping import get_memory_datasets

    from synthbalance.pipelines.balance import create_pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT)
        patch.delenv("KEDRO_ENV", raising=False)
        pipeline = create_pipeline()
        loader = OmegaConfigLoader(str(PROJECT / "conf"), base_env="base", default_run_env="smoke")
        catalog = DataCatalog.from_config(loader["catalog"])
    memory = get_memory_datasets(catalog, pipeline)
    assert {name for name in memory if not name.startswith("param")} == set()


@pytest.mark.slow
def test_the_generated_dag_mirrors_the_pipeline(dag_file, expected):
    check_mirrors_pipeline(read_source(dag_file), expected)


@pytest.mark.slow
def test_airflow_parses_the_dag_as_the_pipeline(dag_file, expected, tmp_path):
    python = airflow_python() or require_airflow()
    check_mirrors_pipeline(read_with_airflow(dag_file, python, tmp_path), expected)
