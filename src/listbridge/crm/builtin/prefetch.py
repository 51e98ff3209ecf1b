"""An iterator's items made ahead, in a thread of their own, while the caller uses them.

`crm load` reads and validates a file (Python, holding the interpreter lock) and
writes it to SQLite, whose driver lets go of the lock while SQLite steps through a
statement. Reading the next chunk in a thread while the database writes the last
overlaps the two on a machine with a second core.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")

#: chunks made ahead: enough to keep the writer busy, few enough to bound the memory
AHEAD = 2
#: how often (seconds) a thread waiting on the other checks whether it was abandoned
_POLL = 0.1
#: the interpreter's switch interval while a load runs: the default (5 ms) makes a writer
#: back from SQLite wait up to that long for the reader to let go of the lock, every
#: statement (a few hundred of them in 100,000 rows)
SWITCH_INTERVAL = 0.0002


class _Done:
    """The end of the items, or the error that ended them."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


@contextmanager
def prefetched(items: Iterator[T], ahead: int = AHEAD) -> Iterator[Iterator[T]]:
    """`items` made in a thread, up to `ahead` ahead of the caller, in the same order;
    an error raised making them is raised to the caller where the items stop. Leaving
    the block early stops the thread (and closes `items` in it). With one CPU to run
    on there is nothing to overlap: `items` are made as the caller asks, no thread."""
    if usable_cpus() < 2:
        try:
            yield items
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        return
    queue: Queue[T | _Done] = Queue(maxsize=ahead)
    stop = threading.Event()
    thread = threading.Thread(
        target=_produce, args=(items, queue, stop), name="listbridge-prefetch", daemon=True
    )
    with _SWITCHES.short():
        thread.start()
        try:
            yield _consume(queue, thread)
        finally:
            stop.set()
            thread.join()


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system tells it)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return len(affinity(0))
    return os.cpu_count() or 1


class _Switches:
    """SWITCH_INTERVAL while any prefetch runs: loads may run at once in one process,
    and the last to end puts back the interval from before the first began."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.before = 0.0

    @contextmanager
    def short(self) -> Iterator[None]:
        with self.lock:
            if not self.running:
                self.before = sys.getswitchinterval()
                sys.setswitchinterval(min(self.before, SWITCH_INTERVAL))
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if not self.running:
                    sys.setswitchinterval(self.before)


_SWITCHES = _Switches()


def _produce(items: Iterator[T], queue: Queue[T | _Done], stop: threading.Event) -> None:
    done = _Done()
    try:
        for item in items:
            if not _put(queue, item, stop):
                return
    except BaseException as error:  # handed to the caller, raised there
        done = _Done(error)
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
    _put(queue, done, stop)


def _put(queue: Queue[T | _Done], item: T | _Done, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            queue.put(item, timeout=_POLL)
        except Full:
            continue
        return True
    return False


def _consume(queue: Queue[T | _Done], thread: threading.Thread) -> Iterator[T]:
    while True:
        try:
            item = queue.get(timeout=_POLL)
        except Empty:
            if not thread.is_alive() and queue.empty():
                raise RuntimeError("the prefetch thread ended without a word") from None
            continue
        if isinstance(item, _Done):
            if item.error is not None:
                raise item.error
            return
        yield item
