"""When a model-server call is tried again, through stamina: jittered exponential backoff, a
cap on attempts and on total time, and the wait the server asks for when it names one."""

from __future__ import annotations

import datetime
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import stamina

T = TypeVar("T")


class Transient(Exception):
    """A fault that may pass if the call is tried again.

    The message (``cause``) is what stamina's retry log shows, so it is built by the backends
    from codes and hosts only, never from request data or keys. ``fix`` is what the user can
    do once the retries ran out; ``delay`` is the wait the server asked for (Retry-After,
    google.rpc.RetryInfo), in seconds.
    """

    def __init__(self, cause: str, fix: str, delay: float | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix
        self.delay = delay


class GaveUp(Exception):
    """The retries ran out; the message names the last fault, the effort and the fix."""

    def __init__(self, fault: Transient, attempts: int, seconds: float, max_delay_s: float):
        self.fault = fault
        self.attempts = attempts
        self.seconds = seconds
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        asked = ""
        if fault.delay is not None and fault.delay > max_delay_s:
            asked = (
                f" (the server asks to wait {fault.delay:g} s, longer than the "
                f"{max_delay_s:g} s allowed between attempts)"
            )
        super().__init__(f"{fault.cause} after {tries} over {seconds:.1f} s{asked}: {fault.fix}")


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all; the first wait is ``first_delay_s`` plus up to as much jitter,
    doubling up to ``max_delay_s``; no new attempt once ``timeout_s`` has passed since the
    first began (checked after each failure, so the last wait may end past it)."""

    attempts: int
    first_delay_s: float
    max_delay_s: float
    timeout_s: float | None

    def _backoff(self, fault: Exception) -> bool | float:
        # stamina's `on=` hook: False stops, True takes the jittered backoff, a float
        # replaces it (stamina applies no cap to it, so the cap is ours).
        if not isinstance(fault, Transient):
            return False
        if fault.delay is None:
            return True
        # A wait longer than we allow would only meet the same answer sooner: stop now.
        return fault.delay if fault.delay <= self.max_delay_s else False

    def run(self, call: Callable[[], T]) -> T:
        """``call()``, tried again on :class:`Transient`; :class:`GaveUp` when that runs out.

        Other exceptions pass through at once. In stamina's testing mode
        (``stamina.set_testing``) there are no waits and the attempts are the test's.
        """
        started = time.monotonic()
        attempts = 0
        try:
            for attempt in stamina.retry_context(
                on=self._backoff,
                attempts=max(1, self.attempts),
                timeout=self.timeout_s or None,
                wait_initial=self.first_delay_s,
                wait_max=self.max_delay_s,
                wait_jitter=self.first_delay_s,
            ):
                with attempt:
                    attempts = attempt.num
                    return call()
        except Transient as fault:
            elapsed = time.monotonic() - started
            raise GaveUp(fault, attempts, elapsed, self.max_delay_s) from fault
        raise AssertionError("unreachable: stamina either returns or raises")


def parse_retry_after(value: str | None) -> float | None:
    """An HTTP Retry-After header (delta-seconds or an HTTP-date) in seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())
