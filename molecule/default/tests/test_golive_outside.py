"""Probes from outside the host: what a visitor or an attacker on the network sees."""

import http.client
import socket
import ssl
import subprocess

import pytest
from conftest import DOMAIN, HOST_IP


def https_get(path: str, host: str = DOMAIN, sni: str | None = DOMAIN):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(HOST_IP, 443, context=ctx, timeout=10)
    conn.sock = ctx.wrap_socket(socket.create_connection((HOST_IP, 443), timeout=10), server_hostname=sni)
    conn.request("GET", path, headers={"Host": host})
    return conn.getresponse()


def test_app_answers_200_over_https_with_hsts():
    resp = https_get("/")
    assert resp.status == 200
    assert "max-age=" in (resp.getheader("Strict-Transport-Security") or "")


def test_healthz_through_nginx():
    resp = https_get("/healthz")
    assert resp.status == 200


def test_http_redirects_to_https_with_308():
    conn = http.client.HTTPConnection(HOST_IP, 80, timeout=10)
    conn.request("GET", "/x?y=1", headers={"Host": DOMAIN})
    resp = conn.getresponse()
    assert resp.status == 308
    assert resp.getheader("Location") == f"https://{DOMAIN}/x?y=1"


def test_unknown_sni_is_rejected():
    with pytest.raises(ssl.SSLError):
        https_get("/", host="evil.example", sni="evil.example")


@pytest.mark.parametrize("port", [5432, 6379, 8000, 8001])
def test_internal_ports_closed_from_outside(port):
    with pytest.raises(OSError):
        socket.create_connection((HOST_IP, port), timeout=3).close()


def test_ssh_refuses_passwords():
    proc = subprocess.run(
        [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=5",
            f"deploy@{HOST_IP}",
            "true",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 255
    assert "Permission denied (publickey)" in proc.stderr
