"""Fixtures of the monitoring tests: a real Pushgateway, skipped where it is not installed."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_pipelines_tests.monitoring.servers import Pushgateway, require_pushgateway


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[Pushgateway]:
    """A Pushgateway on 127.0.0.1 at a free port, stopped after the test."""
    require_pushgateway()
    with Pushgateway(tmp_path).running() as gateway:
        yield gateway
