"""The cifar10 environment's shape on a slice: its photo networks, colour GAN and report,
with tiny budgets, on real CIFAR-10 JPEGs where the shared archive is at hand, else on
JPEG photos of the same layout written here."""

import re
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest
from kedro.io import Version
from PIL import Image

from synthbalance.datasets import ImageSetDataset
from tests.conftest import copy_project, kedro_environment, kedro_run

ARCHIVE = Path(__file__).parents[2] / "shared/data/cifar10-jpg/cifar10-jpg.tar.gz"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
PER_CLASS = {"train": 60, "test": 8}

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


def real_slice(folder: Path) -> bool:
    """The first ``PER_CLASS`` JPEGs of each class and split from the shared archive."""
    if not ARCHIVE.is_file():
        return False
    taken: dict[tuple[str, str], int] = {}
    with tarfile.open(ARCHIVE) as archive:
        for member in archive:
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) < 3:
                continue
            split, name = parts[-3], parts[-2]
            if taken.get((split, name), 0) < PER_CLASS.get(split, 0):
                taken[(split, name)] = taken.get((split, name), 0) + 1
                target = folder / split / name / parts[-1]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())
            if len(taken) == 2 * len(CLASSES) and all(
                taken[key] == PER_CLASS[key[0]] for key in taken
            ):
                break
    return True


def written_slice(folder: Path) -> None:
    """JPEG photos in CIFAR-10's layout: each class a colour, with noise."""
    rng = np.random.default_rng(0)
    for split, count in PER_CLASS.items():
        for k, name in enumerate(CLASSES):
            (folder / split / name).mkdir(parents=True)
            colour = np.array([25 * k, 255 - 25 * k, (90 * k) % 256])
            for i in range(count):
                pixels = np.clip(colour + rng.normal(0, 30, (32, 32, 3)), 0, 255)
                Image.fromarray(pixels.astype(np.uint8)).save(folder / split / name / f"{i}.jpg")


@pytest.mark.slow
def test_the_cifar10_environment_runs_end_to_end_on_a_slice(tmp_path):
    photos = tmp_path / "cifar10_jpg"
    if not real_slice(photos):
        written_slice(photos)
    project = copy_project(tmp_path / "project")
    result = subprocess.run(
        kedro_run(
            "--env",
            "cifar10",
            "--pipelines",
            "balance",
            "--params",
            f"ingest.folder={photos},{TINY}",
        ),
        cwd=project,
        env=kedro_environment(project),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
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
