"""The requests models' shared part: one request with requests (through a
Session, or requests.get which makes and closes a Session per call), its
connection counted, its failure mapped to the suite's error kinds.

TLS: urllib3 1.26 builds a new ssl.SSLContext (and loads the CA file) for
every connection it opens, pooled or not, and never resumes TLS sessions."""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

import model_protocol as mp

if TYPE_CHECKING:  # no type information in either package: Any to mypy
    import requests
    import urllib3
else:  # imported through the ready-line protocol: a missing package is reported, not raised
    requests, urllib3 = mp.import_or_report("requests", "urllib3")
from urllib3 import connection  # noqa: E402

# Connections opened by this thread: every socket urllib3 connects goes
# through HTTPConnection._new_conn (HTTPS too), so counting its successful
# calls tells which request opened one (a request runs in one thread).
_opened = threading.local()
_connect = connection.HTTPConnection._new_conn


def _counting_new_conn(self: connection.HTTPConnection) -> socket.socket:
    sock = _connect(self)
    _opened.count = getattr(_opened, "count", 0) + 1
    return sock


connection.HTTPConnection._new_conn = _counting_new_conn


def classify(exc: BaseException) -> str:
    """The suite's error kind for an exception from requests."""
    if mp.fd_exhausted(exc):
        return "fd_exhausted"
    if isinstance(exc, requests.exceptions.Timeout):  # ConnectTimeout, ReadTimeout
        return "timeout"
    if isinstance(exc, requests.exceptions.SSLError):  # an unverifiable certificate
        return "connect"
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return "read"
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the cause
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return "connect"
        if isinstance(reason, (urllib3.exceptions.ProtocolError, ConnectionResetError)):
            return "read"
        return "connect"
    if isinstance(exc, requests.exceptions.RequestException):
        return "read"
    return "other"


def one_request(run: mp.Run, i: int, session: requests.Session | None) -> None:
    """Request i, through `session`, or requests.get when it is None."""
    plan = run.plan
    run.threads.add(threading.get_ident())
    t = plan.target(i)
    before = getattr(_opened, "count", 0)
    s = mp.Sample(t)
    try:
        # (connect, read) timeouts bound each step; finish() bounds the whole.
        get = session.get if session is not None else requests.get
        r = get(plan.urls[t], timeout=(plan.timeout_s, plan.timeout_s), verify=plan.verify())
        s.status = r.status_code
        s.body_bytes = len(r.content)
        run.note_body(s, r.content)
    except Exception as e:  # noqa: BLE001 - every failure is a sample
        run.fail(s, classify(e), mp.describe(e))
    s.new_connection = getattr(_opened, "count", 0) > before
    run.finish(i, s)


