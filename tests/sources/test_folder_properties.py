"""Property tests of the folder loader: whatever the files hold, it returns a valid ImageSet
or raises SourceError naming the file -- never a raw error from deep inside Pillow or numpy."""

import io
import struct
import zlib

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from synthbalance.sources import SourceError, read_image_folder

PNG_MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]
JPEG_MODES = {"L", "RGB", "CMYK"}


def _encoded(mode: str, width: int, height: int, seed: int, fmt: str) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _huge_png(width: int, height: int) -> bytes:
    """A PNG header that declares width x height pixels, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@st.composite
def image_files(draw) -> tuple[str, bytes]:
    """(suffix, bytes): a good image of any mode, or one broken in one of several ways."""
    kind = draw(st.sampled_from(["good", "truncated", "flipped", "random", "empty", "huge"]))
    if kind == "random":
        return draw(st.sampled_from(["png", "jpg"])), draw(st.binary(max_size=512))
    if kind == "empty":
        return draw(st.sampled_from(["png", "jpeg"])), b""
    if kind == "huge":
        side = draw(st.integers(20_000, 2**31 - 1))
        return "png", _huge_png(side, draw(st.integers(20_000, 2**31 - 1)))
    fmt = draw(st.sampled_from(["PNG", "JPEG"]))
    modes = sorted(JPEG_MODES) if fmt == "JPEG" else PNG_MODES
    mode = draw(st.sampled_from(modes))
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    data = _encoded(mode, width, height, draw(st.integers(0, 2**16)), fmt)
    if kind == "truncated":
        data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    elif kind == "flipped":  # one byte changed somewhere
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    return ("png" if fmt == "PNG" else "jpg"), data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    classes=st.lists(st.lists(image_files(), min_size=1, max_size=3), min_size=1, max_size=3),
    size=st.integers(1, 12),
    color=st.sampled_from(["grey", "rgb"]),
    skip=st.booleans(),
)
def test_any_files_give_an_image_set_or_a_source_error(
    tmp_path_factory, classes, size, color, skip
):
    root = tmp_path_factory.mktemp("folder")
    for label, files in enumerate(classes):
        (root / f"class{label}").mkdir()
        for index, (suffix, data) in enumerate(files):
            (root / f"class{label}" / f"{index}.{suffix}").write_bytes(data)
    try:
        loaded = read_image_folder(root, size, color, skip_bad_files=skip)
    except SourceError as error:
        event("refused with SourceError")  # pytest --hypothesis-show-statistics counts them
        assert str(root) in str(error)  # it names the folder or the file
        return
    event("loaded")
    assert loaded.images.shape[1:] == ((1 if color == "grey" else 3), size, size)
    assert loaded.images.dtype == np.uint8
    assert set(loaded.labels.tolist()) == set(range(len(classes)))
