# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/rig/loadgen.py: the figures from made-up records, then real requests to local
HTTP(S) servers on 127.0.0.1 (a throwaway self-signed certificate from openssl): ok, a
503 page, a server gone for a second, hanging answers, TLS against plain HTTP, slow
answers that must not hold up the schedule."""

from __future__ import annotations

import errno
import http.client
import http.server
import socket
import ssl
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "rig"))  # as the Molecule test imports it

from loadgen import LoadGen, Record, Result, classify, longest_gap, percentile, phase_times, split_address  # noqa: E402

MAINTENANCE = b"<!doctype html><title>demo: maintenance</title><h1>demo is under maintenance</h1>"

# --- the figures -------------------------------------------------------------------------


def test_longest_gap_between_completions() -> None:
    assert longest_gap([0.52, 0.1, 0.5, 0.12]) == pytest.approx((0.38, 0.12, 0.5))
    assert longest_gap([0.1, 0.2], 0.0, 5.0) == pytest.approx((0.1, 0.1, 0.2))


def test_longest_gap_with_fewer_than_two_successes_is_the_whole_run() -> None:
    assert longest_gap([], 1.0, 4.0) == (3.0, 1.0, 4.0)
    assert longest_gap([2.0], 1.0, 4.0) == (3.0, 1.0, 4.0)


@pytest.mark.parametrize(
    ("exc", "phase", "kind"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "connect", "connection refused"),
        (TimeoutError("timed out"), "connect", "timeout"),
        (TimeoutError("read timed out"), "http", "timeout"),
        (ssl.SSLError(1, "wrong version number"), "tls", "tls error"),
        (ConnectionResetError(errno.ECONNRESET, "reset"), "tls", "tls error"),
        (ConnectionResetError(errno.ECONNRESET, "reset"), "http", "connection reset"),
        (BrokenPipeError(errno.EPIPE, "broken pipe"), "http", "connection reset"),
        (http.client.RemoteDisconnected("closed"), "http", "closed without response"),
        (http.client.BadStatusLine("garbage"), "http", "closed without response"),
        (OSError(errno.EHOSTUNREACH, "no route"), "connect", "error: EHOSTUNREACH"),
        (ValueError("odd"), "http", "error: ValueError"),
    ],
)
def test_classify(exc: BaseException, phase: str, kind: str) -> None:
    assert classify(exc, phase) == kind


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_split_address() -> None:
    assert split_address("10.213.7.10", 443) == ("10.213.7.10", 443)
    assert split_address("10.213.7.10:8443", 443) == ("10.213.7.10", 8443)
    assert split_address("[::1]:8443", 443) == ("::1", 8443)
    assert split_address("[::1]", 443) == ("::1", 443)


def made_up() -> Result:
    recs = [Record(i * 0.1, i * 0.1 + 0.01, "ok", 200) for i in range(10)]  # 0.0 .. 0.9 s, all ok
    recs += [Record(1.0 + i * 0.1, 1.0 + i * 0.1 + 0.001, "connection refused") for i in range(8)]  # 1.0 .. 1.7
    recs += [Record(1.8, 1.85, "status 502", 502, "<html>502 Bad Gateway")]
    recs += [Record(1.9 + i * 0.1, 1.9 + i * 0.1 + 0.02, "ok", 200) for i in range(11)]  # 1.9 .. 2.9
    return Result(recs, 0.0, 3.0, 10.0, 1_700_000_000.0)


def test_result_counts_kinds_and_gap() -> None:
    res = made_up()
    assert (res.sent, res.ok, res.failed) == (30, 21, 9)
    assert res.failures == {"connection refused": 8, "status 502": 1}
    assert len(res.samples["connection refused"]) == 5  # the first few of each kind only
    assert res.samples["status 502"] == [{"at_s": 1.8, "detail": "<html>502 Bad Gateway"}]
    # last success before the outage completes at 0.91, the first after at 1.92
    assert res.longest_gap_ms == pytest.approx(1010, abs=0.5)
    assert (res.gap_from_s, res.gap_to_s) == pytest.approx((0.91, 1.92))
    assert res.gap_sent == 10  # 1.0 .. 1.9: the refusals, the 502 and the first ok after
    assert res.gap_at.startswith("2023-11-14T22:13:20.91")
    assert res.latency_ms["p50"] == pytest.approx(20.0)
    assert res.latency_ms["max"] == pytest.approx(20.0)
    assert "9 failed (connection refused: 8, status 502: 1)" in res.summary()


def test_gap_requests_break_down_where_the_time_went() -> None:
    # steady answers every 20 ms, then one request whose answer waits 150 ms on the server
    recs = [Record(i * 0.02, i * 0.02 + 0.005, "ok", 200, "", (i * 0.02,) * 5) for i in range(10)]
    slow = (0.2005, 0.201, 0.203, 0.353, 0.354)  # thread 0.5, connect 0.5, tls 2, wait 150, read 1 (ms)
    recs += [Record(0.2, 0.354, "ok", 200, "", slow)]
    recs += [Record(0.36, 0.362, "ok", 200, "", (0.36, 0.3605, 0.361, None, None))]  # phases end early
    res = Result(recs, 0.0, 0.4, 50.0, 1_700_000_000.0)
    assert res.longest_gap_ms == pytest.approx(169, abs=0.5)  # 0.185 -> 0.354
    assert res.gap_requests == [
        {"sent_s": 0.2, "done_s": 0.354, "kind": "ok", "thread": 0.5, "connect": 0.5, "tls": 2.0, "wait": 150.0,
         "read": 1.0},
    ]  # fmt: skip
    assert phase_times(recs[-1]) == {"sent_s": 0.36, "done_s": 0.362, "kind": "ok", "thread": 0.0, "connect": 0.5,
                                     "tls": 0.5}  # fmt: skip
    assert res.to_dict()["gap_requests"] == res.gap_requests


def test_result_window_and_timeline() -> None:
    res = made_up()
    before = res.window(0.0, 1.0)
    assert (before.sent, before.failed) == (10, 0)
    assert before.longest_gap_ms == pytest.approx(100, abs=0.5)
    during = res.window(1.0, 1.9)
    assert (during.sent, during.ok) == (9, 0)
    assert during.longest_gap_ms == pytest.approx(900, abs=0.5)  # no success: the whole window
    rows = res.timeline()
    assert [(r["second"], r["sent"], r["ok"], r["failed"]) for r in rows] == [
        (0, 10, 10, 0),
        (1, 10, 1, 9),
        (2, 10, 10, 0),
        (3, 0, 0, 0),
    ]
    assert rows[1]["failures"] == {"connection refused": 8, "status 502": 1}
    assert [r["second"] for r in res.window(1.0, 2.5).timeline()] == [1, 2]
    data = res.to_dict(timeline=True)
    assert data["failures"] == {"connection refused": 8, "status 502": 1}
    assert data["timeline"][1]["failed"] == 9


# --- against local servers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    d = tmp_path_factory.mktemp("loadgen-cert")
    crt, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=demo.test", "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(crt), str(key)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, *args: t.Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        srv = self.server
        with srv.lock:
            srv.hosts.append(self.headers.get("Host", ""))
            srv.count += 1
            n = srv.count
        if self.path == "/hang":
            time.sleep(2)
        if self.path == "/some-slow" and n % 4 == 0:
            time.sleep(1.5)
        status, body = (503, MAINTENANCE) if self.path == "/maintenance" else (200, b"ok\n")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    """A local server; with a certificate it speaks TLS (handshake in the request's thread)."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 overflows on a busy machine: a dropped SYN is
    # retried after 1 s and would show as a gap that is the test server's, not the client's.
    request_queue_size = 128

    def __init__(self, port: int = 0, cert: tuple[str, str] | None = None) -> None:
        self.lock = threading.Lock()
        self.hosts: list[str] = []
        self.snis: list[str | None] = []
        self.count = 0
        self.connections = 0
        self.ctx: ssl.SSLContext | None = None
        if cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(*cert)
            self.ctx.sni_callback = lambda _sock, name, _ctx: self.snis.append(name)
        super().__init__(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def finish_request(self, request: t.Any, client_address: t.Any) -> None:
        with self.lock:
            self.connections += 1
        if self.ctx:
            try:
                request = self.ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        pass  # a client that gave up (timeout tests) breaks the pipe: expected

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def servers() -> t.Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for srv in started:
        srv.stop()


def run(url: str, seconds: float, **kw: t.Any) -> Result:
    with LoadGen(url, **kw) as load:
        time.sleep(seconds)
    assert load.result is not None
    return load.result


def test_https_ok_new_connection_each_request_with_host_and_sni(cert, servers) -> None:
    srv = Server(cert=cert)
    servers.append(srv)
    res = run(f"https://demo.test:{srv.port}/", 1.0, connect="127.0.0.1", rate=50)
    assert 40 <= res.sent <= 60
    assert (res.ok, res.failed) == (res.sent, 0), res.summary()
    assert srv.connections == res.sent  # no keep-alive
    assert set(srv.hosts) == {f"demo.test:{srv.port}"}
    assert set(srv.snis) == {"demo.test"}
    assert res.longest_gap_ms < 500, res.summary()  # a busy machine stalls threads; an outage is >= 1 s
    assert res.latency_ms["p50"] is not None and res.latency_ms["p99"] is not None
    assert res.max_send_lag_ms is not None and "max_send_lag_ms" in res.to_dict()


def test_non_200_keeps_the_start_of_the_body(cert, servers) -> None:
    srv = Server(cert=cert)
    servers.append(srv)
    res = run(f"https://demo.test:{srv.port}/maintenance", 0.3, connect=f"127.0.0.1:{srv.port}", rate=20)
    assert res.ok == 0 and res.failures == {"status 503": res.sent}
    assert res.samples["status 503"][0]["detail"] == MAINTENANCE.decode()


def test_server_gone_for_a_second(cert, servers) -> None:
    srv = Server(cert=cert)
    port = srv.port
    load = LoadGen(f"https://demo.test:{port}/", connect="127.0.0.1", rate=100).start()
    time.sleep(0.5)
    stopping_at = load.elapsed()
    srv.stop()
    stopped_at = load.elapsed()
    time.sleep(1.0)
    restart_at = load.elapsed()
    servers.append(Server(port=port, cert=cert))
    back_at = load.elapsed()
    time.sleep(0.5)
    res = load.stop()
    assert 160 <= res.sent <= 240
    assert res.failures.get("connection refused", 0) >= 50, res.summary()
    assert set(res.failures) <= {"connection refused", "connection reset", "tls error", "closed without response"}
    assert res.ok >= 50, res.summary()
    # about the second the server was gone: requests accepted before the stop may still
    # complete after it, and a busy machine stretches the stop and the restart
    assert 750 <= res.longest_gap_ms <= 1800, res.summary()
    assert stopping_at - 0.3 <= res.gap_from_s <= stopped_at + 0.3
    assert restart_at <= res.gap_to_s <= back_at + 0.3
    # the outage lies in the windows and the timeline
    assert res.window(stopping_at - 0.3, back_at + 0.3).failed >= 0.9 * res.failed
    assert res.window(stopped_at + 0.05, restart_at - 0.2).ok == 0  # a send time is its thread's start
    assert sum(row["failed"] for row in res.timeline()) == res.failed


def test_no_answer_within_the_timeout(servers) -> None:
    srv = Server()
    servers.append(srv)
    t0 = time.monotonic()
    res = run(f"http://127.0.0.1:{srv.port}/hang", 0.5, rate=20, timeout=0.4)
    assert time.monotonic() - t0 < 3  # stop() waits for the requests in flight, bounded by the timeout
    assert res.sent >= 4 and res.failures == {"timeout": res.sent}
    assert res.longest_gap_ms == pytest.approx(res.duration_s * 1000)


def test_tls_to_a_plain_http_server(servers) -> None:
    srv = Server()
    servers.append(srv)
    res = run(f"https://127.0.0.1:{srv.port}/", 0.3, rate=20)
    assert res.sent >= 5 and res.failures == {"tls error": res.sent}


def test_nothing_listening(servers) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    res = run(f"https://127.0.0.1:{port}/", 0.3, rate=20)
    assert res.failures == {"connection refused": res.sent}


def test_slow_answers_do_not_hold_up_the_schedule(cert, servers) -> None:
    srv = Server(cert=cert)
    servers.append(srv)
    res = run(f"https://demo.test:{srv.port}/some-slow", 1.0, connect="127.0.0.1", rate=40)
    assert 30 <= res.sent <= 48  # thread starts lag on a busy machine
    assert res.ok == res.sent, res.summary()
    sends = [r.sent_s for r in res.records]
    assert max(b - a for a, b in zip(sends, sends[1:], strict=False)) < 0.5  # held up: >= 1.5 s
    assert res.latency_ms["max"] is not None and res.latency_ms["max"] >= 1400


def test_cli_json(cert, servers, capsys) -> None:
    import json

    import loadgen

    srv = Server(cert=cert)
    servers.append(srv)
    assert loadgen.main([f"https://demo.test:{srv.port}/", "--connect", "127.0.0.1", "--rate", "20",
                         "--duration", "0.5", "--json", "--timeline"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["sent"] >= 8 and data["failed"] == 0
    assert data["timeline"][0]["second"] == 0
