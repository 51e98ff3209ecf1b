"""Which task ids a Redis broker still holds: what tells a queue entry waiting its turn
from one whose message is gone (lost_entries.py).

Kombu's Redis transport keeps a message in one of two places until it is acknowledged:
the queue's lists (one per priority step, `listbridge` for the default one) until a worker
takes it, then the `unacked` hash while the worker holds it (running, waiting for its ETA
after a retry, or reserved); a worker that dies leaves it there until it is put back in
the queue. Both are read in one MULTI, so a message moving between them is seen in one.

A delayed message is held so: a schedule the connection's lock refused waits for its
retry (tasks.py) as a new message of the same task id with a countdown, which a worker
takes at once and keeps unacknowledged in the hash until the countdown ends; the retry
is sent before the refused delivery is acknowledged, so the id is never missing between
the two. The countdown stays under half the visibility timeout: Redis puts a message held
longer back in the queue, and a second worker would take it too.
The look searches the raw messages for the ids (a task id is 32 random hex digits), so a
change in the message's layout can only make it see a message that is not there: the
safe side, an entry kept a little longer.

A worker moves a message from the list to the hash in two steps (BRPOP, then HSET); a
message between them is seen in neither, so an id missing from the first look is looked
for again a moment later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from listbridge.runner.task_names import QUEUE

log = logging.getLogger("listbridge.scheduler")
#: the task ids among those asked about that the broker holds
BrokerLook = Callable[[Collection[str]], set[str]]
#: the pause before the second look, far above a BRPOP-to-HSET step
CONFIRM_SECONDS = 0.5


def broker_look(app: Any) -> BrokerLook | None:
    """A look into the app's broker when it is Redis; None for a broker it cannot read."""
    with app.connection_for_read() as connection:
        if connection.transport.driver_type != "redis":
            return None
    return RedisLook(app).held


class RedisLook:
    def __init__(self, app: Any, confirm_seconds: float = CONFIRM_SECONDS) -> None:
        self.app, self.confirm_seconds = app, confirm_seconds

    def held(self, task_ids: Collection[str]) -> set[str]:
        found = _among(task_ids, self._messages())
        if len(found) < len(set(task_ids)):
            time.sleep(self.confirm_seconds)
            found |= _among(set(task_ids) - found, self._messages())
        return found

    def _messages(self) -> bytes:
        """Every message in the queue's lists and the unacknowledged hash, end to end."""
        with self.app.connection_for_read() as connection:
            channel = connection.default_channel
            # LRANGE and HVALS are not among the commands Kombu prefixes itself.
            prefix = getattr(channel, "global_keyprefix", "") or ""
            queues = {channel._q_for_pri(QUEUE, step) for step in channel.priority_steps}
            with channel.client.pipeline(transaction=True) as pipe:
                for key in sorted(queues):
                    pipe.lrange(prefix + key, 0, -1)
                pipe.hvals(prefix + channel.unacked_key)
                replies = pipe.execute()
        return b"\n".join(_as_bytes(item) for reply in replies for item in reply)


def _as_bytes(item: bytes | str) -> bytes:
    return item if isinstance(item, bytes) else item.encode()


def _among(task_ids: Collection[str], messages: bytes) -> set[str]:
    return {task_id for task_id in task_ids if task_id and task_id.encode() in messages}
