"""The generator as an MLflow pyfunc model: what it answers in-process, and what `mlflow models
serve -m models:/synthbalance-generator@current` answers over HTTP after the smoke run."""

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from synthbalance.models.gan import ImageGenerator
from synthbalance.tracking.serving import ALIAS, MAX_COUNT, MODEL_NAME, generate
from tests.conftest import free_port, serve


@pytest.fixture(scope="module")
def generator() -> ImageGenerator:
    names = ["zero", "one", "two", "three"]
    return ImageGenerator("conditional", [1, 3], names, 8, 8, 8, 1, 8).eval()


def ask(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["class", "count", "seed"])


def test_each_request_gives_its_count_of_images_of_its_class(generator):
    out = generate(generator, ask([("three", 3, 7), ("1", 2, 7)]))
    assert list(out["class"]) == ["three"] * 3 + ["one"] * 2  # by name, or by label as text
    assert list(out["label"]) == [3, 3, 3, 1, 1] and list(out["index"]) == [0, 1, 2, 0, 1]
    images = np.array(out["image"].tolist())
    assert images.shape == (5, 1, 8, 8) and images.min() >= 0 and images.max() <= 255


def test_the_same_seed_gives_the_same_images_and_another_seed_others(generator):
    first, again, other = (
        np.array(generate(generator, ask([("three", 4, seed)]))["image"].tolist())
        for seed in (7, 7, 8)
    )
    assert np.array_equal(first, again) and not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("two", 1, 0)],
            r"class 'two' is not one this generator makes; it makes 'one' \(label 1\)",
        ),
        ([("five", 1, 0)], "is not one this generator makes"),
        ([("one", MAX_COUNT, 0), ("three", 1, 0)], f"at most {MAX_COUNT} over the whole request"),
        ([("one", 0, 0)], "count must be at least 1"),
    ],
)
def test_a_bad_request_is_refused_saying_what_is_wrong(generator, rows, message):
    with pytest.raises(MlflowException, match=message) as refused:
        generate(generator, ask(rows))
    assert refused.value.get_http_status_code() == 400


def post(url: str, rows: list[list]) -> tuple[int, dict]:
    body = json.dumps({"dataframe_split": {"columns": ["class", "count", "seed"], "data": rows}})
    request = urllib.request.Request(
        f"{url}invocations",
        body.encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_mlflow_serves_the_registered_generator(smoke_run: Path, tmp_path: Path):
    store = f"sqlite:///{smoke_run / 'mlflow.db'}"
    client = MlflowClient(store)
    version = client.get_model_version_by_alias(MODEL_NAME, ALIAS)
    run = client.get_run(version.run_id)
    assert run.info.status == "FINISHED" and run.data.tags.get("mlflow.runName") == "balance"
    model = client.get_logged_model(version.source.removeprefix("models:/"))
    assert model.name == "generator_replicate_0" and model.source_run_id == run.info.run_id
    files = {p.name for p in Path(model.artifact_location.removeprefix("file://")).rglob("*")}
    assert "generator_code.py" in files and not any(f.endswith(".pkl") for f in files)
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        "models",
        "serve",
        "-m",
        f"models:/{MODEL_NAME}@{ALIAS}",
        "--env-manager",
        "local",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    # mlflow starts uvicorn by name: this interpreter's bin first on PATH
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": store,
        "OMP_NUM_THREADS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    with serve(
        "mlflow-models-serve", command, f"http://127.0.0.1:{port}/ping", smoke_run, env, tmp_path
    ) as ping:
        url = ping.removesuffix("ping")
        status, answer = post(url, [["3", 3, 11]])
        assert status == 200, answer
        images = np.array([row["image"] for row in answer["predictions"]])
        assert images.shape == (3, 1, 8, 8)  # digits: 8 x 8, grey
        assert {row["label"] for row in answer["predictions"]} == {3}
        assert np.array_equal(
            images, np.array([r["image"] for r in post(url, [["3", 3, 11]])[1]["predictions"]])
        )
        status, answer = post(url, [["4", 1, 0]])
        assert status == 400 and "is not one this generator makes" in answer["message"]
        status, answer = post(url, [["3", MAX_COUNT + 1, 0]])
        assert status == 400 and f"at most {MAX_COUNT}" in answer["message"]
