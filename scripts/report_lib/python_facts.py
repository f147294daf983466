"""Language facts the interview guide states without a measurement, each checked on this interpreter.

Some sentences of the guide are explanations, not results: "`asyncio.wait([coro])` raises
TypeError", "a TaskGroup cancels the siblings". No benchmark backs them, but each can still be
shown true or false by running a tiny program. FACTS maps an id to a Fact; `FACTS[id].check()`
runs that program and returns what it observed (a short text the guide may quote) when the
statement holds, or raises FactFailed(observed) when it does not.

    from report_lib.python_facts import FACTS
    print(FACTS["wait_refuses_coroutines"].check())

Every check is self-contained and bounded: an in-process program on a fresh event loop (at most
TIME_BOUND_S seconds, its loop's exception handler capturing what the loop would log), or a
child interpreter where the interpreter's own state is the subject. Loopback only; files and
sockets are closed before the check returns. The checks double as teaching snippets: each is
the smallest program that shows its fact.

A check's keyword parameters hold its expectations (their defaults are the facts); passing
another value is how a test proves a check can fail (tests/report/test_python_facts.py).
"""
from __future__ import annotations

import ast
import asyncio
import gc
import inspect
import os
import select
import selectors
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

TIME_BOUND_S = 5.0  # per in-process check; a child interpreter gets twice that
PYTHON = "/usr/bin/python3"  # Debian's 3.11 (README): the interpreter the guide's facts are about


class FactFailed(AssertionError):
    """The statement does not hold on this interpreter; `observed` says what happened instead."""

    def __init__(self, observed: str) -> None:
        super().__init__(observed)
        self.observed = observed


@dataclass(frozen=True)
class Fact:
    id: str
    statement: str  # one sentence in plain words, as the guide may say it
    probe: Callable[..., str]

    def check(self, **expectation: Any) -> str:
        """Runs the probe: the observed text when the statement holds, else FactFailed."""
        return self.probe(**expectation)


def _holds(condition: bool, observed: str) -> str:
    if not condition:
        raise FactFailed(observed)
    return observed


def _run(main: Callable[[], Awaitable[T]]) -> tuple[T, list[dict[str, Any]]]:
    """Runs main() on a fresh event loop, bounded in time; returns its result and what the loop
    would have logged through its exception handler (captured instead of printed)."""
    logged: list[dict[str, Any]] = []

    async def bounded() -> T:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: logged.append(context))
        async with asyncio.timeout(TIME_BOUND_S):
            return await main()

    with asyncio.Runner() as runner:
        return runner.run(bounded()), logged


def _logged_errors(logged: list[dict[str, Any]]) -> list[str]:
    return [f"{type(c['exception']).__name__}: {c['exception']}" for c in logged if "exception" in c]


# --- one probe per fact ---------------------------------------------------------------------------

def wait_refuses_coroutines(expected: type[BaseException] = TypeError) -> str:
    async def main() -> BaseException | None:
        coro = asyncio.sleep(0)
        try:
            await asyncio.wait([coro])  # a coroutine, not a task
        except Exception as error:
            return error
        finally:
            coro.close()  # never scheduled: close it so no "never awaited" warning
        return None

    error, _ = _run(main)
    return _holds(isinstance(error, expected),
                  f"asyncio.wait([coroutine]) raised {type(error).__name__}: {error}" if error
                  else "asyncio.wait([coroutine]) raised nothing")


def epoll_refuses_regular_files(expected: type[BaseException] = PermissionError) -> str:
    with tempfile.TemporaryFile() as regular_file:
        fd = regular_file.fileno()

        async def main() -> BaseException | None:
            try:
                asyncio.get_running_loop().add_reader(fd, lambda: None)
            except OSError as error:
                return error
            asyncio.get_running_loop().remove_reader(fd)
            return None

        error, _ = _run(main)
        readable, _, _ = select.select([fd], [], [], 0)  # timeout 0: only what is ready right now
    selector = selectors.DefaultSelector.__name__
    observed = (f"loop.add_reader(regular file) on the {selector} loop raised "
                f"{type(error).__name__ if error else 'nothing'} ({error}); "
                f"select.select reported the file readable at once: {readable == [fd]}")
    return _holds(selector == "EpollSelector" and isinstance(error, expected) and readable == [fd], observed)


def udp_class_without_base(expected: type[BaseException] = AttributeError) -> str:
    class Echo:  # the material's shape: no base class, so no connection_lost, no error_received
        def connection_made(self, transport: asyncio.DatagramTransport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            self.transport.sendto(data, addr)

    logged: list[dict[str, Any]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: logged.append(context))  # what the loop would log
        closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
        closed.close()  # nobody listens there now: a datagram to it draws an ICMP port-unreachable
        # Echo lacks DatagramProtocol's methods, which is the fact being shown: hence the ignore.
        transport, _ = await loop.create_datagram_endpoint(  # type: ignore[type-var]
            Echo, remote_addr=("127.0.0.1", closed_port))
        transport.sendto(b"ping")  # the ICMP error comes back to this connected socket
        while not logged:
            await asyncio.sleep(0.01)
        transport.close()  # the loop calls connection_lost next
        while len(logged) < 2:
            await asyncio.sleep(0.01)

    _run(main)
    errors = _logged_errors(logged)
    failed = [c.get("exception") for c in logged]
    observed = "the loop logged: " + "; ".join(errors)
    return _holds(len(failed) == 2 and all(isinstance(e, expected) for e in failed)
                  and "error_received" in errors[0] and "connection_lost" in errors[1], observed)


def chat_reset_disconnects_sender(expected: type[BaseException] = ConnectionResetError) -> str:
    clients: set[asyncio.StreamWriter] = set()
    handlers: list[asyncio.Task[None]] = []

    async def material_handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The material's handler: broadcast each line to every other client, awaiting drain() on each."""
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        clients.add(writer)
        while line := await reader.readline():
            for other in clients:
                if other is not writer:
                    other.write(line)
                    await other.drain()
        clients.discard(writer)

    async def main() -> BaseException | None:
        loop = asyncio.get_running_loop()
        server = await asyncio.start_server(material_handle, "127.0.0.1", 0)
        address = server.sockets[0].getsockname()
        victim = socket.socket()
        victim.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, soon full
        victim.setblocking(False)
        await loop.sock_connect(victim, address)  # connected, never reads
        while len(clients) < 1:
            await asyncio.sleep(0.01)
        victim_writer = next(iter(clients))
        _, sender = await asyncio.open_connection(*address)
        for _ in range(10_000):  # 10 MB for the victim: the broadcast soon waits in its drain()
            sender.write(b"x" * 999 + b"\n")
        _, high_water = victim_writer.transport.get_write_buffer_limits()
        while victim_writer.transport.get_write_buffer_size() <= high_water:
            await asyncio.sleep(0.01)  # above the high-water mark, the broadcast waits in drain()
        victim.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        victim.close()  # SO_LINGER 0: close() sends RST, as a client that vanishes does
        sender_handler = handlers[1]
        await asyncio.wait([sender_handler])
        for handler in handlers:  # retrieve every handler's outcome: nothing logged at collection
            if handler.done() and not handler.cancelled():
                handler.exception()
        sender.close()
        for writer in clients:
            writer.close()
        server.close()
        await server.wait_closed()
        return sender_handler.exception()

    error, _ = _run(main)
    return _holds(isinstance(error, expected),
                  f"the victim reset while the sender's broadcast awaited its drain(): the sender's handler ended "
                  f"with {type(error).__name__}: {error}" if error else "the sender's handler ended normally")


def gather_leaves_siblings_running(expected_running: int = 2) -> str:
    async def main() -> tuple[int, list[str]]:
        async def fail() -> None:
            await asyncio.sleep(0.01)
            raise ValueError("one task failed")

        siblings = [asyncio.create_task(asyncio.sleep(0.05, result="done")) for _ in range(2)]
        running = -1
        try:
            await asyncio.gather(fail(), *siblings)  # return_exceptions=False, the default
        except ValueError:
            running = sum(not s.done() for s in siblings)
        return running, await asyncio.gather(*siblings)

    (running, results), _ = _run(main)
    return _holds(running == expected_running and results == ["done", "done"],
                  f"gather raised ValueError while {running} of 2 siblings still ran; they then finished: {results}")


def taskgroup_cancels_siblings(expected_cancelled: int = 2) -> str:
    async def main() -> tuple[str, int]:
        async def fail() -> None:
            await asyncio.sleep(0.01)
            raise ValueError("one task failed")

        raised = "nothing"
        try:
            async with asyncio.TaskGroup() as group:
                siblings = [group.create_task(asyncio.sleep(1)) for _ in range(2)]
                group.create_task(fail())
        except* ValueError as group_error:
            raised = f"{type(group_error).__name__}({[type(e).__name__ for e in group_error.exceptions]})"
        return raised, sum(s.cancelled() for s in siblings)

    (raised, cancelled), _ = _run(main)
    return _holds(cancelled == expected_cancelled and raised.startswith("ExceptionGroup"),
                  f"TaskGroup raised {raised} with {cancelled} of 2 siblings cancelled")


def await_without_suspending_does_not_yield(expected_runs_before_sleep: int = 0) -> str:
    async def main() -> tuple[int, int]:
        runs = 0

        async def other() -> None:
            nonlocal runs
            runs += 1

        async def never_suspends() -> int:
            return 1

        task = asyncio.create_task(other())  # ready to run from now on
        for _ in range(1000):
            await never_suspends()  # runs like a plain call: control never returns to the loop
        before = runs
        await asyncio.sleep(0)  # suspends once: the loop runs every ready task
        await task
        return before, runs

    (before, after), _ = _run(main)
    return _holds(before == expected_runs_before_sleep and after == 1,
                  f"after 1000 awaits of a coroutine that never suspends, a ready task had run {before} times; "
                  f"after one await asyncio.sleep(0), {after}")


def shield_caller_still_cancelled(expected_inner: str = "inner done") -> str:
    async def main() -> tuple[bool, str]:
        inner = asyncio.create_task(asyncio.sleep(0.05, result="inner done"))

        async def caller() -> str:
            return await asyncio.shield(inner)

        waiting = asyncio.create_task(caller())
        await asyncio.sleep(0.01)
        waiting.cancel()
        try:
            await waiting
        except asyncio.CancelledError:
            pass
        return waiting.cancelled(), await inner

    (caller_cancelled, inner_result), _ = _run(main)
    return _holds(caller_cancelled and inner_result == expected_inner,
                  f"the caller of shield(inner) was cancelled: {caller_cancelled}; the inner task still "
                  f"returned {inner_result!r}")


def cancel_can_be_swallowed(expected_cancelled: bool = False) -> str:
    async def main() -> tuple[bool, str]:
        async def stubborn() -> str:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                pass  # swallowed: the task decides to go on
            return "returned normally"

        task = asyncio.create_task(stubborn())
        await asyncio.sleep(0)
        task.cancel()
        result = await task
        return task.cancelled(), result

    (cancelled, result), _ = _run(main)
    return _holds(cancelled == expected_cancelled and result == "returned normally",
                  f"task.cancel() on a task that catches CancelledError: cancelled() is {cancelled}, it {result}")


def unretrieved_exception_logged(expected_message: str = "Task exception was never retrieved") -> str:
    async def main() -> None:
        async def boom() -> None:
            raise ValueError("nobody awaits me")

        task = asyncio.create_task(boom())
        await asyncio.sleep(0)  # the task runs and fails; nobody awaits it
        del task
        gc.collect()  # the loop logs when the failed task is collected

    _, logged = _run(main)
    messages = [c.get("message", "") for c in logged]
    return _holds(expected_message in messages,
                  f"the loop logged {messages} ({', '.join(_logged_errors(logged))}) when the task was collected")


def await_outside_async_is_syntax_error() -> str:
    try:
        compile("await asyncio.sleep(0)", "<module>", "exec")
        plain = "compiled"
    except SyntaxError as error:
        plain = f"SyntaxError: {error.msg}"
    top_level = compile("await asyncio.sleep(0)", "<repl>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    is_coroutine_code = bool(top_level.co_flags & inspect.CO_COROUTINE)
    repl = subprocess.run([PYTHON, "-I", "-m", "asyncio"], input="print(await asyncio.sleep(0, result=42))\n",
                          capture_output=True, text=True, timeout=2 * TIME_BOUND_S)
    repl_ran = "42" in repl.stdout
    return _holds(plain.startswith("SyntaxError") and is_coroutine_code and repl_ran,
                  f"compile('await ...') outside a function: {plain}; with PyCF_ALLOW_TOP_LEVEL_AWAIT it compiles "
                  f"to coroutine code: {is_coroutine_code}; `python -m asyncio` ran a top-level await: {repl_ran}")


def run_refuses_running_loop(expected: type[BaseException] = RuntimeError) -> str:
    async def main() -> BaseException | None:
        coro = asyncio.sleep(0)
        try:
            asyncio.run(coro)
        except Exception as error:
            return error
        finally:
            coro.close()
        return None

    error, _ = _run(main)
    return _holds(isinstance(error, expected),
                  f"asyncio.run() inside a running loop raised {type(error).__name__}: {error}" if error
                  else "asyncio.run() inside a running loop raised nothing")


def runner_takes_loop_factory() -> str:
    made: list[asyncio.AbstractEventLoop] = []

    def factory() -> asyncio.AbstractEventLoop:
        made.append(asyncio.new_event_loop())
        return made[-1]

    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(asyncio.sleep(0))
    run_has_it = "loop_factory" in inspect.signature(asyncio.run).parameters
    return _holds(len(made) == 1 and not run_has_it,
                  f"asyncio.Runner(loop_factory=...) built its loop with the factory ({len(made)} call); "
                  f"asyncio.run has a loop_factory parameter: {run_has_it} (added in 3.12)")


def default_executor_size(expected: int | None = None) -> str:
    expected = min(32, (os.cpu_count() or 1) + 4) if expected is None else expected

    async def main() -> int:
        threads: set[int] = set()

        def blocking_call() -> None:
            threads.add(threading.get_ident())
            time.sleep(0.1)  # long enough that no thread goes idle while the 40 calls are submitted

        await asyncio.gather(*(asyncio.to_thread(blocking_call) for _ in range(40)))
        return len(threads)

    used, _ = _run(main)
    return _holds(used == expected,
                  f"40 blocking calls through asyncio.to_thread ran on {used} threads; "
                  f"min(32, cpus + 4) = {min(32, (os.cpu_count() or 1) + 4)} with {os.cpu_count()} CPUs")


def connector_defaults(expected_limit: int = 100, expected_per_host: int = 0, expected_total_s: float = 300) -> str:
    import aiohttp  # Debian's python3-aiohttp; imported here so the other facts need no aiohttp

    async def main() -> tuple[int, int, float | None, float | None]:
        async with aiohttp.ClientSession() as session:
            connector = session.connector
            assert isinstance(connector, aiohttp.TCPConnector)
            return connector.limit, connector.limit_per_host, session.timeout.total, aiohttp.ClientTimeout().total

    (limit, per_host, session_total, bare_total), _ = _run(main)
    return _holds((limit, per_host, session_total) == (expected_limit, expected_per_host, expected_total_s),
                  f"aiohttp {aiohttp.__version__}: a default session's TCPConnector has limit {limit}, "
                  f"limit_per_host {per_host} (no per-host cap), timeout total {session_total} s; "
                  f"ClientTimeout() alone has total {bare_total}")


def nonblocking_recv_raises(expected: type[BaseException] = BlockingIOError) -> str:
    left, right = socket.socketpair()
    with left, right:
        left.settimeout(0.05)  # blocking, bounded: the call waits, then gives up
        start = time.monotonic()
        try:
            left.recv(1)
            blocking = "returned"
        except TimeoutError:
            blocking = f"waited {time.monotonic() - start >= 0.05} (>= 50 ms), then TimeoutError"
        left.setblocking(False)  # non-blocking: the call answers at once
        try:
            left.recv(1)
            nonblocking: BaseException | None = None
        except OSError as error:
            nonblocking = error

        async def main() -> tuple[bool, bytes]:  # asynchronous: the task waits, the loop does not
            receiving = asyncio.create_task(asyncio.get_running_loop().sock_recv(left, 1))
            await asyncio.sleep(0.01)
            waiting = not receiving.done()
            right.send(b"x")
            return waiting, await receiving

        (task_waited, got), _ = _run(main)
    observed = (f"blocking recv: {blocking}; non-blocking recv: "
                f"{type(nonblocking).__name__ if nonblocking else 'no error'} at once; "
                f"await loop.sock_recv: the task waited while the loop ran ({task_waited}), then got {got!r}")
    return _holds(isinstance(nonblocking, expected) and task_waited and got == b"x", observed)


def wait_cancels_nothing(expected_pending_cancelled: int = 0) -> str:
    async def main() -> tuple[int, int, int]:
        tasks = [asyncio.create_task(asyncio.sleep(delay)) for delay in (0.01, 1, 1)]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        cancelled_by_wait = sum(t.cancelled() for t in pending)
        for task in pending:  # the caller's job: wait() left them running
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return len(done), len(pending), cancelled_by_wait

    (done, pending, cancelled), _ = _run(main)
    return _holds(done == 1 and pending == 2 and cancelled == expected_pending_cancelled,
                  f"wait(FIRST_COMPLETED) returned {done} done and {pending} pending, {cancelled} of them cancelled "
                  f"by wait()")


def wait_for_waits_for_cleanup(expected_at_least_s: float = 0.15) -> str:
    async def main() -> float:
        async def slow_cleanup() -> None:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                await asyncio.sleep(0.1)  # clean-up after the cancellation, which wait_for waits for
                raise

        start = time.monotonic()
        try:
            await asyncio.wait_for(slow_cleanup(), timeout=0.05)
        except TimeoutError:
            pass
        return time.monotonic() - start

    took, _ = _run(main)
    return _holds(took >= expected_at_least_s,
                  f"wait_for(timeout=0.05) on a task with 100 ms of clean-up returned after at least "
                  f"{expected_at_least_s * 1000:.0f} ms: {took >= expected_at_least_s}")


def timeout_error_is_builtin() -> str:
    # typeshed keeps the two apart; that they are one class since 3.11 is the fact being checked.
    same = asyncio.TimeoutError is TimeoutError  # type: ignore[comparison-overlap]

    async def main() -> str:
        try:
            async with asyncio.timeout(0.01):
                await asyncio.sleep(1)
        except TimeoutError as error:
            return type(error).__qualname__
        return "nothing"

    raised, _ = _run(main)
    return _holds(same and raised == "TimeoutError",
                  f"asyncio.TimeoutError is TimeoutError: {same}; asyncio.timeout raised {raised}")


FACTS: dict[str, Fact] = {fact.id: fact for fact in (
    Fact("wait_refuses_coroutines",
         "On Python 3.11 asyncio.wait() refuses bare coroutines with TypeError: wrap them in tasks first.",
         wait_refuses_coroutines),
    Fact("epoll_refuses_regular_files",
         "epoll refuses regular files (loop.add_reader raises PermissionError), while select() reports them "
         "always readable: no readiness API makes file reads non-blocking.",
         epoll_refuses_regular_files),
    Fact("udp_class_without_base",
         "A UDP protocol class that does not derive from asyncio.DatagramProtocol lacks connection_lost and "
         "error_received, so closing its transport and an ICMP error each make the loop log an AttributeError.",
         udp_class_without_base),
    Fact("chat_reset_disconnects_sender",
         "In a chat server whose broadcast awaits drain() on every other client, one client's connection reset "
         "raises ConnectionResetError in the sender's handler and ends the sender's session.",
         chat_reset_disconnects_sender),
    Fact("gather_leaves_siblings_running",
         "With return_exceptions=False, gather raises the first exception and leaves the other tasks running "
         "to completion.",
         gather_leaves_siblings_running),
    Fact("taskgroup_cancels_siblings",
         "A TaskGroup cancels the other tasks on the first failure and raises an ExceptionGroup.",
         taskgroup_cancels_siblings),
    Fact("await_without_suspending_does_not_yield",
         "Awaiting a coroutine that returns without suspending does not let another task run; "
         "await asyncio.sleep(0) does.",
         await_without_suspending_does_not_yield),
    Fact("shield_caller_still_cancelled",
         "shield() protects the inner task, not its caller: the cancelled caller gets CancelledError while "
         "the inner task runs to completion.",
         shield_caller_still_cancelled),
    Fact("cancel_can_be_swallowed",
         "cancel() only requests cancellation: a task that catches CancelledError and does not re-raise "
         "keeps running and returns normally.",
         cancel_can_be_swallowed),
    Fact("unretrieved_exception_logged",
         "A task whose exception nobody retrieves makes the loop log \"Task exception was never retrieved\" "
         "when the task is garbage-collected.",
         unretrieved_exception_logged),
    Fact("await_outside_async_is_syntax_error",
         "await outside an async function is a SyntaxError; the python -m asyncio REPL compiles with "
         "PyCF_ALLOW_TOP_LEVEL_AWAIT and accepts a top-level await.",
         await_outside_async_is_syntax_error),
    Fact("run_refuses_running_loop",
         "asyncio.run() inside a running event loop raises RuntimeError: there is one loop per thread.",
         run_refuses_running_loop),
    Fact("runner_takes_loop_factory",
         "On 3.11 a custom loop goes through asyncio.Runner(loop_factory=...); asyncio.run() gained "
         "loop_factory only in 3.12.",
         runner_takes_loop_factory),
    Fact("default_executor_size",
         "The default executor (to_thread, run_in_executor(None, ...)) runs at most min(32, cpus + 4) "
         "calls at once.",
         default_executor_size),
    Fact("connector_defaults",
         "An aiohttp ClientSession by default allows 100 connections in all, none capped per host, and "
         "times a request out after 300 s in total.",
         connector_defaults),
    Fact("nonblocking_recv_raises",
         "A blocking recv waits for data, a non-blocking recv with no data raises BlockingIOError at once, "
         "and an asynchronous recv suspends only the task while the loop runs others.",
         nonblocking_recv_raises),
    Fact("wait_cancels_nothing",
         "asyncio.wait(return_when=FIRST_COMPLETED) returns the done and the pending tasks and cancels none: "
         "the caller cancels the pending ones.",
         wait_cancels_nothing),
    Fact("wait_for_waits_for_cleanup",
         "On timeout, wait_for cancels the task and then waits for its clean-up, so it can return well after "
         "its timeout.",
         wait_for_waits_for_cleanup),
    Fact("timeout_error_is_builtin",
         "Since 3.11 asyncio.TimeoutError is the built-in TimeoutError, which asyncio.timeout() raises.",
         timeout_error_is_builtin),
)}


if __name__ == "__main__":  # /usr/bin/python3 scripts/report_lib/python_facts.py: every fact, observed here
    print(f"Python {sys.version.split()[0]}")
    for fact in FACTS.values():
        try:
            print(f"{fact.id}: holds: {fact.check()}")
        except FactFailed as failure:
            print(f"{fact.id}: FAILS: {failure.observed}")
