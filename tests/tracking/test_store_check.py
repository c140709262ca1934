"""The tracking store's check (before any node runs) and the locks that let runs share it."""

import fcntl
import http.server
import socket
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from synthbalance.framework.run_lock import DAG_RUN_VARIABLE, POLL_S, DataFolderLock, RunLockHook
from synthbalance.tracking.store import TrackingStoreError, check_store, setup_lock, sqlite_path


def test_sqlite_paths_relative_and_absolute():
    assert sqlite_path("sqlite:///mlflow.db") == Path("mlflow.db")
    assert sqlite_path("sqlite:////tmp/x/mlflow.db") == Path("/tmp/x/mlflow.db")
    assert sqlite_path("sqlite://") is None  # in memory
    assert sqlite_path("http://127.0.0.1:5000") is None


def test_a_fresh_or_a_working_sqlite_store_passes(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    check_store(uri, tmp_path)  # absent: MLflow will create it
    sqlite3.connect(tmp_path / "mlflow.db").execute("CREATE TABLE t (x)").connection.commit()
    check_store(uri, tmp_path)
    assert (tmp_path / "mlflow.db").exists()


def test_a_locked_sqlite_store_is_reported_after_the_wait(tmp_path):
    path = tmp_path / "mlflow.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(TrackingStoreError, match=r"stayed locked by another process for 1 s"):
        check_store(f"sqlite:///{path}", tmp_path, wait_s=1)
    holder.execute("ROLLBACK")
    check_store(f"sqlite:///{path}", tmp_path, wait_s=1)  # free again


def test_a_file_that_is_not_a_database_is_reported(tmp_path):
    (tmp_path / "mlflow.db").write_bytes(b"not a database, just bytes" * 100)
    with pytest.raises(TrackingStoreError, match="is not a SQLite database"):
        check_store(f"sqlite:///{tmp_path}/mlflow.db", tmp_path)


@pytest.fixture
def immutable(tmp_path):
    """A file even root cannot write (chattr +i); skipped where the flag is not allowed."""
    path = tmp_path / "mlflow.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not permitted here")
    yield path
    subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_sqlite_store_is_reported(immutable, tmp_path):
    with pytest.raises(TrackingStoreError, match=r"is read-only, so this run could not be"):
        check_store(f"sqlite:///{immutable}", tmp_path)


def test_a_server_that_does_not_answer_is_reported_at_once():
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(TrackingStoreError, match=r"does not answer \(.*refused"):
        check_store(f"http://127.0.0.1:{port}", Path("."))


def test_a_server_that_answers_with_an_error_status_passes():
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        check_store(f"http://127.0.0.1:{server.server_port}", Path("."))
    finally:
        server.shutdown()


def test_a_server_that_accepts_but_never_replies_is_reported_after_the_wait():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(TrackingStoreError, match="does not answer.*timed out"):
            check_store(f"http://127.0.0.1:{silent.getsockname()[1]}", Path("."), wait_s=1)


def _lockable(path: Path, mode: int) -> bool:
    """Whether another open file description (as another process has) gets ``mode`` now."""
    with open(path) as other:
        try:
            fcntl.flock(other, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


def _held_elsewhere(path: Path) -> bool:
    return not _lockable(path, fcntl.LOCK_EX)


def _shareable(path: Path) -> bool:
    return _lockable(path, fcntl.LOCK_SH)


def test_setup_lock_holds_the_database_file_and_lets_go(tmp_path):
    uri = f"sqlite:///{tmp_path}/sub/mlflow.db"
    with setup_lock(uri):
        assert _held_elsewhere(tmp_path / "sub/mlflow.db")
    assert not _held_elsewhere(tmp_path / "sub/mlflow.db")
    with setup_lock("http://127.0.0.1:5000"):  # nothing to hold for a server
        pass


def test_data_folder_lock_makes_the_second_run_wait_and_says_who_holds_it(tmp_path, caplog):
    first, second = DataFolderLock(tmp_path / "data"), DataFolderLock(tmp_path / "data")
    first.acquire({"pid": 1234, "started": "today", "command": "kedro run --env smoke"})
    waited = {}
    waiter = threading.Thread(target=lambda: waited.update(s=second.acquire({"pid": 5})))
    with caplog.at_level("INFO", logger="synthbalance.framework.run_lock"):
        waiter.start()
        waiter.join(timeout=1.5)
        assert waiter.is_alive()  # still waiting
        first.release()
        waiter.join(timeout=5)
    assert not waiter.is_alive() and waited["s"] >= 1
    assert "pid 1234, started today: kedro run --env smoke" in caplog.text
    assert "Waiting for it to finish" in caplog.text and "this one starts now" in caplog.text
    assert _held_elsewhere(tmp_path / "data/.kedro-run.lock")
    second.release()
    assert not _held_elsewhere(tmp_path / "data/.kedro-run.lock")


def _acquiring(lock: DataFolderLock, shared: bool) -> threading.Thread:
    """``lock.acquire`` in a thread, started."""
    thread = threading.Thread(target=lock.acquire, args=({"pid": 7},), kwargs={"shared": shared})
    thread.start()
    return thread


def test_the_tasks_of_a_dag_run_share_the_folder_and_a_whole_run_waits_for_them(tmp_path):
    folder = tmp_path / "data"
    tasks = [DataFolderLock(folder), DataFolderLock(folder)]
    for task in tasks:  # two tasks side by side: neither waits
        assert task.acquire({"pid": 1, "command": "a task"}, shared=True) < POLL_S
    whole = DataFolderLock(folder)
    waiter = _acquiring(whole, shared=False)
    tasks[0].release()
    waiter.join(timeout=1.5)
    assert waiter.is_alive()  # one task still runs
    tasks[1].release()
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    # and a task waits for the whole run
    late = DataFolderLock(folder)
    task_waiter = _acquiring(late, shared=True)
    task_waiter.join(timeout=1.5)
    assert task_waiter.is_alive()
    whole.release()
    task_waiter.join(timeout=5)
    assert not task_waiter.is_alive()
    late.release()


def test_a_session_that_names_its_dag_run_takes_the_folder_shared(tmp_path, monkeypatch):
    hook = RunLockHook()
    hook._folder = tmp_path / "data"
    monkeypatch.setenv(DAG_RUN_VARIABLE, "synthbalance_balance manual__2026-12-06")
    hook.before_pipeline_run({"node_names": ["strategy.gan.train_classifier"]})
    path = tmp_path / "data/.kedro-run.lock"
    assert "of DAG run synthbalance_balance manual__2026-12-06" in path.read_text()
    assert _held_elsewhere(path) and _shareable(path)  # a whole run waits, a task goes on
    hook.after_pipeline_run()
    assert not _held_elsewhere(path)
    monkeypatch.delenv(DAG_RUN_VARIABLE)
    hook.before_pipeline_run({"node_names": []})  # a whole run: alone
    assert _held_elsewhere(path) and not _shareable(path)
    hook.after_pipeline_run()
