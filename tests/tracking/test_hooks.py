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
