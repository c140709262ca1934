"""A sweep's grid: parsed as `kedro run --params` parses, every point checked first."""

import pytest
from kedro.config import OmegaConfigLoader

from synthbalance.framework.config_loader import ProjectConfigLoader
from synthbalance.sweep import grid
from tests.conftest import PROJECT


@pytest.fixture(scope="module")
def smoke() -> dict:
    loader = OmegaConfigLoader(str(PROJECT / "conf"), base_env="base", default_run_env="smoke")
    return dict(loader["parameters"])


def test_values_are_read_as_kedro_run_params_reads_them():
    parsed = grid.parse(
        [
            "imbalance.profile.keep_fraction=0.01,0.05",
            "gan.loss=hinge,wgan",
            "gan.class_norm=true,false",
        ]
    )
    assert parsed == {
        "imbalance.profile.keep_fraction": [0.01, 0.05],
        "gan.loss": ["hinge", "wgan"],
        "gan.class_norm": [True, False],
    }


def test_several_grids_make_their_product_the_first_varying_slowest():
    points = grid.points({"a.x": [1, 2], "b.y": ["p", "q", "r"]})
    assert [p.as_dict() for p in points[:4]] == [
        {"a.x": 1, "b.y": "p"},
        {"a.x": 1, "b.y": "q"},
        {"a.x": 1, "b.y": "r"},
        {"a.x": 2, "b.y": "p"},
    ]
    assert points[0].name == "x=1+y=p" and points[0].params == "a.x=1,b.y=p"


def test_keys_that_end_alike_are_named_in_full():
    point = grid.points({"gan.steps": [10], "classifier.steps": [20]})[0]
    assert point.name == "gan.steps=10+classifier.steps=20"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "at least one --grid"),
        (["imbalance.profile.keep_fraction"], 'write it as "key=value1,value2'),
        (["imbalance.profile.keep_fraction="], "needs a list of values"),
        (["imbalance.profile.keep_fraction=0.1,,0.2"], "with none empty"),
        (["a=1", "a=2"], "given twice"),
        (["a=1,1"], "lists a value twice"),
        (["strategies.run=[gan]"], "is a list or a mapping"),
        (["ingest.folder=/x/y"], "would not reach the run as it is checked here"),
        (["a=.inf"], "would not reach the run"),
    ],
)
def test_a_malformed_grid_is_a_clear_error(options, message):
    with pytest.raises(grid.GridError, match=message):
        grid.parse(options)


def test_an_unknown_parameter_is_named_with_the_nearest_ones(smoke):
    with pytest.raises(
        grid.GridError,
        match=r"no parameter imbalance\.profile\.keep_frac; "
        r"did you mean imbalance\.profile\.keep_fraction",
    ):
        grid.check({"imbalance.profile.keep_frac": [0.1]}, smoke)


@pytest.mark.parametrize(
    ("key", "values", "message"),
    [
        (
            "imbalance.profile.keep_fraction",
            [0.1, 1.5],
            r"keep_fraction=1\.5 is not a valid configuration: imbalance\.profile\.keep_fraction: "
            r"Input should be less than or equal to 1",
        ),
        ("replicates", [2, 0], "replicates must be a whole number of at least 1, got 0"),
        ("classifier.steps", [10, "many"], r"classifier\.steps: .*integer.*'many'"),
    ],
)
def test_a_value_its_model_rejects_stops_the_sweep_naming_it(smoke, key, values, message):
    with pytest.raises(grid.GridError, match=message):
        grid.check({key: values}, smoke)


def test_a_valid_grid_passes_and_each_point_changes_only_its_keys(smoke):
    sweep = {"imbalance.profile.keep_fraction": [0.1, 0.4], "classifier.steps": [10]}
    grid.check(sweep, smoke)
    merged = grid.with_values(smoke, grid.points(sweep)[1])
    assert merged["imbalance"]["profile"]["keep_fraction"] == 0.4
    assert merged["classifier"]["steps"] == 10
    assert grid.points(sweep)[1].as_dict() == {
        "imbalance.profile.keep_fraction": 0.4,
        "classifier.steps": 10,
    }
    assert merged["gan"] == smoke["gan"]


def test_data_folder_moves_the_environments_data_and_nothing_else():
    # OmegaConf's resolvers are process-wide: the last loader made answers `${globals:...}`,
    # so each loader is read before the next is made
    moved = ProjectConfigLoader(
        str(PROJECT / "conf"),
        base_env="base",
        default_run_env="local",
        env="smoke",
        runtime_params={"data_folder": "/tmp/point"},
    )
    globals_, catalog, parameters = moved["globals"], moved["catalog"], moved["parameters"]
    plain = OmegaConfigLoader(
        str(PROJECT / "conf"), base_env="base", default_run_env="local", env="smoke"
    )
    assert globals_ == {"data": "/tmp/point"}
    assert catalog["train_full"]["filepath"] == "/tmp/point/03_primary/train_full.npz"
    assert plain["catalog"]["train_full"]["filepath"] == "data/smoke/03_primary/train_full.npz"
    assert parameters["ingest"] == plain["parameters"]["ingest"]


def test_an_empty_data_folder_is_a_clear_error():
    with pytest.raises(ValueError, match="data_folder=PATH needs a folder's path"):
        ProjectConfigLoader(
            str(PROJECT / "conf"),
            base_env="base",
            default_run_env="local",
            env="smoke",
            runtime_params={"data_folder": " "},
        )
