"""The aiohttp models' shared part (py_aiohttp, py_aiohttp_uvloop differ only
in the event loop). Pooled: one ClientSession whose TCPConnector takes the
plan's limit / limit_per_host (aiohttp's default limit 100 when the plan sets
none). Unpooled: a new ClientSession per request, closed after it.
Concurrency C: C worker tasks take the next request; 0: asyncio.gather of
every request at once, as the interview material's examples do. With the
plan's `semaphore`, concurrency C is an asyncio.Semaphore(C) instead: every
request is gathered at once and each task holds a permit (`async with
semaphore:`) around its request; a sample's clock starts with its task, so
the wait for a permit is part of its latency (as the wait for a connector
slot is), and the most requests inside the semaphore at once is reported as
details["in_flight_peak"].

TLS: one ssl.SSLContext per ClientSession (verified against the plan's CA
file, or insecure); Python's ssl module resumes a TLS session only when given
one explicitly, which aiohttp never does, so every connection is a full
handshake."""

from __future__ import annotations

import asyncio
import errno
import threading
import types
from collections.abc import Callable
from typing import TYPE_CHECKING

import model_protocol as mp

if TYPE_CHECKING:
    import aiohttp
else:  # imported through the ready-line protocol: a missing package is reported, not raised
    (aiohttp,) = mp.import_or_report("aiohttp")

AIOHTTP_DEFAULT_LIMIT = 100  # TCPConnector's limit when none is given


def classify(exc: BaseException) -> str:
    """The suite's error kind for an exception from aiohttp."""
    if mp.fd_exhausted(exc):
        return "fd_exhausted"
    if isinstance(exc, asyncio.TimeoutError):  # ServerTimeoutError is one too
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, certificate
        return "connect"
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                        aiohttp.ClientResponseError)):
        return "read"
    if isinstance(exc, aiohttp.ClientOSError):
        return "write" if exc.errno == errno.EPIPE else "read"
    if isinstance(exc, aiohttp.ClientError):
        return "read"
    return "other"


async def _connection_created(session: aiohttp.ClientSession, trace_config_ctx: types.SimpleNamespace,
                              params: aiohttp.TraceConnectionCreateEndParams) -> None:
    trace_config_ctx.trace_request_ctx.new_connection = True


def _trace_config() -> aiohttp.TraceConfig:
    tc = aiohttp.TraceConfig()
    tc.on_connection_create_end.append(_connection_created)
    return tc


def _session(plan: mp.Plan, pooled: bool) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        ssl=plan.ssl_context(),  # None: plain HTTP (aiohttp's default context)
        limit=(plan.limit or AIOHTTP_DEFAULT_LIMIT) if pooled else AIOHTTP_DEFAULT_LIMIT,
        limit_per_host=plan.limit_per_host if pooled else 0,
        keepalive_timeout=plan.keepalive_timeout_s,
    )
    return aiohttp.ClientSession(connector=connector,
                                 timeout=aiohttp.ClientTimeout(total=plan.timeout_s),
                                 trace_configs=[_trace_config()])


class _Permits:
    """asyncio.Semaphore(n) and a count of the requests inside it (the peak
    shows the bound held: at most n, and n when there were enough requests)."""

    def __init__(self, n: int) -> None:
        self.semaphore = asyncio.Semaphore(n)
        self.inside = 0
        self.peak = 0

    def enter(self) -> None:
        self.inside += 1
        self.peak = max(self.peak, self.inside)

    def leave(self) -> None:
        self.inside -= 1


async def _one_with_permit(run: mp.Run, i: int, session: aiohttp.ClientSession | None, permits: _Permits) -> None:
    """A gathered task: its sample's clock starts now, its request once it holds a permit."""
    s = mp.Sample(run.plan.target(i))
    async with permits.semaphore:
        permits.enter()
        try:
            await _one(run, i, session, s)
        finally:
            permits.leave()


async def _one(run: mp.Run, i: int, session: aiohttp.ClientSession | None, s: mp.Sample | None = None) -> None:
    plan = run.plan
    t = plan.target(i)
    s = s or mp.Sample(t)
    ctx = types.SimpleNamespace(new_connection=False)
    try:
        if session is None:
            async with _session(plan, pooled=False) as own:
                async with own.get(plan.urls[t], trace_request_ctx=ctx) as resp:
                    s.status = resp.status
                    body = await resp.read()
        else:
            async with session.get(plan.urls[t], trace_request_ctx=ctx) as resp:
                s.status = resp.status
                body = await resp.read()
        s.body_bytes = len(body)
        run.note_body(s, body)
    except Exception as e:  # noqa: BLE001 - every failure is a sample
        run.fail(s, classify(e), mp.describe(e))
    s.new_connection = ctx.new_connection
    run.finish(i, s)


async def _run(run: mp.Run) -> None:
    plan = run.plan
    run.threads.add(threading.get_ident())
    session = _session(plan, pooled=True) if plan.pooling else None
    try:
        if plan.semaphore:
            permits = _Permits(plan.concurrency)
            await asyncio.gather(*(_one_with_permit(run, i, session, permits)
                                   for i in range(plan.requests)))
            run.details["in_flight_peak"] = permits.peak
        elif plan.concurrency == 0:
            await asyncio.gather(*(_one(run, i, session) for i in range(plan.requests)))
        else:
            next_index = iter(range(plan.requests))

            async def worker() -> None:
                for i in next_index:  # one shared iterator: each request once
                    await _one(run, i, session)

            await asyncio.gather(*(worker() for _ in range(plan.concurrency)))
    finally:
        if session is not None:
            await session.close()


def main(loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None, loop_name: str = "asyncio") -> None:
    mp.ready()
    plan = mp.read_plan()
    run = mp.Run(plan)
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(_run(run))
    if plan.pooling:
        run.details["effective_limit"] = plan.limit or f"{AIOHTTP_DEFAULT_LIMIT} (aiohttp default)"
        run.details["effective_limit_per_host"] = plan.limit_per_host or "0 (none)"
    else:
        run.details["effective_limit"] = "none (a session per request)"
    if plan.semaphore:
        run.details["workers"] = f"none: asyncio.Semaphore({plan.concurrency}) over a gather"
    else:
        run.details["workers"] = plan.concurrency or "all (gather)"
    run.details["loop"] = loop_name
    run.send_result()
