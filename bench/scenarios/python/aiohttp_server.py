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
import argparse
import asyncio
import os
import sys
import time

from aiohttp import web

BODY = b"abcdefghijklmnop"  # mockd's default body
MAX_DELAY_MS = 60_000
# Connections waiting to be accepted: the time.sleep route accepts nothing while it sleeps, and
# bench's clients open up to 512 at once; the default (128) would drop SYNs (retried after 1 s).
BACKLOG = 1024


def delay_of(request):
    """The delay in seconds, or a 400 response naming the bad parameter."""
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
    return delay_ms / 1e3


async def time_sleep(request):
    delay = delay_of(request)
    if isinstance(delay, web.Response):
        return delay
    time.sleep(delay)  # blocks the event loop: the point of this route
    return web.Response(body=BODY, content_type="text/plain")


async def asyncio_sleep(request):
    delay = delay_of(request)
    if isinstance(delay, web.Response):
        return delay
    await asyncio.sleep(delay)
    return web.Response(body=BODY, content_type="text/plain")


async def serve():
    app = web.Application()
    app.router.add_get("/time_sleep", time_sleep)
    app.router.add_get("/asyncio_sleep", asyncio_sleep)
    runner = web.AppRunner(app, access_log=None)  # no log line per request
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=BACKLOG)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    # Serve until the parent closes our stdin (it ended, or wants us gone).
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    await runner.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=-1, help="pin to this CPU (-1: not pinned)")
    args = parser.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve())


if __name__ == "__main__":
    main()
