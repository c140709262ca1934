import base64
import io
import os

import numpy as np
import pytest
from kedro.io.core import DatasetError, Version
from PIL import Image

from synthbalance.core.images import ImageSet, write_image_set
from synthbalance.datasets import ImageSetDataset, image_set_dataset
from tests.conftest import make_image_set


def test_round_trip_keeps_everything(tmp_path):
    image_set = make_image_set([3, 4], channels=3)
    dataset = ImageSetDataset(filepath=str(tmp_path / "set.npz"))
    dataset.save(image_set)
    loaded = dataset.load()
    assert np.array_equal(loaded.images, image_set.images)
    assert np.array_equal(loaded.labels, image_set.labels)
    assert loaded.class_names == image_set.class_names
    assert loaded.origin.tolist() == image_set.origin.tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["set.npz"]  # no temporary file left


def test_round_trip_without_origin(tmp_path):
    image_set = ImageSet(np.zeros((1, 1, 2, 2), np.uint8), np.array([0]), ("only",))
    dataset = ImageSetDataset(filepath=str(tmp_path / "set.npz"))
    dataset.save(image_set)
    assert dataset.load().origin is None


def test_versioned_save_loads_the_latest(tmp_path):
    path = str(tmp_path / "set.npz")
    ImageSetDataset(filepath=path, version=Version(None, "2026-01-01T00.00.00.000Z")).save(
        make_image_set([1])
    )
    ImageSetDataset(filepath=path, version=Version(None, "2026-01-02T00.00.00.000Z")).save(
        make_image_set([2])
    )
    assert len(ImageSetDataset(filepath=path, version=Version(None, None)).load()) == 2


def test_a_damaged_file_is_a_clear_error(tmp_path):
    path = tmp_path / "set.npz"
    path.write_bytes(b"not an npz")
    with pytest.raises(DatasetError, match="is not a readable ImageSet file"):
        ImageSetDataset(filepath=str(path)).load()


def test_saving_something_else_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="saves an ImageSet"):
        ImageSetDataset(filepath=str(tmp_path / "set.npz")).save(np.zeros(3))
    assert not (tmp_path / "set.npz").exists()


def test_a_generator_round_trips_and_samples_the_same(tmp_path):
    import torch

    from synthbalance.datasets import TorchModelDataset
    from synthbalance.models.gan import ImageGenerator

    generator = ImageGenerator("dcgan", [1], ["a", "b"], 8, 4, 4, 1, 8).eval()
    dataset = TorchModelDataset(
        filepath=str(tmp_path / "g.pt"), model="synthbalance.models.gan.ImageGenerator"
    )
    dataset.save(generator)
    loaded = dataset.load()
    z, labels = torch.randn(3, 8), torch.ones(3, dtype=torch.long)
    assert torch.equal(generator(z, labels), loaded(z, labels))


def test_a_model_file_that_does_not_fit_is_a_clear_error(tmp_path):
    import torch

    from synthbalance.datasets import TorchModelDataset

    torch.save({"config": {"architecture": "dcgan"}, "state_dict": {}}, tmp_path / "g.pt")
    dataset = TorchModelDataset(
        filepath=str(tmp_path / "g.pt"), model="synthbalance.models.gan.ImageGenerator"
    )
    with pytest.raises(DatasetError, match="is not a ImageGenerator file that fits"):
        dataset.load()


def test_an_animation_keeps_every_frame(tmp_path):
    from PIL import Image

    from synthbalance.datasets import AnimationDataset

    frames = [Image.new("L", (10, 10), color) for color in (0, 128, 255)]
    dataset = AnimationDataset(filepath=str(tmp_path / "a.gif"))
    dataset.save(frames)
    assert len(dataset.load()) == 3


@pytest.mark.parametrize(
    ("counts", "columns", "lines"),
    [
        ([30] * 10, 8, 1),  # ten classes: a line of 8 images each, about square
        ([20, 3, 0, 7, 0], 4, 2),  # three present (the empty ones left out): 4 columns, 2 lines
    ],
)
def test_the_preview_is_a_png_of_each_class_present_shaped_for_kedro_viz_s_panel(
    tmp_path, counts, columns, lines
):
    dataset = ImageSetDataset(filepath=str(tmp_path / "set.npz"))
    dataset.save(make_image_set(counts, size=8))
    picture = Image.open(io.BytesIO(base64.b64decode(dataset.preview())))
    assert picture.format == "PNG"
    tile = 8 * 6 + 2  # 8-pixel images drawn 6 times over (about charts.TILE), 2 px apart
    present = sum(1 for c in counts if c)
    assert picture.size == (100 + columns * tile, present * lines * tile)
    assert 0.6 < picture.width / picture.height < 2  # kedro-viz crops a wider preview


def _counting_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    original = ImageSetDataset._read

    def counted(self, file, path):
        reads.append(path)
        return original(self, file, path)

    monkeypatch.setattr(ImageSetDataset, "_read", counted)
    return reads


def test_a_file_is_read_once_and_no_load_can_change_what_the_next_gets(tmp_path, monkeypatch):
    path = tmp_path / "set.npz"
    ImageSetDataset(filepath=str(path)).save(make_image_set([3, 4]))
    reads = _counting_reads(monkeypatch)
    dataset = ImageSetDataset(filepath=str(path))
    first = dataset.load()
    with pytest.raises(ValueError, match="read-only"):
        first.images[:] = 0  # a node changing what it loaded
    second = dataset.load()
    assert len(reads) == 1
    assert np.array_equal(second.images, make_image_set([3, 4]).images)


def test_a_file_changed_on_disk_or_a_released_dataset_is_read_again(tmp_path, monkeypatch):
    path = tmp_path / "set.npz"
    ImageSetDataset(filepath=str(path)).save(make_image_set([3, 4]))
    reads = _counting_reads(monkeypatch)
    dataset = ImageSetDataset(filepath=str(path))
    dataset.load()
    # another process's writer, at once: the same count of images, other labels
    with open(tmp_path / "new.npz", "wb") as file:
        write_image_set(file, make_image_set([4, 3]))
    os.replace(tmp_path / "new.npz", path)
    assert dataset.load().labels.tolist() == make_image_set([4, 3]).labels.tolist()
    dataset.release()
    dataset.load()
    assert len(reads) == 3


def test_what_is_kept_is_bounded_least_recently_loaded_out_first(tmp_path, monkeypatch):
    sets = {name: make_image_set([4, 4]) for name in "abc"}  # 8 images of 4x4 each
    datasets = {}
    for name, image_set in sets.items():
        datasets[name] = ImageSetDataset(filepath=str(tmp_path / f"{name}.npz"))
        datasets[name].save(image_set)
    monkeypatch.setattr(image_set_dataset, "KEEP_BYTES", 2 * image_set_dataset._bytes(sets["a"]))
    reads = _counting_reads(monkeypatch)
    for name in "abab":
        datasets[name].load()
    assert len(reads) == 2  # a and b fit
    datasets["c"].load()  # pushes a out, the least recently loaded
    datasets["b"].load()
    datasets["a"].load()
    assert [path.rsplit("/", 1)[-1] for path in reads] == ["a.npz", "b.npz", "c.npz", "a.npz"]


def test_a_new_version_is_loaded_not_the_kept_one(tmp_path):
    path = str(tmp_path / "set.npz")
    dataset = ImageSetDataset(filepath=path, version=Version(None, None))
    dataset.save(make_image_set([1]))
    assert len(dataset.load()) == 1
    dataset.save(make_image_set([2, 2]))
    assert len(dataset.load()) == 4


def test_a_missing_file_is_still_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="missing.npz"):
        ImageSetDataset(filepath=str(tmp_path / "missing.npz")).load()
