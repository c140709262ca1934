"""What the benchmark scripts share."""

from __future__ import annotations

import json
from pathlib import Path


def save_json(out: str, name: str, results: dict) -> None:
    """Write ``results`` to ``out/name.json`` (benchmarks/results/ by default, git-ignored)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=2))
