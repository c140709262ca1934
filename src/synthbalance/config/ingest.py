"""``ingest``: which images to read, from where, and in what shape."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

# Where Debian's dataset packages put a source's files (`apt-get install dataset-fashion-mnist`).
SYSTEM_FOLDERS = {"fashion_mnist": Path("/usr/share/datasets/fashion-mnist")}


class IngestParams(BaseModel):
    """Which images to read, from where, and in what shape."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["mnist", "fashion_mnist", "cifar10", "folder", "digits"] = Field(
        "mnist",
        description="Which dataset to read; README's table lists the files each source expects",
    )
    folder: str | None = Field(
        None,
        description="Where the files are; default data/01_raw/<source>. Not under the "
        "environment's `data` folder: the same for every environment",
    )
    download: bool = Field(
        True,
        description="Download through torchvision when files are missing. Applies to "
        "`mnist`, `fashion_mnist` and `cifar10`",
    )
    image_size: PositiveInt | None = Field(
        None, description="Resize to size x size; `null`: native. `folder` uses 32 when null"
    )
    color: Literal["grey", "rgb"] | None = Field(
        None,
        description="Colour of the images; `null`: the source's own. `folder` uses `rgb` when null",
    )
    test_fraction: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="Share of each class held out for test (rounded up), for "
        "sources without a test split (`digits`, a `folder` without `train/` and `test/`)",
    )
    train_fraction: float = Field(
        1.0, gt=0, le=1, description="Keep this stratified share of the train split (quick runs)"
    )
    skip_bad_files: bool = Field(
        False,
        description="`folder` only: leave out unreadable images, named in a warning, "
        "instead of stopping",
    )

    @property
    def source_folder(self) -> Path:
        """``folder``; when null, data/01_raw/<source>, or where a Debian package installs
        the source's files when that folder is missing and the package's is there."""
        if self.folder:
            return Path(self.folder)
        default = Path(f"data/01_raw/{self.source}")
        system = SYSTEM_FOLDERS.get(self.source)
        return system if not default.exists() and system and system.is_dir() else default
