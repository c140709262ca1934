"""Headless Chromium for the browser tests, and the servers they open.

Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them): Selenium is given
both paths, so Selenium Manager never looks for a browser or a driver of its own. Without
them the tests skip, unless ``SYNTHBALANCE_REQUIRE_BROWSER=1`` (CI), where they fail.

Every server (kedro-viz, the MLflow UI, a static server for the report) listens on
127.0.0.1 on a free port, runs in its own process group, and is stopped, group and all,
when its test ends.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT, free_port, kedro_environment, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRE_BROWSER = os.environ.get("SYNTHBALANCE_REQUIRE_BROWSER") == "1"

# The viewport of every screenshot.
WINDOW = (1600, 1000)

# The network is closed here: no background requests, no component updates, no sync, a fresh
# profile each time, and no proxy for 127.0.0.1.
CHROMIUM_ARGUMENTS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-proxy-server",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
)


@pytest.fixture(scope="session", autouse=True)
def chromium() -> Path:
    """Skip (or fail, under SYNTHBALANCE_REQUIRE_BROWSER=1) before anything slow runs."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        reason = (
            f"browser tests need {' and '.join(missing)}: "
            "apt-get install chromium chromium-driver (.ci/run does)"
        )
        if REQUIRE_BROWSER:
            pytest.fail(
                reason + "; SYNTHBALANCE_REQUIRE_BROWSER=1 makes this a failure", pytrace=False
            )
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where screenshots go: $SYNTHBALANCE_SCREENSHOTS, else build/browser (git-ignored)."""
    folder = Path(os.environ.get("SYNTHBALANCE_SCREENSHOTS") or PROJECT / "build" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(chromium: Path, tmp_path: Path):
    """A headless Chromium with a fresh profile and a 1600x1000 viewport."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager: never download anything
    options = Options()
    options.binary_location = str(chromium)
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path)
    options.add_argument(f"--user-data-dir={profile}")
    service = Service(str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(180)
        driver.set_script_timeout(60)
        # --window-size sets the outer window; make the viewport itself 1600x1000.
        inner_height = driver.execute_script("return window.innerHeight")
        driver.set_window_size(WINDOW[0], WINDOW[1] + WINDOW[1] - inner_height)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.fixture
def kedro_viz(smoke_run: Path, tmp_path: Path) -> Iterator[str]:
    """kedro-viz on the smoke run's copy, showing the `balance` pipeline."""
    port = free_port()
    command = [
        _bin("kedro"),
        "viz",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--env",
        "smoke",
        "--pipeline",
        "balance",
    ]
    with serve(
        "kedro-viz",
        command,
        f"http://127.0.0.1:{port}/",
        smoke_run,
        kedro_environment(smoke_run),
        tmp_path,
    ) as url:
        yield url


@pytest.fixture
def mlflow_ui(smoke_run: Path, tmp_path: Path) -> Iterator[str]:
    """The MLflow UI on the smoke run's store: one worker, no job runner (it starts eight
    more processes), no telemetry."""
    port = free_port()
    command = [
        _bin("mlflow"),
        "ui",
        "--backend-store-uri",
        f"sqlite:///{smoke_run}/mlflow.db",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    env = {
        **os.environ,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    with serve("mlflow-ui", command, f"http://127.0.0.1:{port}/", smoke_run, env, tmp_path) as url:
        yield url


REPORT = Path("data/smoke/08_reporting/report.html")


@pytest.fixture
def report_page(smoke_run: Path, tmp_path: Path) -> Iterator[str]:
    """The report of the smoke run, over HTTP from its own folder."""
    report = smoke_run / REPORT
    assert report.is_file(), f"the smoke run wrote no {REPORT} (is the report pipeline in?)"
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(report.parent),
    ]
    with serve(
        "http.server",
        command,
        f"http://127.0.0.1:{port}/{report.name}",
        smoke_run,
        dict(os.environ),
        tmp_path,
    ) as url:
        yield url
