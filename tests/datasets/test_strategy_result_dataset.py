import pytest
from kedro.io.core import DatasetError

from synthbalance.core.results import ReplicateRun, StrategyResult
from synthbalance.datasets import StrategyResultDataset


def test_a_strategy_result_round_trips_and_anything_else_is_refused(tmp_path):
    result = StrategyResult(
        "gan",
        3,
        {"real": 2, "synthetic": 1},
        {"c0": 2, "c1": 1},
        [ReplicateRun(0, 42, {"test_accuracy": 1.0}, [0, 1, 0], [{"step": 5}])],
    )
    dataset = StrategyResultDataset(filepath=str(tmp_path / "gan.json"))
    dataset.save(result)
    assert dataset.load() == result
    with pytest.raises(DatasetError, match="saves a StrategyResult, not dict"):
        dataset.save(result.to_json())
    (tmp_path / "bad.json").write_text('{"strategy": "gan"}')
    with pytest.raises(DatasetError, match="not a readable StrategyResult file"):
        StrategyResultDataset(filepath=str(tmp_path / "bad.json")).load()
