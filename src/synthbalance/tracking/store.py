"""The MLflow tracking store, checked before a run spends anything.

``check_store`` answers "can this run record what it computes?" in seconds, before the
first node runs: a SQLite file that is read-only or held locked, a folder that cannot be
written, a server that does not answer. MLflow's own client would find out later — after
minutes of retries for a server, or at the first metric after the GAN has trained.

``setup_lock`` serialises the one racy moment of two runs sharing a SQLite store: MLflow
creates the tables of an empty database and kedro-mlflow creates the experiment, each
"check, then create", so two runs starting together on a fresh ``mlflow.db`` fail with
``table metrics already exists``. Everything after that is MLflow's own business: its
SQLite sessions wait up to 20 s for one another (``PRAGMA busy_timeout``).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pydantic import BaseModel

WAIT_S = 20.0  # as long as MLflow's own sessions wait for a locked SQLite file
# The store when mlflow.yml's server.mlflow_tracking_uri is null and MLFLOW_TRACKING_URI is
# unset: MLflow's own default. kedro-mlflow would take ./mlruns, a file store, which MLflow
# 3.13 and later refuse ("maintenance mode").
DEFAULT_URI = "sqlite:///mlflow.db"

_HOW_TO = (
    "MLflow's store is set in conf/<env>/mlflow.yml (server.mlflow_tracking_uri); "
    "the project's default is sqlite:///mlflow.db in the project folder."
)


def tracking_uri(server: dict | None) -> str:
    """The store of mlflow.yml's ``server`` block: its URI, else MLFLOW_TRACKING_URI, else
    ``DEFAULT_URI``."""
    return (
        (server or {}).get("mlflow_tracking_uri")
        or os.environ.get("MLFLOW_TRACKING_URI")
        or DEFAULT_URI
    )


class TrackingStoreError(RuntimeError):
    """The tracking store cannot record this run; raised before any node runs."""


def sqlite_path(uri: str) -> Path | None:
    """The file of a ``sqlite:///`` URI; a relative path is relative to the current
    folder, as for SQLAlchemy (`kedro run` runs in the project folder)."""
    path = unquote(urlparse(uri).path)[1:]  # sqlite:///rel/path, sqlite:////abs/path
    return Path(path) if uri.startswith("sqlite:") and path else None


def check_store(uri: str, project: Path, wait_s: float = WAIT_S) -> None:
    """Raise `TrackingStoreError` saying what is wrong with the store at ``uri``."""
    scheme = urlparse(uri).scheme
    if scheme == "sqlite" and sqlite_path(uri) is not None:  # not sqlite:// in memory
        _check_sqlite(uri, sqlite_path(uri).resolve(), wait_s)
    elif scheme in ("http", "https"):
        _check_server(uri, wait_s)
    elif scheme in ("", "file"):
        folder = Path(unquote(urlparse(uri).path) if scheme else uri)
        _check_folder(uri, folder if folder.is_absolute() else project / folder)
    # Other stores (a database URI, databricks) are MLflow's to reach.


def _check_folder(uri: str, folder: Path) -> None:
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not os.access(existing, os.W_OK):
        raise TrackingStoreError(
            f"MLflow's tracking store {uri} cannot be written: {existing} is read-only. "
            f"Make it writable or point MLflow elsewhere. {_HOW_TO}"
        )


def _check_sqlite(uri: str, path: Path, wait_s: float) -> None:
    _check_folder(uri, path.parent)
    if not path.exists() or path.stat().st_size == 0:
        return  # MLflow creates it; the folder is writable
    try:
        with _connection(path, wait_s) as db:
            db.execute("BEGIN IMMEDIATE")  # the write lock: waits up to wait_s for others
            (version,) = db.execute("PRAGMA user_version").fetchone()
            db.execute(f"PRAGMA user_version = {int(version)}")  # a write that changes nothing
            db.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise TrackingStoreError(
                f"MLflow's tracking store {uri} ({path}) stayed locked by another process "
                f"for {wait_s:.0f} s. Another program holds a write transaction on it "
                "(an open sqlite3 shell, a hung process). Close it and run again. "
                "(A `kedro run` beside this one holds it for moments, never this long.)"
            ) from error
        if "readonly" in str(error).replace("-", "").replace(" ", ""):
            raise TrackingStoreError(
                f"MLflow's tracking store {uri} ({path}) is read-only, so this run could "
                "not be recorded. Make the file (and its folder) writable, or point MLflow "
                f"at another store. {_HOW_TO}"
            ) from error
        raise TrackingStoreError(
            f"MLflow's tracking store {uri} ({path}) cannot be used: {error}. {_HOW_TO}"
        ) from error
    except sqlite3.DatabaseError as error:
        raise TrackingStoreError(
            f"MLflow's tracking store {uri} ({path}) is not a SQLite database ({error}). "
            f"Move it aside or point MLflow at another file. {_HOW_TO}"
        ) from error


@contextmanager
def _connection(path: Path, wait_s: float) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=wait_s, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def _check_server(uri: str, wait_s: float) -> None:
    try:
        with urllib.request.urlopen(uri, timeout=wait_s):
            pass
    except urllib.error.HTTPError:
        return  # it answered: a status is an answer; MLflow handles authentication
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TrackingStoreError(
            f"MLflow's tracking server {uri} does not answer ({reason}), so this run "
            "could not be recorded and nothing was run. "
            "Start the server (docs/team-server.md says how) or "
            "point MLflow at another store. "
            f"{_HOW_TO}"
        ) from error


@contextmanager
def setup_lock(uri: str) -> Iterator[None]:
    """Hold an exclusive lock on a SQLite store's file while MLflow sets it up.

    ``flock`` on the database file itself: SQLite locks with ``fcntl`` byte ranges, which
    Linux keeps apart from ``flock``, and the kernel drops the lock if the process dies.
    """
    path = sqlite_path(uri)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def logged_parameters(values: dict[str, Any]) -> dict[str, str]:
    """``values`` as MLflow holds them once kedro-mlflow has logged them: each parameter model
    as its dict, nested keys joined by dots (``imbalance.profile.keep_fraction``), every
    value as text."""
    plain = {
        key: value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        for key, value in values.items()
    }
    return {key: str(value) for key, value in leaves(plain).items()}


def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every value of ``tree`` that is not a mapping, by its dotted key."""
    found = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            found.update(leaves(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found
