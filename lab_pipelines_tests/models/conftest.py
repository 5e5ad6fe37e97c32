"""Retries in the model tests run in stamina's testing mode: no waits, the attempts the code
asks for (capped at 10). Tests that measure a wait ask for `real_waits`."""

from collections.abc import Iterator

import pytest
import stamina
from stamina.instrumentation import RetryDetails, set_on_retry_hooks


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.fixture
def real_waits() -> Iterator[None]:
    """stamina's real backoff (and the waits servers ask for) for this test."""
    with stamina.set_testing(False):
        yield


@pytest.fixture
def retries() -> Iterator[list[RetryDetails]]:
    """Every retry stamina schedules during the test, as its instrumentation reports it."""
    scheduled: list[RetryDetails] = []
    set_on_retry_hooks([scheduled.append])
    yield scheduled
    set_on_retry_hooks(None)  # back to stamina's default hooks
