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
import argparse
import asyncio
import os
import sys
import time

from aiohttp import web

BODY = b"abcdefghijklmnop"  # mockd's default body
MAX_DELAY_MS = 60_000


@web.middleware
async def timing(request, handler):
    """Times the handler, and only the handler: the request was read and
    parsed before this runs, and the response is written after it returns."""
    started = time.perf_counter()
    response = await handler(request)
    handler_ms = (time.perf_counter() - started) * 1e3
    response.headers["Server-Timing"] += f", handler;dur={handler_ms:.3f}"
    return response


async def answer(request):
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
    if delay_ms > 0:
        await asyncio.sleep(delay_ms / 1e3)
    return web.Response(body=BODY, content_type="text/plain",
                        headers={"Server-Timing": f"delay;dur={delay_ms:.3f}"})


async def serve(middleware):
    app = web.Application(middlewares=[timing] if middleware == "timing" else [])
    app.router.add_get("/", answer)
    runner = web.AppRunner(app, access_log=None)  # no log line per request on either side
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    # Serve until the parent closes our stdin (it ended, or wants us gone).
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    await runner.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--middleware", choices=["none", "timing"], required=True)
    parser.add_argument("--cpu", type=int, default=-1, help="pin to this CPU (-1: not pinned)")
    args = parser.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args.middleware))


if __name__ == "__main__":
    main()
