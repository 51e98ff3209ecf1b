"""`crm duplicates`' groups computed in a process of their own, for the dashboard's count
and the duplicates page.

Grouping 100,000 accounts is seconds of pure Python. In a thread of the server it would
hold the interpreter's lock that long, and every other request — each database call
gives the lock up and waits to get it back — would crawl meanwhile. One worker process
(started on first use, kept for the server's life) does it instead; the server's thread
only waits for its answer.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from listbridge.config import ProcessConfig
from listbridge.core.duplicates import DuplicateGroup
from listbridge.crm.duplicate_groups import possible_duplicates
from listbridge.store.db import Store
from listbridge.store.read_only import reading

_pool: ProcessPoolExecutor | None = None
_made = threading.Lock()


def duplicate_groups_apart(store: Store, connection_id: int) -> list[DuplicateGroup]:
    """`possible_duplicates` of the connection, computed by the worker process."""
    try:
        return _worker().submit(_groups, store.url, store.config, connection_id).result()
    except BrokenProcessPool:  # the worker died (killed, out of memory): a new one, once
        return _worker(renew=True).submit(_groups, store.url, store.config, connection_id).result()


def _worker(renew: bool = False) -> ProcessPoolExecutor:
    global _pool
    with _made:
        if renew and _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None
        if _pool is None:
            # spawned, not forked: the server has threads, which a fork would copy mid-step
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return _pool


def _groups(url: str, config: ProcessConfig, connection_id: int) -> list[DuplicateGroup]:
    # read without the write lock SQLite sessions take: a read of seconds would otherwise
    # hold up every other request meanwhile (store/read_only.py)
    with reading(url, config) as store:
        return possible_duplicates(store, connection_id)
