"""py_requests_threads: a concurrent.futures.ThreadPoolExecutor running the
requests. Pooled: one requests.Session per worker thread (threading.local;
a Session is not documented as thread-safe); unpooled: requests.get.
Concurrency C: C workers. Concurrency 0 (all at once) is not a thread per
request here: every request is submitted at once to min(requests, 32)
workers (ThreadPoolExecutor's own default cap is 32), reported as `workers`."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import model_protocol as mp
import requests_common as rc

if TYPE_CHECKING:
    import requests

MAX_WORKERS_FOR_ALL_AT_ONCE = 32


def main() -> None:
    mp.ready()
    plan = mp.read_plan()
    run = mp.Run(plan)
    workers = plan.concurrency or min(plan.requests, MAX_WORKERS_FOR_ALL_AT_ONCE)
    local = threading.local()
    sessions: list[requests.Session] = []
    lock = threading.Lock()

    def task(i: int) -> None:
        session = None
        if plan.pooling:
            session = getattr(local, "session", None)
            if session is None:
                session = local.session = rc.requests.Session()
                with lock:
                    sessions.append(session)
        rc.one_request(run, i, session)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(task, i) for i in range(plan.requests)]:
            f.result()
    for s in sessions:
        s.close()
    run.details["workers"] = workers
    run.send_result()


if __name__ == "__main__":
    main()
