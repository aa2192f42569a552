"""What a client, an attacker's scanner and the ACME server see (runs once for both hosts).

Host state is read over the rig's own channel (docker exec)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import time

import pytest
from conftest import HOSTS, PROJECT, SCENARIO, on, recap, run_playbook

ROOT = PROJECT / ".rig" / "pebble" / "issuer-root.pem"
REPORTS = PROJECT / ".rig" / "reports"


def site(host: str) -> str:
    return f"{host}.golive.test"


def served(host: str, name: str | None = None) -> dict:
    """The certificate the host serves for NAME, verified against Pebble's issuing root."""
    context = ssl.create_default_context(cafile=str(ROOT))
    with socket.create_connection((HOSTS[host], 443), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=name or site(host)) as tls:
            return tls.getpeercert()


def request(host: str, name: str, path: str = "/", tls: bool = True) -> http.client.HTTPResponse:
    """One HTTP/1.1 request with Host (and SNI) NAME, TLS verified against Pebble's root."""
    raw = socket.create_connection((HOSTS[host], 443 if tls else 80), timeout=5)
    conn = ssl.create_default_context(cafile=str(ROOT)).wrap_socket(raw, server_hostname=name) if tls else raw
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
    response = http.client.HTTPResponse(conn)
    response.begin()
    return response


@pytest.mark.parametrize("host", HOSTS)
def test_one_acme_certificate_covers_the_site_and_its_alias(host):
    cert = served(host)  # the chain verifies against Pebble's root, for the site name
    names = sorted(value for kind, value in cert["subjectAltName"] if kind == "DNS")
    assert names == [site(host), f"www.{site(host)}"]
    issuer = dict(item[0] for item in cert["issuer"])
    assert issuer["commonName"].startswith("Pebble Intermediate CA")
    served(host, f"www.{site(host)}")  # and for the alias


@pytest.mark.parametrize("host", HOSTS)
def test_the_alias_and_plain_http_are_sent_to_the_site_with_308(host):
    alias = request(host, f"www.{site(host)}", "/x?y=1")
    assert (alias.status, alias.getheader("Location")) == (308, f"https://{site(host)}/x?y=1")
    plain = request(host, site(host), "/x", tls=False)
    assert (plain.status, plain.getheader("Location")) == (308, f"https://{site(host)}/x")
    # the challenge directory is the only path plain HTTP answers, and it lists nothing
    assert request(host, site(host), "/.well-known/acme-challenge/none", tls=False).status == 404


@pytest.mark.parametrize("host", HOSTS)
def test_renewal_is_automatic_on_the_host(host):
    assert on(host, "systemctl is-enabled certbot.timer") == "enabled"
    assert "REQUESTS_CA_BUNDLE=/etc/golive/acme-ca.pem" in on(host, "systemctl show -P Environment certbot.service")
    renewal = on(host, "cat /etc/letsencrypt/renewal/golive-demo.conf")
    assert "server = https://acme.golive.test:14000/dir" in renewal
    assert "renew_hook = /usr/local/libexec/golive/golive-acme-deploy /etc/golive/tls/demo" in renewal


@pytest.mark.parametrize("host", HOSTS)
def test_a_forced_renewal_is_served_without_ansible(host):
    before = served(host)["serialNumber"]
    # what certbot.timer runs, forced: the deploy hook puts it in place and reloads nginx
    on(
        host,
        "REQUESTS_CA_BUNDLE=/etc/golive/acme-ca.pem certbot renew --force-renewal"
        " --no-random-sleep-on-renew --non-interactive --cert-name golive-demo",
    )
    for _attempt in range(20):  # a reload returns before the new workers answer
        after = served(host)["serialNumber"]
        if after != before:
            break
        time.sleep(0.5)
    assert after != before
    assert "new certificate from /etc/letsencrypt/live/golive-demo is live" in on(
        host, "journalctl -t golive-acme-deploy --no-pager -n 5"
    )


@pytest.mark.parametrize("host", HOSTS)
def test_the_tls_scan_from_outside(host):
    REPORTS.mkdir(parents=True, exist_ok=True)
    out = REPORTS / f"sslyze-{host}.json"
    scan = subprocess.run(
        [
            os.environ.get("GOLIVE_SSLYZE", str(PROJECT / ".rig/tools/sslyze/bin/sslyze")),
            "--mozilla_config=intermediate",
            f"--certinfo_ca_file={ROOT}",
            "--sslv2",
            "--sslv3",
            "--tlsv1",
            "--tlsv1_1",
            "--tlsv1_2",
            "--tlsv1_3",
            "--http_headers",
            f"--json_out={out}",
            f"{site(host)}:443{{{HOSTS[host]}}}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    (REPORTS / f"sslyze-{host}.txt").write_text(scan.stdout)
    # exit 0: compliant with Mozilla's intermediate configuration (sslyze checks it)
    # exit 0: compliant with Mozilla's intermediate configuration (sslyze checks it)
    assert scan.returncode == 0, scan.stdout[-3000:] + scan.stderr[-2000:]
    assert "OK - Compliant" in scan.stdout
    assert "OK - Compliant" in scan.stdout
    result = json.loads(out.read_text())["server_scan_results"][0]["scan_result"]
    for old in ("ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites", "tls_1_1_cipher_suites"):
        assert result[old]["result"]["accepted_cipher_suites"] == [], old
    tls12 = [s["cipher_suite"]["name"] for s in result["tls_1_2_cipher_suites"]["result"]["accepted_cipher_suites"]]
    assert tls12, "TLS 1.2 refused"
    # forward secret (ECDHE) and AEAD (GCM or ChaCha20-Poly1305) only
    assert all(n.startswith("TLS_ECDHE_") and ("_GCM_" in n or "CHACHA20_POLY1305" in n) for n in tls12), tls12
    assert result["tls_1_3_cipher_suites"]["result"]["accepted_cipher_suites"]
    hsts = result["http_headers"]["result"]["strict_transport_security_header"]
    assert hsts and hsts["max_age"] >= 31536000, hsts


def test_a_broken_server_snippet_is_refused_and_the_old_configuration_served():
    before = {h: (served(h)["serialNumber"], on(h, "sha256sum /etc/nginx/conf.d/golive-demo.conf")) for h in HOSTS}
    result = run_playbook(SCENARIO / "converge.yml", "-e", "nginx_server_snippet='golive_no_such_directive on;'")
    assert result.returncode != 0, result.stdout[-3000:]
    assert 'unknown directive "golive_no_such_directive"' in result.stdout, result.stdout[-3000:]
    assert all(recap(result.stdout)[h]["failed"] == 1 for h in HOSTS)
    for h in HOSTS:
        assert (served(h)["serialNumber"], on(h, "sha256sum /etc/nginx/conf.d/golive-demo.conf")) == before[h]
        on(h, "nginx -t -q")  # what is on disk is the old, working configuration
    again = run_playbook(SCENARIO / "converge.yml")
    assert again.returncode == 0 and all(recap(again.stdout)[h]["changed"] == 0 for h in HOSTS), again.stdout[-3000:]


@pytest.mark.parametrize("host", HOSTS)
def test_routes_as_data(host):
    name = site(host)
    # the built frontend at /, and its client-side routes
    for path in ("/", "/orders/42"):
        page = request(host, name, path)
        assert page.status == 200 and b"golive-frontend" in page.read(), path
    # /api/ and /admin/ go to the app's upstream (the maintenance stand-in answers 503)
    for path in ("/api/items", "/admin/login/"):
        proxied = request(host, name, path)
        assert proxied.status == 503 and proxied.getheader("Retry-After"), path


@pytest.mark.parametrize("host", HOSTS)
def test_static_and_media_from_disk(host):
    name = site(host)
    hashed = request(host, name, "/static/app.0123456789ab.css")
    assert hashed.status == 200 and hashed.read() == b"body{color:#123}\n"
    assert "immutable" in hashed.getheader("Cache-Control") and "max-age=31536000" in hashed.getheader("Cache-Control")
    # a location's own add_header must not drop the site's security headers
    assert hashed.getheader("Strict-Transport-Security", "").startswith("max-age=")
    assert hashed.getheader("X-Content-Type-Options") == "nosniff"
    plain = request(host, name, "/static/plain.css")
    assert plain.status == 200 and plain.getheader("Cache-Control") == "max-age=3600"
    media = request(host, name, "/media/upload.html")
    assert media.status == 200 and "sandbox" in media.getheader("Content-Security-Policy", "")
    assert media.getheader("Strict-Transport-Security", "").startswith("max-age=")
    assert request(host, name, "/static/../../../etc/passwd").status in (400, 404)


@pytest.mark.parametrize("host", HOSTS)
def test_the_rate_limit_answers_429_beyond_the_burst(host):
    statuses = [request(host, site(host), "/api/burst").status for _n in range(30)]
    assert 429 in statuses and 503 in statuses, statuses
    # files are not limited
    assert all(request(host, site(host), "/static/plain.css").status == 200 for _n in range(30))


@pytest.mark.parametrize("host", HOSTS)
def test_an_unknown_host_name_is_refused(host):
    with pytest.raises(http.client.RemoteDisconnected):  # port 80: closed without a reply
        request(host, "unknown.golive.test", tls=False)
    with pytest.raises(ssl.SSLError):  # port 443: the handshake is refused, no certificate shown
        served(host, "unknown.golive.test")
