"""``quality``: the feature extractor, and how the synthetic images are scored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from synthbalance.config.classifier import NetworkParams


class QualityParams(BaseModel):
    """The feature extractor, and how the synthetic images are scored."""

    model_config = ConfigDict(extra="forbid")

    in_balance: bool = Field(
        True,
        description="Run the quality pipeline as part of `balance`. It shapes the DAG: "
        "read when the pipeline is built ([below](#build-time-parameters))",
    )
    extractor: NetworkParams = Field(
        default_factory=NetworkParams,
        description="How the measuring CNN is trained: the "
        "fields of `classifier` but where its networks are kept, used by the same training, on "
        "the full real train split with the dataset's own labels (5% of it, stratified, picks "
        "the best weights); it is kept in `cache_dir`",
    )
    cache_dir: str = Field(
        "data/06_models/feature_extractors",
        description="Where trained extractors are kept, one "
        "file per train split, seed and synthbalance version; a later run with the same "
        "`extractor` settings reuses it. conf/base puts it under `${globals:data}`; an "
        "environment that replaces the `quality` block must set it again",
    )
    nearest_k: PositiveInt = Field(
        5,
        description="Neighbours (k) of the k-NN manifolds of precision, recall, density and "
        "coverage",
    )
    max_images: PositiveInt = Field(
        10000,
        description="Most images per set (synthetic, reference, held-back); drawn at "
        "random beyond this",
    )
    subsamples: PositiveInt = Field(
        3,
        description="Subsamples of each replicate's synthetic set, each the size of the "
        "held-back real set, that the synthetic row of quality.csv averages (with a 95% "
        "interval over them): set size moves Fréchet distance, recall and coverage, so both "
        "rows are scored at one size",
    )
    copy_quantile: float = Field(
        0.01,
        gt=0,
        lt=1,
        description="A synthetic image is a near copy when it is closer to a "
        "GAN training image than this quantile of the held-back real images' distances to them",
    )
    grid_pairs: PositiveInt = Field(
        8, description="How many closest synthetic/training pairs `memorisation_pairs.png` shows"
    )
    inception_weights: str | None = Field(
        None,
        description="A local file of torch-fidelity's Inception v3 weights "
        "(weights-inception-2015-12-05-6726825d.pth): adds `inception_fid` and `inception_score` "
        "to quality.csv; `null`: off (nothing is downloaded)",
    )
    inception_images: PositiveInt = Field(
        1000,
        description="Images per set for the Inception figures (about 9 images/s on a 2-core CPU)",
    )
