# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""http_probe against real servers on loopback: plain HTTP and TLS with a self-signed cert."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading

import pytest

from ansible_collections.golive.stack.plugins.modules import http_probe

HSTS = "max-age=63072000; includeSubDomains"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _answer(self, status, body=b"", headers=()):
        self.server.seen.append({"path": self.path, "host": self.headers.get("Host"), "method": self.command})
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        routes = {
            "/": (
                200,
                b"<h1>hello golive</h1>",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Strict-Transport-Security", HSTS),
                    ("Set-Cookie", "a=1"),
                    ("Set-Cookie", "b=2"),
                ],
            ),
            "/redirect": (301, b"", [("Location", "/final")]),
            "/to-https": (308, b"", [("Location", f"https://probe.test:{self.server.tls_port}/final")]),
            "/loop": (302, b"", [("Location", "/loop")]),
            "/to-ftp": (302, b"", [("Location", "ftp://probe.test/file")]),
            "/final": (200, b"final page", [("Content-Type", "text/plain")]),
        }
        status, body, headers = routes.get(self.path, (418, b"I'm a teapot", []))
        self._answer(status, body, headers)

    do_HEAD = do_GET


def _serve(server):
    server.seen = []
    server.tls_port = None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def servers(certificate):
    plain = _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    tls.sni_names = []
    context.sni_callback = lambda sock, name, ctx: tls.sni_names.append(name)
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    _serve(tls)
    plain.tls_port = tls.server_address[1]
    yield {"http": plain, "https": tls, "http_port": plain.server_address[1], "https_port": tls.server_address[1]}
    plain.shutdown()
    tls.shutdown()


@pytest.fixture
def probe(run_module, tmp_path):
    def run(**args):
        result, _table = run_module(http_probe.main, dict(args, _ansible_tmpdir=str(tmp_path)))
        assert result["changed"] is False
        return result

    return run


def test_status_headers_body_as_data(probe, servers):
    result = probe(url=f"http://127.0.0.1:{servers['http_port']}/")
    assert result["failed"] is False and result["reachable"] is True
    assert (result["status"], result["reason"]) == (200, "OK")
    assert result["headers"]["content-type"] == "text/html; charset=utf-8"
    assert result["headers"]["strict-transport-security"] == HSTS
    assert result["headers"]["set-cookie"] == "a=1, b=2"
    assert all(name == name.lower() for name in result["headers"])
    assert result["body_excerpt"] == "<h1>hello golive</h1>"
    assert result["body_match"] is None and result["certificate"] is None and result["error"] is None
    assert result["elapsed_ms"] > 0 and result["unmet"] == []


def test_connect_to_keeps_the_urls_host_in_the_host_header(probe, servers):
    port = servers["http_port"]
    result = probe(url=f"http://probe.test:{port}/", connect_to="127.0.0.1")
    assert result["status"] == 200
    assert servers["http"].seen[-1]["host"] == f"probe.test:{port}"
    probe(url="http://probe.test/", connect_to=f"127.0.0.1:{port}")
    assert servers["http"].seen[-1]["host"] == "probe.test"


def test_redirect_is_reported_not_followed_by_default(probe, servers):
    result = probe(url=f"http://127.0.0.1:{servers['http_port']}/redirect", expect_status=[301, 308])
    assert result["failed"] is False
    assert (result["status"], result["location"], result["redirects"]) == (301, "/final", [])


def test_follow_redirects(probe, servers):
    url = f"http://127.0.0.1:{servers['http_port']}/redirect"
    result = probe(url=url, follow_redirects=True, body_regex="^final")
    assert result["status"] == 200 and result["body_match"] is True
    assert result["url"] == f"http://127.0.0.1:{servers['http_port']}/final"
    assert result["redirects"] == [{"url": url, "status": 301, "location": "/final"}]


def test_redirect_to_https_on_the_same_host_goes_through_connect_to(probe, servers, certificate):
    result = probe(
        url=f"http://probe.test:{servers['http_port']}/to-https",
        connect_to="127.0.0.1",
        follow_redirects=True,
        ca_path=certificate[0],
    )
    assert result["status"] == 200 and result["url"] == f"https://probe.test:{servers['https_port']}/final"
    assert result["certificate"]["verified"] is True
    assert servers["https"].sni_names[-1] == "probe.test"


def test_redirect_loop_and_foreign_scheme_stop_with_an_error(probe, servers):
    base = f"http://127.0.0.1:{servers['http_port']}"
    loop = probe(url=f"{base}/loop", follow_redirects=True)
    assert loop["failed"] is False and loop["status"] == 302 and len(loop["redirects"]) == 10
    assert loop["error"] == "more than 10 redirects"
    ftp = probe(url=f"{base}/to-ftp", follow_redirects=True)
    assert ftp["status"] == 302 and ftp["error"].startswith("not following the redirect")


def test_head_has_no_body(probe, servers):
    result = probe(url=f"http://127.0.0.1:{servers['http_port']}/", method="HEAD")
    assert result["status"] == 200 and result["body_excerpt"] == ""
    assert servers["http"].seen[-1]["method"] == "HEAD"


def test_unexpected_status_fails_with_the_data(probe, servers):
    result = probe(url=f"http://127.0.0.1:{servers['http_port']}/nothing", expect_status=[200])
    assert result["failed"] is True
    assert result["status"] == 418 and result["body_excerpt"] == "I'm a teapot"
    assert result["unmet"] == ["status 418 not in [200]"]
    assert "status 418 not in [200]" in result["msg"]


def test_body_regex_mismatch_fails(probe, servers):
    result = probe(url=f"http://127.0.0.1:{servers['http_port']}/", body_regex="goodbye")
    assert result["failed"] is True and result["body_match"] is False and result["status"] == 200


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_is_data_unless_something_was_expected(probe):
    url = f"http://127.0.0.1:{_closed_port()}/"
    result = probe(url=url)
    assert result["failed"] is False and result["reachable"] is False and result["status"] is None
    assert result["error"].startswith("ConnectionRefusedError")
    result = probe(url=url, expect_status=[200])
    assert result["failed"] is True
    assert result["unmet"][0] == "status None not in [200]" and result["unmet"][1].startswith("ConnectionRefusedError")


def test_https_certificate_validated_against_ca_path(probe, servers, certificate):
    result = probe(url=f"https://probe.test:{servers['https_port']}/", connect_to="127.0.0.1", ca_path=certificate[0])
    assert result["failed"] is False and result["status"] == 200
    assert servers["https"].sni_names[-1] == "probe.test"
    assert servers["https"].seen[-1]["host"] == f"probe.test:{servers['https_port']}"
    cert = result["certificate"]
    assert cert["verified"] is True and cert["verify_error"] is None
    assert cert["subject"] == {"organizationName": "golive test", "commonName": "probe.test"}
    assert cert["issuer"] == cert["subject"]
    assert cert["names"] == ["probe.test", "www.probe.test"]
    assert cert["days_to_expiry"] in (29, 30)
    assert cert["not_after"].endswith("Z") and cert["not_before"] < cert["not_after"]
    assert cert["tls_version"].startswith("TLSv1.") and cert["cipher"]
    assert len(cert["sha256_fingerprint"]) == 95
    assert result["headers"]["strict-transport-security"] == HSTS


def test_https_without_validation_still_reads_the_certificate(probe, servers, certificate):
    result = probe(url=f"https://probe.test:{servers['https_port']}/", connect_to="127.0.0.1", validate_certs=False)
    assert result["failed"] is False and result["status"] == 200
    cert = result["certificate"]
    assert cert["verified"] is False and "self-signed" in cert["verify_error"]
    assert cert["names"] == ["probe.test", "www.probe.test"] and cert["days_to_expiry"] in (29, 30)
    assert cert["subject"]["commonName"] == "probe.test"


def test_https_invalid_certificate_fails_when_validating(probe, servers):
    result = probe(url=f"https://probe.test:{servers['https_port']}/", connect_to="127.0.0.1")
    assert result["failed"] is True and result["reachable"] is False and result["status"] is None
    assert result["certificate"]["names"] == ["probe.test", "www.probe.test"]
    assert result["unmet"][0].startswith("certificate not valid: self-signed")


def test_https_host_name_mismatch(probe, servers, certificate):
    url = f"https://other.test:{servers['https_port']}/"
    result = probe(url=url, connect_to="127.0.0.1", ca_path=certificate[0])
    assert result["failed"] is True and "Hostname mismatch" in result["certificate"]["verify_error"]
    assert servers["https"].sni_names[-1] == "other.test"
    result = probe(url=url, connect_to="127.0.0.1", ca_path=certificate[0], validate_certs=False)
    assert result["failed"] is False and result["status"] == 200


@pytest.mark.parametrize(
    "args, message",
    [
        ({"url": "ftp://probe.test/"}, "expected http://HOST"),
        ({"url": "http://probe.test:99999/"}, "url 'http://probe.test:99999/'"),
        ({"url": "http://probe.test/", "connect_to": "127.0.0.1:http"}, "connect_to '127.0.0.1:http'"),
        ({"url": "http://probe.test/", "body_regex": "(unclosed"}, "body_regex '(unclosed'"),
    ],
)
def test_bad_input_fails_before_any_connection(probe, args, message):
    result = probe(**args)
    assert result["failed"] is True and message in result["msg"]
    assert "status" not in result
