import numpy as np
import pytest

from synthbalance.pipelines.quality import measures


@pytest.fixture
def cloud():
    return np.random.default_rng(0).normal(size=(600, 8)).astype(np.float32)


def test_fd_of_a_set_with_itself_is_zero_and_grows_with_a_shift(cloud):
    assert measures.frechet_distance(cloud, cloud) == pytest.approx(0, abs=1e-6)
    shifts = [measures.frechet_distance(cloud, cloud + s) for s in (0.5, 1.0, 2.0)]
    assert shifts == sorted(shifts) and shifts[0] > 0
    assert shifts[1] == pytest.approx(8 * 1.0**2, rel=1e-3)  # |mean shift|^2 over 8 dims


def test_kid_is_near_zero_for_one_distribution_and_large_for_another(cloud):
    other = np.random.default_rng(1).normal(size=(600, 8)).astype(np.float32)
    assert abs(measures.kernel_distance(cloud, other, 200)) < 0.05
    assert measures.kernel_distance(cloud, other + 2, 200) > 1


def test_identical_sets_have_precision_and_recall_one(cloud):
    scores = measures.precision_recall_density_coverage(cloud, cloud, k=5)
    assert scores["precision"] == scores["recall"] == scores["coverage"] == 1.0


def test_nearest_distances_are_exact(cloud):
    distances, indices = measures.nearest_distances(cloud[:10], cloud)
    assert distances.tolist() == [0.0] * 10 and indices.tolist() == list(range(10))


def test_fewer_images_than_k_plus_one_is_a_clear_error(cloud):
    with pytest.raises(ValueError, match="needs at least 6 images in each set; got 600 real"):
        measures.precision_recall_density_coverage(cloud, cloud[:5], k=5)


def test_constant_images_give_documented_values_not_nan():
    constant = np.zeros((20, 4), np.float32)
    assert measures.frechet_distance(constant, constant) == 0.0
    scores = measures.precision_recall_density_coverage(constant, constant, k=3)
    assert scores == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}
    assert measures.mean_pairwise_distance(constant, 10, np.random.default_rng(0)) == 0.0
