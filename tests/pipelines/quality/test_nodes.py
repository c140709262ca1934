import numpy as np
import pytest

from synthbalance.config import NetworkParams, QualityParams
from synthbalance.core.images import ImageSet
from synthbalance.pipelines.quality.extractor import fit_feature_extractor
from synthbalance.pipelines.quality.nodes import score_progress, score_synthetic
from tests.conftest import make_image_set


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    full = make_image_set([80, 80], size=8, seed=0)
    train = full.take(np.concatenate([np.arange(80), np.arange(80, 90)]))  # 10 of class 1 kept
    params = QualityParams(
        extractor=NetworkParams(width=4, steps=10, batch_size=16, eval_every=5),
        cache_dir=str(tmp_path_factory.mktemp("extractors")),
        nearest_k=3,
        max_images=500,
    )
    extractor = fit_feature_extractor(full, params, seed=0)
    return full, train, params, extractor


def as_synthetic(image_set: ImageSet) -> ImageSet:
    return ImageSet(
        image_set.images,
        image_set.labels,
        image_set.class_names,
        np.full(len(image_set), "synthetic"),
    )


def test_copies_of_training_images_are_flagged_fresh_images_are_not(setting):
    full, train, params, extractor = setting
    copies = as_synthetic(train.take(np.repeat(np.arange(80, 90), 3)))
    table, metrics, grid = score_synthetic(
        extractor, full, train, params, seed=0, synthetic_0=copies
    )
    synthetic = table[table["set"] == "synthetic"].iloc[0]
    assert synthetic["memorisation_pixels"] == 1.0
    assert metrics["c1.synthetic.memorisation_pixels"] == {"value": 1.0, "step": 0}
    assert grid.size[0] > 0

    # Fresh images of the real distribution are flagged at about the copy quantile's rate
    # (1%), by construction: as often as held-back real images are.
    fresh = as_synthetic(make_image_set([0, 100], size=8, seed=5))
    table, _, _ = score_synthetic(extractor, full, train, params, seed=0, synthetic_0=fresh)
    assert table[table["set"] == "synthetic"].iloc[0]["memorisation_pixels"] <= 0.05


def test_held_back_real_images_score_like_real_ones(setting):
    full, train, params, extractor = setting
    fresh = as_synthetic(make_image_set([0, 30], size=8, seed=5))
    table, _, _ = score_synthetic(extractor, full, train, params, seed=0, synthetic_0=fresh)
    held = table[table["set"] == "held_back"].iloc[0]
    assert held["memorisation_pixels"] <= 0.05  # the copy quantile, by construction
    figures = table.drop(columns=["group", "set"]).filter(regex=r"^(?!.*_(low|high)$)")
    assert not figures.isna().any().any()
    assert held["subsamples"] == 1 and np.isnan(held["fd_low"])  # one set: no interval


def test_the_synthetic_row_is_scored_at_the_held_back_size_over_subsamples(setting):
    full, train, params, extractor = setting
    sets = {
        f"synthetic_{r}": as_synthetic(make_image_set([0, 300], size=8, seed=5 + r))
        for r in range(2)
    }
    table, metrics, _ = score_synthetic(extractor, full, train, params, seed=0, **sets)
    synthetic = table[table["set"] == "synthetic"].iloc[0]
    held = table[table["set"] == "held_back"].iloc[0]
    assert synthetic["images"] == held["images"] == 35  # 70 unseen real images of c1, halved
    assert synthetic["subsamples"] == 2 * params.subsamples  # each replicate's, subsampled
    assert synthetic["fd_low"] < synthetic["fd"] < synthetic["fd_high"]
    assert "c1.synthetic.fd_low" in metrics and "c1.held_back.fd_low" not in metrics


def test_too_few_unseen_real_images_is_a_clear_error(setting):
    full, train, params, extractor = setting
    few = full.take(np.concatenate([np.arange(80), np.arange(80, 96)]))  # 6 unseen of c1
    fresh = as_synthetic(make_image_set([0, 30], size=8, seed=5))
    with pytest.raises(ValueError, match=r"classes \['c1'\] have 6 real images the GAN never"):
        score_synthetic(extractor, few, train, params, seed=0, synthetic_0=fresh)


def test_the_extractor_is_trained_once_and_reused(setting, caplog):
    full, _, params, extractor = setting
    import logging

    with caplog.at_level(logging.INFO):
        again = fit_feature_extractor(full, params, seed=0)
    assert "reusing the feature extractor" in caplog.text
    for key, value in extractor.state_dict().items():
        assert np.array_equal(value.numpy(), again.state_dict()[key].numpy())


def test_quality_can_be_left_out_of_balance(tmp_path, monkeypatch):
    from synthbalance.pipelines.balance import create_pipeline

    assert "quality.score_synthetic" in {n.name for n in create_pipeline().nodes}
    (tmp_path / "conf/base").mkdir(parents=True)
    (tmp_path / "conf/base/parameters_quality.yml").write_text("quality:\n  in_balance: false\n")
    monkeypatch.chdir(tmp_path)
    nodes = {n.name: n for n in create_pipeline().nodes}
    assert "quality.score_synthetic" not in nodes
    assert "quality_table" not in nodes["report.build_report"].inputs  # the report goes without


def test_progress_scores_the_samples_of_each_step(setting):
    full, train, params, extractor = setting
    noise = as_synthetic(make_image_set([0, 40], size=8, seed=9))
    noise = ImageSet(noise.images // 8, noise.labels, noise.class_names)  # dark: far from real
    unseen_real = full.take(np.arange(120, 160))  # class-1 images the GAN never saw
    samples = {"step_000000": noise, "step_000250": lambda: unseen_real}  # loaded lazily too
    table, metrics = score_progress(extractor, samples, full, train, params, seed=0)
    assert table["step"].tolist() == [0, 250] and set(table["group"]) == {"c1"}
    assert table["fd"].iloc[1] < table["fd"].iloc[0]
    assert [point["step"] for point in metrics["c1.fd"]] == [0, 250]
    assert metrics["c1.label_fidelity"][1]["value"] == table["label_fidelity"].iloc[1]
    assert not table.isna().any().any()


def test_progress_without_samples_is_empty(setting):
    full, train, params, extractor = setting
    table, metrics = score_progress(extractor, {}, full, train, params, seed=0)
    assert table.empty and metrics == {}
