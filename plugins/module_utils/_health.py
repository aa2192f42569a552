# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go-live health of a Compose project, read on its host (private).

Every check becomes ``{name, ok, detail, data}``; a check that cannot run is not ok and
says why, it never raises. The containers are found by their Compose labels (``docker ps``
and ``docker inspect``), so no compose file is needed; commands run in them with
``docker exec`` and their logs are read with ``docker logs``.
Redis, the queues, the database and a Celery round trip are answered by one script in
the web container (``manage.py shell -c``), with the app's own settings and credentials;
it prints its answer as JSON after a per-run sentinel line (see :mod:`._django`).
"""

from __future__ import annotations

import datetime
import json
import re
import typing as t

from ansible_collections.golive.stack.plugins.module_utils import _check, _cmd, _django

CHECK_NAMES = (
    "services_healthy",
    "one_beat",
    "celery_ping",
    "celery_roundtrip",
    "queue_backlog",
    "redis_ping",
    "database_login",
    "log_errors",
)
# Answered by the script in the web container, under the same names.
WEB_CHECKS = ("celery_roundtrip", "queue_backlog", "redis_ping", "database_login")
# Options that some checks cannot do without.
OPTIONS_NEEDED = {"web_service": WEB_CHECKS, "celery_app": ("celery_ping", "celery_roundtrip")}

# A level name as Python logging (' ERROR '), gunicorn ('[ERROR]') and Celery's own format
# (': ERROR/MainProcess]') write it, CRITICAL too, and the first line of a traceback.
DEFAULT_ERROR_PATTERN = r"(?:^|[\s\[:])(?:ERROR|CRITICAL)(?:[\s\]/:]|$)|Traceback \(most recent call last\)"

# How much of an offending log line the detail shows.
LINE_LIMIT = 200

# `docker logs --timestamps`: RFC 3339 with nanoseconds, then a space.
_LOG_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d) ?")

# Runs inside the web container (any Python 3 that runs Django). One function, as for the
# scripts of _django. The probes run in threads at once, each bounded by the timeout; the
# script ends with os._exit so that a probe still hanging cannot hold the answer back.
# URLs are shown with their password replaced; no secret leaves the container.
HEALTH_SCRIPT = """
def _golive_main():
    import json
    import os
    import sys
    import threading
    import time
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    params = json.loads(sys.stdin.readline())
    timeout = params["timeout"]

    def short(exc):
        return ("%s: %s" % (type(exc).__name__, exc)).strip()[:300]

    def redacted(url):
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc="%s:***@%s" % (parts.username or "", host)))

    def celery_app():
        from celery.app.utils import find_app

        return find_app(params["celery_app"])

    def first_url(url):
        if isinstance(url, (list, tuple)):
            url = url[0] if url else ""
        return (url or "").split(";")[0].strip()

    def redis_client(url):
        import redis

        if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("not a Redis URL: %s" % redacted(url))
        return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)

    def closed(client):
        close = getattr(client, "close", None) or client.connection_pool.disconnect
        close()

    def app_url(*names):
        # the first of the environment variables NAMES that is set, else the Celery app's broker
        for name in names:
            if os.environ.get(name, "").strip():
                return name, os.environ[name].strip()
        if params["celery_app"]:
            url = first_url(celery_app().conf.broker_url)
            if url:
                return "broker_url of %s" % params["celery_app"], url
        raise ValueError("none of %s is set in the container" % ", ".join(names))

    def broker_url():
        # the broker the app's tasks go through: its Celery configuration first
        if params["celery_app"]:
            url = first_url(celery_app().conf.broker_url)
            if url:
                return "broker_url of %s" % params["celery_app"], url
        return app_url("CELERY_BROKER_URL", "REDIS_URL")

    def on_redis(source, url, work):
        # work(client) gives the answer; a failure keeps saying which URL it was
        answer = {"source": source, "url": redacted(url)}
        try:
            client = redis_client(url)
            try:
                answer.update(work(client))
            finally:
                closed(client)
        except Exception as exc:
            answer.update(ok=False, error=short(exc))
        return answer

    def redis_ping():
        def ping(client):
            reply = client.ping()
            return {"ok": reply is True, "reply": "PONG" if reply is True else repr(reply)}

        return on_redis(*app_url("REDIS_URL", "CELERY_BROKER_URL"), ping)

    def queue_backlog():
        options = {}
        if params["celery_app"]:
            options = dict(celery_app().conf.broker_transport_options or {})
        # kombu's Redis transport keeps a queue in one list per priority step: QUEUE, then
        # QUEUE + sep + step for the steps above 0; global_keyprefix goes before each
        prefix = options.get("global_keyprefix") or ""
        sep = options.get("sep") or chr(6) + chr(22)
        steps = options.get("priority_steps") or [0, 3, 6, 9]

        def lengths(client):
            found = {}
            for queue in params["queues"]:
                keys = [prefix + queue] + [prefix + queue + sep + str(step) for step in steps if step]
                found[queue] = sum(int(client.llen(key)) for key in keys)
            return {"ok": True, "queues": found}

        return on_redis(*broker_url(), lengths)

    def database_login():
        from django.db import connections

        found = {}
        for alias in connections:
            connection = connections[alias]
            where = connection.settings_dict
            answer = {"vendor": connection.vendor, "name": str(where.get("NAME") or ""),
                      "user": str(where.get("USER") or ""), "host": str(where.get("HOST") or ""),
                      "port": str(where.get("PORT") or "")}
            try:
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    row = cursor.fetchone()
                answer.update(ok=row is not None and row[0] == 1, error=None if row else "SELECT 1 returned nothing")
            except Exception as exc:
                answer.update(ok=False, error=short(exc))
            finally:
                connection.close()
            found[alias] = answer
        return {"ok": bool(found) and all(answer["ok"] for answer in found.values()), "databases": found}

    def celery_roundtrip():
        app = celery_app()
        token = uuid.uuid4().hex
        started = time.monotonic()
        # celery.accumulate is built into every Celery app: it returns its arguments. A
        # message no worker takes within the timeout expires instead of waiting in the queue.
        result = app.send_task("celery.accumulate", args=[token], expires=timeout)
        try:
            value = result.get(timeout=timeout)
        finally:
            try:
                result.forget()
            except Exception:
                pass
        return {"ok": value == [token], "task": "celery.accumulate", "task_id": result.id,
                "seconds": round(time.monotonic() - started, 3),
                "result": value if value == [token] else repr(value)[:300]}

    probes = {"redis_ping": redis_ping, "queue_backlog": queue_backlog, "database_login": database_login,
              "celery_roundtrip": celery_roundtrip}
    answers = {}

    def run(name):
        try:
            answers[name] = probes[name]()
        except Exception as exc:
            answers[name] = {"ok": False, "error": short(exc)}

    threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in params["checks"]]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout + 2
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    answer = {name: answers.get(name) or {"ok": False, "error": "no answer within %g s" % timeout}
              for name in params["checks"]}
    sys.stdout.write(params["sentinel"] + "\\n" + json.dumps(answer) + "\\n")
    sys.stdout.flush()
    os._exit(0)


_golive_main()
"""


class Container(t.NamedTuple):
    id: str
    name: str
    service: str
    state: str  # running, exited, restarting, ...
    exit_code: int
    health: str | None  # healthy, unhealthy, starting; None without a health check
    command: list[str]  # the process's argv (Path + Args)
    oneoff: bool = False  # started by `docker compose run`


def truncated(text: str, limit: int = LINE_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def last_line(*texts: str) -> str:
    """The last non-empty line of the first text that has one (for a one-line reason)."""
    for text in texts:
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if lines:
            return truncated(lines[-1])
    return ""


def command_failed(what: str, result: _cmd.CommandResult) -> str:
    reason = last_line(result.stderr, result.stdout)
    return f"{what} failed (rc {result.rc})" + (f": {reason}" if reason else "")


# --- input --------------------------------------------------------------------------------


def docker_since(text: str) -> str:
    """``--since`` for docker logs from an ISO 8601 time (UTC when it has no offset): Unix seconds."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return f"{moment.timestamp():.6f}"


def input_errors(params: t.Mapping[str, t.Any]) -> list[str]:
    errors = []
    selected = params["checks"]
    if not selected:
        errors.append("checks: name at least one check")
    for option, needed_by in OPTIONS_NEEDED.items():
        needing = [name for name in selected if name in needed_by]
        if needing and not params[option]:
            errors.append(f"{option} is required for the checks {', '.join(needing)}")
    if params["since"] is not None:
        try:
            docker_since(params["since"])
        except ValueError as exc:
            errors.append(f"since: not an ISO 8601 time ({exc})")
    try:
        re.compile(params["error_pattern"])
    except re.error as exc:
        errors.append(f"error_pattern: not a regular expression ({exc})")
    if params["queue_backlog_max"] < 0:
        errors.append("queue_backlog_max: must be 0 or more")
    if "queue_backlog" in selected and not params["queues"]:
        errors.append("queues: name at least one queue for queue_backlog")
    if params["timeout"] <= 0:
        errors.append("timeout: must be more than 0")
    return errors


# --- containers ---------------------------------------------------------------------------


def parse_containers(stdout: str) -> list[Container]:
    """The project's containers from ``docker inspect``; one-offs (``docker compose run``) are flagged."""
    items = json.loads(stdout)
    if not isinstance(items, list):
        raise ValueError("docker inspect did not answer a list")
    containers = []
    for item in items:
        if not isinstance(item, dict):
            continue
        config = item.get("Config") or {}
        labels = config.get("Labels") or {}
        state = item.get("State") or {}
        health = state.get("Health") or {}
        container_id = str(item.get("Id") or "")
        containers.append(
            Container(
                id=container_id,
                name=str(item.get("Name") or "").lstrip("/") or container_id[:12],
                service=str(labels.get("com.docker.compose.service") or ""),
                state=str(state.get("Status") or "unknown"),
                exit_code=int(state.get("ExitCode") or 0),
                health=str(health["Status"]) if health.get("Status") else None,
                command=[str(arg) for arg in [item.get("Path") or "", *(item.get("Args") or [])] if arg],
                oneoff=labels.get("com.docker.compose.oneoff") == "True",
            )
        )
    return sorted(containers, key=lambda container: (container.service, container.name))


def read_containers(module: t.Any, docker: str, project: str) -> tuple[list[Container], str | None]:
    """(containers, None), or ([], why they could not be listed)."""
    listed = _cmd.run(
        module,
        [docker, "ps", "--all", "--no-trunc", "--quiet", "--filter", f"label=com.docker.compose.project={project}"],
        check_rc=False,
    )
    if listed.rc != 0:
        return [], command_failed("docker ps", listed)
    ids = listed.stdout.split()
    if not ids:
        return [], None
    # A container removed since `docker ps` makes inspect fail for it only: rc 1, the others' JSON.
    inspected = _cmd.run(module, [docker, "inspect", *ids], check_rc=False)
    if not inspected.stdout.strip():
        return [], command_failed("docker inspect", inspected)
    try:
        return parse_containers(inspected.stdout), None
    except (ValueError, TypeError) as exc:
        return [], command_failed("docker inspect", inspected) + f" ({exc})"


def running(containers: t.Iterable[Container], service: str | None) -> Container | None:
    """The first running container of ``service``."""
    return next((c for c in containers if c.service == service and c.state == "running"), None)


def compose_services(module: t.Any, params: t.Mapping[str, t.Any]) -> tuple[list[str], str | None]:
    """The services ``docker compose up`` starts from project_dir's compose file (no profile)."""
    argv = [params["docker_cli"], "compose", "--project-directory", params["project_dir"], "-p", params["project"]]
    result = _cmd.run(module, argv + ["config", "--services"], check_rc=False)
    if result.rc != 0:
        return [], command_failed(f"docker compose config in {params['project_dir']}", result)
    return sorted(set(result.stdout.split())), None


def container_problem(container: Container) -> str | None:
    if container.state == "exited":
        return f"{container.name} exited ({container.exit_code})"
    if container.state != "running":
        return f"{container.name} {container.state}"
    if container.health not in (None, "healthy"):
        return f"{container.name} {container.health}"
    return None


def services_healthy(
    containers: list[Container], project: str, expected: list[str], config_error: str | None
) -> dict[str, t.Any]:
    present = {container.service for container in containers}
    missing = [service for service in expected if service not in present]
    offenders = [problem for problem in map(container_problem, containers) if problem]
    data = {
        "containers": [
            {"name": c.name, "service": c.service, "state": c.state, "health": c.health} for c in containers
        ],
        "expected": expected,
        "missing": missing,
        "offenders": offenders,
    }
    problems = offenders + ([f"missing: {', '.join(missing)}"] if missing else [])
    problems += [config_error] if config_error else []
    if not containers:
        problems.insert(0, f"no containers of project {project}")
    if problems:
        return _check.check("services_healthy", False, "; ".join(problems), data)
    checked = sum(1 for container in containers if container.health == "healthy")
    return _check.check(
        "services_healthy",
        True,
        f"{len(containers)} containers running, {checked} of them healthy by their health check, "
        f"{len(containers) - checked} without one",
        data,
    )


def runs_embedded_beat(command: t.Iterable[str]) -> bool:
    """Whether a command (argument by argument, shell strings split) is a Celery worker with beat."""
    words = [word.strip("'\"") for arg in command for word in arg.split()]
    return "worker" in words and ("--beat" in words or "-B" in words)


def one_beat(containers: list[Container], beat_services: list[str]) -> dict[str, t.Any]:
    beats = []
    for container in containers:
        if container.state != "running":
            continue
        if container.service in beat_services:
            beats.append({"name": container.name, "service": container.service, "embedded": False})
        elif runs_embedded_beat(container.command):
            beats.append({"name": container.name, "service": container.service, "embedded": True})
    shown = ", ".join(f"{b['name']} ({'worker --beat' if b['embedded'] else 'beat'})" for b in beats)
    data = {"count": len(beats), "beats": beats}
    if len(beats) == 1:
        return _check.check("one_beat", True, f"one beat: {shown}", data)
    if not beats:
        services = ", ".join(beat_services) or "none named"
        return _check.check(
            "one_beat", False, f"no beat runs (beat services: {services}; no worker runs with --beat)", data
        )
    return _check.check("one_beat", False, f"{len(beats)} beats run: {shown}", data)


# --- celery inspect ping in the worker ----------------------------------------------------


def parse_ping(stdout: str) -> list[str]:
    """Nodes that answered pong in the output of ``celery inspect ping --json``.

    Raises ValueError when no line holds the JSON object of replies.
    """
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            replies = json.loads(line)
        except ValueError:
            continue
        if isinstance(replies, dict):
            return sorted(
                str(node) for node, reply in replies.items() if isinstance(reply, dict) and reply.get("ok") == "pong"
            )
    raise ValueError("no JSON object of replies in the output")


def celery_ping(module: t.Any, params: t.Mapping[str, t.Any], containers: list[Container]) -> dict[str, t.Any]:
    worker = running(containers, params["worker_service"])
    if worker is None:
        return _check.check(
            "celery_ping",
            False,
            f"no running container of {params['worker_service']} to run celery inspect ping in",
            {"replies": [], "count": 0},
        )
    timeout = f"{params['timeout']:g}"
    argv = [params["docker_cli"], "exec", worker.id, "celery", "-A", params["celery_app"]]
    result = _cmd.run(module, argv + ["inspect", "ping", "--timeout", timeout, "--json"], check_rc=False)
    data: dict[str, t.Any] = {"container": worker.name, "replies": [], "count": 0}
    if result.rc != 0:
        reason = command_failed(f"celery inspect ping in {worker.name}", result)
        return _check.check("celery_ping", False, f"no worker answered within {timeout} s: {reason}", data)
    try:
        data["replies"] = parse_ping(result.stdout)
    except ValueError as exc:
        return _check.check("celery_ping", False, f"celery inspect ping in {worker.name}: {exc}", data)
    data["count"] = len(data["replies"])
    if not data["replies"]:
        return _check.check("celery_ping", False, f"no worker answered pong within {timeout} s", data)
    return _check.check(
        "celery_ping", True, f"{data['count']} worker(s) answered pong: {', '.join(data['replies'])}", data
    )


# --- the script in the web container ------------------------------------------------------


def run_web_script(
    module: t.Any, params: t.Mapping[str, t.Any], web: Container, selected: list[str]
) -> tuple[dict[str, t.Any], str | None]:
    """({check: answer}, None), or ({}, why the script gave no answer)."""
    sentinel = _django.new_sentinel()
    argv = [params["docker_cli"], "exec", "-i", web.id, params["python"], params["manage_py"]]
    script_params = {
        "checks": selected,
        "celery_app": params["celery_app"],
        "queues": params["queues"],
        "timeout": params["timeout"],
        "sentinel": sentinel,
    }
    result = _cmd.run(module, argv + ["shell", "-c", HEALTH_SCRIPT], data=json.dumps(script_params), check_rc=False)
    if result.rc != 0:
        return {}, command_failed(f"manage.py shell in {web.name}", result)
    try:
        answer = _django.parse_after_sentinel(result.stdout, sentinel)
    except ValueError as exc:
        return {}, f"no answer from manage.py shell in {web.name}: {exc}"
    if not isinstance(answer, dict):
        return {}, f"the answer of manage.py shell in {web.name} is not a JSON object"
    return answer, None


def _answer_error(answer: t.Mapping[str, t.Any]) -> str:
    return str(answer.get("error") or "no reason given")


def web_check(name: str, answer: t.Any, params: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """One check from the script's answer for it."""
    if not isinstance(answer, dict):
        return _check.check(name, False, "the web container's script gave no answer for this check")
    data = {key: value for key, value in answer.items() if key not in ("ok", "error")}
    if answer.get("error"):
        data["error"] = answer["error"]
    where = f"{answer.get('source')} {answer.get('url')}" if answer.get("source") else ""
    if name == "redis_ping":
        if answer.get("ok"):
            return _check.check(name, True, f"PONG from {where}", data)
        return _check.check(name, False, f"{where}: {_answer_error(answer)}" if where else _answer_error(answer), data)
    if name == "queue_backlog":
        limit = params["queue_backlog_max"]
        data["max"] = limit
        if not answer.get("ok"):
            return _check.check(
                name, False, f"{where}: {_answer_error(answer)}" if where else _answer_error(answer), data
            )
        lengths: dict[str, t.Any] = answer["queues"] if isinstance(answer.get("queues"), dict) else {}
        over = {queue: length for queue, length in lengths.items() if not isinstance(length, int) or length > limit}
        shown = ", ".join(f"{queue}: {length}" for queue, length in lengths.items())
        if over or not lengths:
            return _check.check(name, False, f"over {limit} waiting: {shown or 'no queue lengths read'}", data)
        return _check.check(name, True, f"{shown} waiting (at most {limit})", data)
    if name == "database_login":
        databases: dict[str, t.Any] = answer["databases"] if isinstance(answer.get("databases"), dict) else {}
        if not databases:
            return _check.check(name, False, _answer_error(answer), data)
        shown = "; ".join(
            f"{alias}: {db.get('vendor')} {db.get('user')}@{db.get('host')}/{db.get('name')} "
            + ("SELECT 1 ok" if db.get("ok") else str(db.get("error")))
            for alias, db in databases.items()
            if isinstance(db, dict)
        )
        return _check.check(name, bool(answer.get("ok")), shown, data)
    # celery_roundtrip
    if answer.get("ok"):
        detail = f"{answer.get('task')} ran on a worker, its result was back in {answer.get('seconds')} s"
        return _check.check(name, True, detail, data)
    return _check.check(name, False, f"no result within {params['timeout']:g} s: {_answer_error(answer)}", data)


def web_checks(
    module: t.Any, params: t.Mapping[str, t.Any], containers: list[Container], selected: list[str]
) -> list[dict[str, t.Any]]:
    web = running(containers, params["web_service"])
    if web is None:
        reason = f"no running container of {params['web_service']} to run the probes in"
        return [_check.check(name, False, reason) for name in selected]
    answers, error = run_web_script(module, params, web, selected)
    if error:
        return [_check.check(name, False, error) for name in selected]
    return [web_check(name, answers.get(name), params) for name in selected]


# --- logs ---------------------------------------------------------------------------------


def split_timestamp(line: str) -> tuple[tuple[str, str], str]:
    """((sort key), text) of a ``docker logs --timestamps`` line; the key sorts by time."""
    match = _LOG_TIMESTAMP.match(line)
    if not match:
        return ("", ""), line
    return (match.group(1), (match.group(2) or "").ljust(9, "0")), line[match.end() :]


def log_services(params: t.Mapping[str, t.Any]) -> list[str]:
    if params["log_services"] is not None:
        return list(params["log_services"])
    named = [params["web_service"], params["worker_service"], *params["beat_services"]]
    return [service for index, service in enumerate(named) if service and service not in named[:index]]


def log_errors(module: t.Any, params: t.Mapping[str, t.Any], containers: list[Container]) -> dict[str, t.Any]:
    services = log_services(params)
    pattern = re.compile(params["error_pattern"])
    since = docker_since(params["since"]) if params["since"] is not None else None
    read = [container for container in containers if container.service in services]
    hits: list[tuple[tuple[str, str], str, str]] = []
    counts = {service: 0 for service in services}
    failures = []
    for container in read:
        argv = [params["docker_cli"], "logs", "--timestamps"] + (["--since", since] if since else []) + [container.id]
        result = _cmd.run(module, argv, check_rc=False)
        if result.rc != 0:
            failures.append(command_failed(f"docker logs {container.name}", result))
            continue
        # the container's stdout and stderr arrive apart; the timestamps put them in order
        for line in result.stdout.splitlines() + result.stderr.splitlines():
            key, text = split_timestamp(line)
            if pattern.search(text):
                hits.append((key, container.name, text))
                counts[container.service] += 1
    hits.sort()
    data = {
        "since": params["since"],
        "services": services,
        "containers": [container.name for container in read],
        "count": len(hits),
        "counts": counts,
        "first": f"{hits[0][1]}: {truncated(hits[0][2])}" if hits else None,
        "failures": failures,
    }
    period = f"since {params['since']}" if params["since"] is not None else "in the containers' whole logs"
    if hits:
        detail = f"{len(hits)} error line(s) {period}; first: {data['first']}"
    elif failures:
        detail = "; ".join(failures)
    elif not read:
        detail = f"no containers of {', '.join(services)} to read logs from"
    else:
        detail = f"no error lines {period} in {', '.join(data['containers'])}"
    return _check.check("log_errors", bool(read) and not hits and not failures, detail, data)


# --- all of it ----------------------------------------------------------------------------


def run_checks(
    module: t.Any, params: t.Mapping[str, t.Any], every: list[Container], selected: list[str]
) -> list[dict[str, t.Any]]:
    results: dict[str, dict[str, t.Any]] = {}
    # One-off containers (a `manage` command, a `docker compose run`) are not services; a
    # one-off that runs beat is still a second scheduler, so one_beat counts them all.
    containers = [container for container in every if not container.oneoff]
    if "services_healthy" in selected:
        expected = list(params["expected_services"]) + ([params["web_service"]] if params["web_service"] else [])
        config_error = None
        if params["project_dir"]:
            from_file, config_error = compose_services(module, params)
            expected += from_file
        results["services_healthy"] = services_healthy(
            containers, params["project"], sorted(set(expected)), config_error
        )
    if "one_beat" in selected:
        results["one_beat"] = one_beat(every, params["beat_services"])
    if "celery_ping" in selected:
        results["celery_ping"] = celery_ping(module, params, containers)
    in_web = [name for name in WEB_CHECKS if name in selected]
    if in_web:
        results.update((item["name"], item) for item in web_checks(module, params, containers, in_web))
    # last: the logs then include whatever the probes above made the app log
    if "log_errors" in selected:
        results["log_errors"] = log_errors(module, params, containers)
    return [results[name] for name in selected]


def stack_health(module: t.Any) -> dict[str, t.Any]:
    """Run the selected checks; fail only on bad input. Returns the module result."""
    params = module.params
    errors = input_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors), changed=False)
    selected = [name for name in CHECK_NAMES if name in params["checks"]]
    containers, inventory_error = read_containers(module, params["docker_cli"], params["project"])
    if inventory_error:
        reason = f"cannot list the project's containers: {inventory_error}"
        checks = [_check.check(name, False, reason) for name in selected]
    else:
        checks = run_checks(module, params, containers, selected)
    failed = [item["name"] for item in checks if not item["ok"]]
    return {
        "changed": False,
        "checks": checks,
        "healthy": not failed,
        "failed_checks": failed,
        "msg": f"{len(failed)} of {len(checks)} checks failed: {', '.join(failed)}"
        if failed
        else f"all {len(checks)} checks passed",
    }
