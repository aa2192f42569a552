# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP(S) probe with the standard library only (private).

Connects to a chosen address while the URL's host stays the SNI name and the Host header
(like ``curl --resolve``), and returns what it saw as data: status, headers, redirect,
body excerpt, timing and, for HTTPS, the peer certificate, read even when it does not
validate.
:class:`Client` sends single requests to one site (any method, a body, errors as data);
:func:`probe` follows redirects with it for ``http_probe``.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import ssl
import tempfile
import time
import typing as t
import urllib.parse

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 10
MAX_BODY_BYTES = 1024 * 1024
EXCERPT_CHARS = 1024
USER_AGENT = "golive.stack-http_probe"

# Options of the modules that send requests to a site (doc fragment golive.stack.http_connection).
CONNECTION_OPTIONS: dict[str, dict[str, t.Any]] = {
    "connect_to": {"type": "str"},
    "headers": {"type": "dict", "default": {}},
    "timeout": {"type": "float", "default": 10},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
}


class Endpoint(t.NamedTuple):
    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line


def parse_url(url: str) -> Endpoint:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"url {url!r}: expected http://HOST[:PORT]/... or https://HOST[:PORT]/...")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:  # port out of range or not a number
        raise ValueError(f"url {url!r}: {exc}") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Endpoint(scheme, parts.hostname, port, target)


def parse_connect_to(value: str) -> tuple[str, int | None]:
    """``HOST``, ``HOST:PORT``, ``IPV6``, ``[IPV6]`` or ``[IPV6]:PORT`` -> (host, port or None)."""
    value = value.strip()
    match = re.fullmatch(r"\[([^\]]+)\](?::([^:]*))?", value)
    if match:
        host, port = match.group(1), match.group(2)
    elif value.startswith("["):
        host, port = "", None
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, None
    if not host or (port is not None and not (port.isdigit() and 0 < int(port) < 65536)):
        raise ValueError(f"connect_to {value!r}: expected HOST, HOST:PORT or [IPV6]:PORT")
    return host, int(port) if port else None


def _name_dict(rdns: t.Iterable[t.Iterable[tuple[str, str]]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for rdn in rdns:
        for key, value in rdn:
            names[key] = f"{names[key]}, {value}" if key in names else value
    return names


def _iso(cert_time: str) -> tuple[str, float]:
    epoch = ssl.cert_time_to_seconds(cert_time)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)), epoch


def decode_der(der: bytes, tmpdir: str | None = None) -> dict[str, t.Any] | None:
    """Decode a DER certificate the way ``getpeercert()`` does, or None if we cannot.

    ``getpeercert()`` only decodes validated certificates; the stdlib's decoder for the
    others reads a PEM file, so the certificate goes through a temporary file.
    """
    decoder = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decoder is None:
        return None
    fd, path = tempfile.mkstemp(suffix=".pem", dir=tmpdir)
    try:
        with os.fdopen(fd, "w") as pem:
            pem.write(ssl.DER_cert_to_PEM_cert(der))
        return decoder(path)
    except (ssl.SSLError, ValueError, OSError):
        return None
    finally:
        os.unlink(path)


def describe_certificate(der: bytes, decoded: dict[str, t.Any] | None, now: float | None = None) -> dict[str, t.Any]:
    digest = hashlib.sha256(der).hexdigest().upper()
    description: dict[str, t.Any] = {
        "sha256_fingerprint": ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        "subject": None,
        "issuer": None,
        "names": [],
        "serial_number": None,
        "not_before": None,
        "not_after": None,
        "days_to_expiry": None,
    }
    if not decoded:
        return description
    description["subject"] = _name_dict(decoded.get("subject", ()))
    description["issuer"] = _name_dict(decoded.get("issuer", ()))
    description["names"] = [value for kind, value in decoded.get("subjectAltName", ()) if kind == "DNS"]
    description["serial_number"] = decoded.get("serialNumber")
    if decoded.get("notBefore"):
        description["not_before"] = _iso(decoded["notBefore"])[0]
    if decoded.get("notAfter"):
        description["not_after"], expires = _iso(decoded["notAfter"])
        description["days_to_expiry"] = int((expires - (time.time() if now is None else now)) // 86400)
    return description


def _tls_context(verify: bool, ca_path: str | None) -> ssl.SSLContext:
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if ca_path and os.path.isdir(ca_path):
        return ssl.create_default_context(capath=ca_path)
    return ssl.create_default_context(cafile=ca_path or None)


def _handshake(
    address: tuple[str, int], server_name: str, verify: bool, ca_path: str | None, timeout: float
) -> ssl.SSLSocket:
    raw = socket.create_connection(address, timeout)
    try:
        return _tls_context(verify, ca_path).wrap_socket(raw, server_hostname=server_name)
    except BaseException:
        raw.close()
        raise


def _open_tls(
    address: tuple[str, int], server_name: str, options: t.Mapping[str, t.Any]
) -> tuple[ssl.SSLSocket | None, dict[str, t.Any]]:
    """Return (socket to use or None, certificate data). Verification is always tried so
    the result can say whether the certificate validates against ``ca_path``."""
    timeout, ca_path = options["timeout"], options["ca_path"]
    verify_error = None
    try:
        sock = _handshake(address, server_name, True, ca_path, timeout)
        decoded = sock.getpeercert()
    except ssl.SSLCertVerificationError as exc:
        verify_error = exc.verify_message or str(exc)
        sock = _handshake(address, server_name, False, ca_path, timeout)
        decoded = None
    der = sock.getpeercert(binary_form=True) or b""
    certificate = describe_certificate(der, decoded or decode_der(der, options.get("tmpdir")))
    certificate.update(
        verified=verify_error is None,
        verify_error=verify_error,
        tls_version=sock.version(),
        cipher=(sock.cipher() or (None,))[0],
    )
    if verify_error is not None and options["validate_certs"]:
        sock.close()
        return None, certificate
    return sock, certificate


def _header_dict(pairs: t.Iterable[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _exchange(
    url: str,
    connect: tuple[str, int | None] | None,
    options: t.Mapping[str, t.Any],
    method: str,
    headers: t.Mapping[str, str],
    body: bytes | None,
    hop: dict[str, t.Any],
) -> None:
    """One request and its response into ``hop``; raises OSError or HTTPException."""
    endpoint = parse_url(url)
    address = (endpoint.host, endpoint.port)
    if connect is not None:
        address = (connect[0], connect[1] or endpoint.port)
    hop["connected_to"] = f"{address[0]}:{address[1]}"
    sock: socket.socket | None
    if endpoint.scheme == "https":
        sock, hop["certificate"] = _open_tls(address, endpoint.host, options)
        if sock is None:
            hop["error"] = f"certificate verify failed: {hop['certificate']['verify_error']}"
            return
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            endpoint.host, endpoint.port, timeout=options["timeout"]
        )
    else:
        sock = socket.create_connection(address, options["timeout"])
        conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=options["timeout"])
    conn.sock = sock  # already connected to `address`; Host header and SNI stay the URL's host
    try:
        conn.request(method, endpoint.target, body=body, headers=dict(headers))
        response = conn.getresponse()
        data = b"" if method == "HEAD" else response.read(MAX_BODY_BYTES)
        charset = response.headers.get_content_charset() or "utf-8"
        try:
            text = data.decode(charset, errors="replace")
        except LookupError:
            text = data.decode("utf-8", errors="replace")
        pairs = response.getheaders()
        hop.update(
            status=response.status,
            reason=response.reason,
            headers=_header_dict(pairs),
            # each on its own: joined with ", " they cannot be told apart from an Expires date
            set_cookies=[value for name, value in pairs if name.lower() == "set-cookie"],
            text=text,
        )
        hop["location"] = hop["headers"].get("location")
    finally:
        conn.close()


class Client:
    """Sends requests to one site: ``connect_to`` stands for the host of ``site_url``, and
    its port for that URL's port, like ``curl --resolve``; other hosts are resolved as usual.

    Input must have passed :func:`input_errors`.
    """

    def __init__(
        self,
        site_url: str,
        *,
        connect_to: str | None = None,
        headers: t.Mapping[str, str] | None = None,
        timeout: float = 10.0,
        validate_certs: bool = True,
        ca_path: str | None = None,
        tmpdir: str | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.site = parse_url(site_url)
        self.connect = parse_connect_to(connect_to) if connect_to else None
        self.headers = {"User-Agent": user_agent, **(headers or {})}
        self.options = {"timeout": timeout, "validate_certs": validate_certs, "ca_path": ca_path, "tmpdir": tmpdir}

    def _connect_for(self, endpoint: Endpoint) -> tuple[str, int | None] | None:
        if self.connect is None or endpoint.host.lower() != self.site.host.lower():
            return None
        return self.connect[0], self.connect[1] if endpoint.port == self.site.port else None

    def request(
        self,
        url: str,
        method: str = "GET",
        *,
        headers: t.Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> dict[str, t.Any]:
        """Send one request (redirects are not followed) and describe the response.

        Network failures are data: ``status`` stays None and ``error`` says why. The text
        is the first MiB of the body, decoded.
        """
        hop: dict[str, t.Any] = {
            "url": url,
            "connected_to": None,
            "certificate": None,
            "status": None,
            "reason": None,
            "headers": {},
            "set_cookies": [],
            "location": None,
            "text": "",
            "elapsed_ms": None,
            "error": None,
        }
        started = time.monotonic()
        try:
            connect = self._connect_for(parse_url(url))
            _exchange(url, connect, self.options, method, {**self.headers, **(headers or {})}, body, hop)
        except (OSError, http.client.HTTPException) as exc:
            # socket.timeout, refused connections and TLS errors are all OSError
            hop["error"] = f"{type(exc).__name__}: {exc}"
        hop["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)
        return hop


def input_errors(url: str, connect_to: str | None, body_regex: str | None) -> list[str]:
    """What is wrong with the input of :func:`probe`; empty when it is fine."""
    errors = []
    try:
        parse_url(url)
    except ValueError as exc:
        errors.append(str(exc))
    if connect_to is not None:
        try:
            parse_connect_to(connect_to)
        except ValueError as exc:
            errors.append(str(exc))
    if body_regex is not None:
        try:
            re.compile(body_regex)
        except re.error as exc:
            errors.append(f"body_regex {body_regex!r}: {exc}")
    return errors


def probe(
    url: str,
    *,
    connect_to: str | None = None,
    method: str = "GET",
    headers: t.Mapping[str, str] | None = None,
    timeout: float = 10.0,
    validate_certs: bool = True,
    ca_path: str | None = None,
    follow_redirects: bool = False,
    body_regex: str | None = None,
    tmpdir: str | None = None,
) -> dict[str, t.Any]:
    """Request ``url`` and describe the outcome; network failures are data, not exceptions.

    Input must have passed :func:`input_errors`.
    """
    client = Client(
        url,
        connect_to=connect_to,
        headers=headers,
        timeout=timeout,
        validate_certs=validate_certs,
        ca_path=ca_path,
        tmpdir=tmpdir,
    )
    pattern = re.compile(body_regex) if body_regex is not None else None
    result: dict[str, t.Any] = {
        "url": url,
        "reachable": False,
        "status": None,
        "reason": None,
        "headers": {},
        "location": None,
        "redirects": [],
        "body_excerpt": None,
        "body_match": None,
        "elapsed_ms": None,
        "certificate": None,
        "error": None,
    }
    started = time.monotonic()
    current = url
    while True:
        hop = client.request(current, method)
        result.update(url=current, certificate=hop["certificate"], error=hop["error"])
        if hop["status"] is None:
            break
        result.update(
            reachable=True,
            status=hop["status"],
            reason=hop["reason"],
            headers=hop["headers"],
            location=hop["location"],
            body_excerpt=hop["text"][:EXCERPT_CHARS],
            body_match=None if pattern is None else bool(pattern.search(hop["text"])),
        )
        if not (follow_redirects and hop["status"] in REDIRECT_STATUSES and hop["location"]):
            break
        if len(result["redirects"]) == MAX_REDIRECTS:
            result["error"] = f"more than {MAX_REDIRECTS} redirects"
            break
        next_url = urllib.parse.urljoin(current, hop["location"])
        try:
            parse_url(next_url)
        except ValueError as exc:
            result["error"] = f"not following the redirect: {exc}"
            break
        result["redirects"].append({"url": current, "status": hop["status"], "location": hop["location"]})
        current = next_url
    result["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def unmet_expectations(
    result: t.Mapping[str, t.Any],
    expect_status: t.Sequence[int] | None,
    body_regex: str | None,
    validate_certs: bool,
) -> list[str]:
    """What the caller asked for and did not get; empty when everything holds."""
    unmet = []
    certificate = result.get("certificate")
    if validate_certs and certificate is not None and not certificate["verified"]:
        unmet.append(f"certificate not valid: {certificate['verify_error']}")
    if expect_status and result["status"] not in expect_status:
        unmet.append(f"status {result['status']} not in {list(expect_status)}")
    if body_regex is not None and not result["body_match"]:
        unmet.append(f"body does not match {body_regex!r}")
    if unmet and result.get("error"):
        unmet.append(str(result["error"]))
    return unmet
