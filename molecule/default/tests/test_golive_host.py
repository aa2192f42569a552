"""Host state after golive.yml, read over SSH with testinfra (the deploy user + sudo)."""

import json
import shlex

APP = "demo"


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
    # the first release serves on the blue colour; green is not running
    assert set(by_name) == {"web-blue", "worker", "beat", "postgres", "redis"}
    for name, svc in by_name.items():
        assert svc["State"] == "running", name
        assert svc["Health"] == "healthy", name
    # Only the web colour is published, and only on loopback (nginx is the public face).
    published = [p for s in services for p in s.get("Publishers") or [] if p.get("PublishedPort")]
    assert [(p["URL"], p["PublishedPort"]) for p in published] == [("127.0.0.1", 8001)]


def test_web_health_check_passes_the_apps_host_check_and_ssl_redirect(root):
    # The demo answers /healthz before its host check; "/" goes through ALLOWED_HOSTS (the
    # public domain only) and the SSL redirect, as a typical app's health URL does. The web
    # container's own health check command, pointed at "/", must still get its 200.
    cid = root.check_output(f"docker compose -p {APP} ps -q web-blue")
    test = json.loads(root.check_output(f"docker inspect -f '{{{{json .Config.Healthcheck.Test}}}}' {cid}"))
    assert test[0] == "CMD" and "/healthz'" in test[-1], test
    argv = [*test[1:-1], test[-1].replace("/healthz'", "/'")]
    done = root.run("docker exec " + " ".join(shlex.quote(a) for a in [cid, *argv]))
    assert done.rc == 0, (argv, done.stdout, done.stderr)


def test_release_directory_and_secrets(root):
    current = f"/opt/golive/{APP}/current"
    assert root.file(current).is_symlink
    release = root.file(current).linked_to
    for name in ("app.env", ".env", "postgres.env", "redis.env"):
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
