# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which TCP ports of a host answer from where the module runs (private).

A port is ``open`` (the connection is accepted), ``closed`` (refused: the host, or a
firewall rejecting, answered with a reset) or ``filtered`` (no answer before the timeout,
or the network said unreachable: a firewall dropping). The ports are tried at once, each
in its own thread, so a scan takes about one timeout, not one per port.
"""

from __future__ import annotations

import concurrent.futures
import socket
import time
import typing as t

OPEN, CLOSED, FILTERED = "open", "closed", "filtered"
STATES = (OPEN, CLOSED, FILTERED)
MAX_THREADS = 64


def input_errors(ports: t.Sequence[int], allowed: t.Sequence[int], timeout: float, check_name: str) -> list[str]:
    """What is wrong with the module's input; empty when it is fine."""
    errors = []
    if not ports:
        errors.append("ports: expected at least one port")
    for option, values in (("ports", ports), ("allowed", allowed)):
        bad = [port for port in values if not 0 < port < 65536]
        if bad:
            errors.append(f"{option}: {bad} not in 1-65535")
    if timeout <= 0:
        errors.append(f"timeout {timeout}: expected more than 0")
    if not check_name.strip():
        errors.append("check_name: expected a name")
    return errors


def resolve(host: str) -> tuple[socket.AddressFamily, str]:
    """The first TCP address of ``host``; ValueError when there is none."""
    try:
        family, _type, _proto, _name, sockaddr = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0]
    except OSError as exc:
        raise ValueError(f"host {host!r}: {exc}") from None
    return family, str(sockaddr[0])


def try_port(family: socket.AddressFamily, address: str, port: int, timeout: float) -> str:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
    except ConnectionRefusedError:
        return CLOSED
    except OSError:  # timed out; host or network unreachable, administratively prohibited
        return FILTERED
    finally:
        sock.close()
    return OPEN


def scan(family: socket.AddressFamily, address: str, ports: t.Sequence[int], timeout: float) -> dict[int, str]:
    """Port -> state, every port tried at the same time (up to MAX_THREADS at once)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(ports))) as pool:
        states = pool.map(lambda port: try_port(family, address, port, timeout), ports)
        return dict(zip(ports, states, strict=True))


def _listed(ports: t.Iterable[int]) -> str:
    return ", ".join(str(port) for port in ports) or "none"


def port_check(
    name: str, host: str, address: str, states: t.Mapping[int, str], allowed: t.Iterable[int], elapsed_ms: float
) -> dict[str, t.Any]:
    """One check: ok when every open port is allowed."""
    by_state = {state: sorted(port for port, seen in states.items() if seen == state) for state in STATES}
    allowed = sorted(set(allowed))
    unexpected = [port for port in by_state[OPEN] if port not in allowed]
    where = host if host == address else f"{host} ({address})"
    detail = f"TCP to {where}: open {_listed(by_state[OPEN])}"
    detail += f"; not allowed: {_listed(unexpected)}" if unexpected else ", all allowed"
    detail += f" ({len(by_state[CLOSED])} closed, {len(by_state[FILTERED])} filtered)"
    data = {
        "host": host,
        "address": address,
        **by_state,
        "unexpected": unexpected,
        "allowed": allowed,
        "elapsed_ms": elapsed_ms,
    }
    return {"name": name, "ok": not unexpected, "detail": detail, "data": data}


def probe_ports(
    host: str, ports: t.Sequence[int], allowed: t.Sequence[int], timeout: float, name: str
) -> dict[str, t.Any]:
    """The check for ``host``; input must have passed :func:`input_errors`. ValueError when ``host``
    does not resolve."""
    family, address = resolve(host)
    started = time.monotonic()
    states = scan(family, address, sorted(set(ports)), timeout)
    return port_check(name, host, address, states, allowed, round((time.monotonic() - started) * 1000, 1))
