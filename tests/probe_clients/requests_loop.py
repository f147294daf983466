"""GET $MOCKD_URL N times one after another with requests: requests.get (a new connection each
time), or with --session one requests.Session (one pooled connection).

    requests_loop.py [--session] [--count N]
"""
import argparse
import os

import requests

parser = argparse.ArgumentParser()
parser.add_argument("--session", action="store_true")
parser.add_argument("--count", type=int, default=20)
args = parser.parse_args()
url = os.environ.get("MOCKD_HTTPS_URL", os.environ["MOCKD_URL"]) + "/"
if args.session:
    with requests.Session() as session:
        for _ in range(args.count):
            session.get(url).raise_for_status()
else:
    for _ in range(args.count):
        requests.get(url).raise_for_status()
print(f"{args.count} requests done")
