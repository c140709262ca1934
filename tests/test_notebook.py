"""notebooks/compare_strategies.ipynb runs end to end on a smoke run's outputs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from tests.conftest import PROJECT

NOTEBOOK = PROJECT / "notebooks" / "compare_strategies.ipynb"


def this_interpreters_kernel() -> AsyncKernelManager:
    """A manager for the kernel spec `python3` as ipykernel defines it, run by this interpreter
    (sys.executable): with no kernel folders to search, jupyter_client falls back to ipykernel's
    own spec, so no `ipykernel install` is needed and a user-wide `python3` spec cannot win."""
    specs = KernelSpecManager(kernel_dirs=[])
    manager = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)
    assert manager.kernel_spec.argv[0] == sys.executable
    return manager


def strategies_configured(project: Path, env: str) -> list[str]:
    """`strategies.run` as the pipeline reads it: conf/base, overridden by conf/<env>."""
    run: list[str] = []
    for folder in ("base", env):
        for path in sorted((project / "conf" / folder).glob("parameters*.yml")):
            block = (yaml.safe_load(path.read_text()) or {}).get("strategies") or {}
            run = block.get("run", run)
    return run


def outputs(notebook) -> list[dict]:
    """Every code cell's outputs, in order."""
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


@pytest.mark.slow
def test_notebook_runs_on_the_smoke_run(smoke_run: Path, monkeypatch) -> None:
    # The kernel is a child process: it inherits this process's environment.
    monkeypatch.setenv("SYNTHBALANCE_PROJECT", str(smoke_run))
    monkeypatch.setenv("KEDRO_ENV", "smoke")
    monkeypatch.setenv("KEDRO_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the notebook draws inline
    before = sorted(NOTEBOOK.parent.iterdir())

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    # It starts in notebooks/, as Jupyter would; raises CellExecutionError on any error.
    NotebookClient(
        notebook,
        km=this_interpreters_kernel(),
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()

    found = outputs(notebook)
    assert not [output for output in found if output.output_type == "error"]
    printed = "".join(output.get("text", "") for output in found if output.output_type == "stream")
    assert f"project: {smoke_run}" in printed and "environment: smoke" in printed
    assert any("image/png" in output.get("data", {}) for output in found), "no figure"

    # The comparison table, as displayed (HTML: Kedro's rich logging colours the plain text).
    html = [output.get("data", {}).get("text/html", "") for output in found]
    tables = [text for text in html if "test_minority_f1_mean" in text]
    assert len(tables) == 1
    body = tables[0].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    shown = re.findall(r"<tr>\s*<th>([^<]*)</th>", body)
    written = pd.read_csv(smoke_run / "data" / "smoke" / "08_reporting" / "comparison.csv")
    assert shown == list(written["strategy"])
    assert sorted(shown) == sorted(strategies_configured(smoke_run, "smoke"))

    # The MLflow store is the project's, not one left next to the notebook.
    assert (smoke_run / "mlflow.db").exists()
    assert sorted(NOTEBOOK.parent.iterdir()) == before
