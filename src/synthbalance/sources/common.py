"""What the readers share: their error type and the download-or-explain step."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


class SourceError(ValueError):
    """Input data that cannot be read: the message names the file and what is wrong."""


def download_into(folder: Path, files: list[str], fetch: Callable[[Path], Path], what: str) -> None:
    """Fill ``folder`` with ``files`` by ``fetch``ing them into a scratch folder first.

    ``fetch(scratch)`` downloads into ``scratch`` and returns the folder holding the files.
    Nothing is written to ``folder`` unless every file arrived; when the download fails
    (no network, say), one error names the files and where to put them by hand.
    """
    logger.info("%s: files missing from %s; trying to download them", what, folder)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            fetched = fetch(Path(scratch))
            missing = [name for name in files if not (fetched / name).exists()]
            if missing:
                raise FileNotFoundError(f"the download did not produce {missing}")
            folder.mkdir(parents=True, exist_ok=True)
            for name in files:
                shutil.move(str(fetched / name), folder / name)
    except Exception as error:
        raise SourceError(
            f"{what} is not in {folder} and could not be downloaded ({error}). Put these "
            f"files in {folder} (gzip-compressed or not), or point the 'folder' parameter "
            f"of ingest at where they are: {', '.join(files)}"
        ) from error
