"""Scenario streams (claim C12): UDP echo, and the material's line-based chat
server with a slow reader. verdict() gives the one-line verdict for the index;
page.write_page() writes charts/ and README.md under DIR/streams/ from the
shared page parts (page.py) plus this module's prose. Every figure comes from
the results.
"""
from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

from . import fmt, headline as hl, page
from . import streams_verdict as sv

if TYPE_CHECKING:
    from . import results

NAME = "streams"
TITLE = "C12 streams: a chat server with a slow reader, and UDP echo"
HEADLINE_CHART = "charts/streams_chat_latency.png"

CLAIM = (
    "The material's toy chat server reads a line from one client and, for every other client, writes it "
    "and awaits `writer.drain()` inside the loop; its UDP echo server is a protocol class with "
    "`datagram_received`. The review of that code says three things go wrong in the chat server: a single "
    "client that stops reading holds up the broadcast and with it everyone else; leaving out `drain()` "
    "swaps that stall for a buffer that grows as long as the slow client lags; and walking the set of "
    "clients while awaiting breaks (\"Set changed size during iteration\") as soon as someone joins or "
    "leaves. The usual fix is a bounded queue and a writer task per client, dropping clients that fall too "
    "far behind. This scenario runs all three designs and the fix under the same load, counts what each "
    "client received and how late, samples what the server holds, and runs the UDP echo in Python and "
    "in C++.")

LABEL_STALL = "fast clients' p99 latency, drain_in_loop ÷ bounded_queue"
LABEL_BACKLOG = "server backlog peak per client, no_drain ÷ bounded_queue"
LABEL_GROWTH = "no_drain backlog growth while the slow reader pauses"
LABEL_UDP = f"UDP round trips/s, asio ÷ py_asyncio, window:{sv.UDP_PAIR_WINDOW}"
# What loopback UDP loses, and how fast the two ends trade datagrams, is the kernel's socket buffers and
# the scheduling of both ends on this machine's cores more than the event loop (the figures sit beside
# the rule, not in it).
UDP_SETUP = "the kernel's UDP buffers and the scheduling of both ends"


def verdict(results: results.Results) -> sv.Verdict:
    return sv.decide(results.runs)


def headline(results: results.Results) -> list[hl.Figure]:
    """The figures a reader quotes, with their 95 % CIs, in the order the verdict line quotes them."""
    runs = results.runs
    out = [hl.figure(LABEL_STALL, sv.stall_ci(runs)),
           hl.figure(LABEL_BACKLOG, sv.backlog_ci(runs)),
           hl.figure(LABEL_GROWTH, sv.growth_ci(runs), unit=" MiB/s"),
           hl.figure(LABEL_UDP, sv.udp_ratio_ci(runs), setup=UDP_SETUP)]
    for impl in sv.UDP_IMPLS:
        out.append(hl.figure(f"UDP loss, {impl}, window:{sv.UDP_LOSS_WINDOW}", sv.loss_ci(runs, impl), unit=" %",
                             setup=UDP_SETUP))
    return hl.measured(out)


def sections(results: results.Results, charts_written: dict[str, list[str]], v: sv.Verdict) -> list[str]:
    """The page between its claim and its footer (see page.write_page)."""
    return [
        "## Setup\n\n" + _setup(results),
        "## Charts\n\n" + _charts(charts_written),
        "## Verdict\n\n" + _verdict_section(results, v),
        "## The chat server, design by design\n\n" + _chat(results),
        "## Clients that come and go\n\n" + _churn(results),
        "## UDP echo\n\n" + _udp(results),
        "## Why it happens\n\n" + _why(),
        "## In an interview\n\n" + _interview(results, v),
        "## Caveats\n\n" + _caveats(results),
        "## Numbers\n\n" + _numbers(results),
        "## Errors\n\n" + page.errors_section(results),
    ]


def _churn_ms(runs: list[results.Run]) -> str:
    r = next((r for r in runs if sv.key(r).part == "churn"), None)
    return fmt.DASH if r is None else str(r.name.param("churn_ms", fmt.DASH))


def _cap_mib(runs: list[results.Run]) -> str:
    r = sv.find(runs, "chat", "no_drain")
    v = r.median("cap_bytes") if r else None
    return fmt.DASH if v is None else fmt.count(v / sv.MIB)


def _queue_max(runs: list[results.Run]) -> str:
    r = sv.find(runs, "chat", "bounded_queue")
    v = r.median("queue_max") if r else None
    return fmt.DASH if v is None else fmt.count(v)


def _any_chat(runs: list[results.Run]) -> results.Run:
    return next((r for r in runs if sv.key(r).part in ("chat", "churn") and r.reps), None)


def _windows_text(runs: list[results.Run]) -> tuple[str, str]:
    """('1, 64, 1024', ''), or each implementation's windows when they differ, with a note saying why
    (the default run leaves out the points of the sweep that no figure reads)."""
    by_impl = {impl: [w for w in sv.windows(runs) if sv.find(runs, "udp", impl, w) is not None]
               for impl in sv.UDP_IMPLS}
    measured = [ws for ws in by_impl.values() if ws]
    if len(measured) < 2 or all(ws == measured[0] for ws in measured):
        return ", ".join(str(w) for w in sv.windows(runs)) or fmt.DASH, ""
    text = " or ".join(f"{', '.join(str(w) for w in ws)} (`{impl}`)" for impl, ws in by_impl.items() if ws)
    return text, ("; this run measured only the windows a figure reads, the quick run and the reference "
                  "every window for both")


def _setup(results: results.Results) -> str:
    runs = results.runs
    chat = _any_chat(runs)
    med = (lambda c: fmt.count(chat.median(c))) if chat else (lambda c: fmt.DASH)
    ws, ws_note = _windows_text(runs)
    rows = [
        ("chat server", "`bench/scenarios/python/streams_chat.py`: `asyncio.start_server` on 127.0.0.1, one "
                        "handler per client reading lines with `readline()`, each line broadcast to every other "
                        "client; a child `/usr/bin/python3` on its own CPU when bench is pinned"),
        ("designs", "`drain_in_loop`: `write()` then `await drain()` per client inside the loop (the "
                    "material's code); `no_drain`: `write()` only (a client cut off past "
                    f"{_cap_mib(runs)} MiB so a run stays "
                    f"bounded); `bounded_queue`: an `asyncio.Queue(maxsize={_queue_max(runs)})` "
                    "and a writer task per client, a client whose queue is full disconnected"),
        ("chat clients", f"{med('clients')} TCP clients in C++ (Boost.Asio, one thread): one sender posting "
                         f"{med('rate')} lines a second of {med('msg_bytes')} bytes for {med('duration_ms')} ms "
                         "(open loop: each line carries the time it was due), "
                         f"{med('fast_clients')} fast readers, one slow reader (SO_RCVBUF "
                         f"{med('slow_rcvbuf_bytes')} bytes as the kernel set it) that reads nothing for the "
                         f"first {med('pause_ms')} ms, then everything"),
        ("churn", f"`drain_in_loop`; every {_churn_ms(runs)} ms, while the fast readers have got nothing for twice "
                  "that (a broadcast is held in `drain()` by the slow reader) a client joins and stays, and once "
                  "lines flow again those clients leave; `iterate_set` walks the live set (the material's code), "
                  "`iterate_copy` a `list()` of it; each RuntimeError is counted by the server, which goes on "
                  "with the next line"),
        ("UDP echo", f"{_udp_med(runs, 'bytes')}-byte datagrams, {ws} in flight, sent for "
                     f"{_udp_med(runs, 'duration_ms')} ms; a reply or {_udp_med(runs, 'timeout_ms')} ms without one "
                     f"frees a slot; then {_udp_med(runs, 'grace_ms')} ms for stragglers. `asio`: server on its own thread "
                     "(CPU 1 when pinned), client on bench's; `py_asyncio`: `DatagramProtocol` server and "
                     "client in two Python processes (`streams_udp.py`)" + ws_note),
    ]
    return page.setup_table(results, rows)


def _udp_med(runs: list[results.Run], counter: str) -> str:
    r = next((r for r in runs if sv.key(r).part == "udp" and r.reps), None)
    v = r.median(counter) if r else None
    return fmt.DASH if v is None else fmt.count(v)


def _charts(written: dict[str, list[str]]) -> str:
    return page.charts_section(written, {
        "streams_chat_latency": "How late each line reached one of the fast clients, against when it was due to "
                                "be sent (last repetition, log scale), with the slow reader's pause shaded. "
                                "`drain_in_loop`: once the slow reader's buffers are full every line waits for "
                                "it; the others stay flat.",
        "streams_backlog": "What the server holds for its most backlogged client over time (its queue plus its "
                           "transport's buffer) and the server's RSS, sampled every 10 ms by the server itself (last "
                           "repetition). The dashed line is `bounded_queue`'s bound for one client.",
        "streams_udp": "UDP echo: round trips per second (log) and the share of datagrams lost, by the number in "
                       "flight, Asio against asyncio (medians over the repetitions).",
    })


def _verdict_section(results: results.Results, v: sv.Verdict) -> str:
    return page.verdict_section(sv.RULE_TEXT, v, v.checks, "streams_verdict.py")


def _ms(run: results.Run, counter: str) -> str:
    v = run.median(counter) if run else None
    return fmt.DASH if v is None else fmt.sig(v)


def _mib(run: results.Run, counter: str) -> str:
    v = run.median(counter) if run else None
    return fmt.DASH if v is None else fmt.sig(v / sv.MIB)


def _chat(results: results.Results) -> str:
    runs = results.runs
    rows = []
    for design in sv.DESIGNS:
        r = sv.find(runs, "chat", design)
        if r is None:
            continue
        if r.failed:
            rows.append([f"`{design}`", f"skipped: {r.error_message}"] + [fmt.DASH] * 7)
            continue
        rows.append([f"`{design}`", _ms(r, "fast_p50_ms"), _ms(r, "fast_p99_ms"), _ms(r, "fast_max_ms"),
                     f"{fmt.count(r.median('fast_received'))} of {fmt.count(r.median('fast_expected'))}",
                     _mib(r, "backlog_peak_bytes"), _mib(r, "rss_growth_bytes"), _ms(r, "drain_wait_max_ms"),
                     "yes" if r.median("slow_disconnected") else "no"])
    out = []
    if rows:
        out.append("Medians over the repetitions. Latency: from when a line was due to be sent to when a fast "
                   "client had read it. Backlog: the most the server held for one client (queue + transport "
                   "buffer), checked at every write. RSS growth: the server process's peak RSS minus its RSS "
                   "when sampling started.\n\n"
                   + fmt.table(["design", "fast p50 ms", "fast p99 ms", "fast max ms", "lines at fast clients",
                                "backlog peak MiB", "RSS growth MiB", "longest drain() ms", "slow reader cut off"],
                               rows))
    d, n, b = (sv.find(runs, "chat", x) for x in sv.DESIGNS)
    if sv.clean(d):
        out.append(f"- `drain_in_loop`: the longest single `await drain()` lasted {_ms(d, 'drain_wait_max_ms')} ms of "
                   f"the slow reader's {_ms(d, 'pause_ms')} ms pause; every fast client's worst line was "
                   f"{_ms(d, 'fast_max_ms')} ms late. The slow reader's kernel buffers (the server's send buffer "
                   f"grew to {_mib(d, 'server_sndbuf_bytes')} MiB) took the first lines; after that the loop "
                   "waited, and nobody else got anything.")
    if sv.clean(n):
        out.append(f"- `no_drain`: the fast clients' p99 stayed at {_ms(n, 'fast_p99_ms')} ms, but the server held up "
                   f"to {_mib(n, 'backlog_peak_bytes')} MiB for the slow reader, of the "
                   f"{_mib(n, 'bytes_during_pause')} MiB posted while it paused (the kernel's buffers took the "
                   f"rest); the cap was hit {fmt.count(n.total('server_capped'))} times. Longer pauses, a higher "
                   "rate or more slow clients only make it larger: nothing in this design pushes back.")
    if sv.clean(b):
        ok, reps = sv.bounded_reps(b)
        out.append(f"- `bounded_queue`: the slow reader's queue filled and it was disconnected "
                   f"({fmt.count(b.total('server_dropped'))} drops over {len(b.reps)} repetitions); the fast "
                   f"clients got {fmt.count(b.median('fast_received'))} of {fmt.count(b.median('fast_expected'))} "
                   f"lines at a p99 of {_ms(b, 'fast_p99_ms')} ms; the backlog peak, {_mib(b, 'backlog_peak_bytes')} "
                   f"MiB, stayed within its bound of {_mib(b, 'backlog_bound_bytes')} MiB in {ok} of {reps} "
                   "repetitions.")
    return "\n\n".join(out) if out else "Not measured."


def _churn(results: results.Results) -> str:
    runs = results.runs
    rows = []
    for it in sv.ITERATES:
        r = sv.find(runs, "churn", it)
        if r is None:
            continue
        if r.failed:
            rows.append([f"`{it}`", f"skipped: {r.error_message}"] + [fmt.DASH] * 5)
            continue
        rows.append([f"`{it}`", f"{fmt.count(r.total('set_errors'))} in {len(r.reps)} repetitions",
                     fmt.count(r.median("churn_joins")), fmt.count(r.median("fast_missing")),
                     fmt.count(r.total("fast_duplicates")), fmt.count(r.median("server_write_errors")),
                     _ms(r, "fast_p99_ms")])
    if not rows:
        return "Not measured."
    return ("While the slow reader holds a broadcast in `await drain()`, clients join; once lines flow "
            "again, they leave. "
            "\"Set changed size during iteration\" is raised when the loop resumes over a set that changed; "
            "the broadcast is cut short, so the fast clients miss that line (lines missed: medians per "
            "repetition, over all fast clients). Had a join and a leave fallen in the same wait, the size "
            "would be unchanged: no error, and the loop would walk on over a rearranged set, which can skip a "
            "client or hand it the same line twice (counted below). In the material's code the exception would also end the "
            "sender's handler and close its connection; here the server counts it and goes on. Walking a "
            "copy never raises; a client that left meanwhile is skipped or fails its own write (write "
            "errors, counted).\n\n"
            + fmt.table(["iteration", "RuntimeErrors", "churn joins (median)", "lines missed by fast clients",
                         "lines a fast client got twice (all repetitions)", "write errors", "fast p99 ms"], rows))


def _udp(results: results.Results) -> str:
    runs = results.runs
    rows = []
    for impl in sv.UDP_IMPLS:
        for w in sv.windows(runs):
            r = sv.find(runs, "udp", impl, w)
            if r is None:
                continue
            if r.failed:
                rows.append([f"`{impl}`", str(w), f"skipped: {r.error_message}"] + [fmt.DASH] * 6)
                continue
            rows.append([f"`{impl}`", str(w), fmt.sig(r.median("round_trips_per_s")),
                         fmt.count(r.median("sent")), fmt.count(r.median("received")), fmt.count(r.median("lost")),
                         fmt.sig(r.median("loss_pct")),
                         f"{fmt.count(r.median('lost_to_server'))} / {fmt.count(r.median('lost_from_server'))}",
                         _ms(r, "rtt_p50_us")])
    if not rows:
        return "Not measured."
    out = ["Medians over the repetitions. Round trips/s: replies received while sending, per second of "
           "sending (the grace period's stragglers left out). Lost = sent − received, exact per repetition; the server's own counts "
           "split it into datagrams that never reached the server's socket and replies that never reached the "
           "client's.\n\n" + fmt.table(["implementation", "window", "round trips/s", "sent", "received", "lost",
                                        "loss %", "lost to / from server", "RTT p50 µs"], rows)]
    ratio = sv.udp_ratio_ci(runs)
    if ratio:
        out.append(f"At {sv.UDP_PAIR_WINDOW} datagrams in flight the Asio echo makes {fmt.factor_ci(*ratio)} the "
                   "round trips of the asyncio one (paired repetitions). Both are correct echo servers: UDP "
                   "gives no delivery guarantee, and on loopback loss appears only when more datagrams are in "
                   "flight than the receiving socket's buffer holds.")
    return "\n\n".join(out)


def _why() -> str:
    return "\n".join([
        "- `drain()` returns at once while a transport's buffer is below its high-water mark (64 KiB by "
        "default); above it, it waits until the buffer falls below the low-water mark. A client that reads "
        "nothing lets its kernel buffers fill, then the transport's, then `drain()` waits for as long as the "
        "client does not read. The broadcast is one coroutine walking the clients in turn, so every client "
        "after the slow one, and every later line (the sender's handler is inside the broadcast, not reading), "
        "waits too.",
        "- Without `drain()`, `write()` never waits: whatever the socket does not take is appended to the "
        "transport's buffer in the server's memory. Flow control has been switched off, so the buffer grows "
        "with the rate times the time the client lags, without limit.",
        "- A bounded queue per client with its own writer task puts the waiting where it belongs: only that "
        "client's writer waits on its `drain()`; the broadcast only enqueues (`put_nowait`), and a full queue "
        "is a policy decision (drop the line, or the client), so memory per client has a fixed ceiling.",
        "- Iterating a set checks its size at every step; an `await` inside the loop lets other handlers add "
        "or remove clients, and the next step raises. `for w in list(clients)` (or `set(clients)`) walks a "
        "snapshot; writes to clients that left then fail on their own and must be caught.",
        "- UDP has no connection and no flow control: `sendto()` succeeds whether or not anyone reads, and a "
        "receiving socket whose buffer is full drops the datagram silently. An echo client must number its "
        "datagrams and time them out, and loss grows with how many are in flight.",
    ])


def _interview(results: results.Results, v: sv.Verdict) -> str:
    stall = f" (here {fmt.factor_ci(*v.stall)} on the fast clients' p99)" if v.stall else ""
    return ("> Awaiting `drain()` per client inside the broadcast loop couples every client to the slowest one: "
            f"a reader that stops reading stalls the whole room{stall}. Dropping `drain()` avoids the stall but the "
            "server buffers without limit. Give each client a bounded queue and a writer task, and disconnect or "
            "drop when it is full; iterate over a copy of the client set, since an `await` in the loop lets it "
            "change. For UDP, derive from `asyncio.DatagramProtocol`, and expect loss: number and time out "
            "datagrams yourself.")


def _caveats(results: results.Results) -> str:
    items = [
        "Loopback with one slow reader that stops reading completely for a fixed pause; a real slow client "
        "reads a little, which only lengthens the time until the buffers fill.",
        "How many bytes the kernel takes before `drain()` waits depends on socket buffer autotuning "
        "(`net.ipv4.tcp_wmem`); the server's send buffer size is reported. It moves when the stall starts, "
        "not whether it happens.",
        "The latency and backlog charts show the last repetition; the tables give medians over all of them.",
        f"`no_drain` is capped at {_cap_mib(results.runs)} MiB per client (the client is cut off and counted) so the run's memory "
        "stays bounded; the growth figure is the peak per second of pause, not a steady rate.",
        "RSS also grows with `drain_in_loop`, though it buffers little for the slow reader: while the "
        "sender's handler is stuck in the broadcast, its `StreamReader` keeps reading the sender's lines into "
        "memory until its own limit pauses the socket.",
        "Only the chat server is Python; its clients are C++ on one thread, so a Python client's own cost "
        "does not enter the fast clients' latency.",
        "UDP figures are loopback on a 2-core machine: the round-trip rate is bound by the CPU of the two "
        "processes, loss by the receiving socket's buffer (`net.core.rmem_default`).",
    ]
    return page.caveats(results, items, counter="fast_p99_ms", what="the fast clients' p99 latency")


def _model_of(run: results.Run) -> tuple[None, None]:
    return None, None


def _numbers(results: results.Results) -> str:
    columns = [
        page.counter_column("fast p99 ms", "fast_p99_ms"),
        page.cv_column("fast_p99_ms", "CV of fast p99"),
        page.counter_column("backlog peak MiB", "backlog_peak_bytes", scale=1 / sv.MIB),
        page.counter_column("set errors", "set_errors", fmt.count),
        page.counter_column("round trips/s", "round_trips_per_s"),
        page.counter_column("loss %", "loss_pct"),
    ]
    note = ("Medians over the repetitions; — where a counter does not apply (chat counters for UDP runs and the "
            "other way round). ⚠ marks a failed benchmark or one with errors.")
    return page.numbers_table(results, columns, model_of=_model_of, note=note)
