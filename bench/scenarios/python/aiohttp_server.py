"""The `blocking` scenario's aiohttp server (claim C3, server side in Python).

Two routes answer mockd's 16-byte body after a delay of D ms (GET
/<route>?delay_ms=D; a bad or out of range delay_ms is answered 400 naming it):

  /time_sleep     time.sleep(D) in the handler: the mistake a candidate makes.
                  The handler holds the only thread, so the loop accepts, reads
                  and answers nothing else meanwhile: at most 1/D requests/s.
  /asyncio_sleep  await asyncio.sleep(D): the handler yields, the loop serves
                  other requests while it waits.

One process, one event loop (aiohttp.web's default), no access log. Prints
"listening on http://127.0.0.1:PORT" once it accepts connections, then serves
until its stdin closes (the parent ended) or it is sent SIGTERM.
"""
from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

import served_app
from served_app import BODY, delay_ms_of

# Connections waiting to be accepted: the time.sleep route accepts nothing while it sleeps, and
# bench's clients open up to 512 at once; the default (128) would drop SYNs (retried after 1 s).
BACKLOG = 1024


async def time_sleep(request: web.Request) -> web.Response:
    delay_ms = delay_ms_of(request)
    if isinstance(delay_ms, web.Response):
        return delay_ms
    time.sleep(delay_ms / 1e3)  # blocks the event loop: the point of this route
    return web.Response(body=BODY, content_type="text/plain")


async def asyncio_sleep(request: web.Request) -> web.Response:
    delay_ms = delay_ms_of(request)
    if isinstance(delay_ms, web.Response):
        return delay_ms
    await asyncio.sleep(delay_ms / 1e3)
    return web.Response(body=BODY, content_type="text/plain")


def main() -> None:
    assert __doc__ is not None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=-1, help="pin to this CPU (-1: not pinned)")
    args = parser.parse_args()
    app = web.Application()
    app.router.add_get("/time_sleep", time_sleep)
    app.router.add_get("/asyncio_sleep", asyncio_sleep)
    served_app.run(app, args.cpu, backlog=BACKLOG)


if __name__ == "__main__":
    main()
