"""The parameter models: one pydantic model per block of conf/base/parameters_<block>.yml.

Each field holds its default, its constraints and its description; conf/base holds the same
defaults (tests/config/test_defaults.py), and docs/configuration.md is generated from these
models (docs/generate_configuration.py). Kedro validates each ``params:<block>`` input into
its model, by the node function's type hint, before any node runs.
"""

from synthbalance.config.classifier import ClassifierParams, NetworkParams
from synthbalance.config.gan import GanParams, StoppingParams
from synthbalance.config.imbalance import ImbalanceParams
from synthbalance.config.ingest import IngestParams
from synthbalance.config.quality import QualityParams
from synthbalance.config.sample import SampleParams
from synthbalance.config.strategies import AugmentParams, StrategiesParams
from synthbalance.config.verdict import VerdictParams

# Each block of parameters (its top-level key) and its model.
BLOCKS = {
    "ingest": IngestParams,
    "imbalance": ImbalanceParams,
    "gan": GanParams,
    "sample": SampleParams,
    "strategies": StrategiesParams,
    "classifier": ClassifierParams,
    "quality": QualityParams,
    "verdict": VerdictParams,
}

# Top-level parameters that are a plain value, not a block.
PLAIN = {
    "seed": "The one seed every random generator of every stage derives from "
    "(`synthbalance.core.seeding.make_rng(seed, stage)`, one stream per stage): the same seed "
    "gives "
    "the same numbers on the same machine",
    "replicates": "How many times everything random after the data is given is drawn again: "
    "the GAN (its initial weights, noise and batches: one GAN per replicate), its synthetic "
    "samples, SMOTE's and the augmentation's draws, and each strategy's classifier (initial "
    "weights, batches, dropout). Replicate r's streams derive from the seed and r only "
    "(`synthbalance.core.seeding.replicate_seed`). The verdict's intervals are over replicates "
    "(pooled over the headline's strategies when their spreads are alike, (S - 1)(R - 1) "
    "degrees of freedom; else each pair's own, R - 1); with 1 there is none and the verdict "
    "draws no conclusion. It shapes the DAG: one `replicate_<r>` namespace each",
    "redraw_imbalance": "`true` (the default): each replicate also draws again which images "
    "the imbalance keeps, and its validation split (for a simulated imbalance: which 5% of "
    "the fives survive is as random as the GAN's noise, and the verdict's intervals should "
    "hold it); `false`: every replicate trains on the one imbalanced set (a user's real data "
    "is given, or a registered generator is sampled, which needs it). It shapes the DAG",
}

__all__ = [
    "BLOCKS",
    "PLAIN",
    "AugmentParams",
    "ClassifierParams",
    "GanParams",
    "ImbalanceParams",
    "IngestParams",
    "NetworkParams",
    "QualityParams",
    "SampleParams",
    "StoppingParams",
    "StrategiesParams",
    "VerdictParams",
]
