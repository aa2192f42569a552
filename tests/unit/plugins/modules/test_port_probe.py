# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""port_probe: the classification from a table (port_probe.yaml) over a fake network, then
for real on loopback: a listener (open), nothing (closed), a listener whose backlog is full
(the kernel drops the SYN: filtered), many filtered ports in about one timeout."""

from __future__ import annotations

import errno
import os
import socket
import time

import pytest
import yaml

from ansible_collections.golive.stack.plugins.module_utils import _ports
from ansible_collections.golive.stack.plugins.modules import port_probe

with open(os.path.join(os.path.dirname(__file__), "port_probe.yaml"), encoding="utf-8") as table_file:
    CASES = yaml.safe_load(table_file)["cases"]

OUTCOMES = {
    "open": None,
    "refused": ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
    "timeout": TimeoutError("timed out"),
    "unreachable": OSError(errno.EHOSTUNREACH, "No route to host"),
}


class FakeNetwork:
    """Stands in for the socket module's socket(): each port answers as the table says."""

    def __init__(self, network):
        self.network = {int(port): outcome for port, outcome in network.items()}
        self.tried = []

    def __call__(self, family, kind):
        network = self

        class FakeSocket:
            def settimeout(self, timeout):
                assert timeout > 0

            def connect(self, address):
                assert kind == socket.SOCK_STREAM and family in (socket.AF_INET, socket.AF_INET6)
                network.tried.append(address)
                outcome = OUTCOMES[network.network.get(address[1], "timeout")]
                if outcome is not None:
                    raise outcome

            def close(self):
                pass

        return FakeSocket()


@pytest.fixture
def probe(run_module):
    def run(**args):
        result, _table = run_module(port_probe.main, args)
        return result

    return run


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_port_probe(case, probe, monkeypatch):
    network = FakeNetwork(case.get("network", {}))
    monkeypatch.setattr(_ports.socket, "socket", network)
    args = dict(case["args"], _ansible_check_mode=case.get("check_mode", False))
    result = probe(**args)
    if "msg" in case:
        assert result["failed"] is True and result["msg"].startswith(case["msg"])
        assert "checks" not in result and network.tried == []
        return
    for key, value in case.get("result", {}).items():
        assert result[key] == value, key
    assert [check["name"] for check in result["checks"]] == [check["name"] for check in case["checks"]]
    for got, expected in zip(result["checks"], case["checks"], strict=True):
        assert (got["ok"], got["detail"]) == (expected["ok"], expected["detail"])
        for key, value in expected.get("data", {}).items():
            assert got["data"][key] == value, key
    assert sorted(port for _address, port in network.tried) == sorted(set(case["args"]["ports"]))
    assert {address for address, _port in network.tried} == {case["args"]["host"]}


def _listener(backlog):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    return server


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def filtered():
    """filtered(n) -> n ports whose listener's queue is full: Linux drops further SYNs, the
    connection times out as behind a firewall that drops."""
    sockets = []

    def one():
        server = _listener(0)
        port = server.getsockname()[1]
        filler = socket.create_connection(("127.0.0.1", port), timeout=2)  # the one queued connection
        sockets.extend([server, filler])
        return port

    def make(count):
        return [one() for _index in range(count)]

    yield make
    for sock in sockets:
        sock.close()


def test_open_closed_and_filtered_for_real(probe, filtered):
    server = _listener(16)
    try:
        opened, closed, (dropped,) = server.getsockname()[1], _closed_port(), filtered(1)
        result = probe(host="127.0.0.1", ports=[opened, closed, dropped], allowed=[dropped], timeout=0.5)
    finally:
        server.close()
    check = result["checks"][0]
    assert result["failed"] is False and check["ok"] is False
    assert (check["data"]["open"], check["data"]["closed"], check["data"]["filtered"]) == (
        [opened],
        [closed],
        [dropped],
    )
    assert check["data"]["unexpected"] == [opened]
    assert check["detail"] == f"TCP to 127.0.0.1: open {opened}; not allowed: {opened} (1 closed, 1 filtered)"


def test_a_name_is_resolved_once_and_shown_with_its_address(probe):
    server = _listener(16)
    try:
        port = server.getsockname()[1]
        check = probe(host="localhost", ports=[port], allowed=[port])["checks"][0]
    finally:
        server.close()
    assert check["ok"] is True and check["data"]["address"] in ("127.0.0.1", "::1")
    if check["data"]["address"] == "127.0.0.1":
        assert check["detail"] == f"TCP to localhost (127.0.0.1): open {port}, all allowed (0 closed, 0 filtered)"


def test_thirty_filtered_ports_take_about_one_timeout(probe, filtered):
    ports = filtered(30)
    started = time.monotonic()
    check = probe(host="127.0.0.1", ports=ports, timeout=0.5)["checks"][0]
    elapsed = time.monotonic() - started
    assert check["ok"] is True and check["data"]["filtered"] == sorted(ports)
    assert 0.5 <= elapsed < 3, f"30 ports took {elapsed:.1f} s"
    assert check["data"]["elapsed_ms"] >= 500
