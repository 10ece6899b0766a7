"""The time one request has, taken from the Lambda context.

Every request ends, answered, before the function's timeout, however slow DynamoDB is.

Every entry point starts it (course_service.entry); the retry policy starts no DynamoDB attempt
that could end after it (course_service.store.retry_policy). Standard library only: functions that never
call DynamoDB (the docs) set it too, and must not pay for botocore.
"""

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# Kept back from the time Lambda gives the request: to build, log and return the answer after the
# last DynamoDB call ended.
ANSWER_SECONDS = 0.5

# The clock every deadline is read on (monotonic: a wall-clock step cannot stretch a request).
clock: Callable[[], float] = time.monotonic

_deadline: ContextVar[float] = ContextVar("deadline", default=math.inf)


def start(context: Any) -> None:
    """Starts a request: its deadline is the Lambda context's remaining time less ANSWER_SECONDS.

    A context that cannot tell its remaining time gives no deadline (the policy's attempt count
    still bounds each call).
    """
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        _deadline.set(math.inf)
        return
    _deadline.set(clock() + remaining() / 1000 - ANSWER_SECONDS)


def seconds_left() -> float:
    """Seconds until the request's deadline (infinite if it has none)."""
    return _deadline.get() - clock()


@contextmanager
def reserving(seconds: float) -> Iterator[None]:
    """Within the block the deadline is ``seconds`` earlier.

    The time kept is for what must run after the block: a keyed create completes or removes its
    Idempotency-Key record after the course's write.
    """
    token = _deadline.set(_deadline.get() - seconds)
    try:
        yield
    finally:
        _deadline.reset(token)
