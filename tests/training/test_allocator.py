"""glibc malloc's thresholds: set once, and never over a choice the user made."""

import ctypes
import platform

import pytest

from synthbalance.training import allocator
from synthbalance.training.engine import Engine


@pytest.fixture
def fresh(monkeypatch):
    """No setting made yet in this process; mallopt recorded instead of called."""
    calls = []

    class Libc:
        @staticmethod
        def mallopt(parameter, value):
            calls.append((parameter, value))
            return 1

    monkeypatch.setattr(allocator, "_state", {})
    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc)
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "libc_ver", lambda: ("glibc", "2.36"))
    for name in (*allocator.USER_SETTINGS, "SYNTHBALANCE_TUNE_MALLOC", "LD_PRELOAD"):
        monkeypatch.delenv(name, raising=False)
    return calls


def test_the_first_engine_sets_both_thresholds_once(fresh):
    Engine.of("cpu", "fp32")
    Engine.of("cpu", "bf16")
    assert fresh == [
        (allocator.M_MMAP_THRESHOLD, 32 * 2**20),
        (allocator.M_TRIM_THRESHOLD, 64 * 2**20),
    ]
    assert allocator.tune_malloc() is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SYNTHBALANCE_TUNE_MALLOC", "0"),
        ("MALLOC_MMAP_THRESHOLD_", "1048576"),
        ("MALLOC_TRIM_THRESHOLD_", "0"),
        ("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=65536"),
        ("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
    ],
)
def test_a_choice_of_the_user_is_left_alone(fresh, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert allocator.tune_malloc() is False
    assert fresh == []


def test_another_c_library_is_left_alone(fresh, monkeypatch):
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))
    assert allocator.tune_malloc() is False
    assert fresh == []


def test_a_refused_setting_is_reported_not_raised(fresh, monkeypatch, caplog):
    class Refusing:
        @staticmethod
        def mallopt(parameter, value):
            return 0

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Refusing)
    with caplog.at_level("INFO", logger="synthbalance.training.allocator"):
        assert allocator.tune_malloc() is False
    assert "mallopt refused" in caplog.text
