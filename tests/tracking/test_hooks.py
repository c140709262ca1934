"""The strategies' child runs: the hook finds its nodes by their tag, and a tagged node whose
output is not a StrategyResult fails the run with a message that names it."""

from __future__ import annotations

import pytest
from kedro.pipeline import node

from synthbalance.core.results import RESULT_TAG, ReplicateRun, StrategyResult
from synthbalance.pipelines.evaluate.pipeline import strategy_evaluation
from synthbalance.tracking.hooks import StrategyRunsHook


def test_each_strategy_s_result_node_carries_the_tag():
    tagged = [n.name for n in strategy_evaluation("smote").nodes if RESULT_TAG in n.tags]
    assert tagged == ["strategy.smote.report_strategy"]


def test_a_tagged_node_without_a_result_fails_naming_it():
    renamed = node(lambda: {}, None, "summary", name="strategy.gan.summarise", tags=[RESULT_TAG])
    with pytest.raises(TypeError, match=r"strategy.gan.summarise is tagged .* no StrategyResult"):
        StrategyRunsHook().after_node_run(
            node=renamed, catalog=None, outputs={"summary": {"runs": []}}
        )


def test_an_untagged_node_and_a_result_outside_a_run_log_nothing():
    result = StrategyResult("gan", 3, {"real": 3}, {"c0": 3}, [ReplicateRun(0, 42, {}, [0, 1, 0])])
    plain = node(lambda: 1, None, "x", name="other")
    tagged = node(lambda: 1, None, "report", name="strategy.gan.report_strategy", tags=[RESULT_TAG])
    StrategyRunsHook().after_node_run(node=plain, catalog=None, outputs={"x": 1})
    # no active run
    StrategyRunsHook().after_node_run(node=tagged, catalog=None, outputs={"report": result})


def test_each_parameter_block_is_logged_once_per_run_and_again_when_it_changes(monkeypatch):
    from synthbalance.tracking import hooks

    logged = []
    monkeypatch.setattr(hooks.mlflow, "log_param", lambda k, v: logged.append((k, v)))
    hook = hooks.ProjectMlflowHook()
    hook.flatten = True
    step = node(lambda *a: 1, ["x", "params:gan", "params:seed"], "y", name="n")
    first = {"x": [1, 2], "params:gan": {"steps": 3, "lr": 0.1}, "params:seed": 42}
    hook.before_node_run(node=step, catalog=None, inputs=first, is_async=False)
    assert sorted(logged) == [("gan.lr", 0.1), ("gan.steps", 3), ("seed", 42)]
    logged.clear()
    hook.before_node_run(node=step, catalog=None, inputs=first, is_async=False)
    assert logged == []  # the plugin alone would write all three again
    changed = {**first, "params:gan": {"steps": 4, "lr": 0.1}}
    hook.before_node_run(node=step, catalog=None, inputs=changed, is_async=False)
    assert sorted(logged) == [("gan.lr", 0.1), ("gan.steps", 4)]


def test_the_run_open_in_this_thread_is_not_opened_again_before_each_node(tmp_path, monkeypatch):
    """The plugin opens the session's run again before every node, for the runners' threads;
    in the thread that has it open, that was a read, a write and a read of the store, and
    one more copy of the run on MLflow's stack, per node."""
    import threading
    from types import SimpleNamespace

    import mlflow

    from synthbalance.tracking import hooks

    hook = hooks.ProjectMlflowHook()
    hook.mlflow_config = SimpleNamespace(tracking=SimpleNamespace(run=SimpleNamespace(nested=True)))
    step = node(lambda *a: 1, ["x", "params:seed"], "y", name="n")
    opened, real = [], mlflow.start_run
    monkeypatch.setattr(mlflow, "log_param", lambda k, v: None)
    monkeypatch.setattr(mlflow, "start_run", lambda **k: opened.append(k["run_id"]) or real(**k))
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with real() as run:
            hook.run_id = run.info.run_id
            for seed in (1, 2):
                hook.before_node_run(
                    node=step, catalog=None, inputs={"params:seed": seed}, is_async=False
                )
            assert opened == [] and mlflow.active_run().info.run_id == run.info.run_id
            elsewhere = threading.Thread(
                target=lambda: (
                    hook.before_node_run(node=step, catalog=None, inputs={}, is_async=False),
                    mlflow.end_run(),
                )
            )
            elsewhere.start()
            elsewhere.join()
            assert opened == [run.info.run_id] and hook.run_id == run.info.run_id
        assert mlflow.active_run() is None  # one copy on the stack, closed once
    finally:
        mlflow.set_tracking_uri(None)
