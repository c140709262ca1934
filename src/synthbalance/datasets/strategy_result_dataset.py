"""``StrategyResultDataset``: a ``StrategyResult`` as one JSON file."""

from __future__ import annotations

import json
from typing import IO

from kedro.io.core import DatasetError

from synthbalance.core.results import StrategyResult
from synthbalance.datasets._file import FileDataset


class StrategyResultDataset(FileDataset[StrategyResult]):
    """Saves and loads a strategy's ``StrategyResult`` as JSON (plain data, no pickles)."""

    def _read(self, file: IO[bytes], path: str) -> StrategyResult:
        try:
            return StrategyResult.from_json(json.load(file))
        except (KeyError, TypeError, ValueError) as error:
            message = f"'{path}' is not a readable StrategyResult file: {error}"
            raise DatasetError(message) from error

    def save(self, data: StrategyResult) -> None:
        if not isinstance(data, StrategyResult):
            raise DatasetError(
                f"StrategyResultDataset saves a StrategyResult, not {type(data).__name__}"
            )
        super().save(data)

    def _write(self, data: StrategyResult, file: IO[bytes]) -> None:
        file.write(json.dumps(data.to_json(), indent=2).encode())  # as json.JSONDataset wrote it
