# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""django_site_probe against a Django-like login site on loopback, cases from django_site_probe.yaml.

The fake answers as Django's admin does: the login page sets ``csrftoken`` and carries the
token in the form; a POST needs that token, the cookie and a same-origin ``Origin`` (else
403 "CSRF verification failed"); good credentials give 302 and ``sessionid``, bad ones the
form again. ``faults`` in a case break one thing at a time.
"""

from __future__ import annotations

import http.server
import os
import secrets
import socket
import ssl
import threading
import urllib.parse

import pytest
import yaml

from ansible_collections.golive.stack.plugins.modules import django_site_probe


def flat(checks):
    """The table's checks; an anchor may stand for several of them (a list inside the list)."""
    return [check for item in checks for check in (item if isinstance(item, list) else [item])]


with open(os.path.join(os.path.dirname(__file__), "django_site_probe.yaml"), encoding="utf-8") as table_file:
    CASES = [dict(case, checks=flat(case.get("checks", []))) for case in yaml.safe_load(table_file)["cases"]]

USERS = {"monitor": "correct horse battery"}
DEFAULT_FAULTS = {
    "login_status": 200,
    "csrf_cookie": True,
    "csrf_field": True,
    "static_links": ["/static/admin/css/base.1f418065fc2c.css", "/static/admin/js/theme.ab1cd2ef3456.js"],
    "static_status": 200,
    "static_cache_control": "max-age=315360000, public, immutable",
    "post_status": None,  # answer every POST with this status instead
    "csrf_broken": False,  # every POST fails the CSRF check
    "anyone_logs_in": False,
    "session_cookie": True,  # a login sets sessionid
    "refusal_form": True,  # a refused login shows the form again
}
FORBIDDEN = b"<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>"


def login_html(token: str, faults: dict, error: str = "") -> bytes:
    links = "".join(f'<link rel="stylesheet" href="{href}">' for href in faults["static_links"])
    field = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">' if faults["csrf_field"] else ""
    return (
        f"<!DOCTYPE html><html><head><title>Log in</title>{links}</head><body>"
        f'<p class="errornote">{error}</p>'
        f'<form action="/admin/login/?next=/admin/" method="post" id="login-form">{field}'
        '<input type="text" name="username" autofocus required id="id_username">'
        '<input type="password" name="password" required id="id_password">'
        '<input type="hidden" name="next" value="/admin/"><input type="submit" value="Log in">'
        "</form></body></html>"
    ).encode()


class FakeDjango(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _cookie(self, name, value):
        return ("Set-Cookie", f"{name}={value}; expires=Fri, 26 Nov 2027 13:00:00 GMT; Max-Age=31449600; Path=/")

    def do_GET(self):
        faults = self.server.faults
        self.server.seen.append({"method": "GET", "path": self.path, "host": self.headers.get("Host")})
        path = urllib.parse.urlsplit(self.path).path
        if path == "/admin/login/":
            if faults["login_status"] != 200:
                location = f"https://{self.headers.get('Host')}{self.path}"
                return self._answer(faults["login_status"], b"", [("Location", location)])
            token = secrets.token_hex(16)
            headers = [("Content-Type", "text/html; charset=utf-8")]
            headers += [self._cookie("csrftoken", token)] if faults["csrf_cookie"] else []
            return self._answer(200, login_html(token, faults), headers)
        if path.startswith("/static/"):
            headers = [("Content-Type", "text/css")]
            if faults["static_cache_control"] is not None:
                headers.append(("Cache-Control", faults["static_cache_control"]))
            return self._answer(faults["static_status"], b"body{}", headers)
        return self._answer(404, b"<h1>Not Found</h1>", [("Content-Type", "text/html")])

    def do_POST(self):
        faults = self.server.faults
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        fields = {name: values[0] for name, values in form.items()}
        cookies = dict(
            pair.strip().split("=", 1) for pair in (self.headers.get("Cookie") or "").split(";") if "=" in pair
        )
        self.server.seen.append({"method": "POST", "path": self.path, "fields": fields, "cookies": cookies})
        if faults["post_status"]:
            return self._answer(faults["post_status"], b"<h1>Server Error (500)</h1>", [])
        same_origin = self.headers.get("Origin") == f"{self.server.scheme}://{self.headers.get('Host')}"
        token = fields.get("csrfmiddlewaretoken")
        if faults["csrf_broken"] or not same_origin or not token or token != cookies.get("csrftoken"):
            return self._answer(403, FORBIDDEN, [("Content-Type", "text/html")])
        if faults["anyone_logs_in"] or USERS.get(fields.get("username")) == fields.get("password"):
            new_token = secrets.token_hex(16)  # Django rotates the CSRF token on login
            headers = [("Location", "/admin/"), self._cookie("csrftoken", new_token)]
            headers += [self._cookie("sessionid", "s" + new_token)] if faults["session_cookie"] else []
            return self._answer(302, b"", headers)
        error = "Please enter the correct username and password for a staff account."
        body = login_html(token, faults, error) if faults["refusal_form"] else f"<p>{error}</p>".encode()
        return self._answer(200, body, [("Content-Type", "text/html; charset=utf-8")])


def _serve(server):
    server.seen = []
    server.faults = dict(DEFAULT_FAULTS)
    server.scheme = getattr(server, "scheme", "http")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def site():
    server = _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeDjango))
    yield server
    server.shutdown()


@pytest.fixture
def probe(run_module, tmp_path):
    def run(**args):
        result, _table = run_module(django_site_probe.main, dict(args, _ansible_tmpdir=str(tmp_path)))
        assert result.get("changed", False) is False  # the argument spec's own failures carry no changed
        return result

    return run


def _filled(expected, **values):
    """``expected`` with ``{name}`` in its strings replaced by ``values``."""
    if isinstance(expected, str):
        return expected.format(**values)
    if isinstance(expected, list):
        return [_filled(item, **values) for item in expected]
    if isinstance(expected, dict):
        return {key: _filled(item, **values) for key, item in expected.items()}
    return expected


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_django_site_probe(case, site, probe):
    port = site.server_address[1]
    site.faults = dict(DEFAULT_FAULTS, **case.get("faults", {}))
    site.seen.clear()
    args = {"base_url": f"http://demo.golive.test:{port}", "connect_to": "127.0.0.1", **case.get("args", {})}
    if "CLOSED_PORT" in args["base_url"]:
        args["base_url"] = args["base_url"].replace("CLOSED_PORT", str(_closed_port()))
    if case.get("check_mode"):
        args["_ansible_check_mode"] = True
    result = probe(**args)
    if "msg" in case:
        assert result["failed"] is True and case["msg"] in result["msg"]
        assert "checks" not in result and site.seen == []
        return
    assert result["failed"] is False
    assert [check["name"] for check in result["checks"]] == [check["name"] for check in case["checks"]]
    for got, expected in zip(result["checks"], case["checks"], strict=True):
        assert got["ok"] is expected["ok"], got
        expected = _filled(expected, user=got["data"].get("username"), port=port)
        detail = expected["detail"]
        assert got["detail"] == detail or (detail.endswith("...") and got["detail"].startswith(detail[:-3]))
        for key, value in expected.get("data", {}).items():
            assert got["data"][key] == value, key
        if got["data"].get("status") is not None:
            assert got["data"]["elapsed_ms"] > 0 and got["data"]["url"].startswith("http://demo.golive.test:")
    assert all(seen.get("host") in (None, f"demo.golive.test:{port}") for seen in site.seen)


def test_the_refusal_is_tried_as_a_user_that_does_not_exist_and_the_password_is_not_returned(site, probe):
    site.faults = dict(DEFAULT_FAULTS)
    site.seen.clear()
    password = USERS["monitor"]
    result = probe(
        base_url=f"http://demo.golive.test:{site.server_address[1]}",
        connect_to="127.0.0.1",
        username="monitor",
        password=password,
    )
    posts = [seen for seen in site.seen if seen["method"] == "POST"]
    assert [post["fields"]["username"] for post in posts] == [result["checks"][2]["data"]["username"], "monitor"]
    assert posts[0]["fields"]["username"].startswith("golive-probe-") and posts[0]["fields"]["password"] != password
    # hidden fields go back as the form had them; the token comes with its cookie
    assert all(post["fields"]["next"] == "/admin/" for post in posts)
    assert all(post["fields"]["csrfmiddlewaretoken"] == post["cookies"]["csrftoken"] for post in posts)
    assert password not in repr(result)


@pytest.fixture(scope="module")
def tls_site(certificate):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeDjango)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.sni_names = []
    context.sni_callback = lambda sock, name, ctx: server.sni_names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.scheme = "https"
    yield _serve(server)
    server.shutdown()


def test_https_through_connect_to_with_sni_and_certificate_validation(tls_site, probe, certificate):
    args = {"base_url": f"https://probe.test:{tls_site.server_address[1]}", "connect_to": "127.0.0.1"}
    result = probe(**args, ca_path=certificate[0], username="monitor", password=USERS["monitor"])
    assert [(check["name"], check["ok"]) for check in result["checks"]] == [
        ("login_page", True),
        ("static_cached", True),
        ("login_refused", True),
        ("login_works", True),
    ]
    assert set(tls_site.sni_names) == {"probe.test"}

    # the system trust store does not know the self-signed certificate: nothing is sent
    seen = len(tls_site.seen)
    result = probe(**args)
    assert [check["name"] for check in result["checks"]] == ["login_page", "static_cached", "login_refused"]
    assert not any(check["ok"] for check in result["checks"]) and len(tls_site.seen) == seen
    assert result["checks"][0]["detail"].startswith("GET /admin/login/ -> no answer (certificate verify failed: ")

    result = probe(**args, validate_certs=False)
    assert all(check["ok"] for check in result["checks"]) and len(result["checks"]) == 3
