"""Each runbook layout's example inventory (inventories/examples/) taken live, and verified.

Every layout gets a fresh rig host of its own (Debian 12 or 13), started from the rig's
hardened image (tests/rig/hardened.sh): a server an infra team took through harden.yml before
the app's go-live, on the sandbox's settings. golive.yml re-runs the hardening on it with the
layout's own settings and takes the app live; a go-live from a bare server is the default
scenario's, and the hardening from bare the hardening scenario's. Each layout gets its example
inventory as it is in the repository, with two files added beside it the way an operator adds
them:
- group_vars/golive/vault.yml: the vault, filled in with strong values;
- group_vars/golive/zz_rig.yml: what differs on the rig from the example's production
  (RIG below: how Ansible logs in, the rig's gateway trusted by ufw and fail2ban, a
  self-signed certificate because no public ACME server is reachable, Debian's Docker
  engine, the rig registry over plain HTTP, the rig's mail relay CA, and for the images
  that cannot be pulled here, the rig's own).
Then golive.yml runs for all five at once, each with its own inventory; verify is its last
play and fails the run when a required check fails. The apps are stand-ins shaped like
each runbook's app (tests/fixtures/demo_app/layouts, tests/fixtures/rotacc_app): their env
names, settings module, Celery app and URL paths are the real app's.
RotaCC's web image is built from its source at a commit by build.yml (imported by
golive.yml), once for both RotaCC layouts; rotacc-app-only's PostgreSQL (with TLS, as its
DATABASE_URL requires) and Redis are managed ones beside the host (tests/rig/managed-db.sh).
Needs the engine, the rig registry with the stand-ins, the mail relay: ``make test-layouts-live``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from test_layouts import EXAMPLES, strong, vault_names

TOP = Path(__file__).resolve().parents[2]
BIN = TOP / ".venv" / "bin"
RIG = TOP / "tests" / "rig"
STATE = TOP / ".rig"
GATEWAY = "10.213.7.1"
REGISTRY = "registry.golive.test:5000"
MAIL_CA = "/usr/local/share/golive-rig/mail-ca.pem"

# layout -> its rig host (name, address, Debian version): both Debian versions are covered.
HOSTS = {
    "opensesa": ("layout-opensesa", "10.213.7.71", 12),
    "construbot": ("layout-construbot", "10.213.7.72", 13),
    "azionelab": ("layout-azionelab", "10.213.7.73", 12),
    "rotacc-full": ("layout-rotacc-full", "10.213.7.74", 13),
    "rotacc-app-only": ("layout-rotacc-app", "10.213.7.75", 12),
}
# rotacc-app-only's managed PostgreSQL and Redis.
MANAGED = {"prefix": "layout-rotacc-db", "postgres": "10.213.7.76", "redis": "10.213.7.77"}
ROTACC_PUSH = "127.0.0.1:5000/rotacc/web"  # the rig registry as this machine reaches it
FRONTEND = "<!doctype html><title>AzioneLab</title><app-root>azionelab frontend stand-in</app-root>\n"


def rig_overrides(layout: str) -> dict:
    """What the rig changes in LAYOUT's example (group_vars/golive/zz_rig.yml)."""
    common = {
        "ansible_ssh_private_key_file": str(STATE / "ssh" / "id_ed25519"),
        "ansible_ssh_common_args": (
            f"-o UserKnownHostsFile={STATE / 'known_hosts'} -o StrictHostKeyChecking=yes"
            " -o ControlMaster=auto -o ControlPersist=60s"
        ),
        "ansible_python_interpreter": "/usr/bin/python3",
        # the examples' commented-out lines, filled in with the rig's gateway (the controller)
        "ufw_ssh_trusted": [GATEWAY],
        "fail2ban_admin_networks": [GATEWAY],
        "nginx_tls_mode": "selfsigned",
        "docker_install_source": "distro",
        "docker_insecure_registries": [REGISTRY],
        "verify_mail_relay_ca_path": MAIL_CA,
    }
    if layout == "rotacc-full":
        # the runbook's postgres:15-alpine cannot be pulled here: the rig's PostgreSQL stands in
        common["golive_images"] = {
            "postgres": f"{REGISTRY}/golive-demo/postgres:17",
            "redis": f"{REGISTRY}/golive-demo/redis:8",
        }
    if layout.startswith("rotacc"):
        common.update(
            image_build_source=str(rotacc_source()["path"]),
            image_build_push_repository=ROTACC_PUSH,
            image_build_args={"BASE": "golive-rig/debian:13"},
        )
    if layout == "rotacc-app-only":
        # no DNS serves the managed servers' names on the rig: their addresses stand in
        common["rotacc_db"] = {"host": MANAGED["postgres"], "port": 5432, "name": "rota_db", "user": "rota_user"}
        common["rotacc_redis"] = {"host": MANAGED["redis"], "port": 6379, "db": 0, "user": "default"}
        common["pg_backup_client_image"] = f"{REGISTRY}/golive-demo/postgres:17"
    return common


def env(**extra: str) -> dict:
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(TOP / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(STATE / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        # each log ends with its slowest tasks
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
        **extra,
    }


def sh(*argv: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=True, **kwargs)


def on(layout: str, command: str) -> str:
    """COMMAND as root on LAYOUT's host, through the rig's own channel (docker exec)."""
    return sh("docker", "exec", HOSTS[layout][0], "sh", "-c", command).stdout.strip()


_source: dict = {}


def rotacc_source() -> dict:
    """RotaCC's stand-in source as a git repository of its own, at one commit."""
    if not _source:
        path = Path(os.environ.get("GOLIVE_LAYOUTS_WORK", "/tmp/golive-layouts")) / "rota-cc"
        shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(TOP / "tests" / "fixtures" / "rotacc_app", path)
        ident = ["-c", "user.name=golive", "-c", "user.email=golive@example.test"]
        sh("git", "-C", str(path), "init", "-q", "-b", "main")
        sh("git", "-C", str(path), *ident, "add", "-A")
        # a fixed date: the same tree gives the same commit id on every run (one image)
        date = {"GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
        sh("git", "-C", str(path), *ident, "commit", "-qm", "RotaCC stand-in", env={**os.environ, **date})
        _source.update(path=path, commit=sh("git", "-C", str(path), "rev-parse", "HEAD").stdout.strip())
    return _source


def vault(layout: str) -> dict[str, str]:
    """LAYOUT's vault filled in: strong values, and a DSN shaped as Sentry's (nothing is sent)."""
    values = {name: strong(name) for name in vault_names(layout)}
    for name in values:
        if name.endswith("_sentry_dsn"):
            values[name] = f"https://{strong(name)[:32].lower()}@o0.ingest.sentry.io/1"
    return values


def inventory(work: Path, layout: str) -> Path:
    """LAYOUT's example copied to WORK, its host at the rig address, the vault and the rig's file beside it."""
    path = work / layout
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(EXAMPLES / layout, path)
    hosts = yaml.safe_load((path / "hosts.yml").read_text())
    (name,) = hosts["all"]["children"]["golive"]["hosts"]
    hosts["all"]["children"]["golive"]["hosts"][name]["ansible_host"] = HOSTS[layout][1]
    (path / "hosts.yml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    group = path / "group_vars" / "golive"
    (group / "vault.yml").write_text(yaml.safe_dump(vault(layout)))
    (group / "zz_rig.yml").write_text(yaml.safe_dump(rig_overrides(layout), sort_keys=False))
    return path


def host_name(layout: str) -> str:
    (name,) = yaml.safe_load((EXAMPLES / layout / "hosts.yml").read_text())["all"]["children"]["golive"]["hosts"]
    return name


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> dict:
    """Every layout's host up, then golive.yml on all five at once: {layout: (proc, report)}."""
    work = Path(os.environ.setdefault("GOLIVE_LAYOUTS_WORK", str(tmp_path_factory.mktemp("layouts"))))
    for layout, (name, address, debian) in HOSTS.items():
        sh(str(RIG / "host.sh"), "down", name)
        sh(str(RIG / "host.sh"), "up", name, address, str(debian), "hardened")
        on(layout, f"install -D -m 0644 /dev/null {MAIL_CA}")
        subprocess.run(
            ["docker", "exec", "-i", name, "sh", "-c", f"cat > {MAIL_CA}"],
            input=(STATE / "mailrelay" / "ca.pem").read_text(),
            text=True,
            check=True,
        )
    # AzioneLab's frontend is the operator's to put in place (the example's README says so):
    # the built Angular files in nginx's root for /.
    on("azionelab", "install -d -m 0755 /var/www/azionelab/frontend")
    subprocess.run(
        ["docker", "exec", "-i", HOSTS["azionelab"][0], "sh", "-c", "cat > /var/www/azionelab/frontend/index.html"],
        input=FRONTEND,
        text=True,
        check=True,
    )
    secrets = vault("rotacc-app-only")
    sh(str(RIG / "managed-db.sh"), "down", MANAGED["prefix"])
    sh(
        str(RIG / "managed-db.sh"),
        "up",
        MANAGED["prefix"],
        MANAGED["postgres"],
        MANAGED["redis"],
        env={
            **os.environ,
            "GOLIVE_DB_NAME": "rota_db",
            "GOLIVE_DB_USER": "rota_user",
            "GOLIVE_DB_PASSWORD": secrets["vault_rotacc_db_password"],
            "GOLIVE_REDIS_PASSWORD": secrets["vault_rotacc_redis_password"],
            "GOLIVE_DB_TLS": "1",
        },
    )
    inventories = {layout: inventory(work, layout) for layout in HOSTS}
    commit = rotacc_source()["commit"]
    # RotaCC's image, built once from its source (build.yml alone) for both RotaCC layouts
    build = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventories["rotacc-full"] / "hosts.yml"),
         str(TOP / "playbooks" / "build.yml"), "-e", f"image_build_commit={commit}"],
        capture_output=True, text=True, check=False, cwd=TOP, env=env(), timeout=1200,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    started = {}
    for layout, path in inventories.items():
        argv = [str(BIN / "ansible-playbook"), "-i", str(path / "hosts.yml"), str(TOP / "playbooks" / "golive.yml"),
                "-e", f"verify_report_dir={work / 'reports' / layout}"]  # fmt: skip
        if layout.startswith("rotacc"):
            argv += ["-e", f"image_build_commit={commit}"]
        log = (work / f"{layout}.log").open("w")
        started[layout] = (subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=TOP, env=env()), log)
        time.sleep(5)  # the first SSH connections and package downloads of each host a little apart
    results = {}
    for layout, (proc, log) in started.items():
        proc.wait(timeout=3600)
        log.close()
        output = (work / f"{layout}.log").read_text()
        report_file = work / "reports" / layout / f"{host_name(layout)}-golive.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else {}
        results[layout] = (proc.returncode, output, report)
    yield results
    if os.environ.get("GOLIVE_KEEP_LAYOUTS") != "1":
        sh(str(RIG / "host.sh"), "down", *[host[0] for host in HOSTS.values()])
        sh(str(RIG / "managed-db.sh"), "down", MANAGED["prefix"])


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


def get(layout: str, domain: str, path: str) -> Answer:
    """GET https://DOMAIN/PATH at LAYOUT's host, as a visitor (the public name as SNI and Host)."""
    address = HOSTS[layout][1]
    # -k: the rig's certificate is self-signed
    out = subprocess.run(
        ["curl", "-sk", "--max-time", "15", "--resolve", f"{domain}:443:{address}", "-D", "-", "-o", "/dev/stdout",
         f"https://{domain}{path}"],
        capture_output=True, check=True,
    )  # fmt: skip
    head, body = out.stdout.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    pairs = (line.split(":", 1) for line in lines[1:] if ":" in line)
    headers = {key.lower(): value.strip() for key, value in pairs}
    return Answer(int(lines[0].split()[1]), headers, body)


def services(layout: str, app: str) -> dict[str, str]:
    """The compose project's running containers on LAYOUT's host: {service: image}."""
    out = on(
        layout,
        f"docker ps --filter label=com.docker.compose.project={app} "
        "--format '{{.Label \"com.docker.compose.service\"}} {{.Image}}'",
    )
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


@pytest.mark.parametrize("layout", list(HOSTS))
def test_layout_goes_live_and_passes_verify(live, layout):
    code, output, report = live[layout]
    assert code == 0, output[-6000:]
    assert report, "no go-live report was written"
    assert report["failed_required"] == [], report["failed_required"]
    ran = {check["name"] for check in report["checks"] if check["ok"]}
    # what every layout must pass, whatever it runs
    assert {"https_home", "https_healthz", "hsts", "http_redirect", "tls_certificate", "check_deploy",
            "pending_migrations", "ufw_active", "fail2ban_jails", "services_healthy", "firewall_ports",
            "backup_recent", "database_login"} <= ran, sorted(ran)  # fmt: skip
    if layout in ("azionelab", "rotacc-full", "rotacc-app-only"):
        assert "mail_relay" in ran  # their example names the relay
    print(f"{layout}: {len(ran)} checks passed, not applicable: {', '.join(report['not_applicable']) or 'none'}")


def test_opensesa_runs_web_worker_beat_and_its_data_services(live):
    running = services("opensesa", "opensesa")
    assert sorted(s for s in running if not s.startswith("web-")) == ["beat", "postgres", "redis", "worker"]
    assert running["worker"] == f"{REGISTRY}/opensesa/web:1.0.0"
    assert "celery -A opensesa" in on("opensesa", "docker inspect -f '{{join .Config.Cmd \" \"}}' opensesa-worker-1")


def test_construbot_gets_object_storage_and_error_tracking_from_its_environment(live):
    answer = get("construbot", "construbot.golive.test", "/_standin/settings")
    assert answer.status == 200, answer.body[:300]
    facts = json.loads(answer.body)
    assert facts["settings_module"] == "construbot.config.settings.production"
    assert facts["use_s3"] is True and facts["media_url"].startswith("https://construbot-media.s3.")
    assert facts["sentry_configured"] is True and facts["sentry_environment"] == "production"
    # the alias is redirected to the canonical name, and HSTS carries preload as the runbook asks
    answer = get("construbot", "www.construbot.golive.test", "/")
    assert answer.status in (301, 308) and answer.headers["location"].startswith("https://construbot.golive.test/")
    answer = get("construbot", "construbot.golive.test", "/healthz")
    assert "preload" in answer.headers["strict-transport-security"]


def test_azionelab_frontend_at_root_and_backend_under_api_and_admin(live):
    site = "azionelab.golive.test"
    answer = get("azionelab", site, "/")
    assert answer.status == 200 and b"azionelab frontend stand-in" in answer.body
    # a client-side route falls back to the frontend's index (spa: true)
    answer = get("azionelab", site, "/projects/42")
    assert answer.status == 200 and b"azionelab frontend stand-in" in answer.body
    # the health endpoint is the backend's, not the frontend's fallback
    for path in ("/healthz", "/api/health/"):
        answer = get("azionelab", site, path)
        assert answer.status == 200 and json.loads(answer.body)["status"] == "ok", (path, answer)
    answer = get("azionelab", site, "/admin/login/")
    assert answer.status == 200 and b"csrfmiddlewaretoken" in answer.body
    # no Redis, no Celery: the web colour and PostgreSQL only
    assert sorted(s for s in services("azionelab", "azionelab") if not s.startswith("web-")) == ["postgres"]


def test_rotacc_runs_the_image_built_from_its_commit(live):
    commit = rotacc_source()["commit"]
    for layout in ("rotacc-full", "rotacc-app-only"):
        running = services(layout, "rotacc")
        web = [image for service, image in running.items() if service.startswith("web-")]
        assert web == [f"{REGISTRY}/rotacc/web:{commit}"], running
        # beat embedded in the worker: no beat service
        assert "beat" not in running and "--beat" in on(
            layout, "docker inspect -f '{{join .Config.Cmd \" \"}}' rotacc-worker-1"
        )
    assert sorted(s for s in services("rotacc-full", "rotacc") if not s.startswith("web-")) == [
        "postgres",
        "redis",
        "worker",
    ]
    assert get("rotacc-full", "rota.golive.test", "/django-admin/login/").status == 200


def test_rotacc_app_only_uses_the_managed_database_over_tls(live):
    assert sorted(s for s in services("rotacc-app-only", "rotacc") if not s.startswith("web-")) == ["worker"]
    psql = ["docker", "exec", f"{MANAGED['prefix']}-postgres", "psql", "-U", "rota_user", "-d", "rota_db", "-Atc"]
    migrated = sh(*psql, "select count(*) from django_migrations").stdout.strip()
    assert int(migrated) > 0
    # the managed server offers TLS and the collection's URL requires it (sslmode=require):
    # backup_recent passed above, so the dump went over TLS
    assert sh(*psql, "show ssl").stdout.strip() == "on"
    # the app's own connections (DB_* without sslmode: libpq prefers TLS) are encrypted too
    address = HOSTS["rotacc-app-only"][1]
    rows = sh(*psql, f"select s.ssl from pg_stat_ssl s join pg_stat_activity a using (pid) "
                     f"where a.client_addr = '{address}'").stdout.split()  # fmt: skip
    assert "f" not in rows, rows
    backups = on("rotacc-app-only", "ls /var/backups/golive/rotacc 2>/dev/null || true")
    assert backups, "no dump of the managed database on the host"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
