"""Steady-rate HTTP(S) load generator for release tests and benchmarks (standard library only).

Every request is a NEW TCP (+TLS) connection (no keep-alive), sent on a fixed schedule
(default 50 requests/s) from its own thread, so a slow or hanging request never delays
the next one. A request counts as ok only if it gets a 200 within ``timeout`` seconds
(default 5) of being sent; anything else is a failure of one kind:

    "status 502"            any other status (the first bytes of the body are kept)
    "connection refused"    nothing listens
    "connection reset"      the peer reset the connection
    "closed without response"  the connection closed before a status line
    "timeout"               no answer within the timeout, or a 200 that came too late
    "tls error"             the TLS handshake failed
    "error: <Exception>"    anything else

Module use (a Molecule test adds tests/rig to sys.path)::

    from loadgen import LoadGen

    with LoadGen("https://demo.golive.test/", connect="10.213.7.10", rate=50) as load:
        run_the_release()                  # load.elapsed(): seconds since the start
    result = load.result                   # also returned by load.stop()
    assert result.failed == 0, result.summary()
    assert result.longest_gap_ms <= 100, result.summary()

    load = LoadGen(url, connect="10.213.7.10:443").start(); ...; result = load.stop()

``connect`` is the address (``host`` or ``host:port``) to connect to instead of the URL's
host, like ``curl --resolve``: the URL's host still goes into SNI and the Host header.
Certificates are NOT verified (the rig's certificates are self-signed).

Result (a dataclass; ``result.to_dict(timeline=True)`` gives JSON-ready data):

    sent, ok, failed           counts (every request sent is finished when stop() returns)
    failures                   {kind: count}
    samples                    {kind: [{"at_s", "detail"}, ...]}: the first few of each kind;
                               for a status, detail is the start of the body, e.g. a 503
                               maintenance page against nginx's 502 page
    longest_gap_ms             longest time between two successful responses, by their
                               completion time (the whole run if fewer than two succeeded)
    gap_from_s, gap_to_s       where that gap lies (seconds since the start); gap_at: UTC time
    gap_sent                   requests sent inside that gap: about rate x gap when the server
                               stalled, far fewer when the sender itself was held up
    gap_requests               the requests that ended the gap or were in flight in it, with
                               how long each phase took (ms): "thread" (scheduled to running),
                               "connect" (TCP), "tls" (handshake), "wait" (request written to
                               the status line) and "read" (the body)
    latency_ms                 {"p50", "p99", "max"} of the successful requests
    duration_s, rate, started_at
    max_send_lag_ms            how far the sender fell behind its schedule at worst (a busy
                               machine starts threads late; the sender then catches up)
    timeline()                 per second since the start: sent, ok, failed, failures by kind
    window(from_s, to_s)       the same figures for the requests sent in that interval
    summary()                  one line for assertion messages

CLI: python3 tests/rig/loadgen.py URL [--connect ADDR] [--rate 50] [--duration 10]
     [--timeout 5] [--timeline] [--json]   (Ctrl-C stops early; exit status 0 either way)
"""

from __future__ import annotations

import argparse
import errno
import http.client
import json
import math
import signal
import socket
import ssl
import sys
import threading
import time
import typing as t
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["LoadGen", "Record", "Result", "classify", "longest_gap", "phase_times"]

BODY_BYTES = 200  # kept from the body of a non-200 response
SAMPLES_PER_KIND = 5
GAP_REQUESTS = 12  # requests kept in Result.gap_requests
PHASES = ("thread", "connect", "tls", "wait", "read")
USER_AGENT = "golive-loadgen/1"


@dataclass(frozen=True)
class Record:
    """One request: when it was sent and finished (seconds since the start), how it ended."""

    sent_s: float
    done_s: float
    kind: str  # "ok" or a failure kind
    status: int | None = None
    detail: str = ""
    # When the request's thread ran and each phase ended (seconds since the start; None when
    # not reached): tells a server that answered late from a client that was not scheduled.
    phases: tuple[float | None, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    @property
    def latency_ms(self) -> float:
        return (self.done_s - self.sent_s) * 1000


def classify(exc: BaseException, phase: str) -> str:
    """The failure kind of an exception raised in a phase ("connect", "tls", "http")."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return "timeout"
    if isinstance(exc, ssl.SSLError):
        return "tls error"
    # RemoteDisconnected is a ConnectionResetError too: it means no status line came.
    if isinstance(exc, http.client.RemoteDisconnected | http.client.BadStatusLine | http.client.IncompleteRead):
        return "closed without response"
    if isinstance(exc, ConnectionError):  # reset, aborted, broken pipe
        return "tls error" if phase == "tls" else "connection reset"
    if phase == "tls":
        return "tls error"
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno in errno.errorcode:
        return f"error: {errno.errorcode[exc.errno]}"
    return f"error: {type(exc).__name__}"


def longest_gap(done_times: t.Iterable[float], start: float = 0.0, end: float = 0.0) -> tuple[float, float, float]:
    """(gap seconds, from, to): the longest interval between two sorted completion times.

    With fewer than two times the whole run, ``start`` to ``end``, is the gap.
    """
    times = sorted(done_times)
    if len(times) < 2:
        return max(0.0, end - start), start, end
    best = max(range(1, len(times)), key=lambda i: times[i] - times[i - 1])
    return times[best] - times[best - 1], times[best - 1], times[best]


def phase_times(rec: Record) -> dict[str, t.Any]:
    """A request's send time, outcome and the milliseconds each phase took (see Result.gap_requests)."""
    out: dict[str, t.Any] = {"sent_s": round(rec.sent_s, 3), "done_s": round(rec.done_s, 3), "kind": rec.kind}
    prev = rec.sent_s
    for name, mark in zip(PHASES, rec.phases, strict=False):
        if mark is None:
            break
        out[name] = round((mark - prev) * 1000, 1)
        prev = mark
    return out


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def split_address(addr: str, default_port: int) -> tuple[str, int]:
    """The (host, port) of "host", "host:port", "[v6]" or "[v6]:port"."""
    if addr.startswith("["):
        host, rest = addr[1:].split("]", 1)
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if addr.count(":") == 1:
        host, port = addr.split(":")
        return host, int(port)
    return addr, default_port


@dataclass
class Result:
    """Figures over a set of finished requests (see the module docstring)."""

    records: list[Record]
    start_s: float
    end_s: float
    rate: float
    started_at: float  # epoch seconds of start_s == 0
    max_send_lag_ms: float | None = None  # how far the sender fell behind its schedule at worst
    sent: int = field(init=False, default=0)
    ok: int = field(init=False, default=0)
    failed: int = field(init=False, default=0)
    failures: dict[str, int] = field(init=False, default_factory=dict)
    samples: dict[str, list[dict[str, t.Any]]] = field(init=False, default_factory=dict)
    longest_gap_ms: float = field(init=False, default=0.0)
    gap_from_s: float = field(init=False, default=0.0)
    gap_to_s: float = field(init=False, default=0.0)
    gap_sent: int = field(init=False, default=0)
    gap_requests: list[dict[str, t.Any]] = field(init=False, default_factory=list)
    latency_ms: dict[str, float | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        recs = sorted(self.records, key=lambda r: r.sent_s)
        self.records = recs
        self.sent = len(recs)
        good = [r for r in recs if r.ok]
        self.ok = len(good)
        self.failed = self.sent - self.ok
        self.failures, self.samples = {}, {}
        for r in recs:
            if r.ok:
                continue
            self.failures[r.kind] = self.failures.get(r.kind, 0) + 1
            kept = self.samples.setdefault(r.kind, [])
            if len(kept) < SAMPLES_PER_KIND:
                kept.append({"at_s": round(r.sent_s, 3), "detail": r.detail})
        gap, self.gap_from_s, self.gap_to_s = longest_gap((r.done_s for r in good), self.start_s, self.end_s)
        self.longest_gap_ms = gap * 1000
        self.gap_sent = sum(1 for r in recs if self.gap_from_s <= r.sent_s < self.gap_to_s)
        self.gap_requests = [
            phase_times(r) for r in recs if r.sent_s < self.gap_to_s and r.done_s >= self.gap_to_s - 1e-6
        ][:GAP_REQUESTS]
        lat = sorted(r.latency_ms for r in good)
        self.latency_ms = {"p50": percentile(lat, 50), "p99": percentile(lat, 99), "max": lat[-1] if lat else None}

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def gap_at(self) -> str:
        """UTC time at which the longest gap began."""
        return datetime.fromtimestamp(self.started_at + self.gap_from_s, UTC).isoformat(timespec="milliseconds")

    def window(self, from_s: float, to_s: float) -> Result:
        """The figures for the requests sent in [from_s, to_s) (seconds since the start)."""
        inside = [r for r in self.records if from_s <= r.sent_s < to_s]
        return Result(inside, from_s, to_s, self.rate, self.started_at)

    def timeline(self) -> list[dict[str, t.Any]]:
        """Per second since the start (by send time): sent, ok, failed, failures by kind."""
        first, last = int(self.start_s), int(self.end_s)
        sent, ok = [0] * (last - first + 1), [0] * (last - first + 1)
        kinds: list[dict[str, int]] = [{} for second in range(first, last + 1)]
        for r in self.records:
            i = min(max(int(r.sent_s), first), last) - first
            sent[i] += 1
            if r.ok:
                ok[i] += 1
            else:
                kinds[i][r.kind] = kinds[i].get(r.kind, 0) + 1
        return [
            {"second": first + i, "sent": sent[i], "ok": ok[i], "failed": sent[i] - ok[i], "failures": kinds[i]}
            for i in range(len(sent))
        ]

    def summary(self) -> str:
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.failures.items())) or "none"
        lat = self.latency_ms
        p50 = f"{lat['p50']:.1f}" if lat.get("p50") is not None else "-"
        p99 = f"{lat['p99']:.1f}" if lat.get("p99") is not None else "-"
        return (
            f"{self.sent} sent in {self.duration_s:.1f} s, {self.ok} ok, {self.failed} failed ({kinds}); "
            f"longest gap {self.longest_gap_ms:.0f} ms at {self.gap_from_s:.2f}-{self.gap_to_s:.2f} s; "
            f"latency p50 {p50} ms, p99 {p99} ms"
        )

    def to_dict(self, timeline: bool = False) -> dict[str, t.Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        out: dict[str, t.Any] = {
            "started_at": datetime.fromtimestamp(self.started_at + self.start_s, UTC).isoformat(timespec="seconds"),
            "from_s": round(self.start_s, 3),
            "duration_s": round(self.duration_s, 3),
            "rate": self.rate,
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "failures": dict(sorted(self.failures.items())),
            "samples": self.samples,
            "longest_gap_ms": round(self.longest_gap_ms, 1),
            "gap_from_s": round(self.gap_from_s, 3),
            "gap_to_s": round(self.gap_to_s, 3),
            "gap_at": self.gap_at,
            "gap_sent": self.gap_sent,
            "gap_requests": self.gap_requests,
            "latency_ms": {k: r(v) for k, v in self.latency_ms.items()},
        }
        if self.max_send_lag_ms is not None:
            out["max_send_lag_ms"] = r(self.max_send_lag_ms)
        if timeline:
            out["timeline"] = self.timeline()
        return out


class LoadGen:
    """Sends GET ``url`` at ``rate`` requests/s until stop() (or the end of a with block)."""

    def __init__(
        self,
        url: str,
        *,
        connect: str | None = None,
        rate: float = 50.0,
        timeout: float = 5.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        if rate <= 0 or timeout <= 0:
            raise ValueError("rate and timeout must be positive")
        self.url = url
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        port = parts.port or (443 if self.tls else 80)
        self.target = (self.host, port)
        if connect:
            self.target = split_address(connect, port)
        self.host_header = self.host if parts.port is None else f"{self.host}:{parts.port}"
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.rate = float(rate)
        self.timeout = float(timeout)
        self.headers = dict(headers or {})
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE  # the rig's certificates are self-signed
        self._records: list[Record] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._scheduler: threading.Thread | None = None
        self._t0 = 0.0
        self._epoch0 = 0.0
        self._end = 0.0
        self._max_lag = 0.0
        self.result: Result | None = None

    # --- control -----------------------------------------------------------------------
    def start(self) -> LoadGen:
        if self._scheduler is not None:
            raise RuntimeError("already started")
        self._t0, self._epoch0 = time.monotonic(), time.time()
        self._scheduler = threading.Thread(target=self._schedule, name="loadgen-scheduler", daemon=True)
        self._scheduler.start()
        return self

    def elapsed(self) -> float:
        """Seconds since start() (the time base of Record, Result.window and the timeline)."""
        return time.monotonic() - self._t0

    def stop(self) -> Result:
        """Stop sending, wait for the requests in flight (each ends within the timeout), return the result."""
        if self.result is not None:
            return self.result
        if self._scheduler is None:
            raise RuntimeError("not started")
        self._end = self.elapsed()
        self._stop.set()
        self._scheduler.join()
        for th in self._threads:
            th.join(self.timeout + 5)
        with self._lock:
            records = list(self._records)
        self.result = Result(records, 0.0, self._end, self.rate, self._epoch0, self._max_lag * 1000)
        return self.result

    def __enter__(self) -> LoadGen:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the work ----------------------------------------------------------------------
    def _schedule(self) -> None:
        i = 0
        while not self._stop.is_set():
            due = i / self.rate
            wait = due - self.elapsed()
            if wait > 0 and self._stop.wait(wait):
                break
            now = self.elapsed()
            self._max_lag = max(self._max_lag, now - due)
            th = threading.Thread(target=self._one, args=(now,), name=f"loadgen-{i}", daemon=True)
            th.start()
            self._threads.append(th)
            if i % 256 == 0:  # forget finished threads now and then
                self._threads = [x for x in self._threads if x.is_alive()]
            i += 1

    def _one(self, sent: float) -> None:
        rec = self.request(sent)
        with self._lock:
            self._records.append(rec)

    def request(self, sent: float) -> Record:
        """One request on a new connection; sent is its send time on the elapsed() clock."""
        deadline = self._t0 + sent + self.timeout
        phase, sock = "connect", None
        marks: list[float | None] = [self.elapsed(), None, None, None, None]
        try:
            sock = socket.create_connection(self.target, timeout=self.timeout)
            marks[1] = marks[2] = self.elapsed()
            if self.tls:
                phase = "tls"
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                sock = self.ctx.wrap_socket(sock, server_hostname=self.host)
                marks[2] = self.elapsed()
            phase = "http"
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            headers = {"Host": self.host_header, "User-Agent": USER_AGENT, "Connection": "close", **self.headers}
            head = f"GET {self.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            sock.sendall(head.encode("latin-1"))
            resp = http.client.HTTPResponse(sock, method="GET")
            resp.begin()
            marks[3] = self.elapsed()
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            body = resp.read() if resp.status == 200 else resp.read(BODY_BYTES)
            done = marks[4] = self.elapsed()
        except Exception as exc:  # noqa: BLE001 - every failure is classified and counted
            detail = f"{type(exc).__name__}: {exc}"[:BODY_BYTES]
            return Record(sent, self.elapsed(), classify(exc, phase), None, detail, tuple(marks))
        finally:
            if sock is not None:
                sock.close()
        if done - sent > self.timeout:
            detail = f"status {resp.status} after {(done - sent):.2f} s"
            return Record(sent, done, "timeout", resp.status, detail, tuple(marks))
        if resp.status != 200:
            head = body[:BODY_BYTES].decode("utf-8", "replace")
            return Record(sent, done, f"status {resp.status}", resp.status, head, tuple(marks))
        return Record(sent, done, "ok", 200, "", tuple(marks))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url")
    parser.add_argument("--connect", help="address (host or host:port) to connect to instead of the URL's host")
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (default 10; Ctrl-C stops early)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds for a 200 to arrive (default 5)")
    parser.add_argument("--timeline", action="store_true", help="print (or include) the per-second timeline")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    load = LoadGen(args.url, connect=args.connect, rate=args.rate, timeout=args.timeout).start()
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait(args.duration)
    res = load.stop()
    if args.json:
        print(json.dumps(res.to_dict(timeline=args.timeline), indent=2))
        return 0
    print(res.summary())
    for kind, samples in res.samples.items():
        print(f"  {kind}: first at {samples[0]['at_s']} s: {samples[0]['detail'][:100]!r}")
    if args.timeline:
        for row in res.timeline():
            kinds = ", ".join(f"{k}: {n}" for k, n in row["failures"].items())
            print(f"  {row['second']:>4}s sent {row['sent']:>4} ok {row['ok']:>4} failed {row['failed']:>4} {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
