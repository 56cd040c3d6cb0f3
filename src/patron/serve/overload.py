"""How the service stays responsive past its capacity: admit a bounded number, refuse the rest fast.

Each worker process runs at most ``max_concurrent`` requests at once; up to ``max_queue``
more wait for a slot, each at most ``queue_timeout_s``. Requests the worker has not read
yet wait where no counter sees them (in socket buffers, while the worker's CPU is taken):
their wait shows as *loop lag*, how late the event loop runs a timer, so while the lag
passes ``max_lag_s`` new requests are refused too. A request past those bounds is
answered at once with ``503 Service Unavailable`` and ``Retry-After``, before any route
runs: nothing was read or written for it, so a refused survey submission can be sent
again safely (its single-use link is still unused). Without these bounds an overloaded
worker queues without limit and every client waits until its own time-out.
"""

from __future__ import annotations

import asyncio
from collections import deque

import orjson

from patron.core.i18n import _, language
from patron.serve.web.render import request_language

# Not admitted through the gate: a health check must answer while the service sheds
# load, static files cost next to nothing, and sign-in has its own bounds (a limiter on
# the password checks running at once, then per-account and per-address throttles that
# answer 429): a burst of sign-ins is answered 401/429, not 503.
UNMETERED_PREFIXES = ("/api/health", "/static/", "/login")


class LoopLag:
    """How late this worker's event loop runs a timer set every ``interval_s`` (seconds).

    A loop that is late by L has not yet read requests that arrived up to L ago: the
    lag is the age of the oldest request still waiting unseen.
    """

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self.lag_s = 0.0
        self._task: asyncio.Task[None] | None = None

    def watch(self) -> None:
        """Start measuring in the running loop (once)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._measure())

    async def _measure(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval_s
            await asyncio.sleep(self.interval_s)
            self.lag_s = max(0.0, loop.time() - due)


class AdmissionControl:
    """A counting gate: ``limit`` holders at once, ``queue`` waiters, each for ``wait_s`` at most.

    Waiters are served first come, first served. ``try_acquire`` is the whole decision;
    ``release`` hands the slot straight to the oldest live waiter.
    """

    def __init__(self, limit: int, queue: int, wait_s: float) -> None:
        if limit < 1 or queue < 0 or wait_s < 0:
            raise ValueError("limit must be ≥ 1, queue and wait_s ≥ 0")
        self.limit, self.queue, self.wait_s = limit, queue, wait_s
        self.running = 0
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.refused = 0

    @property
    def waiting(self) -> int:
        return sum(1 for w in self.waiters if not w.done())

    async def try_acquire(self) -> bool:
        """True when the caller holds a slot (it must ``release`` it), False when refused."""
        if self.running < self.limit and not self.waiting:
            self.running += 1
            return True
        if self.waiting >= self.queue or self.wait_s == 0:
            self.refused += 1
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait_s):
                await waiter
            return True
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over just as the wait ended: keep it, or give it on.
                if isinstance(exc, asyncio.CancelledError):
                    self.release()
                    raise
                return True
            waiter.cancel()
            self._drop(waiter)
            if isinstance(exc, asyncio.CancelledError):
                raise
            self.refused += 1
            return False

    def _drop(self, waiter: asyncio.Future[None]) -> None:
        try:
            self.waiters.remove(waiter)
        except ValueError:
            pass

    def release(self) -> None:
        """Give the slot to the oldest waiter still waiting, else free it."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes on: ``running`` stays the same
                return
        self.running -= 1


def _busy_body(lang: str) -> bytes:
    with language(lang):
        message = _("the service is busy: please try again in a moment")
    return orjson.dumps(
        {"error": {"status": 503, "code": "overloaded", "message": message, "detail": None}}
    )


class OverloadMiddleware:
    """Admit each request through ``AdmissionControl``; answer the refused with a fast 503.

    The 503 is written here, without routing, dependencies or a store session, so a
    refusal costs a small fraction of a served request.
    """

    def __init__(  # type: ignore[no-untyped-def]
        self,
        app,
        *,
        max_concurrent: int,
        max_queue: int,
        queue_timeout_s: float,
        max_lag_s: float = 0.1,
        retry_after_s: int = 1,
    ) -> None:
        self.app = app
        self.gate = AdmissionControl(max_concurrent, max_queue, queue_timeout_s)
        self.lag = LoopLag()
        self.max_lag_s = max_lag_s
        self.retry_after = str(retry_after_s).encode()
        self._bodies: dict[str, bytes] = {}

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http" or scope["path"].startswith(UNMETERED_PREFIXES):
            await self.app(scope, receive, send)
            return
        self.lag.watch()
        # Lag alone refuses only a busy worker: an idle one that ran late (a slow start, a
        # neighbour's burst of CPU) serves the request rather than turn it away.
        lagging = self.lag.lag_s > self.max_lag_s and self.gate.running > 0
        if lagging or not await self.gate.try_acquire():
            await self._refuse(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.release()

    async def _refuse(self, scope, send) -> None:  # type: ignore[no-untyped-def]
        from starlette.requests import Request

        lang = request_language(Request(scope))
        body = self._bodies.get(lang)
        if body is None:
            body = self._bodies[lang] = _busy_body(lang)
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", self.retry_after),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
