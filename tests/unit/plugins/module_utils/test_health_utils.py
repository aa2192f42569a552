# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from ansible_collections.golive.stack.plugins.module_utils import _django, _health

# --- parsers ------------------------------------------------------------------------------


def inspected(**fields):
    item = {
        "Id": "c1",
        "Name": "/demo-worker-1",
        "Path": "celery",
        "Args": ["-A", "demo", "worker"],
        "Config": {"Labels": {"com.docker.compose.service": "worker"}},
        "State": {"Status": "running", "ExitCode": 0, "Health": {"Status": "healthy"}},
    }
    item.update(fields)
    return item


@pytest.mark.parametrize(
    "items, expected",
    [
        (
            [inspected()],
            [("c1", "demo-worker-1", "worker", "running", 0, "healthy", ["celery", "-A", "demo", "worker"])],
        ),
        (
            [inspected(State={"Status": "exited", "ExitCode": 137}, Args=None)],
            [("c1", "demo-worker-1", "worker", "exited", 137, None, ["celery"])],
        ),
        ([{"Id": "0123456789abcdef"}], [("0123456789abcdef", "0123456789ab", "", "unknown", 0, None, [])]),
        (
            [
                inspected(
                    Config={"Labels": {"com.docker.compose.service": "manage", "com.docker.compose.oneoff": "True"}}
                )
            ],
            [("c1", "demo-worker-1", "manage", "running", 0, "healthy", ["celery", "-A", "demo", "worker"], True)],
        ),
        (
            [inspected(Id="b", Name="/b-1"), "noise", inspected(Id="a", Name="/a-1")],
            [("a", "a-1"), ("b", "b-1")],
        ),
        ([], []),
    ],
    ids=["running_healthy", "exited_no_health", "bare_item", "one_off_flagged", "sorted_noise_skipped", "empty"],
)
def test_parse_containers(items, expected):
    found = _health.parse_containers(json.dumps(items))
    assert [tuple(container)[: len(want)] for container, want in zip(found, expected, strict=True)] == expected


@pytest.mark.parametrize("stdout", ["", "not json", '{"Id": "c1"}'])
def test_parse_containers_rejects(stdout):
    with pytest.raises(ValueError):
        _health.parse_containers(stdout)


@pytest.mark.parametrize(
    "stdout, expected",
    [
        ('{"celery@a": {"ok": "pong"}}\n', ["celery@a"]),
        (
            'warning: running as root\n{"celery@b": {"ok": "pong"}, "celery@a": {"ok": "pong"}}\n',
            ["celery@a", "celery@b"],
        ),
        ('{"celery@a": {"ok": "pong"}}\n{"celery@b": {"error": "busy"}, "celery@c": "pong"}\n', []),
        ('{"x": 1}\n{not json}\n', []),
    ],
    ids=["one", "noise_then_two_sorted", "last_object_counts_only_pongs", "broken_last_line_skipped"],
)
def test_parse_ping(stdout, expected):
    assert _health.parse_ping(stdout) == expected


@pytest.mark.parametrize("stdout", ["", "->  celery@a: OK\n        pong\n", "[1]\n", "{oops\n"])
def test_parse_ping_without_replies(stdout):
    with pytest.raises(ValueError, match="no JSON object"):
        _health.parse_ping(stdout)


@pytest.mark.parametrize(
    "command, embedded",
    [
        (["celery", "-A", "demo", "worker", "--beat", "--schedule", "/tmp/s"], True),
        (["celery", "-A", "demo", "worker", "-B"], True),
        (["/bin/sh", "-c", "exec celery -A demo worker --beat"], True),
        (["sh", "-c", "'celery worker -B'"], True),
        (["celery", "-A", "demo", "beat"], False),
        (["celery", "-A", "demo", "worker", "--loglevel", "INFO"], False),
        (["celery", "-A", "demo", "worker", "--beat-schedule", "x"], False),
        (["gunicorn", "-B", "x"], False),
    ],
)
def test_runs_embedded_beat(command, embedded):
    assert _health.runs_embedded_beat(command) is embedded


@pytest.mark.parametrize(
    "line, key, text",
    [
        ("2026-11-27T14:00:01.123456789Z INFO x", ("2026-11-27T14:00:01", "123456789"), "INFO x"),
        ("2026-11-27T14:00:01.5Z ERROR y", ("2026-11-27T14:00:01", "500000000"), "ERROR y"),
        ("2026-11-27T14:00:01Z z", ("2026-11-27T14:00:01", "000000000"), "z"),
        ("2026-11-27T14:00:01.1+00:00 w", ("2026-11-27T14:00:01", "100000000"), "w"),
        ("no time stamp ERROR", ("", ""), "no time stamp ERROR"),
    ],
)
def test_split_timestamp(line, key, text):
    assert _health.split_timestamp(line) == (key, text)


def test_split_timestamp_keys_sort_by_time():
    lines = ["2026-11-27T14:00:01.5Z b", "2026-11-27T14:00:01.123456789Z a", "2026-11-27T14:00:02Z c"]
    assert [text for _key, text in sorted(map(_health.split_timestamp, lines))] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "since, expected",
    [
        ("2026-11-27T14:00:00+00:00", "1795788000.000000"),
        ("2026-11-27T14:00:00Z", "1795788000.000000"),
        ("2026-11-27T14:00:00", "1795788000.000000"),
        ("2026-11-27T15:00:00.25+01:00", "1795788000.250000"),
        (" 2026-11-27 14:00:00.123456+00:00 ", "1795788000.123456"),
    ],
    ids=["offset", "zulu", "naive_is_utc", "other_offset_fraction", "space_separated"],
)
def test_docker_since(since, expected):
    assert _health.docker_since(since) == expected


@pytest.mark.parametrize("since", ["yesterday", "", "10m", "2026-13-01T00:00:00"])
def test_docker_since_rejects(since):
    with pytest.raises(ValueError):
        _health.docker_since(since)


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-27 14:00:05,000 ERROR django.request [7] Internal Server Error: /",
        "2026-11-27 14:00:05,000 CRITICAL demo [7] out of disk",
        "[2026-11-27 14:00:01 +0000] [7] [ERROR] Worker timeout (pid:9)",
        "[2026-11-27 14:00:03,000: ERROR/MainProcess] Received unregistered task",
        "ERROR:root:boom",
        "Traceback (most recent call last):",
        "ERROR",
    ],
)
def test_default_error_pattern_matches(line):
    assert re.search(_health.DEFAULT_ERROR_PATTERN, line)


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-27 14:00:05,000 INFO django GET /?q=ERROR 200",
        "2026-11-27 14:00:05,000 WARNING demo.health healthz failed: database",
        "INFO notes.tasks ERRORS_SEEN=0",
        "raise ERRORCODE",
        '  File "/app/demo/x.py", line 3, in <module>',
    ],
)
def test_default_error_pattern_leaves_alone(line):
    assert not re.search(_health.DEFAULT_ERROR_PATTERN, line)


@pytest.mark.parametrize(
    "state, exit_code, health, problem",
    [
        ("running", 0, "healthy", None),
        ("running", 0, None, None),
        ("running", 0, "unhealthy", "x-1 unhealthy"),
        ("running", 0, "starting", "x-1 starting"),
        ("exited", 137, "unhealthy", "x-1 exited (137)"),
        ("restarting", 1, None, "x-1 restarting"),
        ("paused", 0, "healthy", "x-1 paused"),
        ("created", 0, None, "x-1 created"),
    ],
)
def test_container_problem(state, exit_code, health, problem):
    container = _health.Container("id", "x-1", "x", state, exit_code, health, [])
    assert _health.container_problem(container) == problem


def test_truncated_keeps_one_bounded_line():
    assert _health.truncated("  short  ") == "short"
    long = "CRITICAL " + "x" * 300
    assert _health.truncated(long) == long[:197] + "..." and len(_health.truncated(long)) == _health.LINE_LIMIT


@pytest.mark.parametrize(
    "params, services",
    [
        (
            {"log_services": None, "web_service": "web-green", "worker_service": "worker", "beat_services": ["beat"]},
            ["web-green", "worker", "beat"],
        ),
        (
            {"log_services": None, "web_service": None, "worker_service": "worker", "beat_services": ["worker", "b"]},
            ["worker", "b"],
        ),
        ({"log_services": [], "web_service": "w", "worker_service": "worker", "beat_services": ["beat"]}, []),
    ],
    ids=["default", "default_deduplicated_without_web", "given"],
)
def test_log_services(params, services):
    assert _health.log_services(params) == services


# --- the script in the web container, run here with stand-ins for redis, Celery and Django ---

STUBS = r"""
import json, os, sys, time, types

stub = json.loads(os.environ["STUB"])


class Redis:
    @classmethod
    def from_url(cls, url, **options):
        assert options == {"socket_connect_timeout": stub["timeout"], "socket_timeout": stub["timeout"]}
        return cls()

    def ping(self):
        if stub.get("redis_error"):
            raise ConnectionError(stub["redis_error"])
        return True

    def llen(self, key):
        return stub.get("lists", {}).get(key, 0)

    def close(self):
        pass


class Result:
    id = "task-1"

    def __init__(self, args):
        self.args = args

    def get(self, timeout):
        if stub.get("hang"):
            time.sleep(60)
        if stub.get("roundtrip_error"):
            raise TimeoutError(stub["roundtrip_error"])
        return list(self.args)

    def forget(self):
        pass


class Conf:
    broker_url = stub.get("broker_url")
    broker_transport_options = stub.get("transport_options")


class App:
    conf = Conf

    def send_task(self, name, args, expires):
        assert name == "celery.accumulate" and expires == stub["timeout"]
        return Result(args)


class Cursor:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        assert sql == "SELECT 1"

    def fetchone(self):
        return (1,)


class Connection:
    vendor = "postgresql"
    settings_dict = {"NAME": "demo", "USER": "demo", "HOST": "postgres", "PORT": 5432, "PASSWORD": "db-secret"}

    def ensure_connection(self):
        if stub.get("db_error"):
            raise RuntimeError(stub["db_error"])

    def cursor(self):
        return Cursor()

    def close(self):
        pass


names = ("redis", "celery", "celery.app", "celery.app.utils", "django", "django.db")
modules = {name: types.ModuleType(name) for name in names}
modules["redis"].Redis = Redis
modules["celery.app.utils"].find_app = lambda name: App()
modules["django.db"].connections = {"default": Connection()}
sys.modules.update(modules)
"""

REDIS_SECRET = "redis-secret"


def run_script(stub, checks, environ=None, celery_app="demo", timeout=2):
    sentinel = _django.new_sentinel()
    params = {"checks": checks, "celery_app": celery_app, "queues": ["celery", "mail"], "timeout": timeout}
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(environ or {}, STUB=json.dumps(dict(stub, timeout=timeout)))
    done = subprocess.run(
        [sys.executable, "-c", STUBS + _health.HEALTH_SCRIPT],
        input=json.dumps(dict(params, sentinel=sentinel)) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    assert REDIS_SECRET not in done.stdout and "db-secret" not in done.stdout
    return _django.parse_after_sentinel(done.stdout, sentinel)


def test_script_answers_every_check_with_the_apps_settings():
    broker = f"redis://:{REDIS_SECRET}@redis:6379/0"
    stub = {
        "broker_url": broker,
        "transport_options": {"global_keyprefix": "demo:"},
        "lists": {"demo:celery": 3, "demo:celery\x06\x166": 2, "demo:mail": 1, "celery": 100},
    }
    answer = run_script(stub, list(_health.WEB_CHECKS), {"REDIS_URL": f"redis://:{REDIS_SECRET}@cache:6379/1"})
    assert answer["redis_ping"] == {
        "ok": True,
        "source": "REDIS_URL",
        "url": "redis://:***@cache:6379/1",
        "reply": "PONG",
    }
    assert answer["queue_backlog"] == {
        "ok": True,
        "source": "broker_url of demo",
        "url": "redis://:***@redis:6379/0",
        "queues": {"celery": 5, "mail": 1},
    }
    assert answer["database_login"] == {
        "ok": True,
        "databases": {
            "default": {
                "ok": True,
                "error": None,
                "vendor": "postgresql",
                "name": "demo",
                "user": "demo",
                "host": "postgres",
                "port": "5432",
            }
        },
    }
    roundtrip = answer["celery_roundtrip"]
    assert roundtrip["ok"] is True and roundtrip["task"] == "celery.accumulate" and len(roundtrip["result"][0]) == 32


def test_script_takes_the_environment_when_there_is_no_celery_app():
    environ = {"CELERY_BROKER_URL": "redis://broker:6379/2", "REDIS_URL": f"redis://user:{REDIS_SECRET}@cache/0"}
    answer = run_script({"lists": {"celery": 7}}, ["queue_backlog", "redis_ping"], environ, celery_app=None)
    assert answer["queue_backlog"]["source"] == "CELERY_BROKER_URL"
    assert answer["queue_backlog"]["url"] == "redis://broker:6379/2"
    assert answer["queue_backlog"]["queues"] == {"celery": 7, "mail": 0}
    assert answer["redis_ping"]["url"] == "redis://user:***@cache/0"


def test_script_reports_each_failure_as_an_answer():
    stub = {
        "broker_url": "amqp://guest:guest@rabbit//",
        "redis_error": "Error 111 connecting to redis:6379. Connection refused.",
        "db_error": 'password authentication failed for user "demo"',
        "roundtrip_error": "The operation timed out.",
    }
    answer = run_script(stub, list(_health.WEB_CHECKS), {"REDIS_URL": f"redis://:{REDIS_SECRET}@redis:6379/0"})
    assert answer["redis_ping"] == {
        "ok": False,
        "source": "REDIS_URL",
        "url": "redis://:***@redis:6379/0",
        "error": "ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
    }
    assert answer["queue_backlog"] == {
        "ok": False,
        "source": "broker_url of demo",
        "url": "amqp://guest:***@rabbit//",
        "error": "ValueError: not a Redis URL: amqp://guest:***@rabbit//",
    }
    database = answer["database_login"]
    assert database["ok"] is False
    assert database["databases"]["default"]["error"] == 'RuntimeError: password authentication failed for user "demo"'
    assert answer["celery_roundtrip"] == {"ok": False, "error": "TimeoutError: The operation timed out."}


def test_script_without_any_broker_url_says_so():
    answer = run_script({}, ["redis_ping"], celery_app=None)
    assert answer["redis_ping"] == {
        "ok": False,
        "error": "ValueError: none of REDIS_URL, CELERY_BROKER_URL is set in the container",
    }


def test_script_answers_in_time_when_a_probe_hangs():
    started = time.monotonic()
    answer = run_script({"hang": True}, ["celery_roundtrip", "database_login"], timeout=1)
    assert time.monotonic() - started < 15
    assert answer["celery_roundtrip"] == {"ok": False, "error": "no answer within 1 s"}
    assert answer["database_login"]["ok"] is True
