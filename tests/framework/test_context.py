"""The DAG's shape follows the environment Kedro was given: `--env E` and `KEDRO_ENV=E` build
the same pipeline, with `strategies.run` read through Kedro's own config loader."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_project, kedro_environment, kedro_run

# The nodes of `balance` as a session in the given environment builds them.
DESCRIBE = """
import json, sys
from pathlib import Path
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

bootstrap_project(Path.cwd())
with KedroSession.create(project_path=Path.cwd(), env=sys.argv[1] or None) as session:
    session.load_context()
    print(json.dumps(sorted(n.name for n in pipelines["balance"].nodes)))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with an environment `two`: smoke's settings, one replicate and
    two strategies."""
    project = copy_project(tmp_path_factory.mktemp("shape"))
    two = project / "conf" / "two"
    shutil.copytree(project / "conf" / "smoke", two)
    (two / "globals.yml").write_text("data: data/two\n")
    (two / "parameters_strategies.yml").write_text("strategies:\n  run: [none, oversample]\n")
    (two / "parameters.yml").write_text("replicates: 1\n")
    return project


def nodes(project: Path, env: str, variable: str | None) -> list[str]:
    environment = kedro_environment(project)
    environment.pop("KEDRO_ENV", None)
    if variable:
        environment["KEDRO_ENV"] = variable
    result = subprocess.run(
        [sys.executable, "-c", DESCRIBE, env],
        cwd=project,
        text=True,
        env=environment,
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_env_option_and_kedro_env_build_the_same_dag(project):
    by_option, by_variable = nodes(project, "two", None), nodes(project, "", "two")
    assert by_option == by_variable
    strategies = {name.split(".")[1] for name in by_option if name.startswith("strategy.")}
    assert strategies == {"none", "oversample"}
    assert not any(name.startswith("replicate_1.") for name in by_option)  # one replicate
    smoke = nodes(project, "smoke", None)
    # every registered strategy: trained (or, threshold, adjusted), scored, reported
    assert len({n for n in smoke if n.startswith("strategy.")}) == 13 * 3
    # per replicate (smoke: 2): its seed, its imbalance's 4 nodes (redraw_imbalance), the
    # GAN's 5, sampling, DeepSMOTE's 2, 13 sets
    per_replicate = {n for n in smoke if n.startswith("replicate_")}
    assert len({n for n in per_replicate if ".imbalance." in n}) == 2 * 4
    assert len(per_replicate) == 2 * (1 + 4 + 5 + 1 + 2 + 13)


@pytest.mark.slow
def test_kedro_run_env_runs_the_environment_s_strategies(project):
    result = subprocess.run(
        kedro_run("--env", "two", "--pipelines", "balance"),
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    comparison = pd.read_csv(project / "data/two/08_reporting/comparison.csv")
    assert comparison["strategy"].tolist() == ["none", "oversample"]
    with sqlite3.connect(project / "mlflow.db") as db:
        children = db.execute(
            "SELECT t.value FROM tags t JOIN tags p USING (run_uuid) WHERE t.key = 'strategy' "
            "AND p.key = 'mlflow.parentRunId'"
        ).fetchall()
    assert sorted(children) == [("none",), ("oversample",)]


@pytest.mark.parametrize("value", [0, -1, 2.5, "three", True])
def test_a_bad_replicate_count_stops_the_build_naming_it(monkeypatch, value):
    from synthbalance.framework import context

    monkeypatch.setattr(context, "_parameters", lambda: {"replicates": value})
    with pytest.raises(ValueError, match=r"replicates must be a whole number of at least 1"):
        context.replicates()


def test_a_bad_redraw_flag_stops_the_build_naming_it(monkeypatch):
    from synthbalance.framework import context

    monkeypatch.setattr(context, "_parameters", lambda: {"redraw_imbalance": "yes"})
    with pytest.raises(ValueError, match=r"redraw_imbalance must be true or false"):
        context.redraw_imbalance()


class CountingLoader(dict):
    """A config loader that counts its reads of the parameters."""

    def __init__(self, parameters: dict) -> None:
        super().__init__(parameters=parameters)
        self.reads = 0

    def __getitem__(self, key: str):
        self.reads += key == "parameters"
        return super().__getitem__(key)


def test_a_context_s_parameters_are_read_once_and_a_new_context_reads_its_own(monkeypatch):
    """Building the DAG asks for the parameters about twenty times; each read would parse
    every parameters file again. One read per context, and the next context (another
    environment in the same process) reads its own."""
    from synthbalance.framework import context

    monkeypatch.setattr(context, "_loader", None)
    monkeypatch.setattr(context, "_read", None)

    def make(parameters: dict) -> CountingLoader:
        loader = CountingLoader(parameters)
        context.ProjectContext(
            project_path=Path.cwd(),
            config_loader=loader,
            env="test",
            package_name="synthbalance",
            hook_manager=None,
        )
        return loader

    first = make({"replicates": 2, "strategies": {"run": ["none", "gan"]}})
    for _ in range(5):
        assert context.replicates() == 2 and context.strategies_to_run() == ["none", "gan"]
        assert context.drawn("validation") == "validation"
    assert first.reads == 1
    second = make({"replicates": 3, "redraw_imbalance": True})
    assert context.replicates() == 3 and context.drawn("validation") == "replicate_0.validation"
    assert (first.reads, second.reads) == (1, 1)
    # a loader set for one pipeline and put back (a sweep's point, sweep/airflow.py)
    point = CountingLoader({"replicates": 1})
    monkeypatch.setattr(context, "_loader", point)
    assert context.replicates() == 1 and point.reads == 1
    monkeypatch.setattr(context, "_loader", second)
    assert context.replicates() == 3 and second.reads == 2
