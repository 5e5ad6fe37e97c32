"""Plumbing shared by the fake servers: server thread, request parsing, recording, faults.

Standard library only. A subclass of `FakeHttpServer` implements `_dispatch` and
`_error_body` (optionally `_prepare`, `_reset_counters`) and answers through the
`Exchange` it is handed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

# Bounds for close(): a request thread that does not notice the shutdown within this
# time is a daemon anyway and is left behind rather than hanging the test run.
_CLOSE_TIMEOUT_S = 2.0
_POLL_S = 0.05


@dataclass(frozen=True)
class Call:
    """One request as the server saw it.

    `started`/`finished` are `time.monotonic()` readings taken when the headers had
    been read and just before the last byte of the answer was written. `status` is 0 when
    no answer was sent (the server was closed mid-request). `api_key_sha256` is only set
    by servers that authenticate (FakeGemini); the key itself is never kept.
    """

    method: str
    path: str
    body: dict[str, Any] | None
    status: int
    started: float
    finished: float
    api_key_sha256: str | None = None

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def path_matches(pattern: str | None, path: str) -> bool:
    """None matches every path; otherwise the exact path or a suffix of it.

    The suffix form lets Gemini callers write ":generateContent" instead of the full
    "/v1beta/models/<model>:generateContent".
    """
    return pattern is None or path == pattern or path.endswith(pattern)


class Aborted(Exception):
    """The server is closing: drop the connection without answering."""


@dataclass
class _Rule:
    remaining: int
    path: str | None
    seconds: float = 0.0
    status: int = 0
    payload: Any = None


class Exchange:
    """One request and the means to answer it exactly once.

    The Call is recorded just before the final bytes go out, so a client that has its
    answer can already see its call in `server.calls` (no race in tests).
    """

    def __init__(
        self,
        handler: BaseHTTPRequestHandler,
        fake: FakeHttpServer,
        raw: bytes,
        started: float,
    ) -> None:
        split = urlsplit(handler.path)
        self.method: str = handler.command
        self.path: str = split.path
        self.query: dict[str, list[str]] = parse_qs(split.query)
        self.headers: Message = handler.headers
        self.raw: bytes = raw
        self.started: float = started
        self.json_error: str | None = None
        self.body: Any = None
        if raw:
            try:
                self.body = json.loads(raw)
            except ValueError as exc:
                self.json_error = str(exc)
        self.api_key_sha256: str | None = None
        self.status: int = 0
        self._handler = handler
        self._fake = fake
        self._recorded = False
        self._headers_sent = False

    @property
    def responded(self) -> bool:
        return self._headers_sent

    def record(self) -> None:
        if self._recorded:
            return
        self._recorded = True
        body = self.body if isinstance(self.body, dict) else None
        call = Call(
            method=self.method,
            path=self.path,
            body=body,
            status=self.status,
            started=self.started,
            finished=time.monotonic(),
            api_key_sha256=self.api_key_sha256,
        )
        self._fake._append_call(call)

    def send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        self._begin(status, content_type, {"Content-Length": str(len(data))})
        self.record()
        if self.method != "HEAD":
            self._handler.wfile.write(data)
        self._handler.wfile.flush()

    def send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_bytes(status, data, "application/json; charset=utf-8")

    def send_text(self, status: int, text: str) -> None:
        self.send_bytes(status, text.encode("utf-8"), "text/plain; charset=utf-8")

    # Streams use chunked transfer encoding, as Ollama (Go net/http) does.
    def begin_stream(self, status: int, content_type: str) -> None:
        self._begin(status, content_type, {"Transfer-Encoding": "chunked"})
        self._handler.wfile.flush()

    def send_chunk(self, data: bytes) -> None:
        if data:
            self._handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self._handler.wfile.flush()

    def end_stream(self, last: bytes = b"") -> None:
        self.record()
        self.send_chunk(last)
        self._handler.wfile.write(b"0\r\n\r\n")
        self._handler.wfile.flush()

    def _begin(self, status: int, content_type: str, extra: dict[str, str]) -> None:
        if self._headers_sent:
            raise RuntimeError("response already started")
        self._headers_sent = True
        self.status = status
        h = self._handler
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        for name, value in extra.items():
            h.send_header(name, value)
        h.end_headers()


class _Server(ThreadingHTTPServer):
    # Our close() does its own bounded wait; the stdlib default would join every
    # handler thread without a timeout.
    block_on_close = False
    daemon_threads = True
    # The stdlib listen backlog is 5: a burst of benchmark clients then gets connection
    # resets that a real server would not cause.
    request_queue_size = 1024

    def __init__(self, fake: FakeHttpServer) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_changed = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can
        # stall for seconds on a badly configured host. Nothing here needs the name.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_changed:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self.connections_changed:
            self.connections.discard(request)
            self.connections_changed.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # quiet: a client that hangs up is not news in a test run


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like the real servers
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs add
    # ~40 ms to every response, which would swamp any latency being measured.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        pass  # quiet: no request log on stderr

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET


class FakeHttpServer:
    """Base of the fakes: a ThreadingHTTPServer on 127.0.0.1:<ephemeral> in a daemon thread.

    Use as a context manager (`with FakeX() as fake:`) or call `start()` and `close()`.
    `close()` is idempotent and also works mid-request: open connections are cut, so
    clients see connection errors, as with a server that died.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> Self:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{type(self).__name__} is closed; create a new one")
            if self._server is not None:
                return self
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": _POLL_S},
                name=f"{type(self).__name__}-{self._server.server_port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            server, thread = self._server, self._thread
        self._closing.set()  # wakes sleeping requests; they drop their connection
        if server is None or thread is None:
            return
        server.shutdown()  # returns within one poll interval
        with server.connections_changed:
            live = list(server.connections)
        for conn in live:
            # Cut keep-alive and in-flight connections so clients fail fast instead of
            # waiting for a response that will never come.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        deadline = time.monotonic() + _CLOSE_TIMEOUT_S
        with server.connections_changed:
            while server.connections and time.monotonic() < deadline:
                server.connections_changed.wait(_POLL_S)
        thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """Base URL, e.g. "http://127.0.0.1:54321"."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- recording -------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Snapshot of every request so far, in the order the answers were sent."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, path: str) -> list[Call]:
        """Calls whose path is `path` or ends with it (see `path_matches`)."""
        return [c for c in self.calls if path_matches(path, c.path)]

    def count(self, path: str) -> int:
        return len(self.calls_to(path))

    def reset(self) -> None:
        """Forget calls, counters and pending injected faults (configuration stays)."""
        with self._lock:
            self._calls.clear()
            self._rules.clear()
        self._reset_counters()

    def _append_call(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    # -- fault injection -------------------------------------------------------------
    def delay_next(self, count: int, seconds: float, path: str | None = None) -> None:
        """Hold the next `count` matching requests for `seconds` before handling them.

        Meant to trip client timeouts. The request is still handled afterwards (the
        client is gone by then; the late answer is dropped). close() interrupts it.
        """
        self._add_rule(_Rule(remaining=count, path=path, seconds=seconds))

    def _add_failure(self, count: int, status: int, payload: Any, path: str | None) -> None:
        self._add_rule(_Rule(remaining=count, path=path, status=status, payload=payload))

    def _add_rule(self, rule: _Rule) -> None:
        if rule.remaining < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._rules.append(rule)

    def _take_rule(self, path: str, *, delay: bool) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if (rule.status == 0) == delay and path_matches(rule.path, path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule
        return None

    # -- helpers for subclasses ------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        """Sleep that close() cuts short (then the request is abandoned)."""
        if self._closing.is_set() or (seconds > 0 and self._closing.wait(seconds)):
            raise Aborted

    def _prepare(self, ex: Exchange) -> None:
        """Hook run before faults and dispatch (e.g. to note the API key)."""

    def _reset_counters(self) -> None:
        """Hook for subclass counters cleared by reset()."""

    def _error_body(self, status: int, message: str) -> Any:
        raise NotImplementedError

    def _dispatch(self, ex: Exchange) -> None:
        raise NotImplementedError

    # -- request loop ----------------------------------------------------------------
    def _serve(self, handler: _Handler) -> None:
        started = time.monotonic()
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length > 0 else b""
        ex = Exchange(handler, self, raw, started)
        try:
            self._prepare(ex)
            if delay := self._take_rule(ex.path, delay=True):
                self._sleep(delay.seconds)
            if failure := self._take_rule(ex.path, delay=False):
                ex.send_json(failure.status, failure.payload)
                return
            self._dispatch(ex)
            if not ex.responded:
                raise RuntimeError(f"{type(self).__name__} did not answer {ex.path}")
        except Aborted:
            handler.close_connection = True
            ex.record()
        except OSError:
            # The client hung up (e.g. after its own timeout); nothing left to tell it.
            handler.close_connection = True
            ex.record()
        except Exception as exc:  # a bug in the fake: say so to the client, loudly
            handler.close_connection = True
            if not ex.responded:
                body = self._error_body(500, f"{type(self).__name__} bug: {exc!r}")
                ex.send_json(500, body)
            else:
                ex.record()
