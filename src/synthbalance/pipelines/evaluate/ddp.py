"""The classifier on one of torchrun's processes: ``train_on_rank`` with this rank.

Every rank draws the same batch of each step and trains on its shard; DDP averages the
gradients. Every rank also scores the validation set (the same weights give the same scores),
so every rank keeps the same best weights; rank 0's come back to the node.
"""

from __future__ import annotations

import numpy as np

from synthbalance.distributed.rank import Rank, weights_digest
from synthbalance.images import ImageSet
from synthbalance.pipelines.evaluate.nodes import ClassifierParams, train_on_rank


def train_rank(inputs: dict[str, ImageSet], job: dict, rank: Rank) -> dict:
    """{"classifier": its state, "history": the training curves as plain rows, "digest": the
    weights' hash}."""
    params = ClassifierParams(**job["params"])
    classifier, history = train_on_rank(inputs["train_set"], inputs["validation"], params,
                                        job["seed"], job["class_weighted"], rank)  # fmt: skip
    rows = [{key: value.item() if isinstance(value, np.generic) else value
             for key, value in row.items()} for row in history.to_dict("records")]  # fmt: skip
    return {"classifier": classifier.state_dict(), "history": rows,
            "digest": weights_digest([classifier])}  # fmt: skip
