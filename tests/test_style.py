"""One formatter and one linter: the code is as `ruff format` writes it and `ruff check` finds
nothing (pyproject.toml's [tool.ruff]); `make format` applies both."""

import subprocess
import sys

import pytest

from tests.conftest import PROJECT

PATHS = ["src", "tests", "benchmarks", "docs"]


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]], ids=["format", "lint"])
def test_ruff_is_satisfied(command):
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *PATHS],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"`ruff {' '.join(command)}` (run `make format`):\n{done.stdout}"
