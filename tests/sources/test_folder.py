import logging
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from synthbalance.config import IngestParams
from synthbalance.pipelines.ingest.nodes import load_dataset
from synthbalance.sources import SourceError, read_image_folder
from tests.photos import ARCHIVE, CLASSES, PER_CLASS, real_slice


def write_tree(root, per_class=3, classes=("apple", "banana")):
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
            suffix = "png" if i % 2 else "JPG"
            Image.fromarray(pixels).save(root / name / f"{i}.{suffix}")
    return root


def test_reads_resizes_and_converts(tmp_path):
    root = write_tree(tmp_path)
    (root / "apple" / "notes.txt").write_text("not an image, and not an image suffix")
    rgb = read_image_folder(root, size=16, color="rgb", skip_bad_files=False)
    assert rgb.images.shape == (6, 3, 16, 16) and rgb.class_names == ("apple", "banana")
    assert rgb.class_counts().tolist() == [3, 3]
    grey = read_image_folder(root, size=8, color="grey", skip_bad_files=False)
    assert grey.images.shape == (6, 1, 8, 8)


def test_a_corrupt_image_names_the_file(tmp_path):
    root = write_tree(tmp_path)
    (root / "banana" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(SourceError, match="broken.png: not a readable image"):
        read_image_folder(root, 16, "rgb", skip_bad_files=False)


def test_a_truncated_jpeg_names_the_file(tmp_path):
    root = write_tree(tmp_path)
    data = (root / "apple" / "0.JPG").read_bytes()
    (root / "apple" / "0.JPG").write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="0.JPG: not a readable image"):
        read_image_folder(root, 16, "rgb", skip_bad_files=False)


def test_skipping_bad_files_names_them(tmp_path, caplog):
    root = write_tree(tmp_path)
    (root / "banana" / "broken.png").write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        image_set = read_image_folder(root, 16, "rgb", skip_bad_files=True)
    assert len(image_set) == 6
    assert "skipped 1 unreadable file(s)" in caplog.text and "broken.png" in caplog.text


def test_an_empty_class_folder_is_an_error(tmp_path):
    root = write_tree(tmp_path)
    (root / "cherry").mkdir()
    with pytest.raises(SourceError, match="cherry holds no .png, .jpg or .jpeg"):
        read_image_folder(root, 16, "rgb", skip_bad_files=True)


def test_a_class_of_only_bad_files_is_an_error_even_when_skipping(tmp_path):
    root = write_tree(tmp_path)
    (root / "cherry").mkdir()
    (root / "cherry" / "a.png").write_bytes(b"junk")
    with pytest.raises(SourceError, match="cherry has no readable image"):
        read_image_folder(root, 16, "rgb", skip_bad_files=True)


def test_no_class_folders_or_no_root_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        read_image_folder(tmp_path / "nowhere", 16, "rgb", False)
    with pytest.raises(SourceError, match="has no class folders"):
        read_image_folder(tmp_path, 16, "rgb", False)


def test_a_symlink_out_of_the_root_is_refused(tmp_path):
    root = write_tree(tmp_path / "root")
    outside = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(outside)
    (root / "apple" / "link.png").symlink_to(outside)
    with pytest.raises(SourceError, match="outside .* refused"):
        read_image_folder(root, 16, "rgb", False)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused(tmp_path):
    root = write_tree(tmp_path)
    (root / "apple" / "bomb.png").write_bytes(png_declaring(20000, 20000))
    with pytest.raises(SourceError, match="bomb.png: not a readable image"):
        read_image_folder(root, 16, "rgb", False)


def test_a_png_with_a_broken_chunk_names_the_file(tmp_path):
    """Pillow raises SyntaxError ("broken PNG file") for this 1x1 PNG (found by hypothesis)."""
    broken = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x01\x00\x00"
        b"\x00\x007n\xf9$\x00\x00\x00\x02IDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(broken)
    with pytest.raises(SourceError, match=r"x\.png: not a readable image"):
        read_image_folder(tmp_path, 8, "grey", skip_bad_files=False)


@pytest.mark.skipif(not ARCHIVE.is_file(), reason="no shared CIFAR-10 JPEG archive here")
def test_real_cifar10_jpegs_keep_their_colour_labels_and_split(tmp_path):
    assert real_slice(tmp_path)
    ingest = IngestParams(source="folder", folder=str(tmp_path), download=False)
    train, test = load_dataset(ingest, seed=0)
    assert train.class_names == test.class_names == CLASSES  # the folders' names, in order
    assert train.class_counts().tolist() == [PER_CLASS["train"]] * 10
    assert test.class_counts().tolist() == [PER_CLASS["test"]] * 10  # CIFAR's split, kept
    assert train.images.shape[1:] == (3, 32, 32) and train.images.dtype == np.uint8
    channels = train.images.reshape(len(train), 3, -1).astype(float)
    assert np.abs(channels[:, 0] - channels[:, 2]).mean() > 5  # colour, not grey in RGB
    assert len({image.tobytes() for image in train.images}) == len(train)
