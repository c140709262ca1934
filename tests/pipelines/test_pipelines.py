"""The pipelines as Kedro runs them: a sliced run in memory, and `kedro run` on digits."""

import html
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from synthbalance.config import ImbalanceParams
from synthbalance.datasets import ImageSetDataset
from synthbalance.pipelines import imbalance
from synthbalance.strategies import REGISTRY
from tests.conftest import copy_project, make_image_set


def test_imbalance_pipeline_runs_in_memory_with_the_sequential_runner():
    params = ImbalanceParams(
        profile={"kind": "one_vs_rest", "positive_class": 1, "keep_fraction": 0.2}
    )
    catalog = DataCatalog(
        {
            "raw_train": MemoryDataset(make_image_set([100, 50, 100])),
            "raw_test": MemoryDataset(make_image_set([10, 10, 10])),
            "params:imbalance": MemoryDataset(params),
            "params:seed": MemoryDataset(0),
        }
    )
    pipeline = imbalance.create_pipeline().to_outputs("train_imbalanced", "validation", "test_set")
    SequentialRunner().run(pipeline, catalog)
    assert catalog.load("train_imbalanced").class_counts().tolist() == [180, 9]
    assert catalog.load("validation").class_counts().tolist() == [20, 1]
    assert catalog.load("test_set").class_counts().tolist() == [20, 10]


def kedro(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "kedro"), "run", "--env", "smoke", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project, so that its data/ and mlflow.db are the test's own."""
    return copy_project(tmp_path)


@pytest.mark.slow
def test_kedro_run_on_digits_writes_the_outputs_and_one_mlflow_run(project):
    result = kedro(project, "--pipelines", "ingest,imbalance")
    assert result.returncode == 0, result.stdout + result.stderr

    # the stage alone is its slice of balance: replicate 0's draw (redraw_imbalance)
    data = project / "data/smoke"
    kept = ImageSetDataset(filepath=str(data / "03_primary/replicate_0/imbalanced.npz")).load()
    full = ImageSetDataset(filepath=str(data / "03_primary/train_full.npz")).load()
    expected = np.round(full.class_counts() * np.where(np.isin(np.arange(10), [3, 5]), 0.1, 1))
    assert kept.class_counts().tolist() == expected.astype(int).tolist()
    assert (data / "08_reporting/replicate_0/imbalance_chart.png").stat().st_size > 1000
    assert len(list((data / "05_model_input/replicate_0/train_imbalanced.npz").iterdir())) == 1

    with sqlite3.connect(project / "mlflow.db") as db:
        runs = db.execute("SELECT run_uuid, status FROM runs").fetchall()
        assert [status for _, status in runs] == ["FINISHED"]
        params = dict(db.execute("SELECT key, value FROM params").fetchall())
    assert params["ingest.source"] == "digits"
    assert params["imbalance.profile.kind"] == "minority"
    assert params["imbalance.profile.keep_fraction"] == "0.1"
    assert params["seed"] == "42"
    ((run_id, _),) = runs
    logged = project.glob(f"mlruns/*/{run_id}/artifacts/imbalance/replicate_0/*")
    artifacts = {path.name for path in logged}
    assert artifacts == {"imbalance_chart.png", "imbalance_summary.csv"}


OUTPUTS_KEPT = """
import json, sys
from pathlib import Path
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import MemoryDataset

# outputs MLflow holds (metrics' histories, the pyfunc, the image slider), not data/
IN_MLFLOW = ("MlflowBatchedMetricsDataset", "GeneratorModelDataset", "MlflowImageStepsDataset")
bootstrap_project(Path.cwd())
with KedroSession.create(project_path=Path.cwd(), env="smoke",
                         runtime_params={"replicates": 1}) as session:
    catalog = session.load_context().catalog
    found = {}
    for stage in sys.argv[1:]:
        for name in sorted(pipelines[stage].all_outputs()):
            dataset = catalog[name]
            kind = type(dataset).__name__
            if isinstance(dataset, MemoryDataset):
                found[name] = "in memory"
            elif kind not in IN_MLFLOW:  # a file, or a folder (versions, partitions)
                path = getattr(dataset, "_filepath", None) or getattr(dataset, "_path", None)
                if path is None or not Path(str(path)).exists():
                    found[name] = f"no file ({kind})"
print(json.dumps(found))
"""


@pytest.mark.slow
def test_each_stage_pipeline_runs_alone_and_keeps_what_it_makes(project):
    """Stage by stage, as the README says any registered pipeline runs: each alone, in order
    (one replicate, so that evaluate finds every training set it reads), and then every
    output of every stage is on disk."""
    from synthbalance.pipeline_registry import STAGES

    stages = [
        "ingest",
        "imbalance",
        "gan",
        "sample",
        "deepsmote",
        "strategies",
        "evaluate",
        "quality",
        "report",
    ]
    assert set(stages) == set(STAGES)
    for stage in stages:
        result = kedro(project, "--pipelines", stage, "--params", "replicates=1")
        assert result.returncode == 0, stage + result.stdout[-3000:] + result.stderr[-3000:]
    probe = subprocess.run(
        [sys.executable, "-c", OUTPUTS_KEPT, *stages],
        cwd=project,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    lost = json.loads(probe.stdout.strip().splitlines()[-1])
    assert lost == {}  # every output a file under data/, or held by MLflow


@pytest.mark.slow
def test_a_bad_parameter_stops_kedro_run_before_any_work(project):
    result = kedro(
        project, "--pipelines", "ingest,imbalance", "--params", "imbalance.validation_fraction=1.5"
    )
    assert result.returncode != 0
    assert "validation_fraction" in result.stdout + result.stderr
    assert "less than 1" in result.stdout + result.stderr
    assert not (project / "data").exists()


@pytest.mark.slow
def test_kedro_viz_builds_the_static_site_with_previews(smoke_run):
    """`kedro viz build --include-previews` on a smoke run: the static site, the stages as
    groups, and previews of the tables and charts a person clicks on."""
    kedro_bin = str(Path(sys.executable).parent / "kedro")
    result = subprocess.run(
        [kedro_bin, "viz", "build", "--include-previews"],
        cwd=smoke_run,
        env={**os.environ, "KEDRO_ENV": "smoke"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    build = smoke_run / "build"
    assert (build / "index.html").is_file()
    main = json.loads((build / "api" / "main").read_text())
    stages = {
        "ingest",
        "imbalance",
        "replicate_0",
        "replicate_1",
        "strategy",
        "evaluate",
        "quality",
        "report",
        "replicate_0.gan",
        "replicate_0.sample",
    }
    assert stages <= set(main["modular_pipelines"]), sorted(main["modular_pipelines"])
    previews = {}
    for path in (build / "api" / "nodes").iterdir():
        node = json.loads(path.read_text())
        if node.get("filepath") and node.get("preview") not in (None, "None"):
            previews[Path(node["filepath"]).name] = node["preview_type"]
    assert previews["comparison.csv"] == previews["imbalance_summary.csv"] == "TablePreview"
    assert previews["comparison.png"] == previews["imbalance_chart.png"] == "ImagePreview"
    # the images themselves: a row per class of a few images, with the counts
    assert previews["synthetic.npz"] == previews["train_imbalanced.npz"] == "ImagePreview"
    # PictureDataset's: the confusion matrices and the sample grids
    assert previews["gan_confusion.png"] == previews["synthetic_grid.png"] == "ImagePreview"


@pytest.mark.slow
def test_kedro_run_balance_on_digits_runs_every_stage_and_logs_to_mlflow(smoke_run):
    project = smoke_run  # `kedro run --env smoke --pipelines balance`, once per session
    data = project / "data/smoke"
    drawn = []
    for r in (0, 1):  # conf/smoke: two replicates, each with its own GAN and samples
        folder = data / f"05_model_input/replicate_{r}/synthetic.npz"
        synthetic = ImageSetDataset(filepath=str(next(folder.iterdir()) / "synthetic.npz")).load()
        assert set(synthetic.origin) == {"synthetic"} and set(synthetic.labels) == {3, 5}
        drawn.append(synthetic.images)
        assert (data / f"08_reporting/replicate_{r}/gan_progress.gif").is_file()
        strategies = data / f"05_model_input/replicate_{r}/strategies"
        train_sets = {p.stem for p in strategies.glob("*.npz")}
        assert train_sets == set(REGISTRY)
    assert not np.array_equal(drawn[0], drawn[1])  # another GAN, other samples
    assert len(list((data / "06_models/gan_checkpoints").glob("gan-*.pt"))) == 2
    # every strategy's network of each replicate but threshold's, which adjusts none's
    assert len(list((data / "06_models/classifier_checkpoints").glob("classifier-*.pt"))) == 24

    drawn = [data / f"05_model_input/replicate_{r}/validation.npz" for r in range(2)]
    validations = [
        ImageSetDataset(filepath=str(next(p.iterdir()) / "validation.npz")).load() for p in drawn
    ]  # redraw_imbalance: each replicate its own
    for validation in validations:
        assert set(validation.origin) == {"real"}  # model selection sees only real images
    assert not np.array_equal(validations[0].images, validations[1].images)
    comparison = pd.read_csv(data / "08_reporting/comparison.csv")
    assert sorted(comparison["strategy"]) == sorted(REGISTRY)
    assert (comparison["replicates"] == 2).all()

    with sqlite3.connect(project / "mlflow.db") as db:
        (run_id,) = [
            r
            for (r,) in db.execute(
                "SELECT run_uuid FROM runs WHERE run_uuid NOT IN "
                "(SELECT run_uuid FROM tags WHERE key = 'mlflow.parentRunId')"
            )
        ]
        children = db.execute(
            "SELECT run_uuid FROM tags WHERE key = 'mlflow.parentRunId' AND value = ?", (run_id,)
        ).fetchall()
        child_tags = db.execute(
            "SELECT t1.value, t2.value FROM tags t1 JOIN tags t2 USING (run_uuid) "
            "WHERE t1.key = 'strategy' AND t2.key = 'replicate'"
        ).fetchall()
        families = set(
            db.execute(
                "SELECT t1.value, t2.value FROM tags t1 JOIN tags t2 USING (run_uuid) "
                "WHERE t1.key = 'strategy' AND t2.key = 'family'"
            ).fetchall()
        )
        keys_per_child = db.execute(
            "SELECT run_uuid, COUNT(DISTINCT key) FROM metrics WHERE key LIKE 'test_%' "
            "AND run_uuid != ? GROUP BY run_uuid",
            (run_id,),
        ).fetchall()
        curve = db.execute(
            "SELECT COUNT(*) FROM metrics WHERE key = 'curve.val_balanced_accuracy' "
            "AND run_uuid = ?",
            (children[0][0],),
        ).fetchone()[0]
        quality = {
            k
            for (k,) in db.execute(
                "SELECT DISTINCT key FROM metrics WHERE key LIKE 'quality.%' AND run_uuid = ?",
                (run_id,),
            )
        }
        history = db.execute(
            "SELECT COUNT(*) FROM metrics WHERE key = 'gan.replicate_0.all.loss_d' "
            "AND run_uuid = ?",
            (run_id,),
        ).fetchone()[0]
        progress = db.execute(
            "SELECT step FROM metrics WHERE key = 'quality.progress.3.fd' AND run_uuid = ? "
            "ORDER BY step",
            (run_id,),
        ).fetchall()
        system = {
            k
            for (k,) in db.execute(
                "SELECT DISTINCT key FROM metrics WHERE key LIKE 'system/%' AND run_uuid = ?",
                (run_id,),
            )
        }
        models = db.execute(
            "SELECT name FROM logged_models WHERE source_run_id = ?", (run_id,)
        ).fetchall()
        timings = {
            k
            for (k,) in db.execute(
                "SELECT DISTINCT key FROM metrics WHERE (key LIKE 'time.%' OR key LIKE "
                "'strategy.threshold.%') AND run_uuid = ?",
                (run_id,),
            )
        }
        verdicts = {
            k
            for (k,) in db.execute(
                "SELECT key FROM metrics WHERE key LIKE 'verdict.%' AND run_uuid = ?", (run_id,)
            )
        }
        comparisons = {
            k
            for (k,) in db.execute(
                "SELECT key FROM metrics WHERE key LIKE 'comparison.%' AND run_uuid = ?", (run_id,)
            )
        }
    assert history == 4  # steps 20, logged every 5
    assert progress == [(0,), (10,), (20,)]  # FD-domain at every grid step
    assert sorted(models) == [("generator_replicate_0",), ("generator_replicate_1",)]
    assert {
        f"comparison.{s}.test_balanced_accuracy.{k}"
        for s in REGISTRY
        for k in ("mean", "low", "high")
    } <= comparisons
    verdict = json.loads((data / "08_reporting/verdict.json").read_text())
    # against the best simple strategy (or, where validation tied several, each of them)
    baselines = ["best_simple"] if verdict["best_simple"] else verdict["tied"]
    pairs = [(g, b) for g in ("gan", "gan_augment", "deepsmote") for b in baselines] + [
        ("gan", "deepsmote"),
        ("gan_augment", "deepsmote"),
    ]
    # every difference; its interval where it has one (the smoke data can leave none)
    assert {f"verdict.{s}_minus_{a}.balanced_accuracy.difference" for s, a in pairs} <= verdicts
    assert verdicts <= {
        f"verdict.{s}_minus_{a}.balanced_accuracy.{k}"
        for s, a in pairs
        for k in ("difference", "low", "high")
    }
    assert {
        "quality.3.synthetic.fd",
        "quality.3.held_back.fd",
        "quality.all.synthetic.recall",
        "quality.5.synthetic.memorisation_pixels",
        "quality.3.deepsmote.fd",
        "quality.all.deepsmote.recall",
    } <= quality
    assert {
        "time.replicate_0.deepsmote.train_autoencoder",
        "time.strategy.ldam_drw.train_classifier",
        "strategy.threshold.replicate_1.tau",
    } <= timings
    assert len(children) == 26  # thirteen strategies, two replicates each (conf/smoke)
    assert sorted(child_tags) == sorted((name, str(r)) for name in REGISTRY for r in (0, 1))
    assert families == {(name, strategy.family) for name, strategy in REGISTRY.items()}
    assert len({n for _, n in keys_per_child}) == 1  # the same test_ keys for every strategy
    assert curve == 2  # validation scored every 10 of 20 steps
    assert {"system/cpu_utilization_percentage", "system/system_memory_usage_megabytes"} <= system
    (root,) = project.glob(f"mlruns/*/{run_id}/artifacts")
    artifacts = {p.relative_to(root).as_posix() for p in root.glob("**/*") if p.is_file()}
    assert {
        "gan/replicate_0/gan_progress.gif",
        "gan/replicate_1/gan_history.csv",
        "sample/replicate_0/synthetic_grid.png",
        "gan/replicate_0/gan_progress/step_000020.png",
        "deepsmote/replicate_0/deepsmote_grid.png",
        "deepsmote/replicate_1/autoencoder_history.csv",
        "comparison/comparison.csv",
        "comparison/comparison.md",
        "comparison/comparison.png",
        "strategies/gan_confusion.png",
        "quality/quality.csv",
        "quality/quality_progress.csv",
        "quality/memorisation_pairs.png",
        "report/report.html",
        "report/verdict.json",
    } <= artifacts
    # the progress grids at their steps, for the UI's image slider (mlflow.log_image)
    stepped = {
        int(name.split("+")[2])
        for name in artifacts
        if name.startswith("images/gan_progress.replicate_0+step+")
    }
    assert stepped == {0, 10, 20}
    assert_children_are_real_runs(project, [c for (c,) in children])
    assert verdict["replicates"] == 2 and verdict["best_simple_selected_on"] == "validation"
    assert {c["strategy"] for c in verdict["comparisons"]} == {"gan", "gan_augment", "deepsmote"}
    assert {(c["strategy"], c["against"]) for c in verdict["against_rival"]} == {
        ("gan", "deepsmote"),
        ("gan_augment", "deepsmote"),
    }
    assert html.escape(verdict["sentence"]) in (data / "08_reporting/report.html").read_text()


def assert_children_are_real_runs(project: Path, children: list[str]) -> None:
    """Each child spans its strategy's work, carries the run's distinguishing parameters,
    its own confusion matrix, its classifier as a model, and its three datasets as inputs."""
    import mlflow
    from mlflow.tracking import MlflowClient

    store = f"sqlite:///{project / 'mlflow.db'}"
    client, digests, models = MlflowClient(store), {}, {}
    mlflow.set_tracking_uri(store)
    for run_id in children:
        run = client.get_run(run_id)
        assert run.info.end_time - run.info.start_time > 1000, run.info.run_name
        assert run.data.params["imbalance.profile.keep_fraction"] == "0.1"
        assert run.data.params["ingest.source"] == "digits" and "gan.steps" in run.data.params
        assert [a.path for a in client.list_artifacts(run_id)] == ["confusion.png"]
        used = {d.tags[0].value: d.dataset for d in run.inputs.dataset_inputs}
        assert set(used) == {"training", "validation", "test"}
        key = (run.data.tags["strategy"], run.data.tags["replicate"])
        digests[key] = used["training"].digest
        (model,) = client.search_logged_models(
            [run.info.experiment_id], f"source_run_id = '{run_id}'"
        )
        models[key] = model
    assert digests[("gan", "0")] != digests[("gan", "1")]  # each replicate its own samples
    # redraw_imbalance: each replicate its own draw of the kept real images, too
    assert digests[("none", "0")] != digests[("none", "1")]
    # Each child's classifier, loaded as MLflow loads it, labels the test set as the scoring
    # did: threshold's offsets (replicate 1's own) and ldam_drw's cosine head included.
    test_set = ImageSetDataset(filepath=str(project / "data/smoke/03_primary/test_set.npz")).load()
    for strategy, replicate in [("threshold", "1"), ("ldam_drw", "0"), ("none", "1")]:
        model = models[(strategy, replicate)]
        assert model.name == "classifier"
        served = mlflow.pyfunc.load_model(f"models:/{model.model_id}")
        predicted = served.predict(test_set.images)
        scored = json.loads(
            (
                project / f"data/smoke/07_model_output/strategies/{strategy}_predictions.json"
            ).read_text()
        )[replicate]
        assert predicted["label"].tolist() == scored, (strategy, replicate)


def test_the_test_set_reaches_only_scoring_and_where_the_full_split_goes():
    from synthbalance.pipelines.balance import create_pipeline

    users = {}
    for n in create_pipeline().nodes:
        for name in n.inputs:
            users.setdefault(name, set()).add(n.name)
    # scoring, and the report's bootstrap of those scores (it reads the test labels only)
    assert {u.split(".")[-1] for u in users["test_set"]} == {"score_classifier", "build_report"}
    # the full split: the imbalance step, oracle's builder alone (each builder reads only what
    # its registry record needs), the quality metrics (real images the GAN never saw)
    # (redraw_imbalance: each replicate draws its own imbalance from it)
    assert users["train_full"] == {
        "quality.score_synthetic",
        "quality.score_gan_progress",
        *(
            f"replicate_{r}.{node}"
            for r in range(3)
            for node in (
                "imbalance.summarise_imbalance",
                "imbalance.make_imbalanced",
                "strategy.oracle.build_train_set",
            )
        ),
    }
