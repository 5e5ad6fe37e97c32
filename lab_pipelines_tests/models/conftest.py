"""Retries in the tests run in stamina's testing mode (lab_pipelines_tests/conftest.py): no
waits, the attempts the code asks for (capped at 10). Tests that measure a wait ask for
`real_waits`."""

from collections.abc import Iterator

import pytest
import stamina
from stamina.instrumentation import RetryDetails, set_on_retry_hooks


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
