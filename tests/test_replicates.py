"""Replicates: a run of R + 2 replicates shares its first R with a run of R, and trains only
the new ones; replicate r's draws differ from replicate r + 1's in every random component."""

import json
import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from synthbalance.config import StrategiesParams
from synthbalance.core.images import ImageSet
from synthbalance.core.seeding import replicate_seed
from synthbalance.datasets import ImageSetDataset
from synthbalance.pipelines.strategies.nodes import build_train_set
from tests.conftest import (
    AGAINST_GAN,
    EACH_KIND,
    copy_project,
    kedro_environment,
    kedro_run,
    make_image_set,
)


def run(project, replicates: int) -> str:
    result = subprocess.run(
        kedro_run(
            "--env", "smoke", "--pipelines", "balance", "--params", f"replicates={replicates}"
        ),
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout + result.stderr


def test_replicate_seeds_are_distinct_and_depend_on_the_seed_and_r_only():
    seeds = [replicate_seed(42, r) for r in range(50)]
    assert seeds[0] == 42 and len(set(seeds)) == 50
    assert replicate_seed(42, 3) == seeds[3] and replicate_seed(43, 3) != seeds[3]
    with pytest.raises(ValueError, match="numbered from 0"):
        replicate_seed(42, -1)


@pytest.mark.parametrize("strategy", ["smote", "augment", "oversample"])
def test_each_replicate_draws_its_own_training_set(strategy):
    train = make_image_set([60, 6])
    fake = make_image_set([0, 30], seed=1)
    synthetic = ImageSet(fake.images, fake.labels, fake.class_names, ["synthetic"] * 30)
    sets = [
        build_train_set(
            StrategiesParams(),
            replicate_seed(0, r),
            strategy,
            train_imbalanced=train,
            synthetic=synthetic,
        )
        for r in (0, 1, 1)
    ]
    assert not np.array_equal(sets[0].images, sets[1].images)  # another replicate's draws
    assert np.array_equal(sets[1].images, sets[2].images)  # the same replicate twice


@pytest.mark.slow
def test_more_replicates_reuse_the_first_and_train_only_the_new(tmp_path):
    project = copy_project(tmp_path, EACH_KIND)
    run(project, 1)
    reporting = project / "data/smoke/08_reporting"
    one = json.loads((reporting / "strategies/gan.json").read_text())["runs"]
    log = run(project, 3)
    # replicate 0's five networks read back (threshold trains none: it adjusts none's),
    # replicates 1 and 2's ten trained
    assert len(re.findall(r"classifier: reusing the network", log)) == 5
    checkpoints = project / "data/smoke/06_models/classifier_checkpoints"
    assert len(list(checkpoints.glob("classifier-*.pt"))) == 15
    assert re.search(r"gan: resuming from step 20 ", log)  # replicate 0's GAN: nothing to train
    three = json.loads((reporting / "strategies/gan.json").read_text())["runs"]
    assert [r["replicate"] for r in three] == [0, 1, 2]
    assert three[0] == one[0]  # the first replicate is the same whatever R
    assert three[1]["predicted"] != three[2]["predicted"]
    comparison = pd.read_csv(reporting / "comparison.csv")
    assert (comparison["replicates"] == 3).all()


@pytest.mark.slow
def test_redraw_imbalance_gives_each_replicate_its_own_imbalanced_set(tmp_path):
    project = copy_project(tmp_path, AGAINST_GAN)
    result = subprocess.run(
        kedro_run("--env", "smoke", "--pipelines", "balance", "--params", "redraw_imbalance=true"),
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    data = project / "data/smoke"
    kept = [
        ImageSetDataset(filepath=str(data / f"03_primary/replicate_{r}/imbalanced.npz")).load()
        for r in (0, 1)
    ]
    assert np.array_equal(kept[0].class_counts(), kept[1].class_counts())  # the same profile
    assert not np.array_equal(kept[0].images, kept[1].images)  # other images kept
    assert not (data / "03_primary/imbalanced.npz").exists()  # no shared draw
    verdict = json.loads((data / "08_reporting/verdict.json").read_text())
    assert verdict["replicates"] == 2


def test_each_replicate_initialises_its_own_gan():
    from synthbalance.config import GanParams
    from synthbalance.training.gan import setup

    train = make_image_set([60, 6])
    params = GanParams(generator_width=4, discriminator_width=4, steps=1)
    weights = [setup(train, params, replicate_seed(0, r), "cpu")[1].state_dict() for r in (0, 1, 1)]
    first = next(iter(weights[0]))
    assert not np.array_equal(weights[0][first].numpy(), weights[1][first].numpy())
    assert all(np.array_equal(weights[1][k].numpy(), weights[2][k].numpy()) for k in weights[1])
