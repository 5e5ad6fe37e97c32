"""The real servers the monitoring tests talk to: Debian's Pushgateway and Prometheus, started on
127.0.0.1 at a free port, in their own process group, and always stopped.

``Scrape`` reads the Prometheus text format the Pushgateway serves back, so tests assert on
what a Prometheus scraping it would see.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

PUSHGATEWAY = Path("/usr/bin/prometheus-pushgateway")
PROMETHEUS = Path("/usr/bin/prometheus")
PROMTOOL = Path("/usr/bin/promtool")

T = TypeVar("T")


def require_pushgateway() -> None:
    if not PUSHGATEWAY.exists():
        pytest.skip(
            f"{PUSHGATEWAY} not found: install Debian's prometheus-pushgateway "
            "(apt-get install prometheus-pushgateway) to run the Pushgateway tests"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    check: Callable[[], T],
    timeout_s: float,
    what: str,
    log: Path | None = None,
    every_s: float = 0.25,
) -> T:
    """Poll ``check`` every ``every_s`` until it returns something truthy; fail with the log's
    tail after ``timeout_s``. Connection errors count as "not yet". The one bounded wait of the
    tests (`lab_pipelines_tests.daemon.DagsterDev.wait_until` polls through it)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = check()
        except (OSError, ValueError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}; log tail:\n{tail}")
        time.sleep(every_s)


def http_get(url: str, timeout_s: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return response.read()


@contextmanager
def _stop_signals_at_default() -> Iterator[None]:
    """A test runner started in the background (nohup, some CI shells) ignores SIGINT and
    SIGTERM, and a child inherits ignored signals through exec: it could then not be stopped
    gracefully. Un-ignore them while the child is spawned."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig, handler in saved.items():
        if handler == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:  # None: set outside Python, nothing to put back
                signal.signal(sig, handler)


def _exited_unreaped(process: subprocess.Popen, timeout_s: float) -> bool | None:
    """Wait for ``process`` to exit without reaping it (True), or time out (False); None if it
    was reaped already. While unreaped, its pid (the group id) cannot be given to another
    process, so signalling the group reaches only what this test started."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
            if os.waitid(os.P_PID, process.pid, flags) is not None:
                return True
        except ChildProcessError:
            return None
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


@contextmanager
def background(
    argv: list[str],
    log: Path,
    *,
    stop: int = signal.SIGTERM,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    append: bool = False,
    grace_s: float = 30,
) -> Iterator[subprocess.Popen]:
    """Run ``argv`` in its own session, so its children stop with it, its output in ``log``
    (after what is there when ``append``). On exit send ``stop`` to the group, give it
    ``grace_s``, then SIGKILL whatever is left of it, children included."""
    with open(log, "a" if append else "w") as out, _stop_signals_at_default():
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
            env=None if env is None else dict(env),
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, stop)
        if _exited_unreaped(process, grace_s) is not None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


class Scrape:
    """One read of a /metrics page."""

    def __init__(self, text: str) -> None:
        self.samples = [
            Sample(s.name, s.labels, s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ]

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.samples}

    def find(self, name: str, **labels: str) -> list[Sample]:
        """The samples of ``name`` whose labels include ``labels``."""
        return [
            s
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def value(self, name: str, **labels: str) -> float:
        """The value of the one sample of ``name`` with ``labels``."""
        found = self.find(name, **labels)
        assert len(found) == 1, f"expected one {name}{labels}, found {found}"
        return found[0].value

    def by(self, name: str, *keys: str, **labels: str) -> dict[tuple[str, ...], float]:
        """``name`` summed by the given labels, as PromQL's ``sum by (model, backend)``."""
        sums: dict[tuple[str, ...], float] = {}
        for sample in self.find(name, **labels):
            key = tuple(sample.labels[k] for k in keys)
            sums[key] = sums.get(key, 0.0) + sample.value
        return sums


class Pushgateway:
    """Debian's prometheus-pushgateway on 127.0.0.1, metrics in memory only."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"pushgateway-{self.port}.log"

    @contextmanager
    def running(self) -> Iterator[Pushgateway]:
        argv = [
            str(PUSHGATEWAY),
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--persistence.file=",  # keep nothing on disk (the default is under /var/lib)
            "--log.level=warn",
        ]
        with background(argv, self.log):
            wait_until(lambda: http_get(f"{self.url}/-/ready"), 30, "the Pushgateway", self.log)
            yield self

    def scrape(self) -> Scrape:
        return Scrape(http_get(f"{self.url}/metrics").decode())


class Prometheus:
    """Debian's Prometheus scraping a Pushgateway with the project's prometheus.yml, its
    intervals shortened to 1 s so a test does not wait for minutes."""

    def __init__(self, workdir: Path, config: Path, pushgateway: Pushgateway) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.log = workdir / "prometheus.log"
        settings = yaml.safe_load(config.read_text(encoding="utf-8"))
        settings["global"].update(scrape_interval="1s", evaluation_interval="1s")
        settings["rule_files"] = [str(config.parent / f) for f in settings["rule_files"]]
        for job in settings["scrape_configs"]:
            for target_group in job["static_configs"]:
                target_group["targets"] = [f"127.0.0.1:{pushgateway.port}"]
        self.config = workdir / "prometheus.yml"
        self.config.write_text(yaml.safe_dump(settings), encoding="utf-8")

    @contextmanager
    def running(self) -> Iterator[Prometheus]:
        argv = [
            str(PROMETHEUS),
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with background(argv, self.log):
            wait_until(lambda: http_get(f"{self.url}/-/ready"), 60, "Prometheus", self.log)
            yield self

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        body = json.loads(http_get(f"{self.url}/api/v1/{path}?{query}"))
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql: str) -> list[dict]:
        """An instant query's result: [{"metric": {...}, "value": [time, "value"]}, ...]."""
        data = self.api("query", query=promql)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]
