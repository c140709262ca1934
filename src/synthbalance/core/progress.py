"""Progress of every long loop: a tqdm bar on a terminal; elsewhere (a log file, CI, a sweep's
point) one log line at each tenth of the way, with the rate and an estimate of the rest.

A bar says where it is: the running Kedro node (set by ``hooks.NodeTimesHook``) and what the
loop adds (``labelled("replicate 1")``), e.g. ``strategy.gan.train_classifier replicate 1:
classifier``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from tqdm.auto import tqdm

logger = logging.getLogger(__name__)
_where: ContextVar[str] = ContextVar("where", default="")
_lines_only = False  # set in worker processes


def set_node(name: str) -> None:
    """The running node's name, the start of every bar's label until the next node."""
    _where.set(name)


def where() -> str:
    """The label bars started here begin with (the node's name and what loops added)."""
    return _where.get()


def log_lines_only() -> None:
    """Log lines in this process even on a terminal (a worker process: its bars and another
    process's would overwrite each other)."""
    global _lines_only
    _lines_only = True


@contextmanager
def labelled(text: str) -> Iterator[None]:
    """Bars started inside say ``text`` after the node's name."""
    token = _where.set(f"{_where.get()} {text}".strip())
    try:
        yield
    finally:
        _where.reset(token)


def bar(
    iterable: Iterable, desc: str, total: int | None = None, initial: int = 0, unit: str = "it"
) -> Any:
    """``iterable`` with its progress shown: a tqdm bar on a terminal, else ``Logged``."""
    label = f"{_where.get()}: {desc}" if _where.get() else desc
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable) + initial
    if sys.stderr.isatty() and not _lines_only:
        return tqdm(iterable, desc=label, total=total, initial=initial, unit=unit)
    return Logged(iterable, label, total, initial, unit)


class Logged:
    """Iterates ``iterable``, logging a line each time another tenth of ``total`` is done
    (nothing more without a total); ``set_postfix`` adds figures to the next line, as on a
    tqdm bar."""

    def __init__(
        self, iterable: Iterable, label: str, total: int | None, initial: int, unit: str
    ) -> None:
        self.iterable, self.label, self.total, self.unit = iterable, label, total, unit
        self.done, self.postfix = initial, ""

    def set_postfix(self, **figures: Any) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in figures.items())

    def close(self) -> None:
        """Nothing to close: as tqdm's, for code that closes its bar."""

    def __iter__(self) -> Iterator:
        started, start, tenth = time.perf_counter(), self.done, 0
        if self.total:
            tenth = self.done * 10 // self.total
        for item in self.iterable:
            yield item
            self.done += 1
            if not self.total or self.done * 10 // self.total <= tenth:
                continue
            tenth = self.done * 10 // self.total
            rate = (self.done - start) / max(time.perf_counter() - started, 1e-9)
            left = (self.total - self.done) / rate if rate else float("inf")
            logger.info(
                "%s: %d%% (%d/%d %s), %.1f %s/s, about %.0f s left%s",
                self.label,
                100 * self.done // self.total,
                self.done,
                self.total,
                self.unit,
                rate,
                self.unit,
                left,
                f"; {self.postfix}" if self.postfix else "",
            )
