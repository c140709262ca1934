"""The floor (core, models, training, distributed) stands on its own: importing it brings
in no Kedro and no MLflow, so torchrun's workers and a notebook use it without them."""

import subprocess
import sys

CORE = (
    "images",
    "augmentation",
    "seeding",
    "progress",
    "metrics",
    "statistics",
    "results",
    "charts",
)
FLOOR = (
    *(f"synthbalance.core.{name}" for name in CORE),
    "synthbalance.models.classifier",
    "synthbalance.models.gan",
    "synthbalance.models.autoencoder",
    "synthbalance.training.classifier",
    "synthbalance.training.gan",
    "synthbalance.training.deepsmote",
    "synthbalance.distributed.launch",
    "synthbalance.distributed.__main__",
)
PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_the_floor_imports_no_kedro_and_no_mlflow():
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *FLOOR],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "synthbalance" in loaded and "torch" in loaded
    assert not loaded & {"kedro", "kedro_datasets", "kedro_mlflow", "mlflow"}
