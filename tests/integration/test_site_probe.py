"""django_site_probe and port_probe for real: the demo app's image served by gunicorn on
this machine's Docker engine, with PostgreSQL, probed from here as from a controller.

One Compose project lives in a temporary directory for the session: ``web`` is the healthy
site (migrated, a monitoring superuser); ``web_nocache`` serves the hashed static files
with WhiteNoise's short default max-age (a settings module laid over the image); ``web_nodb``
has a wrong database password, so its login page shows but a login attempt is a 500. Each
check is shown to hold on ``web`` and to fail where its condition is broken. The modules
run through the ``ansible`` CLI; their JSON results are read back.
Needs the engine and the demo images: ``make test-site-probe``.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import yaml

TOP = Path(__file__).resolve().parents[2]
ANSIBLE = TOP / ".venv" / "bin" / "ansible"
COLLECTIONS = TOP / ".rig" / "collections"
IMAGES = {"app": "golive-demo/app:v1", "postgres": "golive-demo/postgres:17"}
DOMAIN = "demo.golive.test"

# Hashed files answered like any other static file: max-age=60 instead of ten years.
NOCACHE_SETTINGS = """from demo.settings import *  # noqa: F403


def WHITENOISE_IMMUTABLE_FILE_TEST(path, url):
    return False
"""


def docker(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, timeout=300, env=env or os.environ.copy()
    )
    if check and done.returncode:
        pytest.fail(f"docker {' '.join(args[:3])}... failed (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


class Site:
    """The Compose project, the published web ports and the ansible CLI that runs the modules."""

    WEBS = ("web", "web_nocache", "web_nodb")

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = f"golive-site-{secrets.token_hex(4)}"
        self.image = f"{self.name}/app:probe"
        self.db_password = secrets.token_urlsafe(24)
        self.monitor_password = secrets.token_urlsafe(18)
        self.ports: dict[str, int] = {}
        app_env = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": DOMAIN,
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP from here to gunicorn
            "DATABASE_URL": f"postgres://demo:{self.db_password}@postgres:5432/demo",
        }

        def web(**env: str) -> dict:
            return {
                "image": self.image,
                "environment": {**app_env, **env},
                "ports": ["127.0.0.1::8000"],
                "depends_on": ["postgres"],
            }

        compose = {
            "services": {
                "postgres": {
                    "image": IMAGES["postgres"],
                    "environment": {
                        "POSTGRES_USER": "demo",
                        "POSTGRES_DB": "demo",
                        "POSTGRES_PASSWORD": self.db_password,
                    },
                    "healthcheck": {
                        "test": ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", "demo", "-d", "demo"],
                        "interval": "1s",
                        "retries": 60,
                    },
                },
                "web": web(),
                "web_nocache": web(DJANGO_SETTINGS_MODULE="demo.probe_nocache"),
                "web_nodb": web(DATABASE_URL="postgres://demo:wrong@postgres:5432/demo"),
            }
        }
        (root / "compose.yaml").write_text(yaml.safe_dump(compose, sort_keys=False))
        (root / "hosts.ini").write_text(
            f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
        )
        (root / "ansible.cfg").write_text(
            "[defaults]\n"
            f"collections_path = {COLLECTIONS}\n"
            f"inventory = {root / 'hosts.ini'}\n"
            "stdout_callback = ansible.builtin.json\n"
            "bin_ansible_callbacks = true\n"
        )

    def compose(self, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return docker("compose", "--project-directory", str(self.root), "-p", self.name, *args, env=env, check=check)

    def manage(self, *args: str, env: dict | None = None) -> None:
        """manage.py ARGS in a one-off web container; ENV reaches it through compose's environment, not argv."""
        passed = [item for name in (env or {}) for item in ("-e", name)]
        command = ["run", "--rm", "-T", "--no-deps", *passed, "web", "python3", "manage.py", *args]
        self.compose(*command, env={**os.environ, **(env or {})})

    def wait_until_served(self, service: str, seconds: float = 60) -> int:
        address = self.compose("port", service, "8000").stdout.strip()
        port = int(address.rsplit(":", 1)[1])
        deadline = time.monotonic() + seconds
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/admin/login/", headers={"Host": DOMAIN})
                conn.getresponse().read()
                return port
            except OSError:
                if time.monotonic() > deadline:
                    logs = self.compose("logs", service, check=False).stdout[-3000:]
                    pytest.fail(f"{service} does not answer on 127.0.0.1:{port}:\n{logs}")
                time.sleep(0.5)
            finally:
                conn.close()

    def module(self, name: str, check_mode: bool = False, **args) -> dict:
        """Run golive.stack.NAME with ARGS; return its result (a failed module ends the test)."""
        argv = [str(ANSIBLE), "localhost", "-m", f"golive.stack.{name}", "-a", json.dumps(args)]
        argv += ["--check"] if check_mode else []
        env = dict(os.environ, ANSIBLE_CONFIG=str(self.root / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        done = subprocess.run(argv, cwd=self.root, env=env, capture_output=True, text=True, timeout=300, check=False)
        try:
            result = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, LookupError):
            pytest.fail(f"no JSON result from {name} (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
        if result.get("failed") or result.get("changed"):
            pytest.fail(f"{name} failed or changed: {result.get('msg')}\n{done.stdout}")
        result["_stdout"] = done.stdout
        return result

    def site_probe(self, service: str = "web", **args) -> dict[str, dict]:
        """django_site_probe of SERVICE as http://demo.golive.test through its published port: checks by name."""
        args = {"base_url": f"http://{DOMAIN}", "connect_to": f"127.0.0.1:{self.ports[service]}", **args}
        result = self.module("django_site_probe", **args)
        checks = {check["name"]: check for check in result["checks"]}
        assert list(checks) == [check["name"] for check in result["checks"]], "a check name is repeated"
        return checks


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    if shutil.which("docker") is None or docker("info", check=False).returncode != 0:
        pytest.fail("no Docker engine: run `make engine`")
    missing = [image for image in IMAGES.values() if docker("image", "inspect", image, check=False).returncode]
    if missing:
        pytest.fail(f"missing images {missing}: run `make demo-images`")
    if not (COLLECTIONS / "ansible_collections" / "golive" / "stack").is_dir():
        pytest.fail("the collection is not linked: run `make collection-link`")
    root = tmp_path_factory.mktemp("site-probe")
    site = Site(root)
    build = root / "image"
    build.mkdir()
    (build / "probe_nocache.py").write_text(NOCACHE_SETTINGS)
    (build / "Dockerfile").write_text(f"FROM {IMAGES['app']}\nCOPY probe_nocache.py /app/demo/probe_nocache.py\n")
    try:
        docker("build", "-q", "-t", site.image, str(build))
        site.compose("up", "-d", "--wait", "postgres")
        site.manage("migrate", "--noinput", "-v", "0")
        site.manage(
            "createsuperuser",
            "--noinput",
            "--username",
            "monitor",
            "--email",
            f"monitor@{DOMAIN}",
            env={"DJANGO_SUPERUSER_PASSWORD": site.monitor_password},
        )
        site.compose("up", "-d", *Site.WEBS)
        site.ports = {service: site.wait_until_served(service) for service in Site.WEBS}
        yield site
    finally:
        for done in (
            site.compose("down", "-v", "--remove-orphans", "-t", "1", check=False),
            docker("image", "rm", "-f", site.image, check=False),
        ):
            if done.returncode:
                warnings.warn(f"cleanup of {site.name} failed: {done.stderr}", stacklevel=1)


def test_healthy_site_passes_every_check(site):
    checks = site.site_probe(username="monitor", password=site.monitor_password)
    assert list(checks) == ["login_page", "static_cached", "login_refused", "login_works"]
    assert [name for name, check in checks.items() if not check["ok"]] == [], checks

    assert checks["login_page"]["detail"] == "GET /admin/login/ -> 200, csrftoken cookie, csrfmiddlewaretoken field"
    static = checks["static_cached"]
    assert static["detail"].startswith("GET /static/admin/") and static["data"]["status"] == 200
    assert static["data"]["max_age"] >= 31536000 and static["data"]["immutable"] is True  # WhiteNoise: ten years
    refused = checks["login_refused"]
    assert refused["data"]["status"] == 200 and refused["data"]["form_again"] is True
    assert refused["data"]["session_cookie"] is False
    works = checks["login_works"]
    assert works["detail"] == "POST /admin/login/ as monitor -> 302 Location: /admin/, sessionid cookie set"
    assert all(check["data"]["elapsed_ms"] > 0 for name, check in checks.items())


def test_check_mode_probes_the_same_and_the_password_stays_out_of_the_output(site):
    args = {"base_url": f"http://{DOMAIN}", "connect_to": f"127.0.0.1:{site.ports['web']}"}
    result = site.module(
        "django_site_probe", check_mode=True, username="monitor", password=site.monitor_password, **args
    )
    assert [(check["name"], check["ok"]) for check in result["checks"]] == [
        ("login_page", True),
        ("static_cached", True),
        ("login_refused", True),
        ("login_works", True),
    ]
    assert site.monitor_password not in result["_stdout"]


def test_login_page_fails_for_a_host_the_site_does_not_serve_and_a_wrong_path(site):
    not_run = {"ok": False, "detail": "not run: the login page did not answer 200"}
    other = site.site_probe(base_url="http://other.golive.test")
    assert (other["login_page"]["ok"], other["login_page"]["detail"]) == (False, "GET /admin/login/ -> 400")
    assert [{key: check[key] for key in not_run} for check in list(other.values())[1:]] == [not_run, not_run]

    missing = site.site_probe(login_path="/accounts/login/")
    assert (missing["login_page"]["ok"], missing["login_page"]["detail"]) == (False, "GET /accounts/login/ -> 404")
    assert list(missing) == ["login_page", "static_cached", "login_refused"]
    assert not any(check["ok"] for check in missing.values())


def test_static_without_long_caching_fails_static_cached(site):
    checks = site.site_probe(service="web_nocache")
    static = checks["static_cached"]
    assert static["ok"] is False and static["data"]["max_age"] == 60, static
    assert static["detail"].endswith(", Cache-Control: max-age=60, public (max-age below 31536000)")
    assert checks["login_page"]["ok"] and checks["login_refused"]["ok"]
    # the same server passes with the threshold it meets
    assert site.site_probe(service="web_nocache", static_min_max_age=60)["static_cached"]["ok"] is True


def test_wrong_password_answered_with_a_server_error_fails_login_refused(site):
    checks = site.site_probe(service="web_nodb", username="monitor", password=site.monitor_password)
    assert checks["login_page"]["ok"] is True  # the page needs no database; the login does
    refused = checks["login_refused"]
    assert refused["ok"] is False and refused["data"]["status"] == 500
    assert refused["detail"].endswith(" with a wrong password -> 500, no sessionid cookie")
    assert checks["login_works"]["ok"] is False and checks["login_works"]["data"]["status"] == 500


def test_csrf_failure_fails_login_refused(site):
    # A proxy saying https for a request that came over http: Django then wants an https
    # Origin and refuses the form's http one, as it would for a wrong CSRF_TRUSTED_ORIGINS.
    checks = site.site_probe(headers={"X-Forwarded-Proto": "https"}, username="monitor", password="irrelevant")
    assert checks["login_page"]["ok"] is True
    for name in ("login_refused", "login_works"):
        assert checks[name]["ok"] is False and checks[name]["data"]["status"] == 403
        assert checks[name]["detail"].endswith("-> 403, no sessionid cookie, CSRF verification failed")


def test_wrong_monitoring_password_fails_login_works(site):
    checks = site.site_probe(username="monitor", password=site.monitor_password + "x")
    assert checks["login_refused"]["ok"] is True
    works = checks["login_works"]
    assert works["ok"] is False
    assert works["detail"] == "POST /admin/login/ as monitor -> 200, login form again, no sessionid cookie"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_port_probe_open_allowed_and_not(site):
    web, nocache, closed = site.ports["web"], site.ports["web_nocache"], _closed_port()
    ports = [web, nocache, closed]
    result = site.module("port_probe", host="127.0.0.1", ports=ports, allowed=[web], timeout=2)
    check = result["checks"][0]
    assert check["name"] == "firewall_ports" and check["ok"] is False
    assert (check["data"]["open"], check["data"]["closed"]) == (sorted([web, nocache]), [closed])
    assert check["data"]["unexpected"] == [nocache]
    assert f"; not allowed: {nocache} (1 closed, 0 filtered)" in check["detail"]

    allowed = site.module("port_probe", host="127.0.0.1", ports=ports, allowed=[web, nocache], check_name="published")
    assert (allowed["checks"][0]["name"], allowed["checks"][0]["ok"]) == ("published", True)


def test_port_probe_finds_the_database_port_of_the_database_host(site):
    container = site.compose("ps", "-q", "postgres").stdout.strip()
    networks = json.loads(docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", container).stdout)
    address = next(iter(networks.values()))["IPAddress"]
    check = site.module("port_probe", host=address, ports=[22, 5432, 6379], allowed=[22], timeout=2)["checks"][0]
    assert check["ok"] is False and check["data"]["open"] == [5432] and check["data"]["unexpected"] == [5432]
    assert check["data"]["closed"] == [22, 6379]
