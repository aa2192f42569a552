"""stack_health for real: a demo stack shaped like the app role's (web-green, worker, beat,
PostgreSQL, Redis from the demo images) on this machine's Docker engine.

The module runs through the ``ansible`` CLI and its JSON result is read back. Every check
passes on the healthy stack; then each is broken on purpose (the worker stopped, two beats,
a queue over the threshold, the app's Redis and database passwords no longer valid, an
ERROR logged, a service removed), must fail and say why, and the stack is put back before
the next test. Needs the engine and the demo images: ``make test-stack-health``.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import shutil
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
IMAGES = {"app": "golive-demo/app:v1", "postgres": "golive-demo/postgres:17", "redis": "golive-demo/redis:8"}
ALL_CHECKS = [
    "services_healthy",
    "one_beat",
    "celery_ping",
    "celery_roundtrip",
    "queue_backlog",
    "redis_ping",
    "database_login",
    "log_errors",
]
# A list the test fills; the worker consumes only `celery`.
TEST_QUEUE = "golive-test-backlog"


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False, timeout=300)
    if check and done.returncode:
        pytest.fail(f"docker {' '.join(args[:4])}... failed (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class Stack:
    """The Compose project and the ansible CLI that runs stack_health against it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = f"golive-sht-{secrets.token_hex(4)}"
        self.db_password = secrets.token_urlsafe(18)
        self.redis_password = secrets.token_urlsafe(18)
        self.started = now()  # the "release" starts: the logs from here on count
        app_env = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "demo.golive.test",
            "SITE_URL": "https://demo.golive.test",
            "DATABASE_URL": f"postgres://demo:{self.db_password}@postgres:5432/demo",
            "REDIS_URL": f"redis://:{self.redis_password}@redis:6379/0",
        }
        app = {"image": IMAGES["app"], "environment": app_env, "restart": "unless-stopped"}
        # Health checks as the app role's, less often: the probes made while a password is
        # changed on purpose must not make a container unhealthy before the test puts it back.
        slow = {"interval": "10s", "timeout": "8s", "start_period": "60s", "retries": 3}
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
                "redis": {
                    "image": IMAGES["redis"],
                    "environment": {"REDIS_PASSWORD": self.redis_password},
                    "healthcheck": {
                        "test": ["CMD-SHELL", 'REDISCLI_AUTH="$$REDIS_PASSWORD" redis-cli ping | grep -q PONG'],
                        "interval": "1s",
                        "retries": 60,
                    },
                },
                # the live colour; in a profile, as in the app role's compose file
                "web-green": {
                    **app,
                    "profiles": ["green"],
                    "healthcheck": {"test": ["CMD", "python3", "/app/healthcheck.py"], **slow},
                },
                "manage": {**app, "profiles": ["manage"], "restart": "no"},
                "worker": {
                    **app,
                    "command": ["celery", "-A", "demo", "worker", "--loglevel", "INFO", "--concurrency", "1"],
                    "healthcheck": {
                        "test": [
                            "CMD-SHELL",
                            "celery -A demo inspect ping --destination celery@$$HOSTNAME --timeout 5 >/dev/null",
                        ],
                        **slow,
                    },
                },
                "beat": {
                    **app,
                    "command": ["celery", "-A", "demo", "beat", "--loglevel", "INFO", "--schedule", "/tmp/schedule"],
                },
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

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return docker("compose", "--project-directory", str(self.root), "-p", self.name, *args, check=check)

    def up(self, *services: str) -> None:
        self.compose("up", "-d", "--wait", "--wait-timeout", "180", *services)

    def redis_cli(self, *args: str, password: str | None = None) -> str:
        auth = password or self.redis_password
        done = self.compose("exec", "-T", "-e", f"REDISCLI_AUTH={auth}", "redis", "redis-cli", *args)
        return done.stdout.strip()

    def psql(self, sql: str) -> str:
        return self.compose("exec", "-T", "postgres", "psql", "-U", "demo", "-d", "demo", "-tAqc", sql).stdout

    def health(self, check_mode: bool = False, **args) -> dict:
        """Run stack_health with the stack's options plus ARGS; return its result (never failed)."""
        module_args = {
            "project": self.name,
            "web_service": "web-green",
            "celery_app": "demo",
            "timeout": 8,
            **args,
        }
        argv = [str(ANSIBLE), "localhost", "-m", "golive.stack.stack_health", "-a", json.dumps(module_args)]
        argv += ["--check"] if check_mode else []
        env = dict(os.environ, ANSIBLE_CONFIG=str(self.root / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        done = subprocess.run(argv, cwd=self.root, env=env, capture_output=True, text=True, timeout=300, check=False)
        try:
            result = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, LookupError):
            pytest.fail(f"no JSON result from stack_health (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
        if result.get("failed"):
            pytest.fail(f"stack_health failed: {result.get('msg')}\n{done.stdout}")
        assert result["changed"] is False
        assert self.redis_password not in done.stdout and self.db_password not in done.stdout
        result["by_name"] = {check["name"]: check for check in result["checks"]}
        return result


def failing(result: dict) -> dict[str, str]:
    """The checks that failed, with their detail."""
    return {check["name"]: check["detail"] for check in result["checks"] if not check["ok"]}


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if shutil.which("docker") is None or docker("info", check=False).returncode != 0:
        pytest.fail("no Docker engine: run `make engine`")
    missing = [image for image in IMAGES.values() if docker("image", "inspect", image, check=False).returncode]
    if missing:
        pytest.fail(f"missing images {missing}: run `make demo-images`")
    if not (COLLECTIONS / "ansible_collections" / "golive" / "stack").is_dir():
        pytest.fail("the collection is not linked: run `make collection-link`")
    stack = Stack(tmp_path_factory.mktemp("stack-health"))
    try:
        stack.up("postgres", "redis")
        stack.compose("run", "--rm", "-T", "manage", "python3", "manage.py", "migrate", "--noinput", "-v", "0")
        # one Django boot at a time on a small machine
        for service in ("web-green", "worker", "beat"):
            stack.up(service)
        yield stack
    finally:
        done = stack.compose("down", "-v", "--remove-orphans", "-t", "1", check=False)
        if done.returncode:
            warnings.warn(f"cleanup of {stack.name} failed: {done.stderr}", stacklevel=1)


def test_healthy_stack_passes_every_check(stack):
    result = stack.health(since=stack.started, project_dir=str(stack.root))
    assert failing(result) == {}, result["checks"]
    assert [check["name"] for check in result["checks"]] == ALL_CHECKS
    assert result["healthy"] is True and result["failed_checks"] == []
    checks = result["by_name"]
    services = checks["services_healthy"]["data"]
    # compose config --services: the services without a profile; web_service added
    assert services["expected"] == ["beat", "postgres", "redis", "web-green", "worker"]
    assert {c["service"]: c["health"] for c in services["containers"]}["web-green"] == "healthy"
    assert checks["one_beat"]["data"]["count"] == 1
    assert checks["celery_ping"]["data"]["count"] == 1
    assert checks["celery_roundtrip"]["data"]["task"] == "celery.accumulate"
    assert checks["queue_backlog"]["data"]["queues"] == {"celery": 0}
    assert checks["redis_ping"]["data"]["url"] == "redis://:***@redis:6379/0"
    assert checks["database_login"]["data"]["databases"]["default"]["vendor"] == "postgresql"
    assert checks["log_errors"]["data"]["count"] == 0
    assert len(checks["log_errors"]["data"]["containers"]) == 3

    checked = stack.health(check_mode=True, since=stack.started)
    assert failing(checked) == {}


def test_stopped_worker_fails_health_ping_and_roundtrip(stack):
    stack.compose("stop", "-t", "30", "worker")
    try:
        result = stack.health(timeout=4)
    finally:
        stack.up("worker")
    failed = failing(result)
    assert set(failed) == {"services_healthy", "celery_ping", "celery_roundtrip"}, result["checks"]
    assert failed["services_healthy"].startswith(f"{stack.name}-worker-1 exited (")
    assert failed["celery_ping"] == "no running container of worker to run celery inspect ping in"
    assert failed["celery_roundtrip"].startswith("no result within 4 s: TimeoutError")
    assert stack.health(checks=["services_healthy", "celery_ping", "celery_roundtrip"])["healthy"] is True


def test_two_beats_fail_one_beat(stack):
    stack.compose("up", "-d", "--no-recreate", "--scale", "beat=2", "beat")
    try:
        result = stack.health(checks=["one_beat"])
    finally:
        stack.compose("up", "-d", "--scale", "beat=1", "beat")
    assert result["by_name"]["one_beat"]["data"]["count"] == 2
    assert failing(result) == {
        "one_beat": f"2 beats run: {stack.name}-beat-1 (beat), {stack.name}-beat-2 (beat)",
    }
    assert stack.health(checks=["one_beat"])["healthy"] is True


def test_removed_service_is_missing_from_the_release(stack):
    stack.compose("rm", "--stop", "--force", "beat")
    try:
        result = stack.health(checks=["services_healthy", "one_beat"], project_dir=str(stack.root))
    finally:
        stack.up("beat")
    assert failing(result) == {
        "services_healthy": "missing: beat",
        "one_beat": "no beat runs (beat services: beat; no worker runs with --beat)",
    }


def test_backlog_over_the_threshold(stack):
    stack.redis_cli("RPUSH", TEST_QUEUE, *[f"message-{n}" for n in range(5)])
    try:
        over = stack.health(checks=["queue_backlog"], queues=["celery", TEST_QUEUE], queue_backlog_max=4)
        at_most = stack.health(checks=["queue_backlog"], queues=["celery", TEST_QUEUE], queue_backlog_max=5)
    finally:
        stack.redis_cli("DEL", TEST_QUEUE)
    assert failing(over) == {"queue_backlog": f"over 4 waiting: celery: 0, {TEST_QUEUE}: 5"}
    assert over["by_name"]["queue_backlog"]["data"]["queues"] == {"celery": 0, TEST_QUEUE: 5}
    assert at_most["healthy"] is True


def test_wrong_redis_password(stack):
    # The server's password changes under the app: the app's credentials no longer work.
    # Connections already made stay authenticated, so the worker and beat go on.
    other = secrets.token_urlsafe(18)
    stack.redis_cli("CONFIG", "SET", "requirepass", other)
    try:
        result = stack.health(checks=["redis_ping", "queue_backlog", "database_login"])
    finally:
        assert stack.redis_cli("CONFIG", "SET", "requirepass", stack.redis_password, password=other) == "OK"
    failed = failing(result)
    assert set(failed) == {"redis_ping", "queue_backlog"}, result["checks"]
    assert failed["redis_ping"].startswith("REDIS_URL redis://:***@redis:6379/0: AuthenticationError")
    assert "AuthenticationError" in result["by_name"]["queue_backlog"]["data"]["error"]
    assert stack.health(checks=["redis_ping", "queue_backlog"])["healthy"] is True


def test_wrong_database_password(stack):
    # Over the trusted local socket: the role's password changes under the app.
    stack.psql(f"ALTER ROLE demo PASSWORD '{secrets.token_hex(16)}'")
    try:
        result = stack.health(checks=["database_login", "redis_ping"])
    finally:
        stack.psql(f"ALTER ROLE demo PASSWORD '{stack.db_password}'")
    failed = failing(result)
    assert list(failed) == ["database_login"], result["checks"]
    assert failed["database_login"].startswith("default: postgresql demo@postgres/demo OperationalError")
    assert "password authentication failed" in failed["database_login"]
    assert stack.health(checks=["database_login"])["healthy"] is True


def test_error_logged_since_the_release_start(stack):
    before = now()
    time.sleep(1)
    # Lines the app's processes write to their own stdout and stderr (PID 1 of the container).
    line = "2026-11-27 14:00:00,000 ERROR demo.test [1] broken on purpose"
    stack.compose("exec", "-T", "worker", "sh", "-c", f"echo '{line}' >/proc/1/fd/1")
    stack.compose("exec", "-T", "web-green", "sh", "-c", "echo 'Traceback (most recent call last):' >/proc/1/fd/2")
    result = stack.health(checks=["log_errors"], since=before)
    data = result["by_name"]["log_errors"]["data"]
    assert (data["count"], data["counts"]) == (2, {"web-green": 1, "worker": 1, "beat": 0})
    assert data["first"] == f"{stack.name}-worker-1: {line}"
    assert failing(result) == {"log_errors": f"2 error line(s) since {before}; first: {data['first']}"}

    time.sleep(1)
    after = stack.health(checks=["log_errors"], since=now())
    assert after["healthy"] is True, after["checks"]
    only_beat = stack.health(checks=["log_errors"], since=before, log_services=["beat"])
    assert only_beat["healthy"] is True
