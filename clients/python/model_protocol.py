"""What every Python client model shares: the protocol with the C++ adapter
(clients/python_model.cpp), plan parsing, the response checks and the sample
output, so the Python models judge success exactly as the C++ ones do.

Protocol, one JSON object per line:
  child -> parent  {"ready": true, "versions": {...}}   after the imports
                   {"ready": false, "missing": "python3-aiohttp", "error": "..."}
  parent -> child  the plan (the parent's clock starts when it sends it)
  child -> parent  {"samples": [[start_ns, end_ns, status, body_bytes,
                    new_connection, error_kind, target], ...], ...totals,
                    "status_bodies": {"400": "<first bytes of the first such body>"}}
Times are time.monotonic_ns(): CLOCK_MONOTONIC, the clock of the parent's
std::chrono::steady_clock, so samples need no conversion.
"""

from __future__ import annotations

import errno
import json
import platform
import resource
import sys
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl  # imported where it is used, as before: plain HTTP plans never load it
    import types

# Debian package of each module a model may import (named in the ready line
# when an import fails, so the caller can say what to install).
PACKAGES = {
    "aiohttp": "python3-aiohttp",
    "requests": "python3-requests",
    "urllib3": "python3-urllib3",
    "uvloop": "python3-uvloop",
}


def import_or_report(*names: str) -> list[types.ModuleType]:
    """Imports the modules named; on failure prints the not-ready line naming
    the Debian package and exits. Returns the modules in order."""
    import importlib

    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError as e:
            send({"ready": False, "missing": PACKAGES.get(name, name), "error": str(e)})
            sys.exit(3)
    return modules


def versions() -> dict[str, str]:
    """The interpreter's version and each library's ("missing" when absent),
    read from the installed metadata so nothing extra is imported."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("aiohttp", "requests", "urllib3", "uvloop"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def send(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def ready() -> None:
    send({"ready": True, "versions": versions()})


def read_plan() -> Plan:
    line = sys.stdin.readline()
    if not line:
        sys.exit(4)
    return Plan(json.loads(line))


def bytes_param(url: str) -> int | None:
    """The `bytes=N` of a URL's query (model_support.cpp bytes_param): the
    first bytes= pair decides; a value that is not a number means unchecked."""
    query = urllib.parse.urlsplit(url).query
    for pair in query.split("&") if query else []:
        if pair.startswith("bytes="):
            value = pair[6:]
            return int(value) if value.isdigit() else None
    return None


class Plan:
    def __init__(self, j: dict[str, Any]) -> None:
        # The adapter refuses these before starting the child; a plan that
        # gets here with them anyway fails loudly rather than sending plain GETs.
        if (
            j.get("method", "GET") != "GET"
            or j.get("headers")
            or j.get("body_bytes", 0)
            or j.get("duration_ms") is not None
        ):
            raise ValueError("the Python models send plain GETs of a number of requests only")
        self.urls: list[str] = j["urls"]
        self.requests = int(j["requests"])
        self.concurrency = int(j["concurrency"])
        # Concurrency as an asyncio.Semaphore over a gather, not workers (aiohttp models only).
        self.semaphore = bool(j.get("semaphore", False))
        self.pooling = bool(j["pooling"])
        self.limit = int(j["limit"])
        self.limit_per_host = int(j["limit_per_host"])
        self.timeout_s = j["timeout_ms"] / 1000.0
        self.keepalive_timeout_s = j["keepalive_timeout_ms"] / 1000.0
        self.cacert: str | None = j["cacert"]
        self.insecure = bool(j["insecure"])
        self.expected_status = int(j["expected_status"])
        eb = j.get("expected_bytes")
        # The plan's size, else each URL's bytes=N, else unchecked (parse_targets).
        self.expected_bytes = [eb if eb is not None else bytes_param(u) for u in self.urls]

    def target(self, i: int) -> int:
        """Requests go round-robin over the URLs."""
        return i % len(self.urls)

    def verify(self) -> bool | str:
        """requests' `verify`: the CA file, the system store, or off."""
        if self.insecure:
            return False
        return self.cacert or True

    def ssl_context(self) -> ssl.SSLContext | None:
        """One verified (or insecure) context; None for plain HTTP plans."""
        import ssl

        if not any(u.startswith("https:") for u in self.urls):
            return None
        ctx = ssl.create_default_context(cafile=self.cacert or None)
        if self.insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


# As the C++ models' kReasonBodyBytes (model_support.hpp): enough of a refusal's
# body for its reason, not a whole error page per request.
REASON_BODY_BYTES = 1024


class Sample:
    __slots__ = ("start", "end", "status", "body_bytes", "new_connection", "error", "target",
                 "head")

    def __init__(self, target: int) -> None:
        self.start = time.monotonic_ns()
        self.end = 0
        self.status = 0
        self.body_bytes = 0
        self.new_connection = False
        self.error = "none"
        self.target = target
        self.head: bytes | None = None  # the first bytes of a body with an unexpected status

    def row(self) -> list[int | bool | str]:
        return [self.start, self.end, self.status, self.body_bytes, self.new_connection,
                self.error, self.target]


class Run:
    """Samples in request order, first message per error kind, and the
    process's own CPU time and peak RSS around the run."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.samples: list[Sample | None] = [None] * plan.requests  # finish() fills slot i
        self.examples: dict[str, str] = {}
        self.status_bodies: dict[int, bytes] = {}  # one per unexpected status: the parent reads its reason
        self.details: dict[str, object] = {}
        self.threads: set[int] = set()
        self._usage = resource.getrusage(resource.RUSAGE_SELF)

    def fail(self, sample: Sample, kind: str, message: str) -> None:
        sample.error = kind
        self.examples.setdefault(kind, f"{kind}: {message}")

    def note_body(self, sample: Sample, body: bytes) -> None:
        """Keeps the first bytes of `body` if its status is not the expected one."""
        if sample.status != self.plan.expected_status:
            sample.head = bytes(body[:REASON_BODY_BYTES])

    def finish(self, i: int, sample: Sample) -> None:
        """The C++ finish_sample: a transfer that succeeded is still a timeout
        if it took longer than the plan allows, else checked for status and size."""
        sample.end = time.monotonic_ns()
        if sample.error == "none":
            if (sample.end - sample.start) / 1e9 > self.plan.timeout_s:
                self.fail(sample, "timeout", "the request took longer than the plan's timeout")
            elif sample.status != self.plan.expected_status:
                self.fail(sample, "status", f"HTTP {sample.status}")
                self.status_bodies.setdefault(sample.status, sample.head or b"")
            else:
                expected = self.plan.expected_bytes[sample.target]
                if expected is not None and sample.body_bytes != expected:
                    self.fail(sample, "body_size",
                              f"{sample.body_bytes} bytes, expected {expected}")
        sample.head = None  # kept once per status above, not once per sample
        self.samples[i] = sample

    def send_result(self) -> None:
        samples = [s for s in self.samples if s is not None]
        assert len(samples) == len(self.samples), "a request without its sample"
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime + after.ru_stime) - (self._usage.ru_utime + self._usage.ru_stime)
        send({
            "samples": [s.row() for s in samples],
            "connections_opened": sum(1 for s in samples if s.new_connection),
            "threads": len(self.threads),
            "cpu_us": int(cpu * 1e6),
            "peak_rss_kib": after.ru_maxrss,
            "error_examples": list(self.examples.values()),
            "status_bodies": {str(status): body.decode("utf-8", "replace")
                              for status, body in self.status_bodies.items()},
            "details": {k: str(v) for k, v in self.details.items()},
        })


def oserror_in(exc: BaseException | None) -> OSError | None:
    """The first OSError in an exception's cause/context chain, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def fd_exhausted(exc: BaseException) -> bool:
    """OSError EMFILE/ENFILE ("Too many open files") anywhere in the chain."""
    e = oserror_in(exc)
    return e is not None and e.errno in (errno.EMFILE, errno.ENFILE)


def describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


if __name__ == "__main__":
    # `python3 model_protocol.py`: the versions alone (bench's JSON context).
    send(versions())
