"""The exported DAG run by Airflow 3's scheduler, one task at a time and N at a time: the same
tables as `kedro run`, and how long each takes (issue 34).

In a scratch copy of the project, an environment of the smoke data with three strategies
(`none`, `augment`, `gan`) and two replicates (``--env``, as tests/test_airflow_run.py).
First `kedro run` itself. Then, for each ``--tasks N``: a fresh data folder, MLflow store and
Airflow home; the DAG exported with ``max_active_tasks=N``; Airflow's API server, DAG
processor and scheduler (LocalExecutor, N slots) started in `.venv-airflow` with the
project's packages after Airflow's own; the DAG triggered and waited for. Each configuration
prints its wall time (the DAG run's start to end), the sum of its task times (what one slot
must do), the critical path (the longest chain of task times through the DAG: the wall time
with unlimited slots and no start-up wait), the most tasks that ran at once, and whether its
comparison.csv and verdict.json are byte for byte `kedro run`'s.

    .venv/bin/python benchmarks/airflow_tasks.py --tasks 1 2

It then says what N workers would give: the DAG scheduled on N slots (each with cores of its
own) with the task times of the run with the fewest at once. ``--node-times mlflow.db`` does
the same for a real run without running one: the node times (``time.<node>`` metrics) of the
newest `kedro run` in that store, plus ``--start-up`` seconds per task (a task's own Kedro
session, measured here), over the dependencies of `balance` in ``--node-env``.

Needs `.venv-airflow` (`make .venv-airflow/.installed`) and kedro-airflow in `.venv`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime
from pathlib import Path

from _common import PROJECT, print_table, save_json, scratch_project  # benchmarks/ is on sys.path

OUTPUTS = ("comparison.csv", "verdict.json")
# Airflow's packages first, the project's after them (as tests/test_airflow_run.py).
LAUNCHER = (
    "import site, sys; site.addsitedir(sys.argv.pop(1)); sys.argv[0] = 'airflow'; "
    "from airflow.__main__ import main; main()"
)
KEDRO = Path(sys.executable).parent / "kedro"


def small_project(folder: Path, env: str) -> Path:
    project = scratch_project(folder)
    shutil.copytree(project / "conf/smoke", project / f"conf/{env}")
    with (project / f"conf/{env}/parameters_strategies.yml").open("a") as strategies:
        strategies.write("  run: [none, augment, gan]\n")
    return project


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list, cwd: Path, env: dict, timeout: float = 1800) -> float:
    """Run to the end; its wall seconds. A failure stops the benchmark with its output."""
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode:
        said = done.stdout[-3000:] + done.stderr[-3000:]
        sys.exit(f"{' '.join(map(str, command))} failed:\n{said}")
    return time.perf_counter() - start


def reset(project: Path) -> None:
    shutil.rmtree(project / "data", ignore_errors=True)
    (project / "mlflow.db").unlink(missing_ok=True)
    shutil.rmtree(project / "mlruns", ignore_errors=True)


def mlflow_runs(project: Path) -> str:
    """'top-level runs / child runs', and their statuses when not all FINISHED."""
    with sqlite3.connect(project / "mlflow.db") as db:
        runs = dict(db.execute("SELECT run_uuid, status FROM runs").fetchall())
        parents = dict(
            db.execute(
                "SELECT run_uuid, value FROM tags WHERE key = 'mlflow.parentRunId'"
            ).fetchall()
        )
    statuses = sorted(set(runs.values()))
    said = f"{sum(run not in parents for run in runs)} / {len(parents)}"
    return said if statuses == ["FINISHED"] else f"{said} ({', '.join(statuses)})"


def outputs(project: Path) -> dict[str, bytes]:
    return {name: (project / "data/smoke/08_reporting" / name).read_bytes() for name in OUTPUTS}


def airflow_dag_run(
    project: Path, env: str, slots: int, scratch: Path, python: str, kedro_env: dict
) -> dict:
    """One DAG run under a scheduler with ``slots`` tasks at once; its figures."""
    dag_id = f"synthbalance_{env}_balance"
    dags, home = scratch / "dags", scratch / "airflow_home"
    shutil.rmtree(dags, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    run(
        [
            KEDRO,
            "airflow",
            "create",
            "--pipelines",
            "balance",
            "--env",
            env,
            "--target-dir",
            dags,
            "--jinja-file",
            PROJECT / "templates/airflow_dag_template.j2",
            "--params",
            f"project_path={project},max_active_tasks={slots}",
        ],
        project,
        kedro_env,
    )
    port = free_port()
    environment = {
        **kedro_env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(slots),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "synthbalance-benchmark",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    }
    airflow = [python, "-c", LAUNCHER, sysconfig.get_paths()["purelib"]]
    run([*airflow, "db", "migrate"], project, environment)
    logs = scratch / f"logs_{slots}"
    logs.mkdir(exist_ok=True)
    components = {"api-server": ["--port", str(port)], "dag-processor": [], "scheduler": []}
    servers = [
        subprocess.Popen(
            [*airflow, name, *extra],
            cwd=project,
            env=environment,
            stdout=(logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name, extra in components.items()
    ]
    db = home / "airflow.db"
    try:
        wait_for(
            lambda: query(db, "SELECT 1 FROM dag WHERE dag_id = ?", dag_id),
            300,
            "the DAG processor to parse the DAG",
            logs,
        )
        run([*airflow, "dags", "unpause", dag_id], project, environment)
        run([*airflow, "dags", "trigger", dag_id], project, environment)
        state = lambda: query(db, "SELECT state FROM dag_run WHERE dag_id = ?", dag_id)  # noqa: E731
        wait_for(
            lambda: state() and state()[0][0] in ("success", "failed"),
            3600,
            "the DAG run to finish",
            logs,
        )
        ((final, started, ended),) = query(
            db, "SELECT state, start_date, end_date FROM dag_run WHERE dag_id = ?", dag_id
        )
        tasks = query(
            db,
            "SELECT task_id, state, start_date, end_date FROM task_instance WHERE dag_id = ?",
            dag_id,
        )
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    if final != "success":
        failed = [t for t, s, *_ in tasks if s != "success"]
        sys.exit(f"the DAG run ended {final}; tasks not successful: {failed}; logs in {logs}")
    spans = {task: (when(start), when(end)) for task, _, start, end in tasks}
    return {
        "state": final,
        "wall_seconds": round(when(ended) - when(started), 1),
        "tasks": len(spans),
        "task_seconds_sum": round(sum(end - start for start, end in spans.values()), 1),
        "critical_path_seconds": round(critical_path(spans, edges(dags / f"{dag_id}_dag.py")), 1),
        "edges": edges(dags / f"{dag_id}_dag.py"),
        "most_at_once": most_at_once(spans),
        "spans": {task: [round(s, 3), round(e, 3)] for task, (s, e) in spans.items()},
    }


def query(db: Path, sql: str, *args) -> list:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as connection:
            return connection.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # the table is not there yet
        return []


def wait_for(condition, seconds: float, what: str, logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"gave up waiting for {what} after {seconds:.0f} s; logs in {logs}")
        time.sleep(2)


def when(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def edges(dag_file: Path) -> list[tuple[str, str]]:
    """The DAG's dependencies, ``tasks["a"] >> tasks["b"]``: a task's key is its node's name,
    which is also its full Airflow id (group.task)."""
    return re.findall(
        r'^    tasks\["([^"]+)"\] >> tasks\["([^"]+)"\]$', dag_file.read_text(), flags=re.MULTILINE
    )


def critical_path(spans: dict[str, tuple[float, float]], links: list) -> float:
    """The longest chain of task durations through the DAG's dependencies."""
    upstream: dict[str, list[str]] = {task: [] for task in spans}
    for parent, child in links:
        upstream[child].append(parent)
    finish: dict[str, float] = {}

    def longest(task: str) -> float:
        if task not in finish:
            start, end = spans[task]
            finish[task] = (end - start) + max((longest(p) for p in upstream[task]), default=0)
        return finish[task]

    return max(longest(task) for task in spans)


def scheduled(spans: dict[str, tuple[float, float]], links: list, workers: int) -> float:
    """The wall time of the DAG with ``workers`` slots, each with cores of its own, if every
    task took the time it took in ``spans``: tasks start as soon as their upstream tasks
    have finished and a slot is free, the longest-waiting first (no scheduler gaps)."""
    upstream: dict[str, set[str]] = {task: set() for task in spans}
    for parent, child in links:
        upstream[child].add(parent)
    done: dict[str, float] = {}
    free = [0.0] * workers
    while len(done) < len(spans):
        ready = [t for t in spans if t not in done and upstream[t] <= done.keys()]
        task = min(ready, key=lambda t: max((done[p] for p in upstream[t]), default=0.0))
        slot = min(range(workers), key=free.__getitem__)
        start = max(free[slot], max((done[p] for p in upstream[task]), default=0.0))
        done[task] = free[slot] = start + spans[task][1] - spans[task][0]
    return max(done.values())


def most_at_once(spans: dict[str, tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in spans.values()] + [(e, -1) for _, e in spans.values()])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks",
        type=int,
        nargs="+",
        default=[1, 2],
        help="tasks at once, one DAG run each (default 1 2)",
    )
    parser.add_argument("--env", default="small", help="the scratch environment's name")
    parser.add_argument("--airflow-python", default=str(PROJECT / ".venv-airflow/bin/python"))
    parser.add_argument("--out", default=str(PROJECT / "benchmarks/results"))
    parser.add_argument("--from-json", help="only print the tables of a saved airflow_tasks.json")
    parser.add_argument(
        "--node-times",
        help="an MLflow SQLite store: only the estimate for the node times of its newest run",
    )
    parser.add_argument("--node-env", default="local", help="--node-times's environment")
    parser.add_argument("--run-id", default="", help="--node-times's run (its id or a prefix)")
    parser.add_argument(
        "--start-up",
        type=float,
        default=9.5,
        help="seconds a task spends outside its node (--node-times)",
    )
    args = parser.parse_args()
    if args.from_json:
        report(json.loads(Path(args.from_json).read_text()))
        return
    if args.node_times:
        estimate(Path(args.node_times), args.node_env, args.start_up, args.run_id)
        return
    if not Path(args.airflow_python).is_file():
        sys.exit(f"no Airflow interpreter at {args.airflow_python}: make .venv-airflow/.installed")

    scratch = Path(tempfile.mkdtemp(prefix="airflow_tasks_"))
    project = small_project(scratch / "project", args.env)
    kedro_env = {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "1",
        "KEDRO_LOGGING_CONFIG": str(project / "logging.yml"),
    }
    kedro_env.pop("KEDRO_ENV", None)
    seconds = run([KEDRO, "run", "--env", args.env, "--pipelines", "balance"], project, kedro_env)
    reference = outputs(project)
    rows = [
        {
            "how": "kedro run",
            "wall s": round(seconds, 1),
            "task s, sum": "—",
            "critical path s": "—",
            "most at once": "—",
            "same tables": "—",
            "MLflow runs / children": mlflow_runs(project),
        }
    ]
    results = {}
    for slots in args.tasks:
        reset(project)
        result = airflow_dag_run(project, args.env, slots, scratch, args.airflow_python, kedro_env)
        result["same_tables"] = outputs(project) == reference
        result["mlflow"] = mlflow_runs(project)
        results[slots] = result
        rows.append(
            {
                "how": f"Airflow, {slots} at once",
                "wall s": result["wall_seconds"],
                "task s, sum": result["task_seconds_sum"],
                "critical path s": result["critical_path_seconds"],
                "most at once": result["most_at_once"],
                "same tables": "yes" if result["same_tables"] else "NO",
                "MLflow runs / children": result["mlflow"],
            }
        )
        print(f"{slots} at once: {result['wall_seconds']} s", flush=True)
    saved = {
        "env": args.env,
        "cpus": os.cpu_count(),
        "kedro_run_seconds": seconds,
        "runs": results,
        "rows": rows,
    }
    save_json(args.out, "airflow_tasks", saved)
    shutil.rmtree(scratch, ignore_errors=True)
    report(saved)


TIMES = "SELECT substr(key, 6), value FROM metrics WHERE run_uuid = ? AND key LIKE 'time.%'"


def estimate(store: Path, env: str, start_up: float, prefix: str = "") -> None:
    """What N workers would give a real run, from its node times and the DAG's edges."""
    from synthbalance.pipelines.balance import create_pipeline

    os.chdir(PROJECT)  # the pipeline's shape is read from ./conf, in ``env``
    os.environ["KEDRO_ENV"] = env
    pipeline = create_pipeline()
    links = [
        (parent.name, child.name)
        for child, parents in pipeline.node_dependencies.items()
        for parent in parents
    ]
    names = {node.name for node in pipeline.nodes}
    with sqlite3.connect(store) as db:
        runs = db.execute(
            "SELECT run_uuid FROM runs WHERE run_uuid NOT IN (SELECT run_uuid "
            "FROM tags WHERE key = 'mlflow.parentRunId') "
            "ORDER BY start_time DESC"
        ).fetchall()
        for (run,) in runs:  # the newest run of every node of this pipeline
            times = dict(db.execute(TIMES, (run,)).fetchall())
            if names <= times.keys() and run.startswith(prefix):
                break
        else:
            sys.exit(
                f"no run {prefix}… in {store} has a time.<node> metric for every node "
                f"of balance in {env}"
            )
    spans = {node.name: (0.0, times[node.name] + start_up) for node in pipeline.nodes}
    print(
        f"run {run} of {store}: {len(spans)} nodes, {sum(times.values()):.0f} s in nodes; "
        f"each task {start_up} s more"
    )
    print_table(
        [{"workers": n, "wall s": round(scheduled(spans, links, n), 1)} for n in (1, 2, 4, 8, 16)]
        + [{"workers": "∞ (critical path)", "wall s": round(critical_path(spans, links), 1)}]
    )


def report(saved: dict) -> None:
    """The table, and what N workers would give with the task times of the slowest run."""
    print()
    print_table(saved["rows"])
    runs = saved["runs"]
    print(
        f"\n{next(iter(runs.values()))['tasks']} tasks; each DAG run's comparison.csv and "
        f"verdict.json against `kedro run --env {saved['env']}`'s, byte for byte; "
        f"{saved['cpus']} CPUs"
    )
    alone = runs[min(runs, key=int)]  # the fewest at once: task times least slowed by others
    spans, links = alone["spans"], alone["edges"]
    print(
        f"\nWith the task times of {min(runs, key=int)} at once and N workers with cores of "
        "their own (no scheduler gaps):"
    )
    print_table(
        [{"workers": n, "wall s": round(scheduled(spans, links, n), 1)} for n in (1, 2, 4, 8, 16)]
        + [{"workers": "∞ (critical path)", "wall s": round(critical_path(spans, links), 1)}]
    )


if __name__ == "__main__":
    main()
