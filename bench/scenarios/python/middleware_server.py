"""The middleware scenario's aiohttp server (claim C13).

Serves what mockd serves for the scenario's requests: GET /?delay_ms=D
answers the 16-byte body after an `asyncio.sleep` of D ms (a bad or out of
range delay_ms is answered 400 naming it). With --middleware timing, every
request goes through a middleware that times `await handler(request)` and
sends the span as "handler;dur=<ms>" in Server-Timing, next to the delay it
was asked for, so a client can compare the two.

Prints "listening on http://127.0.0.1:PORT" once it accepts connections, then
serves until its stdin closes (the parent ended) or it is sent SIGTERM.
"""
from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

import served_app
from served_app import BODY, delay_ms_of

@web.middleware
async def timing(request: web.Request,
                 handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Times the handler, and only the handler: the request was read and
    parsed before this runs, and the response is written after it returns."""
    started = time.perf_counter()
    response = await handler(request)
    handler_ms = (time.perf_counter() - started) * 1e3
    response.headers["Server-Timing"] += f", handler;dur={handler_ms:.3f}"
    return response


async def answer(request: web.Request) -> web.Response:
    delay_ms = delay_ms_of(request)
    if isinstance(delay_ms, web.Response):
        return delay_ms
    if delay_ms > 0:
        await asyncio.sleep(delay_ms / 1e3)
    return web.Response(body=BODY, content_type="text/plain",
                        headers={"Server-Timing": f"delay;dur={delay_ms:.3f}"})


def main() -> None:
    assert __doc__ is not None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--middleware", choices=["none", "timing"], required=True)
    parser.add_argument("--cpu", type=int, default=-1, help="pin to this CPU (-1: not pinned)")
    args = parser.parse_args()
    app = web.Application(middlewares=[timing] if args.middleware == "timing" else [])
    app.router.add_get("/", answer)
    served_app.run(app, args.cpu)


if __name__ == "__main__":
    main()
