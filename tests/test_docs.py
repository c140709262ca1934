"""The docs stay true: docs/configuration.md is the generator's output today, covers every key
of conf/base, and the links between the docs pages lead to headings that exist."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
REGENERATE = ".venv/bin/python docs/generate_configuration.py > docs/configuration.md"


def _generator():
    """docs/generate_configuration.py, a script outside the package, as a module."""
    spec = importlib.util.spec_from_file_location(
        "generate_configuration", DOCS / "generate_configuration.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _generator()


@pytest.fixture(scope="module")
def generated() -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # build-time parameters are read from ./conf
        return reference.render(ROOT / "conf")


def flatten(values: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in values.items():
        if isinstance(value, dict) and value:
            keys += flatten(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


def test_the_configuration_reference_is_the_generated_one(generated):
    assert CONFIGURATION.read_text() == generated, f"stale; regenerate it: {REGENERATE}"


def test_every_conf_base_parameter_is_in_the_reference():
    text = CONFIGURATION.read_text()
    keys = []
    for path in sorted((ROOT / "conf/base").glob("parameters*.yml")):
        keys += flatten(yaml.safe_load(path.read_text()) or {})
    assert "imbalance.profile.keep_fraction" in keys
    assert [key for key in keys if f"| `{key}` |" not in text] == []


def test_every_strategy_of_the_registry_is_in_the_reference(generated):
    from synthbalance.strategies import REGISTRY

    for name, strategy in REGISTRY.items():
        assert f"| `{name}` | {strategy.family.replace('_', ' ')}" in generated, name


def test_every_environment_variable_read_is_documented(generated):
    names = reference.environment_variables()
    assert "KEDRO_ENV" in names
    assert [name for name in names if f"| `{name}` |" not in generated] == []


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize(
    "page",
    [
        "configuration.md",
        "extending.md",
        "reading-results.md",
        "team-server.md",
        "orchestration.md",
    ],
)
def test_links_between_pages_lead_somewhere(page):
    text = (DOCS / page).read_text()
    for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)(?:#([\w-]+))?\)", text):
        path = (DOCS / target) if target else DOCS / page
        assert path.exists(), f"{page} links to {target}, which does not exist"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(), flags=re.MULTILINE)
            assert anchor in {slug(h) for h in headings}, f"{page}: no #{anchor} in {target}"
