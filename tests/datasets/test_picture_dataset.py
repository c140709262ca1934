import base64
import io

from PIL import Image

from synthbalance.datasets import PictureDataset


def test_a_picture_is_saved_as_png_and_read_back_with_its_preview(tmp_path):
    picture = Image.new("RGB", (30, 20), (10, 200, 30))
    picture.putpixel((3, 4), (255, 0, 0))
    dataset = PictureDataset(filepath=str(tmp_path / "charts" / "matrix.png"))
    dataset.save(picture)
    assert [p.name for p in (tmp_path / "charts").iterdir()] == ["matrix.png"]  # no partial
    loaded = dataset.load()
    assert loaded.size == (30, 20) and loaded.tobytes() == picture.tobytes()
    with Image.open(tmp_path / "charts" / "matrix.png") as on_disk:
        assert on_disk.format == "PNG"
    shown = Image.open(io.BytesIO(base64.b64decode(dataset.preview())))
    assert shown.convert("RGB").tobytes() == picture.tobytes()
