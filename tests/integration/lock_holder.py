"""Holds a connection's lock in a process of its own, for test_locks.py.

    python lock_holder.py DB_URL CONNECTION JOB SECONDS [--with-run]

Prints `ACQUIRED <run id or ->` once it holds the lock, then sleeps; Ctrl-C
(SIGINT) releases it early. A refused lock goes through the CLI's own error
mapping: the message on stderr and exit code 3.
"""

from __future__ import annotations

import argparse
import sys
import time

from listbridge.cli.errors import exit_code
from listbridge.core.errors import ListbridgeError
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.runs import start_run, started_by


def hold(db_url: str, connection: str, job: str, seconds: float, with_run: bool) -> None:
    store = open_store(db_url)
    cid = connection_id(store, connection)
    with connection_lock(store, cid, holder_here(job)) as held:
        run_id = start_run(store, cid, job, started_by("test")) if with_run else None
        if run_id is not None:
            held.attach_run(run_id)
        try:
            print("ACQUIRED", run_id if run_id is not None else "-", flush=True)
            time.sleep(seconds)
        except KeyboardInterrupt:
            pass
    print("RELEASED", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("db_url", "connection", "job"):
        parser.add_argument(name)
    parser.add_argument("seconds", type=float)
    parser.add_argument("--with-run", action="store_true")
    args = parser.parse_args()
    try:
        hold(args.db_url, args.connection, args.job, args.seconds, args.with_run)
    except ListbridgeError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return exit_code(error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
