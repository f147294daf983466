"""py_requests: requests one after another in one thread. Pooled: one
requests.Session (its urllib3 pool keeps the connection); unpooled:
requests.get per request, as the interview material's synchronous example."""

import model_protocol as mp
import requests_common as rc


def main() -> None:
    mp.ready()
    plan = mp.read_plan()
    run = mp.Run(plan)
    session = rc.requests.Session() if plan.pooling else None
    for i in range(plan.requests):
        rc.one_request(run, i, session)
    if session is not None:
        session.close()
    run.details["workers"] = 1
    run.send_result()


if __name__ == "__main__":
    main()
