"""The cifar10 environment's shape on a slice: its photo networks, colour GAN and report,
with tiny budgets, on real CIFAR-10 JPEGs where the shared archive is at hand, else on
JPEG photos of the same layout written here."""

import re

import numpy as np
import pytest
from kedro.io import Version

from synthbalance.datasets import ImageSetDataset
from tests.conftest import copy_project, run_balance
from tests.photos import CLASSES, real_slice, written_slice

TINY = ",".join(
    [
        "replicates=2",
        "imbalance.profile.ratio=10",
        "classifier.width=4",
        "classifier.steps=20",
        "classifier.batch_size=32",
        "classifier.eval_every=10",
        "quality.extractor.width=4",
        "quality.extractor.steps=20",
        "quality.extractor.eval_every=10",
        "quality.nearest_k=2",
        "gan.generator_width=8",
        "gan.discriminator_width=8",
        "gan.steps=20",
        "gan.batch_size=16",
        "gan.progress_every=10",
        "gan.monitor_images=20",
        "gan.log_every=5",
        "gan.checkpoint_every=10",
        "gan.stopping.every=10",
        "gan.stopping.images=20",
        "gan.stopping.components=8",
        "strategies.deepsmote.code=16",
        "strategies.deepsmote.width=8",
        "strategies.deepsmote.steps=20",
        "strategies.deepsmote.batch_size=16",
        "strategies.deepsmote.penalty_images=16",
    ]
)


@pytest.mark.slow
def test_the_cifar10_environment_runs_end_to_end_on_a_slice(tmp_path):
    photos = tmp_path / "cifar10_jpg"
    if not real_slice(photos):
        written_slice(photos)
    project = copy_project(tmp_path / "project")
    run_balance(project, "cifar10", f"ingest.folder={photos}", TINY)
    data = project / "data/cifar10"

    train = ImageSetDataset(filepath=str(data / "02_intermediate/raw_train.npz")).load()
    assert train.images.shape[1:] == (3, 32, 32) and train.class_names == CLASSES
    kept = ImageSetDataset(filepath=str(data / "03_primary/replicate_0/imbalanced.npz")).load()
    assert kept.class_counts()[0] == 10 * kept.class_counts()[-1]  # long-tailed, ratio 10
    synthetic = ImageSetDataset(
        filepath=str(data / "05_model_input/replicate_0/synthetic.npz"), version=Version(None, None)
    ).load()
    assert synthetic.images.shape[1:] == (3, 32, 32) and synthetic.images.dtype == np.uint8

    page = (data / "08_reporting/report.html").read_text()
    assert "Trained on generated, tested on real" in page
    assert 'id="generated-vs-real"' in page and page.count("confusion matrix of") == 2
    assert re.search(r"classifies the 80 real test images with accuracy [01]\.\d{4}", page)
