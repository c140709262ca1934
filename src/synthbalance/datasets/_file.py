"""``FileDataset``: one file through fsspec, optionally versioned, saved atomically.

Subclasses say how to read and write the file's bytes; this class finds the path (and
version), and writes under a temporary name before renaming, so a run killed mid-write
never leaves a half-written file under the dataset's name.
"""

from __future__ import annotations

import os
import posixpath
import uuid
from pathlib import PurePosixPath
from typing import IO, Any, Generic, TypeVar

import fsspec
from fsspec.implementations.local import LocalFileSystem
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)

T = TypeVar("T")


class FileDataset(AbstractVersionedDataset[T, T], Generic[T]):
    def __init__(
        self,
        *,
        filepath: str,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(filepath, version)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol, **(credentials or {}), **(fs_args or {}))
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def _read(self, file: IO[bytes], path: str) -> T:
        raise NotImplementedError

    def _write(self, data: T, file: IO[bytes]) -> None:
        raise NotImplementedError

    def load(self) -> T:
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, "rb") as file:
            return self._read(file, path)

    def save(self, data: T) -> None:
        path = get_filepath_str(self._get_save_path(), self._protocol)
        self._fs.makedirs(posixpath.dirname(path), exist_ok=True)
        partial = f"{path}.{uuid.uuid4().hex}.partial"
        try:
            with self._fs.open(partial, "wb") as file:
                self._write(data, file)
            if isinstance(self._fs, LocalFileSystem):
                os.replace(partial, path)  # atomic on one filesystem
            else:
                self._fs.mv(partial, path)
        finally:
            if self._fs.exists(partial):
                self._fs.rm(partial)
        self._fs.invalidate_cache(path)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "protocol": self._protocol, "version": self._version}

    def _exists(self) -> bool:
        try:
            path = get_filepath_str(self._get_load_path(), self._protocol)
        except DatasetError:
            return False
        return self._fs.exists(path)
