"""`kedro sweep --airflow`: a task group per point, each point's nodes and edges as its own
pipeline has them, no edge between points, points free to run at once; every task of a point
logs into that point's child run of the sweep's parent, and the curve comes last."""

import ast
import json
import re

import pytest
from mlflow.tracking import MlflowClient

from synthbalance.sweep import grid
from synthbalance.sweep.airflow import point_pipeline, write_dag
from synthbalance.sweep.mlflow_runs import open_runs
from synthbalance.sweep.plan import Sweep
from tests.conftest import PROJECT, copy_project


def argument(value):
    """A literal, or ("runs", point) for the first task's output of that point's run id."""
    if isinstance(value, ast.Subscript) and getattr(value.value, "id", None) == "runs":
        return ("runs", ast.literal_eval(value.slice))
    return ast.literal_eval(value)


def declared(path):
    """(task groups {key: (id, parent key)}, tasks {key: (task id, group key, kwargs)},
    edges {(a, b)}) from the file's statements."""
    groups, tasks, edges = {}, {}, set()
    body = ast.parse(path.read_text()).body
    (function,) = [
        f
        for f in body
        if isinstance(f, ast.FunctionDef) and f.name.startswith("synthbalance_sweep")
    ]
    for statement in function.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Subscript):
            target = statement.targets[0]
            key = ast.literal_eval(target.slice)
            call = statement.value
            if target.value.id == "tasks" and isinstance(call.func, ast.Name):  # curve()
                tasks[key] = (call.func.id, None, {})
            elif target.value.id == "groups":
                parent = [k for k in call.keywords if k.arg == "parent_group"]
                groups[key] = (
                    ast.literal_eval(call.args[0]),
                    ast.literal_eval(parent[0].value.slice) if parent else None,
                )
            else:
                override = {k.arg: k.value for k in call.func.keywords}
                tasks[key] = (
                    ast.literal_eval(override["task_id"]),
                    ast.literal_eval(override["task_group"].slice),
                    {k.arg: argument(k.value) for k in call.keywords},
                )
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.BinOp):
            edges.add(
                (
                    ast.literal_eval(statement.value.left.slice),
                    ast.literal_eval(statement.value.right.slice),
                )
            )
    return function, groups, tasks, edges


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    sweep = Sweep(
        PROJECT, grid.parse(["imbalance.profile.keep_fraction=0.2", "replicates=1,2"]), env="smoke"
    )
    return sweep, write_dag(sweep, tmp_path_factory.mktemp("dags"))


def test_each_point_is_a_task_group_with_its_own_pipelines_nodes_and_edges(swept):
    sweep, path = swept
    function, groups, tasks, edges = declared(path)
    assert path.name == "synthbalance_sweep_keep_fraction_replicates_dag.py"
    for point in sweep.points:
        pipeline = point_pipeline(sweep, point)
        assert groups[point.name] == (re.sub(r"[^0-9A-Za-z_]+", "_", point.name), None)
        mine = {
            k[len(point.name) + 1 :]: v for k, v in tasks.items() if k.startswith(point.name + "/")
        }
        assert set(mine) == {n.name for n in pipeline.nodes} | {"sweep_point.json"}
        marker = mine.pop("sweep_point.json")[2]
        assert marker["record"]["fingerprint"] == sweep.fingerprint(point)
        key = re.sub(r"[^0-9A-Za-z_]+", "_", point.name)
        assert marker["run_id"] == ("runs", key)
        for node in pipeline.nodes:
            task_id, group, arguments = mine[node.name]
            assert group == (f"{point.name}/{node.namespace}" if node.namespace else point.name)
            assert arguments["node_names"] == [node.name]
            assert arguments["run_id"] == ("runs", key)  # its point's child run
            own = node.name[len(node.namespace) + 1 :] if node.namespace else node.name
            assert task_id == re.sub(r"[^0-9A-Za-z_]+", "_", own).strip("_")
            assert arguments["runtime_params"]["data_folder"] == (
                f"data/smoke/sweeps/{sweep.name}/{point.name}"
            )
        want = {
            (f"{point.name}/{a.name}", f"{point.name}/{b.name}")
            for b, parents in pipeline.node_dependencies.items()
            for a in parents
        }
        ends = {n.name for n in pipeline.nodes} - {
            a.name for ps in pipeline.node_dependencies.values() for a in ps
        }
        want |= {(f"{point.name}/{e}", f"{point.name}/sweep_point.json") for e in ends}
        want.add((f"{point.name}/sweep_point.json", "curve"))  # the curve waits for every point
        assert {e for e in edges if e[0].startswith(point.name + "/")} == want
    # a grid over replicates shapes each point's own DAG
    one, two = (sum(k.startswith(p.name + "/") for k in tasks) for p in sweep.points[:2])
    assert one < two
    # no edge between points
    assert all(a.split("/")[0] == b.split("/")[0] for a, b in edges if b != "curve")
    options = {k.arg: k.value for k in function.decorator_list[0].keywords}
    assert "max_active_tasks" not in options  # Airflow's slots decide: points and their tasks
    assert ast.literal_eval(options["max_active_runs"]) == 1


def test_the_runtime_parameters_are_the_points_values(swept):
    sweep, path = swept
    _, _, tasks, _ = declared(path)
    point = sweep.points[1]
    params = next(
        v[2]["runtime_params"]
        for k, v in tasks.items()
        if k.startswith(point.name + "/") and "runtime_params" in v[2]
    )
    assert params["imbalance"]["profile"]["keep_fraction"] == 0.2 and params["replicates"] == 2
    assert json.loads(json.dumps(params)) == params


def test_the_first_task_opens_the_parent_run_and_a_child_per_point(tmp_path):
    project = copy_project(tmp_path)
    sweep = Sweep(project, grid.parse(["imbalance.profile.keep_fraction=0.1,0.2"]), env="smoke")
    runs = open_runs(sweep)
    assert list(runs) == [p.name for p in sweep.points]
    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    (parent,) = client.search_runs(
        [e.experiment_id for e in client.search_experiments()], "tags.`sweep.role` = 'parent'"
    )
    for name, run_id in runs.items():
        tags = client.get_run(run_id).data.tags
        assert tags["mlflow.parentRunId"] == parent.info.run_id and tags["sweep.point"] == name
    assert open_runs(sweep).keys() == runs.keys()  # a second DAG run: the same parent
    assert len(client.search_runs([parent.info.experiment_id], "tags.`sweep.role` = 'parent'")) == 1
