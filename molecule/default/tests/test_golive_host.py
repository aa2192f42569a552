"""Host state after golive.yml, read over SSH with testinfra (the deploy user + sudo)."""

import json

import pytest

APP = "demo"


@pytest.fixture()
def root(host):
    with host.sudo():
        yield host


def test_sshd_effective_config_is_hardened(root):
    effective = dict(
        line.split(" ", 1) for line in root.check_output("sshd -T -C user=deploy,host=x,addr=10.0.0.1").splitlines()
    )
    assert effective["passwordauthentication"] == "no"
    assert effective["permitrootlogin"] == "no"
    assert effective["kbdinteractiveauthentication"] == "no"
    assert "deploy" in effective["allowusers"].split()


def test_ufw_is_active_with_ssh_http_https_only(root):
    status = root.check_output("ufw status verbose")
    assert "Status: active" in status
    assert "Default: deny (incoming)" in status
    allowed = {line.split()[0] for line in status.splitlines() if " ALLOW IN " in line or " LIMIT IN " in line}
    assert {"22/tcp", "80/tcp", "443/tcp"} <= allowed
    assert allowed <= {"22/tcp", "80/tcp", "443/tcp", "22/tcp (v6)", "80/tcp (v6)", "443/tcp (v6)"}


def test_fail2ban_jails_run(root):
    assert root.service("fail2ban").is_running
    assert root.run("fail2ban-client status sshd").rc == 0
    assert root.run("fail2ban-client status recidive").rc == 0


def test_docker_engine_with_log_rotation_and_live_restore(root):
    assert root.service("docker").is_running
    info = json.loads(root.check_output("docker info --format '{{json .}}'"))
    assert info["LoggingDriver"] in {"local", "json-file"}
    assert info["LiveRestoreEnabled"] is True
    assert root.run("docker compose version").rc == 0


def test_nginx_config_is_valid_and_running(root):
    assert root.service("nginx").is_running
    assert root.run("nginx -t").rc == 0


def test_stack_services_all_healthy(root):
    services = [
        json.loads(line) for line in root.check_output(f"docker compose -p {APP} ps --format json").splitlines()
    ]
    by_name = {s["Service"]: s for s in services}
    assert set(by_name) == {"web", "worker", "beat", "postgres", "redis"}
    for name, svc in by_name.items():
        assert svc["State"] == "running", name
        assert svc["Health"] == "healthy", name
    # Only web is published, and only on loopback (nginx is the public face).
    published = [p for s in services for p in s.get("Publishers") or [] if p.get("PublishedPort")]
    assert [(p["URL"], p["PublishedPort"]) for p in published] == [("127.0.0.1", 8001)]


def test_release_directory_and_secrets(root):
    current = f"/opt/golive/{APP}/current"
    assert root.file(current).is_symlink
    release = root.file(current).linked_to
    for name in ("app.env", "data.env"):
        env = root.file(f"{release}/{name}")
        assert env.mode == 0o600 and env.user == "root"
    record = json.loads(root.file(f"{release}/release.json").content_string)
    assert record["app"] == APP
    audit = root.file(f"/opt/golive/{APP}/audit.log").content_string.strip().splitlines()
    assert json.loads(audit[-1])["release"] == record["id"]
    assert not root.file(f"/opt/golive/{APP}/deploy.lock").exists


def test_migrations_applied_by_the_release(root):
    release = root.file(f"/opt/golive/{APP}/current").linked_to
    record = json.loads(root.file(f"{release}/release.json").content_string)
    assert any(step["app_label"] == "notes" for step in record["migrations_applied"])


def test_backup_timer_and_a_dump_that_lists(root):
    assert root.run(f"systemctl is-enabled golive-pg-backup@{APP}.timer").stdout.strip() == "enabled"
    assert root.run(f"systemctl is-active golive-pg-backup@{APP}.timer").stdout.strip() == "active"
    out = root.check_output(f"/usr/local/sbin/golive-pg-backup dump {APP} testinfra")
    dump = json.loads(out.splitlines()[-1])
    assert dump["bytes"] > 0
    assert root.run(f"cd /var/backups/golive/{APP} && sha256sum -c {dump['file'].rsplit('/', 1)[1]}.sha256").rc == 0
    # the pre-migration dump of the first release exists too
    assert root.run(f"ls /var/backups/golive/{APP}/ | grep -q -- '-pre-migrate-'").rc == 0


def test_a_failed_dump_fails_loudly_and_leaves_nothing_that_looks_like_a_backup(root):
    # Same settings but a database that does not exist: pg_dump fails inside the container.
    conf = "/etc/golive/pg_backup"
    root.check_output(f"sed 's/^PGDATABASE=.*/PGDATABASE=nosuchdb/' {conf}/{APP}.env > {conf}/broken.env")
    try:
        result = root.run("/usr/local/sbin/golive-pg-backup dump broken mustfail")
    finally:
        root.run(f"rm -f {conf}/broken.env")
    assert result.rc != 0
    assert "nosuchdb" in result.stderr
    leftovers = root.check_output(f"ls -A /var/backups/golive/{APP}/").split()
    assert not [name for name in leftovers if "mustfail" in name]
