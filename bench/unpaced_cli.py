"""`python -m listbridge ARGS` without the client's 4 requests/s: the performance
report's preparation at a million accounts (a first lists fill, a first unsubscribe
reconciliation) would otherwise take most of an hour at Constant Contact's pace, and
what it prepares is the same either way. Only the pace differs: the calls, the daily
budget's ledger and the job are the product's own. The emulator's own limit is lifted
beside it (`POST /__emulator__/limits`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from listbridge.cli.main import main
from listbridge.sync import cc_connection


class Unpaced:
    """A RequestLimiter that never waits, except where the server asked it to."""

    waited = 0.0
    pauses = 0
    rate = float("inf")

    @contextmanager
    def slot(self) -> Iterator[float]:
        yield 0.0

    def pause(self, seconds: float) -> None:
        self.pauses += 1
        self.waited += seconds
        time.sleep(seconds)


if __name__ == "__main__":
    cc_connection.CLIENT_OPTIONS["limiter"] = Unpaced()
    main()
