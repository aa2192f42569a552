"""Go-live verification (verify.yml) on the converged host: every check passes on the
healthy host and FAILS when its condition is broken on purpose.

The breakages are grouped so that one verify run judges several of them: the site and
host group (nginx, the certificate, the firewall, fail2ban, Django, backups, the rollback
target), the Celery group (worker, queue, beat) and the data group (Redis, PostgreSQL,
the logs). Each group is put back in a `finally`, and the last test shows the host
healthy again. This file runs last (name order): the release tests before it leave a
previous release to roll back to.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from conftest import APP, DOMAIN, PROJECT, live, play, psql

HOST = "molecule-golive"
DIR = f"/opt/golive/{APP}"
COMPOSE = f"docker compose -p {APP} --project-directory {DIR}/current"
SITE_CONF = f"/etc/nginx/conf.d/golive-{APP}.conf"
HEADERS_CONF = f"/etc/nginx/golive/{APP}-headers.conf"
TLS_DIR = f"/etc/golive/tls/{APP}"
TOOL = "/usr/local/sbin/golive-pg-backup"
STATE = f"/var/lib/golive/pg_backup/{APP}"
STARTED = datetime.now(UTC).isoformat()  # pytest imports this at collection: the start of the verify stage
SUPERUSER = ("ops", (PROJECT / ".rig/superuser-password").read_text().split()[0])
# Every check of a full-stack go-live with monitoring credentials and a mail relay (the
# rig's Postfix, named in host_vars).
ALL_CHECKS = {
    "https_home", "https_healthz", "hsts", "http_redirect", "tls_certificate",
    "login_page", "login_refused", "login_works", "static_cached", "firewall_ports",
    "services_healthy", "one_beat", "celery_ping", "celery_roundtrip", "queue_backlog",
    "redis_ping", "database_login", "log_errors", "pending_migrations", "check_deploy",
    "ufw_active", "fail2ban_jails", "disk_space", "backup_recent", "restore_drill", "rollback_target",
    "mail_relay",
}  # fmt: skip
SMALL_FS = "/mnt/golive-test-small"  # a 4 MiB file system filled to the brim


def verify(out: Path, **extra) -> tuple[subprocess.CompletedProcess[str], dict[str, dict]]:
    """verify.yml with the monitoring login; the report's checks by name."""
    inputs = {
        "verify_report_dir": str(out),
        "verify_monitoring_username": SUPERUSER[0],
        "verify_monitoring_password": SUPERUSER[1],
        **extra,
    }
    proc = play("verify", inputs)
    report = json.loads((out / f"{HOST}-golive.json").read_text())
    return proc, {c["name"]: c for c in report["checks"]}


def failing(checks: dict[str, dict]) -> dict[str, str]:
    return {name: c["detail"] for name, c in checks.items() if not c["ok"]}


def sh(root, command: str) -> str:
    return root.check_output(f"bash -c {json.dumps(command)}")


@contextmanager
def kept(root, *paths: str) -> Iterator[None]:
    """Copies of PATHS put back afterwards (then nginx reloaded)."""
    for p in paths:
        root.check_output(f"cp -a {p} {p}.golive-test")
    try:
        yield
    finally:
        for p in paths:
            root.run(f"mv -f {p}.golive-test {p}")
        root.check_output("nginx -t && systemctl reload nginx")


# Put before the site's `location /`: static files cached for a minute; no login page.
STATIC_SHORT_CACHE = """\
    location /static/ {
        proxy_pass http://golive_demo;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_hide_header Cache-Control;
        expires 60s;
    }
"""
NO_LOGIN_PAGE = "    location = /admin/login/ { return 404; }\n"


def write(root, path: str, content: str) -> None:
    root.check_output(f"cat > {path} <<'GOLIVE_EOF'\n{content}GOLIVE_EOF")


def previous_release_image(root) -> str:
    """The web image of the newest release that served before the live one."""
    current = live(root)["release"]
    records = []
    for release in root.check_output(f"ls {DIR}/releases").split():
        path = f"{DIR}/releases/{release}/release.json"
        if release != current and root.file(path).exists:
            records.append(json.loads(root.file(path).content_string))
    assert records, "no earlier release served: the release tests run before this file"
    return max(records, key=lambda r: r["released_at"])["images"]["web"]


def forge_dump(root) -> str:
    """A copy of the newest dump under a later name, its checksum recorded, then altered."""
    src = json.loads(root.check_output(f"{TOOL} list {APP}"))["dumps"][0]
    forged = f"{src.rsplit('/', 1)[0]}/{APP}-29991231T000000Z-forged.dump.age"
    sh(root, f"cp -p {src} {forged} && cp -p {src}.json {forged}.json")
    sh(root, f"cd {forged.rsplit('/', 1)[0]} && sha256sum {forged.rsplit('/', 1)[1]} > {forged}.sha256")
    sh(root, f"printf tampered >> {forged}")
    return forged


def test_a_healthy_go_live_passes_every_check(root, tmp_path):
    # The backup tests end with drills that fail on purpose; the weekly drill runs again.
    root.check_output(f"{TOOL} drill {APP}")
    # ERROR lines the earlier tests provoked on purpose are not this file's subject; the
    # go-live's own verify (converge and idempotence) judged the logs since the release.
    proc, checks = verify(tmp_path, verify_logs_since=STARTED)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert set(checks) == ALL_CHECKS
    assert failing(checks) == {}
    assert "golive_verify" in proc.stdout.split("CUSTOM STATS", 1)[1]  # set_stats: AWX's job data
    markdown = (tmp_path / f"{HOST}-golive.md").read_text()
    assert "| login_refused | PASS | yes |" in markdown


def test_site_and_host_checks_fail_when_broken(root, tmp_path):
    migrations = [
        line.split()[-1]
        for line in sh(root, f"{COMPOSE} run --rm -T manage python3 manage.py showmigrations notes").splitlines()
        if line.strip().startswith("[X]")
    ]
    assert len(migrations) >= 2, migrations
    previous = previous_release_image(root)
    forged = forge_dump(root)
    with kept(root, SITE_CONF, HEADERS_CONF, f"{TLS_DIR}/fullchain.pem", f"{TLS_DIR}/privkey.pem"):
        try:
            # nginx: no HSTS, plain HTTP served instead of redirected, static files cached
            # for a minute.
            conf = root.file(SITE_CONF).content_string
            conf = conf.replace("return 308 https://$host$request_uri;", 'return 200 "plain";')
            write(root, SITE_CONF, conf.replace("    location / {", STATIC_SHORT_CACHE + "    location / {", 1))
            sh(root, f"sed -i '/add_header Strict-Transport-Security/d' {SITE_CONF} {HEADERS_CONF}")
            # A certificate for the right names that has 3 days left.
            sh(
                root,
                f"openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj /CN={DOMAIN} "
                f"-addext subjectAltName=DNS:{DOMAIN},DNS:www.{DOMAIN} "
                f"-keyout {TLS_DIR}/privkey.pem -out {TLS_DIR}/fullchain.pem 2>/dev/null",
            )
            root.check_output("nginx -t && systemctl reload nginx")
            # A port opened past the firewall, with something listening on it.
            root.check_output("ufw allow 8080/tcp")
            root.check_output("systemd-run --unit golive-test-8080 python3 -m http.server 8080")
            # A fail2ban jail stopped.
            root.check_output("fail2ban-client stop nginx-botsearch")
            # An unapplied migration: the newest one of the notes app is rolled back.
            sh(root, f"{COMPOSE} run --rm -T manage python3 manage.py migrate notes {migrations[-2]}")
            # The last restore drill failed (a dump altered on disk).
            assert root.run(f"{TOOL} drill {APP} {forged}").rc != 0
            # The previous release's images are gone.
            root.check_output(f"docker image rm {previous}")
            # A full file system (a small one of its own: the host's disk is the CI machine's).
            sh(root, f"mkdir -p {SMALL_FS} && mount -t tmpfs -o size=4m golive-test {SMALL_FS}")
            sh(root, f"dd if=/dev/zero of={SMALL_FS}/fill bs=64k count=62 status=none")

            proc, checks = verify(
                tmp_path,
                verify_check_silenced=[],  # the allow-list removed: the warning it allowed fails
                verify_disk_paths=["/", "/var/lib/docker", SMALL_FS],
                verify_monitoring_password="not-the-password",
                verify_mail_relay_port=25,  # the relay's port without STARTTLS
            )
        finally:
            root.run(f"umount {SMALL_FS}")
            root.run("systemctl stop golive-test-8080")
            root.run("ufw delete allow 8080/tcp")
            root.run("systemctl restart fail2ban")
            sh(root, f"{COMPOSE} run --rm -T manage python3 manage.py migrate notes")
            root.run(f"rm -f {forged} {forged}.json {forged}.sha256; docker pull -q {previous}")
            root.run(f"{TOOL} drill {APP}")
    # A required check failed: the play fails, after writing the report.
    assert proc.returncode != 0 and "go-live verification failed" in proc.stdout
    broken = failing(checks)
    expected = {
        "hsts", "static_cached", "http_redirect", "tls_certificate", "login_works", "firewall_ports", "ufw_active",
        "fail2ban_jails", "pending_migrations", "check_deploy", "disk_space", "restore_drill", "rollback_target",
        "mail_relay",
    }  # fmt: skip
    assert expected <= set(broken), broken
    assert "8080" in broken["firewall_ports"] and "8080" in broken["ufw_active"]
    assert "nginx-botsearch" in broken["fail2ban_jails"] and "notes.0" in broken["pending_migrations"]
    assert "security.W021" in broken["check_deploy"] and previous in broken["rollback_target"]
    assert f"{SMALL_FS}: " in broken["disk_space"] and "(too little)" in broken["disk_space"]
    disks = {entry["path"]: entry["ok"] for entry in checks["disk_space"]["data"]["paths"]}
    assert disks == {"/": True, "/var/lib/docker": True, SMALL_FS: False}  # the full one only
    assert "STARTTLS is not offered" in broken["mail_relay"]
    # What these breakages leave alone still passes.
    for name in ("login_page", "login_refused", "celery_roundtrip", "database_login", "backup_recent"):
        assert checks[name]["ok"], checks[name]


def test_celery_login_page_and_backup_checks_fail_when_broken(root, tmp_path):
    with kept(root, SITE_CONF):
        try:
            root.check_output(f"{COMPOSE} stop worker")
            sh(
                root,
                f"{COMPOSE} exec -T {live(root)['service']} python3 manage.py shell -c "
                "'from notes.tasks import ping; [ping.delay() for n in range(150)]'",
            )
            root.check_output(f"{COMPOSE} up -d --no-deps --no-recreate --scale beat=2 beat")  # two beats
            conf = root.file(SITE_CONF).content_string
            write(root, SITE_CONF, conf.replace("    location / {", NO_LOGIN_PAGE + "    location / {", 1))
            root.check_output("nginx -t && systemctl reload nginx")
            # A dump that fails (the database is down for it) after the good ones.
            root.check_output(f"{COMPOSE} stop postgres")
            assert root.run(f"{TOOL} dump {APP} manual").rc != 0
            root.check_output(f"{COMPOSE} start postgres")
            proc, checks = verify(tmp_path)
        finally:
            root.run(f"{COMPOSE} up -d --no-deps --no-recreate --scale beat=1 beat")
            root.run(f"{COMPOSE} start postgres worker")
    broken = failing(checks)
    expected = {
        "services_healthy", "one_beat", "celery_ping", "celery_roundtrip", "queue_backlog", "login_page",
        "static_cached", "login_refused", "login_works", "backup_recent",
    }  # fmt: skip
    assert expected <= set(broken), broken
    assert "worker" in broken["services_healthy"] and "over 100 waiting" in broken["queue_backlog"]
    assert "not run" in broken["login_refused"]
    assert checks["redis_ping"]["ok"] and checks["hsts"]["ok"]
    assert root.run(f"{TOOL} dump {APP} manual").rc == 0  # a good dump again


def test_redis_database_and_log_checks_fail_when_broken(root, tmp_path):
    lines = [
        line
        for name in ("postgres.env", "redis.env")
        for line in root.file(f"{DIR}/current/{name}").content_string.splitlines()
    ]
    env = {k: v.strip("'\"") for k, v in (line.split("=", 1) for line in lines if "=" in line)}
    db_user, db_password, redis_password = env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["REDIS_PASSWORD"]
    redis_cli = f"{COMPOSE} exec -T redis redis-cli --no-auth-warning"
    since = datetime.now(UTC).isoformat()  # the release tests' and the breakages' errors above are older
    try:
        message = "ERROR golive.test something broke on purpose"
        sh(root, f"{COMPOSE} exec -T {live(root)['service']} sh -c 'echo \"{message}\" > /proc/1/fd/1'")
        # The app's own credentials stop working; the servers themselves still run.
        psql(root, f"ALTER ROLE {db_user} PASSWORD 'not-the-password';")
        sh(root, f"{redis_cli} -a '{redis_password}' CONFIG SET requirepass not-the-password")
        proc, checks = verify(tmp_path, verify_logs_since=since)
    finally:
        sh(root, f"{redis_cli} -a not-the-password CONFIG SET requirepass '{redis_password}'")
        psql(root, f"ALTER ROLE {db_user} PASSWORD '{db_password}';")
    broken = failing(checks)
    assert {"redis_ping", "database_login", "log_errors", "https_healthz"} <= set(broken), broken
    assert "on purpose" in broken["log_errors"]
    assert checks["services_healthy"]["ok"] or "postgres" not in broken["services_healthy"]


def test_the_host_is_healthy_again(tmp_path):
    since = datetime.now(UTC).isoformat()  # the ERROR logged on purpose above is older
    deadline = time.monotonic() + 120
    while True:  # the worker works off the queue the Celery test left
        proc, checks = verify(tmp_path, verify_logs_since=since)
        if proc.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(10)
    assert proc.returncode == 0, failing(checks)
