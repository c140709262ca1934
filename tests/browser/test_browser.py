"""The three pages a person opens after `kedro run`, in headless Chromium: the pipeline in
kedro-viz, the runs in the MLflow UI, and the report. One smoke run feeds all three
(``smoke_run``); each page is saved as a screenshot (see ``screenshots`` in conftest)."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from tests.browser.conftest import REQUIRE_BROWSER

try:
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # the `chromium` fixture says what is missing
    if REQUIRE_BROWSER:
        raise
    pytest.skip("browser tests need selenium (the test extras)", allow_module_level=True)

pytestmark = pytest.mark.slow

# The stages of `balance`, each a namespace: kedro-viz draws each as one collapsed group (the
# gan, sample and strategies pipelines inside each replicate's: conf/smoke has two).
STAGES = [
    "ingest",
    "imbalance",
    "replicate_0",
    "replicate_1",
    "strategy",
    "evaluate",
    "quality",
    "report",
]
NESTED = ["replicate_0.gan", "replicate_0.sample", "replicate_1.gan"]

# The smoke configuration: 13 strategies, each trained (threshold: adjusted) in 2 replicates.
SMOKE_STRATEGIES = 13
SMOKE_REPLICATES = 2
METRICS = ["test_balanced_accuracy", "test_minority_f1"]

# This machine is slow (2 cores, other work running): waits are long, and end early.
WAIT = 180


def wait(driver, seconds: float = WAIT) -> WebDriverWait:
    return WebDriverWait(
        driver, seconds, poll_frequency=0.5, ignored_exceptions=(StaleElementReferenceException,)
    )


def get_json(url: str, data: dict | None = None) -> dict:
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as response:
        return json.load(response)


def click_if_present(driver, by: str, selector: str) -> None:
    """Close a hint, a banner or a panel that covers the page, where there is one."""
    for element in driver.find_elements(by, selector):
        try:
            if element.is_displayed():
                element.click()
        except Exception:  # a hint that went away by itself is fine
            pass


# ------------------------------------------------------------------------------- kedro-viz

# The flowchart is an SVG: one <g class="pipeline-node pipeline-node--{type}"> per node drawn,
# with data-node-type (task, data, parameters, modularPipeline) and a <text> label.
FLOWCHART_NODES = (
    ".pipeline-flowchart__nodes .pipeline-node--task, "
    ".pipeline-flowchart__nodes .pipeline-node--modularPipeline"
)


def flowchart_labels(driver) -> dict[str, float]:
    """The labels of the task and modular-pipeline nodes shown in the flowchart, with their
    height on screen in pixels: only labels that are displayed (kedro-viz fades them in)."""
    labels = {}
    for node in driver.find_elements(By.CSS_SELECTOR, FLOWCHART_NODES):
        text = node.find_element(By.CSS_SELECTOR, "text.pipeline-node__text")
        if text.is_displayed():
            label = (text.get_attribute("textContent") or "").strip()
            labels[label.casefold()] = text.rect["height"]
    return labels


# The address the README gives: the balance pipeline, nodes and groups only (no datasets).
READABLE = "?pid=balance&types=nodes"
# A label this tall on screen can be read; kedro-viz's bare address opens balance at about
# 10%, where a label is a pixel or two.
LEGIBLE_PX = 10


def dismiss_hints(driver) -> None:
    """The feature tour and the "new version" banner cover the flowchart."""
    click_if_present(driver, By.CSS_SELECTOR, ".feature-hints__close")
    click_if_present(
        driver, By.XPATH, '//*[contains(@class,"update-reminder")]//button[.="Dismiss"]'
    )


def tour_closed(driver) -> bool:
    dismiss_hints(driver)
    return not [
        e
        for e in driver.find_elements(By.CSS_SELECTOR, ".feature-hints__close")
        if e.is_displayed()
    ]


def open_viz(driver, url: str) -> None:
    driver.get(url)
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, FLOWCHART_NODES))
    # A large graph waits behind a warning; a person would render it anyway.
    click_if_present(driver, By.XPATH, '//button[normalize-space()="Render it anyway"]')
    dismiss_hints(driver)


def test_kedro_viz_opens_readable(kedro_viz, browser, screenshots):
    seen: dict[str, float] = {}

    def every_stage_legible(driver) -> bool:
        dismiss_hints(driver)  # the tour comes back as it steps on
        seen.clear()
        seen.update(flowchart_labels(driver))
        return all(seen.get(stage, 0) >= LEGIBLE_PX for stage in STAGES)

    try:
        open_viz(browser, kedro_viz + READABLE)
        try:
            wait(browser).until(every_stage_legible)
        except TimeoutException:
            pytest.fail(
                f"kedro-viz at {READABLE} does not show every stage at least "
                f"{LEGIBLE_PX} px tall: {seen}"
            )
        drawn = browser.find_elements(
            By.CSS_SELECTOR, ".pipeline-flowchart__nodes .pipeline-node--data"
        )
        assert not drawn, f"{READABLE} draws {len(drawn)} datasets; it should draw none"
        wait(browser).until(tour_closed)
    finally:
        browser.save_screenshot(str(screenshots / "kedro_viz.png"))

    # The same from kedro-viz's API: each stage is a modular pipeline (or a node) of balance.
    graph = get_json(f"{kedro_viz}api/pipelines/balance")
    names = set(graph["modular_pipelines"]) | {node["name"] for node in graph["nodes"]}
    assert set(STAGES + NESTED) <= names, f"kedro-viz's API lacks {set(STAGES + NESTED) - names}"


def test_kedro_viz_previews_synthetic_images(kedro_viz, browser, screenshots):
    """Selecting replicate 0's synthetic set opens its preview: an image of the set's grid."""
    graph = get_json(f"{kedro_viz}api/pipelines/balance")
    node_id = next(n["id"] for n in graph["nodes"] if n["name"] == "replicate_0.synthetic")
    preview = '.pipeline-metadata img[src^="data:image/png;base64,"]'
    try:
        open_viz(browser, f"{kedro_viz}?pid=balance&sid={node_id}&types=nodes,datasets")
        image = wait(browser).until(
            lambda d: next(
                (
                    i
                    for i in d.find_elements(By.CSS_SELECTOR, preview)
                    if d.execute_script("return arguments[0].naturalWidth", i) > 0
                ),
                None,
            )
        )
        wait(browser).until(tour_closed)  # it opens late, over the panel
        title = browser.find_element(By.CSS_SELECTOR, ".pipeline-metadata__title").text
        assert title == "replicate_0.synthetic", f"the side panel shows {title!r}"
        assert image.is_displayed() and image.rect["height"] > 50, f"the preview is {image.rect}"
    finally:
        browser.save_screenshot(str(screenshots / "kedro_viz_synthetic.png"))


# ------------------------------------------------------------------------------- MLflow UI

RUN_NAME = "attributes.`Run Name`"


def metric_column(key: str) -> str:
    return f"metrics.`{key}`"


# The run table is an ag-grid: one div[role=row][row-id=<run id>] per run (twice: the pinned
# and the scrolling part), cells div[col-id]. A cell counts as seen when it is on screen and
# not covered (the element at its centre is inside it).
TABLE_SNAPSHOT = """
const columns = arguments[0];
const rows = {};
for (const row of document.querySelectorAll('.ag-row[row-id]')) {
  const id = row.getAttribute('row-id');
  rows[id] = rows[id] || {};
  for (const cell of row.querySelectorAll('.ag-cell[col-id]')) {
    const column = cell.getAttribute('col-id');
    if (!columns.includes(column)) continue;
    const box = cell.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const seen = box.width > 0 && box.height > 0 && x >= 0 && y >= 0
      && x < window.innerWidth && y < window.innerHeight
      && cell.contains(document.elementFromPoint(x, y));
    // The run name is the link's text (the cell also holds the run's colour, hidden).
    const text = (cell.querySelector('a') || cell).textContent.trim();
    rows[id][column] = {text: text, seen: seen};
  }
}
return rows;
"""


def run_table(driver) -> dict[str, dict[str, str]]:
    """run id -> {column: text} of the cells seen on screen."""
    columns = [RUN_NAME, *map(metric_column, METRICS)]
    rows = driver.execute_script(TABLE_SNAPSHOT, columns)
    return {
        run: {column: cell["text"] for column, cell in cells.items() if cell["seen"]}
        for run, cells in rows.items()
    }


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parent_and_children(mlflow_ui: str) -> tuple[str, dict[str, str]]:
    """The experiment id and the `balance` run's child runs' names by id, from
    MLflow's REST API: what the table should show."""
    api = f"{mlflow_ui}api/2.0/mlflow"
    experiment = get_json(f"{api}/experiments/get-by-name?experiment_name=synthbalance")
    experiment_id = experiment["experiment"]["experiment_id"]
    runs = get_json(f"{api}/runs/search", {"experiment_ids": [experiment_id], "max_results": 1000})[
        "runs"
    ]
    tags = {
        run["info"]["run_id"]: {tag["key"]: tag["value"] for tag in run["data"]["tags"]}
        for run in runs
    }
    parents = [
        run
        for run, t in tags.items()
        if t.get("mlflow.runName") == "balance" and "mlflow.parentRunId" not in t
    ]
    assert len(parents) == 1, f"expected one top-level run named balance, found {len(parents)}"
    children = {
        run: t["mlflow.runName"]
        for run, t in tags.items()
        if t.get("mlflow.parentRunId") == parents[0]
    }
    return experiment_id, children


def test_mlflow_ui_lists_a_child_run_per_strategy_and_replicate(mlflow_ui, browser, screenshots):
    experiment_id, children = parent_and_children(mlflow_ui)
    assert len(children) == SMOKE_STRATEGIES * SMOKE_REPLICATES, sorted(children.values())
    for name in children.values():
        assert re.fullmatch(r"\w+ \(replicate \d+\)", name), name

    parent_row = f'//div[@role="row"][.//div[@col-id="{RUN_NAME}"]//a[normalize-space()="balance"]]'
    seen: dict[str, dict[str, str]] = {}

    def children_filled(driver) -> bool:
        seen.clear()
        seen.update(run_table(driver))
        return all(
            seen.get(run, {}).get(RUN_NAME) == name
            and all(is_number(seen[run].get(metric_column(key), "")) for key in METRICS)
            for run, name in children.items()
        )

    # The run table draws only the rows in view: a window tall enough for the parent and its
    # 26 children (13 strategies, 2 replicates) shows every one at once.
    size = browser.get_window_size()
    browser.set_window_size(size["width"], size["height"] + 600)
    try:
        browser.get(f"{mlflow_ui}#/experiments/{experiment_id}/runs")
        wait(browser).until(lambda d: d.find_elements(By.XPATH, parent_row))
        # The assistant panel opens by itself on a first visit and takes a third of the width.
        click_if_present(
            browser,
            By.CSS_SELECTOR,
            'button[data-component-id="mlflow.assistant.chat_panel.close"]',
        )

        # The child runs are folded under the parent: open it.
        shown = run_table(browser)
        folded = [name for run, name in children.items() if RUN_NAME in shown.get(run, {})]
        assert not folded, f"child runs shown before the parent is opened: {folded}"
        browser.find_element(By.XPATH, f'{parent_row}//div[@col-id="{RUN_NAME}"]//button').click()

        # The metric columns are not shown by default: choose them in "Columns".
        browser.find_element(By.XPATH, '//button[normalize-space()="Columns"]').click()
        for key in METRICS:
            search = wait(browser).until(
                lambda d: d.find_element(By.CSS_SELECTOR, 'input[placeholder="Search columns"]')
            )
            search.send_keys(Keys.CONTROL, "a")
            search.send_keys(key)
            option = f'//span[contains(@class,"tree-title") and normalize-space()="{key}"]'
            wait(browser).until(lambda d, option=option: d.find_element(By.XPATH, option)).click()
            wait(browser).until(
                lambda d, key=key: d.find_elements(
                    By.CSS_SELECTOR, f'.ag-header-cell[col-id="{metric_column(key)}"]'
                )
            )
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        wait(browser).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, 'input[placeholder="Search columns"]')
        )

        # New columns go on the right; where the window is too narrow, scroll there.
        try:
            wait(browser, 20).until(children_filled)
        except TimeoutException:
            browser.execute_script("""
                for (const viewport of document.querySelectorAll(
                    '.ag-body-horizontal-scroll-viewport, .ag-center-cols-viewport'))
                  viewport.scrollLeft = viewport.scrollWidth;""")
            try:
                wait(browser).until(children_filled)
            except TimeoutException:
                shown = {children.get(run, run): cells for run, cells in seen.items()}
                pytest.fail(
                    f"expected {sorted(children.values())} with {METRICS} filled; "
                    f"the table shows {shown}"
                )
    finally:
        browser.save_screenshot(str(screenshots / "mlflow_runs.png"))
        browser.set_window_size(size["width"], size["height"])

    strategies = {name.split(" (replicate")[0] for name in children.values()}
    assert len(strategies) == SMOKE_STRATEGIES, sorted(strategies)


# ---------------------------------------------------------------------------------- report


def test_report_page_holds_the_comparison(report_page, browser, screenshots):
    try:
        browser.get(report_page)
        table = wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "table#comparison"))
        assert table.is_displayed(), "the comparison table is hidden"
        rows = [
            row for row in table.find_elements(By.CSS_SELECTOR, "tbody tr") if row.is_displayed()
        ]
        assert len(rows) == SMOKE_STRATEGIES, [row.text for row in rows]
        verdict = browser.find_element(By.CSS_SELECTOR, "p#verdict")
        assert verdict.is_displayed() and verdict.text.strip(), "the verdict is empty"
        broken = browser.execute_script(
            "return [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.getAttribute('src').slice(0, 80))"
        )
        assert not broken, f"images that do not load: {broken}"
        # The screenshot shows the comparison, as a reader scrolls to it.
        browser.execute_script(
            "arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -60)", table
        )
    finally:
        browser.save_screenshot(str(screenshots / "report.png"))


def page_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


ASSISTANT_CLOSE = 'button[data-component-id="mlflow.assistant.chat_panel.close"]'


def close_the_assistant(driver) -> None:
    """The assistant panel opens by itself on a first visit: wait for the page, then close it."""
    try:
        wait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ASSISTANT_CLOSE))
    except TimeoutException:
        return
    click_if_present(driver, By.CSS_SELECTOR, ASSISTANT_CLOSE)


def test_mlflow_ui_shows_the_registered_generator_and_its_alias(mlflow_ui, browser, screenshots):
    try:
        browser.get(f"{mlflow_ui}#/models/synthbalance-generator")
        close_the_assistant(browser)
        try:
            wait(browser).until(lambda d: "Version 1" in page_text(d) and "current" in page_text(d))
        except TimeoutException:
            pytest.fail(
                f"the Models page shows no version 1 with the alias current: "
                f"{page_text(browser)[:2000]}"
            )
    finally:
        browser.save_screenshot(str(screenshots / "mlflow_model.png"))


# an image as large as a figure (the sidebar's icons and logos are far smaller)
SHOWN_FIGURE = """return [...document.images].some(i => i.naturalWidth >= 300
    && i.getBoundingClientRect().width > 100)"""


def test_mlflow_ui_shows_a_child_runs_confusion_matrix(mlflow_ui, browser, screenshots):
    experiment_id, children = parent_and_children(mlflow_ui)
    run_id = next(run for run, name in children.items() if name == "gan (replicate 0)")
    run = get_json(f"{mlflow_ui}api/2.0/mlflow/runs/get?run_id={run_id}")["run"]["info"]
    assert int(run["end_time"]) - int(run["start_time"]) > 1000  # a real span, not 22 ms
    try:
        browser.get(f"{mlflow_ui}#/experiments/{experiment_id}/runs/{run_id}/artifacts")
        close_the_assistant(browser)
        # the innermost element with the name: the tree's entry itself, not its containers
        entry = wait(browser).until(
            lambda d: d.find_element(
                By.XPATH, '(//*[normalize-space(text())="confusion.png"])[last()]'
            )
        )
        entry.click()
        try:
            wait(browser).until(lambda d: d.execute_script(SHOWN_FIGURE))
        except TimeoutException:
            pytest.fail(f"the run's confusion.png is not shown: {page_text(browser)[:1500]}")
    finally:
        browser.save_screenshot(str(screenshots / "mlflow_child_run.png"))


def test_mlflow_ui_steps_through_the_gans_progress_grids(mlflow_ui, browser, screenshots):
    experiment_id, _ = parent_and_children(mlflow_ui)
    api = f"{mlflow_ui}api/2.0/mlflow"
    (parent,) = [
        r
        for r in get_json(
            f"{api}/runs/search",
            {"experiment_ids": [experiment_id], "filter": "attributes.run_name = 'balance'"},
        )["runs"]
    ]
    run_id = parent["info"]["run_id"]
    try:
        browser.get(f"{mlflow_ui}#/experiments/{experiment_id}/runs/{run_id}/model-metrics")
        close_the_assistant(browser)
        search = wait(browser).until(
            lambda d: d.find_element(By.CSS_SELECTOR, 'input[placeholder="Search metric charts"]')
        )
        search.send_keys("gan_progress")
        try:
            wait(browser).until(lambda d: "gan_progress.replicate_0" in page_text(d))
            # the image card: its images, and a slider over the steps
            wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[role="slider"]'))
        except TimeoutException:
            pytest.fail(
                f"no stepped images of gan_progress.replicate_0 on the run's page: "
                f"{page_text(browser)[:2000]}"
            )
    finally:
        browser.save_screenshot(str(screenshots / "mlflow_images.png"))
