# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import ssl

import pytest

from ansible_collections.golive.stack.plugins.module_utils import _probe


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://Shop.Example.com/healthz?full=1", ("https", "shop.example.com", 443, "/healthz?full=1")),
        ("http://shop.example.com", ("http", "shop.example.com", 80, "/")),
        ("HTTP://shop.example.com:8080/a/b", ("http", "shop.example.com", 8080, "/a/b")),
        ("https://[2001:db8::1]:8443/", ("https", "2001:db8::1", 8443, "/")),
    ],
)
def test_parse_url(url, expected):
    assert tuple(_probe.parse_url(url)) == expected


@pytest.mark.parametrize("url", ["ftp://x/", "shop.example.com/", "https:///path", "http://x:0x50/"])
def test_parse_url_rejects(url):
    with pytest.raises(ValueError, match="url"):
        _probe.parse_url(url)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("10.0.0.5", ("10.0.0.5", None)),
        ("10.0.0.5:8443", ("10.0.0.5", 8443)),
        ("lb.internal", ("lb.internal", None)),
        ("2001:db8::1", ("2001:db8::1", None)),
        ("[2001:db8::1]", ("2001:db8::1", None)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
    ],
)
def test_parse_connect_to(value, expected):
    assert _probe.parse_connect_to(value) == expected


@pytest.mark.parametrize("value", ["", "host:", "host:0", "host:65536", "host:https", "[::1]:x", ":443"])
def test_parse_connect_to_rejects(value):
    with pytest.raises(ValueError, match="connect_to"):
        _probe.parse_connect_to(value)


def test_input_errors_lists_every_problem():
    assert _probe.input_errors("https://ok/", "ok", "ok") == []
    errors = _probe.input_errors("gopher://x", "x:y", "[")
    assert [error.split(" ", 1)[0] for error in errors] == ["url", "connect_to", "body_regex"]


def test_describe_certificate_from_decoded_fields():
    decoded = {
        "subject": (
            (("organizationalUnitName", "web"),),
            (("organizationalUnitName", "ops"),),
            (("commonName", "shop.example.com"),),
        ),
        "issuer": ((("countryName", "US"),), (("organizationName", "Let's Encrypt"),), (("commonName", "R11"),)),
        "subjectAltName": (("DNS", "shop.example.com"), ("IP Address", "192.0.2.1"), ("DNS", "www.shop.example.com")),
        "serialNumber": "04A1",
        "notBefore": "Jan  1 00:00:00 2026 GMT",
        "notAfter": "Apr  1 00:00:00 2026 GMT",
    }
    now = ssl.cert_time_to_seconds("Mar 22 12:00:00 2026 GMT")
    described = _probe.describe_certificate(b"\x30\x00", decoded, now=now)
    assert described["subject"] == {"organizationalUnitName": "web, ops", "commonName": "shop.example.com"}
    assert described["issuer"]["commonName"] == "R11"
    assert described["names"] == ["shop.example.com", "www.shop.example.com"]
    assert (described["not_before"], described["not_after"]) == ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")
    assert described["days_to_expiry"] == 9
    expired = _probe.describe_certificate(b"", decoded, now=ssl.cert_time_to_seconds("Apr  2 00:00:01 2026 GMT"))
    assert expired["days_to_expiry"] == -2


def test_describe_certificate_without_decoder_keeps_the_fingerprint():
    described = _probe.describe_certificate(b"abc", None)
    assert described["sha256_fingerprint"].startswith("BA:78:16:BF")
    assert described["names"] == [] and described["days_to_expiry"] is None
