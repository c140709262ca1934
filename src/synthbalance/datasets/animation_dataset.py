"""``AnimationDataset``: a list of PIL images as one animated GIF."""

from __future__ import annotations

from typing import IO

from PIL import Image

from synthbalance.datasets._file import FileDataset


class AnimationDataset(FileDataset[list[Image.Image]]):
    """Saves frames as an animated GIF, ``frame_ms`` milliseconds each, looping."""

    def __init__(self, *, filepath: str, frame_ms: int = 400, **kwargs) -> None:
        self._frame_ms = frame_ms
        super().__init__(filepath=filepath, **kwargs)

    def _read(self, file: IO[bytes], path: str) -> list[Image.Image]:
        with Image.open(file) as gif:
            frames = []
            for index in range(getattr(gif, "n_frames", 1)):
                gif.seek(index)
                frames.append(gif.convert("RGB"))
            return frames

    def _write(self, data: list[Image.Image], file: IO[bytes]) -> None:
        first, *rest = data
        first.save(
            file, format="GIF", save_all=True, append_images=rest, duration=self._frame_ms, loop=0
        )
