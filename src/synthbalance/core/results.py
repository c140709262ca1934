"""The typed result of one strategy's evaluation: what the MLflow hook, the comparison and
the report read. Persisted as JSON by ``datasets.StrategyResultDataset``."""

from __future__ import annotations

from dataclasses import dataclass, field

# The tag of the nodes whose output is a strategy's StrategyResult (hooks.StrategyRunsHook).
RESULT_TAG = "strategy_result"


@dataclass(frozen=True)
class ReplicateRun:
    """One replicate's network, scored on the real test set and the validation set."""

    replicate: int
    seed: int  # the replicate's seed (seeding.replicate_seed), every stream of it derives from
    metrics: dict[str, float]  # test_* and val_* keys, the same for every strategy
    predicted: list[int]  # the predicted label of each test image, in the test set's order
    history: list[dict] = field(default_factory=list)  # validation curve: step, train_loss, val_*


@dataclass(frozen=True)
class StrategyResult:
    """A strategy's training set in counts, and each of its replicates' scores."""

    strategy: str
    train_images: int
    train_by_origin: dict[str, int]
    train_by_class: dict[str, int]
    runs: list[ReplicateRun]

    def to_json(self) -> dict:
        return {
            "strategy": self.strategy,
            "train_images": self.train_images,
            "train_by_origin": self.train_by_origin,
            "train_by_class": self.train_by_class,
            "runs": [
                {
                    "replicate": r.replicate,
                    "seed": r.seed,
                    "metrics": r.metrics,
                    "predicted": r.predicted,
                    "history": r.history,
                }
                for r in self.runs
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> StrategyResult:
        runs = [ReplicateRun(**run) for run in data["runs"]]
        return cls(**{**data, "runs": runs})

    def scores(self, key: str) -> list[float]:
        """Metric ``key`` (e.g. ``test_balanced_accuracy``) of each replicate, in order."""
        return [run.metrics[key] for run in sorted(self.runs, key=lambda run: run.replicate)]
