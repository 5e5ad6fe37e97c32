"""Bounded retries with exponential backoff for transient model-server faults."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Transient(Exception):
    """Raised by a call that may succeed if tried again; ``delay`` overrides the backoff."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


def with_retries(
    call: Callable[[], T],
    *,
    attempts: int,
    first_delay: float,
    max_delay: float,
    give_up: Callable[[Transient], Exception],
) -> T:
    """Run ``call``; on :class:`Transient`, wait and try again up to ``attempts`` times in all."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Transient as fault:
            if attempt == attempts:
                raise give_up(fault) from fault
            time.sleep(min(fault.delay if fault.delay is not None else delay, max_delay))
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")
