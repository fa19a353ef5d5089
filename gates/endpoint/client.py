"""The HTTP client every endpoint-facing gate uses (model-security, adversarial, performance).

One :class:`EndpointClient` per gate run: a ``requests`` session per worker thread, bounded
retries with exponential backoff on 429 / 5xx / connection errors and timeouts (``Retry-After``
honoured up to a bound), a concurrency limit for :meth:`EndpointClient.map`, and an API key read
from the environment that never appears in a message.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

from gates import ghactions
from gates.backoff import retry_delay
from gates.config.settings import EndpointSettings
from gates.endpoint.errors import (
    EndpointBadBody,
    EndpointError,
    EndpointHTTPError,
    EndpointTimeout,
    EndpointUnreachable,
)
from gates.endpoint.targets import build_request, parse_reply
from gates.errors import GateError
from gates.httputil import parse_retry_after

T = TypeVar("T")
R = TypeVar("R")

MAX_RETRY_AFTER_S = 30.0  # never wait longer than this for one Retry-After
BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 8.0
MASK = "***"


@dataclass(frozen=True)
class Reply:
    """One answered request: the reply text, the last attempt's latency, status and body."""

    text: str
    latency_s: float
    status_code: int
    raw: Any = field(default=None, repr=False)
    attempts: int = 1


class EndpointClient:
    """Talks to the configured endpoint; safe to share between threads."""

    def __init__(self, settings: EndpointSettings, *, cancelled: threading.Event | None = None,
                 deadline: float | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self._cancelled = cancelled or threading.Event()
        self._deadline = deadline
        self._sleep = sleep
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._secret = settings.api_key
        if self._secret and os.environ.get("GITHUB_ACTIONS") == "true":
            ghactions.mask(self._secret)

    # -- public -------------------------------------------------------------------------

    def send(self, prompt: str, *, system: str | None = None) -> Reply:
        """Send one user prompt (with an optional system prompt) and return the reply."""
        return self.chat([{"role": "user", "content": prompt}], system=system)

    def chat(self, messages: Sequence[Mapping[str, str]], *, system: str | None = None) -> Reply:
        """Send a conversation; ``system`` is prepended as a system message."""
        convo = ([{"role": "system", "content": system}] if system is not None else []) + [dict(m) for m in messages]
        url, body = build_request(self.settings, convo)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(url, body, attempt)
            except EndpointError as exc:
                if not exc.retryable or attempt > self.settings.retries or self._cancelled.is_set():
                    raise
                delay = self._backoff(attempt, exc)
                if self._deadline is not None and time.monotonic() + delay >= self._deadline:
                    raise
                self._sleep(delay)

    def map(self, fn: Callable[[T], R], items: Iterable[T], concurrency: int | None = None) -> list[R]:
        """``[fn(item) for item in items]`` with at most ``concurrency`` calls at once, in order.

        The first exception raised by ``fn`` stops the remaining work and is re-raised.
        """
        work = list(items)
        workers = max(1, min(concurrency or self.settings.concurrency, len(work) or 1))
        stop = threading.Event()
        if workers == 1:
            return [self._guarded(fn, item, stop) for item in work]
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="endpoint") as pool:
            futures = [pool.submit(self._guarded, fn, item, stop) for item in work]
            try:
                return [f.result() for f in futures]
            except BaseException:
                stop.set()
                for f in futures:
                    f.cancel()
                raise

    def redact(self, text: str) -> str:
        """``text`` with the API key replaced by ``***``."""
        return text.replace(self._secret, MASK) if self._secret else text

    def close(self) -> None:
        """Close every thread's session."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def __enter__(self) -> EndpointClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------

    def _guarded(self, fn: Callable[[T], R], item: T, stop: threading.Event) -> R:
        if stop.is_set() or self._cancelled.is_set():
            raise GateError("stopped before all requests were sent (cancelled or out of time)")
        return fn(item)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update({"Content-Type": "application/json", "Accept": "application/json",
                                    "User-Agent": "secure-ai-gates"})
            session.headers.update(dict(self.settings.headers))
            if self._secret:
                session.headers[self.settings.api_key_header] = self.settings.api_key_prefix + self._secret
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _once(self, url: str, body: bytes, attempt: int) -> Reply:
        timeout = self.settings.timeout_s
        if self._deadline is not None:
            timeout = max(0.5, min(timeout, self._deadline - time.monotonic()))
        started = time.perf_counter()
        try:
            # verify per request: a session-level value loses to REQUESTS_CA_BUNDLE (requests#3829)
            response = self._session().post(url, data=body, timeout=(min(10.0, timeout), timeout),
                                            verify=self.settings.ca_bundle or self.settings.verify_tls)
        except requests.Timeout:
            raise EndpointTimeout(f"{self._where(url)} did not answer within {timeout:g} s") from None
        except requests.exceptions.SSLError as exc:
            raise EndpointUnreachable(f"TLS error talking to {self._where(url)}: {self.redact(_short(exc))} "
                                      "(set endpoint.ca-bundle or endpoint.verify-tls)") from None
        except requests.RequestException as exc:
            raise EndpointUnreachable(f"cannot reach {self._where(url)}: {self.redact(_short(exc))}") from None
        latency = time.perf_counter() - started
        if response.status_code >= 400:
            detail = self.redact(response.text[:200].replace("\n", " "))
            raise EndpointHTTPError(f"{self._where(url)} answered HTTP {response.status_code}: {detail!r}",
                                    response.status_code, _retry_after(response.headers.get("Retry-After")))
        try:
            text, raw = parse_reply(self.settings, response.content)
        except EndpointBadBody as exc:
            raise EndpointBadBody(f"{self._where(url)}: {self.redact(str(exc))}") from None
        return Reply(text=text, latency_s=latency, status_code=response.status_code, raw=raw, attempts=attempt)

    def _backoff(self, attempt: int, error: EndpointError) -> float:
        asked = error.retry_after_s if isinstance(error, EndpointHTTPError) else None
        return retry_delay(attempt, base_s=BACKOFF_BASE_S, cap_s=BACKOFF_CAP_S, retry_after_s=asked,
                           max_retry_after_s=MAX_RETRY_AFTER_S)

    def _where(self, url: str) -> str:
        return self.redact(url.split("?", 1)[0])


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), else None."""
    return parse_retry_after(value, time.time())


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 240 else text[:240] + "..."
