"""The parameter models: one pydantic model per block of conf/base/parameters_<block>.yml.

Each field holds its default, its constraints and its description; conf/base holds the same
defaults (tests/config/test_defaults.py), and docs/configuration.md is generated from these
models (docs/generate_configuration.py). Kedro validates each ``params:<block>`` input into
its model, by the node function's type hint, before any node runs.
"""

from synthbalance.config.classifier import ClassifierParams
from synthbalance.config.gan import GanParams
from synthbalance.config.imbalance import ImbalanceParams
from synthbalance.config.ingest import IngestParams
from synthbalance.config.quality import QualityParams
from synthbalance.config.sample import SampleParams
from synthbalance.config.strategies import AugmentParams, StrategiesParams

# Top-level parameters that are a plain value, not a block.
PLAIN = {
    "seed": "The one seed every random generator of every stage derives from "
    "(`synthbalance.seeding.make_rng(seed, stage)`, one stream per stage): the same seed gives "
    "the same numbers on the same machine",
}

__all__ = [
    "PLAIN",
    "AugmentParams",
    "ClassifierParams",
    "GanParams",
    "ImbalanceParams",
    "IngestParams",
    "QualityParams",
    "SampleParams",
    "StrategiesParams",
]
