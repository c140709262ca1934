"""Kedro's config loader, with one more runtime parameter: ``data_folder``.

``kedro run --params data_folder=PATH`` puts every file the environment's data folder holds
(``${globals:data}`` in the catalog and the parameters) under PATH instead, so that two runs
of one environment never share a file. ``kedro sweep`` runs each point so. The raw images are
read from ``ingest.folder`` (data/01_raw/<source> by default), not from the data folder.
"""

from __future__ import annotations

from typing import Any

from kedro.config import OmegaConfigLoader

DATA_FOLDER = "data_folder"


class ProjectConfigLoader(OmegaConfigLoader):
    """``OmegaConfigLoader`` whose ``globals.data`` is the runtime parameter ``data_folder``
    when one is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = (self.runtime_params or {}).get(DATA_FOLDER)
        if folder is not None:
            if not isinstance(folder, str) or not folder.strip():
                raise ValueError(
                    f"--params {DATA_FOLDER}=PATH needs a folder's path, got {folder!r}"
                )
            self["globals"] = {**self._globals, "data": folder}  # what the resolver reads
            self._globals_oc = None  # and its cached copy
