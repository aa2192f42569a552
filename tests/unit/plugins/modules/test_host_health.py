# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_health through main(): the command checks from host_health.yaml, the file checks
on tmp_path, mail_relay against fake SMTP servers on loopback. Every check is shown ok on
a healthy host and not ok with its condition broken."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
import types

import pytest
import yaml

from ansible_collections.golive.stack.plugins.module_utils import _host_health
from ansible_collections.golive.stack.plugins.modules import host_health

with open(os.path.join(os.path.dirname(__file__), "host_health.yaml"), encoding="utf-8") as table_file:
    CASES = yaml.safe_load(table_file)["cases"]

STAMP = "%Y%m%dT%H%M%SZ"


@pytest.fixture
def health(run_module, monkeypatch):
    """health(args, commands=(), missing=()) -> (result, checks by name); commands are found
    as /usr/sbin/NAME except those in ``missing``."""

    def run(args, commands=(), missing=()):
        monkeypatch.setattr(
            host_health.AnsibleModule,
            "get_bin_path",
            lambda module, name, *a, **kw: None if name in missing else f"/usr/sbin/{name}",
        )
        result, _table = run_module(host_health.main, args, list(commands))
        if not result["failed"]:
            assert result["changed"] is False
            names = [check["name"] for check in result["checks"]]
            assert names == sorted(names, key=_host_health.CHECK_NAMES.index), "checks come in the fixed order"
            assert result["ok"] is all(check["ok"] for check in result["checks"])
            assert result["not_ok"] == [check["name"] for check in result["checks"] if not check["ok"]]
        return result, {check["name"]: check for check in result.get("checks", [])}

    return run


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_host_health_table(case, health):
    result, checks = health(case["args"], case["commands"], case.get("missing_commands", ()))
    for key, expected in case["result"].items():
        assert result[key] == expected, key
    if result["failed"]:
        return
    assert list(checks) == list(case["checks"])
    for name, expected in case["checks"].items():
        check = checks[name]
        assert set(check) == {"name", "ok", "detail", "data"}
        assert check["ok"] is expected["ok"], check["detail"]
        if "detail" in expected:
            assert check["detail"] == expected["detail"]
        for key, value in expected.get("data", {}).items():
            assert check["data"][key] == value, key


# --- disk_space ------------------------------------------------------------------------


def test_disk_space_healthy_and_broken(health, tmp_path):
    _result, checks = health({"disk_paths": [str(tmp_path), "/"], "disk_min_free_percent": 0})
    disk = checks["disk_space"]
    assert disk["ok"] is True, disk["detail"]
    entry = disk["data"]["paths"][0]
    assert entry["path"] == str(tmp_path) and entry["ok"] is True
    assert 0 <= entry["free_percent"] <= 100 and entry["total_mb"] >= entry["free_mb"] >= 0
    assert disk["detail"].startswith(f"{tmp_path}: {entry['free_percent']}% free, {entry['free_mb']} MB; /: ")

    _result, checks = health({"disk_paths": [str(tmp_path)], "disk_min_free_percent": 0, "disk_min_free_mb": 10**9})
    assert checks["disk_space"]["ok"] is False
    assert checks["disk_space"]["detail"].endswith("MB (too little); at least 0% and 1000000000 MB wanted")

    _result, checks = health({"disk_paths": [str(tmp_path / "gone")]})
    assert checks["disk_space"]["ok"] is False
    assert (
        checks["disk_space"]["detail"]
        == f"{tmp_path}/gone: cannot tell (No such file or directory); at least 10% wanted"
    )


def test_disk_space_percent_threshold(health, monkeypatch, tmp_path):
    def fake_statvfs(path):
        free = {"/": 200, "/var/lib/docker": 99}[path]  # of 1000 blocks of 1 MiB
        return types.SimpleNamespace(f_blocks=1000, f_frsize=1024 * 1024, f_bavail=free)

    monkeypatch.setattr(os, "statvfs", fake_statvfs)
    _result, checks = health({})  # the default paths and 10 %
    disk = checks["disk_space"]
    assert disk["ok"] is False
    assert (
        disk["detail"] == "/: 20.0% free, 200 MB; /var/lib/docker: 9.9% free, 99 MB (too little); at least 10% wanted"
    )
    assert [entry["ok"] for entry in disk["data"]["paths"]] == [True, False]
    _result, checks = health({"disk_min_free_percent": 9.9})
    assert checks["disk_space"]["ok"] is True


# --- backup_recent ---------------------------------------------------------------------


def stamp(hours_ago: float) -> str:
    return time.strftime(STAMP, time.gmtime(time.time() - hours_ago * 3600))


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")


@pytest.fixture
def backups(tmp_path):
    """A pg_backup state dir and dumps dir; dump(hours_ago, ...) records a successful dump."""
    state, dumps = tmp_path / "state" / "shop", tmp_path / "dumps" / "shop"
    dumps.mkdir(parents=True)

    def dump(hours_ago, label="scheduled", keep_file=True, **extra):
        when = stamp(hours_ago)
        file = dumps / f"shop-{when}-{label}.dump"
        if keep_file:
            file.write_bytes(b"PGDMP")
        write_json(state / "last-dump.json", {"file": str(file), "label": label, "time": when, "bytes": 5, **extra})
        return when, file

    def error(hours_ago, message="pg_dump failed (exit 1): connection refused"):
        write_json(state / "last-dump-error.json", {"time": stamp(hours_ago), "label": "scheduled", "error": message})

    return types.SimpleNamespace(state=state, dump=dump, error=error)


def run_backup(health, backups, **args):
    _result, checks = health({"backup_state_dir": str(backups.state), "checks": ["backup_recent"], **args})
    return checks["backup_recent"]


def test_backup_recent_healthy(health, backups):
    when, file = backups.dump(2)
    backups.error(30)  # an older failure that a success followed
    check = run_backup(health, backups)
    assert check["ok"] is True, check["detail"]
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.strptime(when, STAMP))
    assert check["detail"] == f"last dump {iso} (scheduled, 2.0 h ago): {file}"
    assert check["data"]["last_dump"] == {
        "time": iso,
        "age_hours": 2.0,
        "label": "scheduled",
        "file": str(file),
        "file_exists": True,
        "bytes": 5,
        "offsite_error": None,
    }
    assert check["data"]["last_error"]["error"].startswith("pg_dump failed")


def test_rollback_target_of_a_first_release_is_the_way_it_is(health, app_dir, tmp_path):
    app = app_dir("20261101-v1", *SERVED[:1])
    entry = {"action": "release", "release": "20261101-v1", "previous": None}
    (tmp_path / "audit.log").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    check = run_rollback(health, app, [])
    assert (
        check["ok"] is True and check["detail"] == "first release 20261101-v1: no earlier release to roll back to yet"
    )


@pytest.mark.parametrize(
    "broken, detail",
    [
        ("too_old", r"^last dump \S+ \(scheduled, 27.0 h ago\): older than 26 h$"),
        ("failed_after", r"^the last attempt failed at \S+: pg_dump failed \(exit 1\): connection refused; last dump "),
        ("offsite", r"^last dump .*, but its off-site copy failed: restic exited 1$"),
        ("file_gone", r"^last dump .*, but its file \S+ is gone$"),
        ("never", r"^no successful dump recorded \(\S+/last-dump.json does not exist\)$"),
        ("never_and_failed", r"^no successful dump recorded .*; the last attempt failed at \S+: pg_dump failed"),
        ("not_json", r"^cannot read the last dump: \S+/last-dump.json is not JSON: "),
        ("bad_time", r"^cannot read the last dump: time data 'yesterday' does not match format"),
        ("bad_error_file", r"^cannot read the last dump error: \S+/last-dump-error.json does not hold a JSON object$"),
    ],
)
def test_backup_recent_broken(health, backups, broken, detail):
    if broken == "too_old":
        backups.dump(27)
    elif broken == "failed_after":
        backups.dump(5)
        backups.error(1)
    elif broken == "offsite":
        backups.dump(1, offsite_error="restic exited 1")
    elif broken == "file_gone":
        backups.dump(1, keep_file=False)
    elif broken == "never_and_failed":
        backups.error(1)
    elif broken == "not_json":
        write_json(backups.state / "last-dump.json", "{")
    elif broken == "bad_time":
        write_json(backups.state / "last-dump.json", {"time": "yesterday"})
    elif broken == "bad_error_file":
        backups.dump(1)
        write_json(backups.state / "last-dump-error.json", "[]")
    check = run_backup(health, backups)
    assert check["ok"] is False
    assert re.search(detail, check["detail"]), check["detail"]


def test_backup_max_age_is_an_option(health, backups):
    backups.dump(27)
    assert run_backup(health, backups, backup_max_age_hours=28)["ok"] is True
    backups.dump(0.02)  # 72 s: shown as 0.0 h, judged as it is
    assert run_backup(health, backups, backup_max_age_hours=0.01)["ok"] is False


# --- restore_drill ---------------------------------------------------------------------


def drill(state, days_ago, result="pass", **extra):
    finished = stamp(days_ago * 24)
    evidence = {
        "app": "shop",
        "started": finished,
        "finished": finished,
        "result": result,
        "dump": "/var/backups/golive/shop/shop-20261120T030000Z-scheduled.dump",
        "dump_time": "20261120T030000Z",
        "tables": {"public.notes": {"source": 40, "restored": 40}, "public.auth_user": {"source": 2, "restored": 2}},
        "rows": 42,
        "restore_seconds": 1.5,
        **extra,
    }
    write_json(state / "drill-last.json", evidence)


def run_drill(health, state, **args):
    _result, checks = health({"backup_state_dir": str(state), "checks": ["restore_drill"], **args})
    return checks["restore_drill"]


def test_restore_drill_healthy(health, tmp_path):
    drill(tmp_path, 2)
    check = run_drill(health, tmp_path)
    assert check["ok"] is True, check["detail"]
    assert check["detail"].endswith(
        "(2.0 days ago) passed: 42 rows in 2 tables of /var/backups/golive/shop/shop-20261120T030000Z-scheduled.dump"
    )
    assert {key: check["data"][key] for key in ("result", "age_days", "tables", "rows", "error")} == {
        "result": "pass",
        "age_days": 2.0,
        "tables": 2,
        "rows": 42,
        "error": None,
    }


@pytest.mark.parametrize(
    "broken, detail",
    [
        ("failed", r"^last drill \S+ \(1.0 days ago\) failed: row counts differ .* public.notes$"),
        ("too_old", r"^last drill \S+ \(9.0 days ago\) passed, but is older than 8 days$"),
        ("never", r"^no restore drill has run \(\S+/drill-last.json does not exist\)$"),
        ("garbage", r"^cannot read the last restore drill: \S+/drill-last.json is not JSON"),
    ],
)
def test_restore_drill_broken(health, tmp_path, broken, detail):
    if broken == "failed":
        drill(tmp_path, 1, "fail", error="row counts differ from the dump's snapshot in 1 table(s): public.notes")
    elif broken == "too_old":
        drill(tmp_path, 9)
    elif broken == "garbage":
        write_json(tmp_path / "drill-last.json", "not json")
    check = run_drill(health, tmp_path)
    assert check["ok"] is False
    assert re.search(detail, check["detail"]), check["detail"]


def test_restore_drill_max_age_is_an_option(health, tmp_path):
    drill(tmp_path, 9)
    assert run_drill(health, tmp_path, drill_max_age_days=10)["ok"] is True
    drill(tmp_path, 0.02)  # 29 min: shown as 0.0 days, judged as it is
    assert run_drill(health, tmp_path, drill_max_age_days=0.01)["ok"] is False


# --- rollback_target -------------------------------------------------------------------

COMPOSE = """\
name: shop
x-app: &app
  image: registry.test/shop:{tag}
services:
  web-blue:
    <<: *app
  worker:
    <<: *app
  postgres:
    image: "postgres:17.2"
  redis:
    image: 'redis:7.4'  # cache
"""


def inspect(image, present=True):
    argv = ["/usr/sbin/docker", "image", "inspect", "--format", "{{.Id}}", image]
    if present:
        return {"argv": argv, "stdout": f"sha256:{abs(hash(image)):x}\n"}
    return {"argv": argv, "rc": 1, "stderr": f"Error response from daemon: No such image: {image}\n"}


@pytest.fixture
def app_dir(tmp_path):
    """releases(...) makes /opt/golive/shop-like releases: (id, released_at or None, tag)."""

    def releases(live, *specs):
        for release_id, released_at, tag in specs:
            directory = tmp_path / "releases" / release_id
            directory.mkdir(parents=True)
            (directory / "compose.yaml").write_text(COMPOSE.format(tag=tag), encoding="utf-8")
            if released_at:
                write_json(directory / "release.json", {"id": release_id, "released_at": released_at, "images": {}})
        if live:
            write_json(tmp_path / "live.json", {"release": live, "colour": "green", "since": "2026-11-27T10:00:00"})
        return str(tmp_path)

    return releases


SERVED = [
    ("20261101-v1", "2026-11-01T10:00:00.000001+00:00", "v1"),
    ("20261110-v2", "2026-11-10T10:00:00.000001+00:00", "v2"),
    ("20261120-v3", "2026-11-20T10:00:00.000001+00:00", "v3"),
    ("20261125-v4", None, "v4"),  # never served
]


def run_rollback(health, app, commands):
    _result, checks = health({"app_dir": app, "checks": ["rollback_target"]}, commands)
    return checks["rollback_target"]


def test_rollback_target_healthy(health, app_dir):
    app = app_dir("20261120-v3", *SERVED)
    images = ["registry.test/shop:v2", "postgres:17.2", "redis:7.4"]
    check = run_rollback(health, app, [inspect(image) for image in images])
    assert check["ok"] is True, check["detail"]
    assert check["detail"] == (
        "release 20261110-v2 (served 2026-11-10T10:00:00.000001+00:00): its 3 image(s) are on the host"
    )
    data = check["data"]
    assert (data["live"], data["target"], data["rollback_default"]) == ("20261120-v3", "20261110-v2", True)
    assert data["served"] == ["20261101-v1", "20261110-v2", "20261120-v3"]
    assert [entry["image"] for entry in data["images"]] == images
    assert all(entry["present"] and entry["id"].startswith("sha256:") for entry in data["images"])


def test_rollback_target_image_gone(health, app_dir):
    app = app_dir("20261120-v3", *SERVED)
    commands = [inspect("registry.test/shop:v2", present=False), inspect("postgres:17.2"), inspect("redis:7.4")]
    check = run_rollback(health, app, commands)
    assert check["ok"] is False
    assert check["detail"] == (
        "release 20261110-v2 (served 2026-11-10T10:00:00.000001+00:00): image(s) not on the host: registry.test/shop:v2"
    )
    assert check["data"]["images"][0]["error"] == "Error response from daemon: No such image: registry.test/shop:v2"


def test_rollback_after_a_rollback_names_the_release_to_set(health, app_dir):
    # live is the oldest (rolled back to): rollback.yml has no default, v3 needs app_rollback_to
    app = app_dir("20261101-v1", *SERVED)
    check = run_rollback(
        health, app, [inspect("registry.test/shop:v3"), inspect("postgres:17.2"), inspect("redis:7.4")]
    )
    assert check["ok"] is True
    assert check["detail"].startswith("release 20261120-v3 (served 2026-11-20T10:00:00.000001+00:00) (not rollback.yml")
    assert check["data"]["rollback_default"] is False


def test_rollback_legacy_host_uses_the_current_link(health, app_dir, tmp_path):
    app = app_dir(None, *SERVED[:2])
    os.symlink(tmp_path / "releases" / "20261110-v2", tmp_path / "current")
    check = run_rollback(
        health, app, [inspect("registry.test/shop:v1"), inspect("postgres:17.2"), inspect("redis:7.4")]
    )
    assert check["ok"] is True and check["data"]["live"] == "20261110-v2" and check["data"]["target"] == "20261101-v1"


@pytest.mark.parametrize(
    "broken, detail",
    [
        ("only_live", "no release other than the live one 20261101-v1 is left to roll back to"),
        ("only_live_of_two_audited", "no release other than the live one 20261101-v1 is left to roll back to"),
        ("no_live", "cannot tell the live release (no APP/live.json, no current link)"),
        ("no_releases", "cannot read the releases: [Errno 2] No such file or directory: 'APP/releases'"),
        (
            "no_compose",
            "release 20261101-v1: cannot read APP/releases/20261101-v1/compose.yaml: No such file or directory",
        ),
        ("no_images", "release 20261101-v1: APP/releases/20261101-v1/compose.yaml names no image"),
        ("no_docker", "release 20261101-v1: cannot look for its images (no docker command)"),
    ],
)
def test_rollback_target_broken(health, app_dir, tmp_path, broken, detail):
    missing = ()
    if broken.startswith("only_live"):
        app = app_dir("20261101-v1", *SERVED[:1], SERVED[3])
        if broken == "only_live_of_two_audited":  # v0 served before and its directory is gone
            audit = [
                {"action": "release", "release": "20261001-v0", "previous": None},
                {"action": "release", "release": "20261101-v1", "previous": "20261001-v0"},
            ]
            (tmp_path / "audit.log").write_text("".join(json.dumps(e) + "\n" for e in audit), encoding="utf-8")
    elif broken == "no_live":
        app = app_dir(None, *SERVED)
    elif broken == "no_releases":
        app = str(tmp_path)
    else:
        app = app_dir("20261110-v2", *SERVED[:2])
        compose = tmp_path / "releases" / "20261101-v1" / "compose.yaml"
        if broken == "no_compose":
            compose.unlink()
        elif broken == "no_images":
            compose.write_text("services:\n  web:\n    build: .\n", encoding="utf-8")
        else:
            missing = ("docker",)
    _result, checks = health({"app_dir": app, "checks": ["rollback_target"]}, missing=missing)
    assert checks["rollback_target"]["ok"] is False
    assert checks["rollback_target"]["detail"] == detail.replace("APP", str(tmp_path))


# --- mail_relay ------------------------------------------------------------------------


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: banner, EHLO (STARTTLS offered when the server has a TLS context), STARTTLS, QUIT."""

    def handle(self):
        conn, secure = self.request, False
        reader = conn.makefile("rb")
        conn.sendall(b"220 relay.test ESMTP fake\r\n")
        while True:
            line = reader.readline()
            if not line:
                return
            verb = line.split(b" ", 1)[0].strip().upper()
            self.server.seen.append(verb.decode())
            if verb == b"EHLO":
                offer = self.server.tls is not None and not secure
                features = ["relay.test", "PIPELINING", "8BITMIME", *(["STARTTLS"] if offer else [])]
                lines = [f"250-{feature}" for feature in features[:-1]] + [f"250 {features[-1]}"]
                conn.sendall(("\r\n".join(lines) + "\r\n").encode())
            elif verb == b"STARTTLS" and self.server.tls is not None:
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                try:
                    conn = self.server.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client gave up on our certificate
                reader, secure = conn.makefile("rb"), True
            elif verb == b"QUIT":
                conn.sendall(b"221 2.0.0 Bye\r\n")
                return
            else:
                conn.sendall(b"502 5.5.2 Not implemented\r\n")


@pytest.fixture(scope="module")
def relay_certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl CLI for a self-signed certificate")
    directory = tmp_path_factory.mktemp("smtp-tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
         "-out", str(cert), "-subj", "/CN=relay.test", "-addext", "subjectAltName=DNS:relay.test,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.fixture(scope="module")
def relays(relay_certificate):
    """Two fake relays on loopback: one offers STARTTLS with the self-signed certificate, one does not."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*relay_certificate)
    servers = {}
    for name, tls in (("starttls", context), ("plain", None)):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
        server.daemon_threads = True
        server.tls, server.seen = tls, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


def run_relay(health, port, **args):
    _result, checks = health({"mail_relay_host": "127.0.0.1", "mail_relay_port": port, "disk_paths": [], **args})
    return checks["mail_relay"]


def test_mail_relay_starttls_handshake_completes(health, relays):
    server = relays["starttls"]
    server.seen.clear()
    check = run_relay(health, server.server_address[1], mail_relay_validate_certs=False)
    assert check["ok"] is True, check["detail"]
    port = server.server_address[1]
    version = check["data"]["tls_version"]
    assert version.startswith("TLSv1.")
    assert check["detail"] == f"127.0.0.1:{port}: STARTTLS handshake completed ({version}, certificate not validated)"
    assert check["data"]["banner"] == "relay.test ESMTP fake"
    assert check["data"]["starttls_offered"] is True and check["data"]["cipher"]
    assert server.seen == ["EHLO", "STARTTLS", "EHLO", "QUIT"]


def test_mail_relay_validates_against_a_ca(health, relays, relay_certificate):
    check = run_relay(health, relays["starttls"].server_address[1], mail_relay_ca_path=relay_certificate[0])
    assert check["ok"] is True, check["detail"]
    assert check["data"]["cert_validated"] is True and check["detail"].endswith("certificate validated)")


def test_mail_relay_untrusted_certificate_fails(health, relays):
    check = run_relay(health, relays["starttls"].server_address[1])  # validate_certs defaults to true
    assert check["ok"] is False
    assert "SSLCertVerificationError" in check["detail"] and "self-signed certificate" in check["detail"]
    assert check["data"]["starttls_offered"] is True and check["data"]["tls_version"] is None


def test_mail_relay_without_starttls_fails(health, relays):
    server = relays["plain"]
    check = run_relay(health, server.server_address[1])
    assert check["ok"] is False
    assert check["detail"] == f"127.0.0.1:{server.server_address[1]}: STARTTLS is not offered after EHLO"
    assert check["data"]["starttls_offered"] is False
    assert "250" not in check["data"]["banner"] and check["data"]["tls_version"] is None


def test_mail_relay_nothing_listening_fails():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the check connects
    check = _host_health.mail_relay("127.0.0.1", port, 5, True, None)
    assert check["ok"] is False
    assert check["detail"] == f"127.0.0.1:{port}: ConnectionRefusedError: [Errno 111] Connection refused"
