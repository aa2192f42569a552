#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_health
short_description: Check a Django + Celery Compose stack on its host and return each check as data
version_added: 0.9.0
description:
  - Runs on the host of a Docker Compose project (a Django web service, a Celery worker and
    beat, PostgreSQL, Redis) and returns the outcome of each check in RV(checks), for go-live
    gates and reports.
  - Never reports C(changed) and does not fail when a check fails; it fails only on bad
    input. A check that cannot run (a container missing, a command failing) is not ok and
    says why.
  - The project's containers are found by their Compose labels (C(docker ps), C(docker inspect));
    one-off containers (C(docker compose run)) are left out.
  - C(redis_ping), C(queue_backlog), C(database_login) and C(celery_roundtrip) are answered
    by one Python script run once in the web container (C(docker exec -i CONTAINER python3
    manage.py shell -c ...)), so they use the app's own settings and credentials. URLs are
    returned with their password replaced by C(***).
  - C(celery_ping) runs C(celery -A APP inspect ping) in the worker container; C(log_errors)
    reads C(docker logs --since) of the containers of O(log_services).
  - "The checks, in the order returned: C(services_healthy): every container of the project
    is running and, where it has a health check, healthy, and every expected service has a
    container. C(one_beat): exactly one Celery beat runs (running containers of
    O(beat_services), plus running containers whose command is a Celery worker with
    C(--beat) or C(-B)). C(celery_ping): at least one worker answers
    C(celery inspect ping). C(celery_roundtrip): the built-in task C(celery.accumulate),
    sent through the broker from the web container, comes back with its argument within
    O(timeout). C(queue_backlog): the length of each of O(queues) in the Redis broker (all
    of kombu's priority lists) is at most O(queue_backlog_max). C(redis_ping): Redis
    answers PING with the URL of C(REDIS_URL), else C(CELERY_BROKER_URL), else the Celery
    app's broker. C(database_login): every database of Django's settings connects and
    answers C(SELECT 1). C(log_errors): no line of the logs matches O(error_pattern)."
author:
  - golive.stack developers (@golive-stack)
extends_documentation_fragment:
  - golive.stack.read_only
options:
  project:
    description: Compose project name (the C(com.docker.compose.project) label of its containers).
    type: str
    required: true
  project_dir:
    description:
      - The release directory with the project's compose file.
      - When given, the services its compose file starts by default (C(docker compose config
        --services), services in a profile left out) are expected too, see O(expected_services).
    type: path
  web_service:
    description:
      - The Compose service of the web container that serves now, for example V(web-green).
      - It is always expected (O(expected_services)). Required by C(redis_ping),
        C(queue_backlog), C(database_login) and C(celery_roundtrip), which run in it.
    type: str
  worker_service:
    description: The Compose service of the Celery worker C(celery_ping) runs in.
    type: str
    default: worker
  beat_services:
    description: Compose services that run Celery beat.
    type: list
    elements: str
    default: [beat]
  expected_services:
    description:
      - Services that must have a container (C(services_healthy)), besides O(web_service)
        and the default services of O(project_dir).
    type: list
    elements: str
    default: []
  log_services:
    description:
      - Services whose container logs C(log_errors) reads.
      - Defaults to O(web_service), O(worker_service) and O(beat_services).
    type: list
    elements: str
  since:
    description:
      - ISO 8601 time from which the logs are read, usually the start of the release
        (C(since) of live.json); earlier lines are ignored. UTC when it has no offset.
      - The containers' whole logs when omitted.
    type: str
  error_pattern:
    description:
      - Regular expression (Python syntax) that makes a log line an error line.
      - The default matches the level names ERROR and CRITICAL as Python logging, gunicorn
        (C([ERROR])) and Celery (C(ERROR/MainProcess)) write them, and the first line of a
        Python traceback.
    type: str
    default: '(?:^|[\s\[:])(?:ERROR|CRITICAL)(?:[\s\]/:]|$)|Traceback \(most recent call last\)'
  queue_backlog_max:
    description: The most messages a queue of O(queues) may hold (C(queue_backlog)).
    type: int
    default: 100
  queues:
    description: Celery queues (Redis lists) C(queue_backlog) measures.
    type: list
    elements: str
    default: [celery]
  celery_app:
    description:
      - The Celery app as C(celery -A) takes it, for example V(demo).
      - Required by C(celery_ping) and C(celery_roundtrip). When given, its broker settings
        are the broker C(queue_backlog) reads.
    type: str
  timeout:
    description: Seconds each probe may take (ping replies, the round trip, Redis and database connections).
    type: float
    default: 10
  checks:
    description: The checks to run; all by default.
    type: list
    elements: str
    choices: [services_healthy, one_beat, celery_ping, celery_roundtrip,
              queue_backlog, redis_ping, database_login, log_errors]
    default: [services_healthy, one_beat, celery_ping, celery_roundtrip,
              queue_backlog, redis_ping, database_login, log_errors]
  docker_cli:
    description: The Docker CLI (name on E(PATH) or absolute path); C(project_dir) needs its Compose v2 plugin.
    type: str
    default: docker
  python:
    description: Python interpreter inside the web container.
    type: str
    default: python3
  manage_py:
    description: Path of C(manage.py) inside the web container, relative to its working directory.
    type: str
    default: manage.py
requirements:
  - Docker CLI on the target host (with the Compose v2 plugin for O(project_dir)).
  - In the web container, Django, Celery and the redis Python package (redis-py); C(celery) in the worker container.
notes:
  - "C(celery_roundtrip) leaves nothing behind: its result is forgotten once read, and a
    message no worker takes expires after O(timeout)."
seealso:
  - module: golive.stack.http_probe
"""

EXAMPLES = r"""
- name: Live colour of the release
  ansible.builtin.slurp:
    src: /opt/golive/shop/live.json
  register: shop_live_file

- name: Health of the stack since the release started
  golive.stack.stack_health:
    project: shop
    project_dir: "/opt/golive/shop/releases/{{ shop_live.release }}"
    web_service: "web-{{ shop_live.colour }}"
    celery_app: shop
    since: "{{ shop_live.since }}"
  vars:
    shop_live: "{{ shop_live_file.content | b64decode | from_json }}"
  register: shop_health

- name: Every check passed
  ansible.builtin.assert:
    that: shop_health.healthy
    fail_msg: "{{ shop_health.checks | rejectattr('ok') | map(attribute='detail') | join('; ') }}"

- name: Only the worker side, with a larger backlog allowed
  golive.stack.stack_health:
    project: shop
    celery_app: shop
    checks: [one_beat, celery_ping, log_errors]
    log_services: [worker]
    queue_backlog_max: 1000
"""

RETURN = r"""
checks:
  description: One entry per check run, in the order of O(checks)' choices.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The check (one of the choices of O(checks)).
      type: str
      returned: always
      sample: one_beat
    ok:
      description: Whether the check passed. False when it could not run.
      type: bool
      returned: always
    detail:
      description: One line of what was seen, naming what failed.
      type: str
      returned: always
      sample: "2 beats run: shop-beat-1 (beat), shop-worker-1 (worker --beat)"
    data:
      description:
        - What the check read; empty when it could not run.
        - "C(services_healthy): C(containers) (C(name), C(service), C(state), C(health)),
          C(expected), C(missing), C(offenders)."
        - "C(one_beat): C(count), C(beats) (C(name), C(service), C(embedded))."
        - "C(celery_ping): C(container), C(replies) (node names), C(count)."
        - "C(celery_roundtrip): C(task), C(task_id), C(seconds), C(result); C(error)."
        - "C(queue_backlog): C(queues) (name: length), C(max), C(source), C(url); C(error)."
        - "C(redis_ping): C(source) (the variable or setting the URL came from), C(url), C(reply); C(error)."
        - "C(database_login): C(databases) (alias: C(ok), C(vendor), C(name), C(user), C(host),
          C(port), C(error))."
        - "C(log_errors): C(since), C(services), C(containers), C(count), C(counts) (per
          service), C(first) (the first error line, truncated), C(failures)."
      type: dict
      returned: always
healthy:
  description: Whether every check run passed.
  returned: always
  type: bool
failed_checks:
  description: The names of the checks that did not pass.
  returned: always
  type: list
  elements: str
  sample: [celery_ping, celery_roundtrip]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _health


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "project": {"type": "str", "required": True},
            "project_dir": {"type": "path"},
            "web_service": {"type": "str"},
            "worker_service": {"type": "str", "default": "worker"},
            "beat_services": {"type": "list", "elements": "str", "default": ["beat"]},
            "expected_services": {"type": "list", "elements": "str", "default": []},
            "log_services": {"type": "list", "elements": "str"},
            "since": {"type": "str"},
            "error_pattern": {"type": "str", "default": _health.DEFAULT_ERROR_PATTERN},
            "queue_backlog_max": {"type": "int", "default": 100},
            "queues": {"type": "list", "elements": "str", "default": ["celery"]},
            "celery_app": {"type": "str"},
            "timeout": {"type": "float", "default": 10},
            "checks": {
                "type": "list",
                "elements": "str",
                "choices": list(_health.CHECK_NAMES),
                "default": list(_health.CHECK_NAMES),
            },
            "docker_cli": {"type": "str", "default": "docker"},
            "python": {"type": "str", "default": "python3"},
            "manage_py": {"type": "str", "default": "manage.py"},
        },
        supports_check_mode=True,
    )
    module.exit_json(**_health.stack_health(module))


if __name__ == "__main__":
    main()
