"""What the aiohttp servers bench starts beside mockd have in common
(bench/python_server.hpp starts them): mockd's body, the `delay_ms` request
parameter checked as mockd checks it, and the start-up protocol. A server is
pinned to --cpu, prints "listening on http://127.0.0.1:PORT" once it accepts
connections, and serves until its stdin closes (the parent ended) or it is
sent SIGTERM.
"""
from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from aiohttp import web

BODY = b"abcdefghijklmnop"  # mockd's default body
MAX_DELAY_MS = 60_000


def delay_ms_of(request: web.Request) -> float | web.Response:
    """The request's delay_ms, or a 400 response naming the bad parameter, as mockd answers."""
    text = request.query.get("delay_ms", "0")
    try:
        delay_ms = float(text)
    except ValueError:
        delay_ms = -1.0
    if not 0 <= delay_ms <= MAX_DELAY_MS:  # also refuses nan
        return web.json_response(
            {"error": "bad request parameter", "param": "delay_ms",
             "message": f"must be a number of milliseconds from 0 to {MAX_DELAY_MS} (got {text!r})"},
            status=400)
    return delay_ms


async def _serve(app: web.Application, backlog: int | None) -> None:
    runner = web.AppRunner(app, access_log=None)  # no log line per request
    await runner.setup()
    options: dict[str, Any] = {"backlog": backlog} if backlog else {}
    site = web.TCPSite(runner, "127.0.0.1", 0, **options)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # started: not None
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.buffer.read)  # returns when stdin closes
    await runner.cleanup()


def run(app: web.Application, cpu: int, backlog: int | None = None) -> None:
    """Serves `app` on 127.0.0.1 under the protocol above; backlog None: aiohttp's default."""
    if cpu >= 0:
        os.sched_setaffinity(0, {cpu})
    asyncio.run(_serve(app, backlog))
