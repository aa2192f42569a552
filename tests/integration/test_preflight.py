"""Bad input stops golive.yml with a clear message before any host is touched.

The inventory points at an address on the rig network where no host runs: had any task
tried to connect, the run would end UNREACHABLE instead of with preflight's message. Only
the lockout checks read the host, last (molecule/hardening runs them against real hosts).
"""

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
PLAYBOOK = TOP / "playbooks" / "golive.yml"
NOWHERE = "10.213.7.254"

VALID = {
    "golive_app_name": "demo",
    "golive_domain": "demo.golive.test",
    "golive_domain_aliases": ["www.demo.golive.test"],
    "golive_images": {
        "web": "registry.golive.test:5000/golive-demo/app:v1",
        "postgres": "registry.golive.test:5000/golive-demo/postgres:17",
        "redis": "registry.golive.test:5000/golive-demo/redis:8",
    },
    "golive_app_env": {
        "DJANGO_SECRET_KEY": "k3P9x-Vq2Lr8Zt5Wm1Nc7Ys4Hb6Jd0Fg_Ue9Ra2Tk5Xp8Qw3Ez1Cv4Bn7Mh6Lj0",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "demo.golive.test,www.demo.golive.test",
        "CSRF_TRUSTED_ORIGINS": "https://demo.golive.test,https://www.demo.golive.test",
        "SITE_URL": "https://demo.golive.test",
        "DATABASE_URL": "postgres://demo:s3cr3t-Pa55w0rd-long@postgres:5432/demo",
        "REDIS_URL": "redis://:an0ther-s3cr3t-long@redis:6379/0",
    },
    "ansible_user": "deploy",
}


def run(
    tmp_path: Path,
    extra: dict,
    playbook: Path = PLAYBOOK,
    environ: dict | None = None,
    groups: dict | None = None,
) -> subprocess.CompletedProcess:
    """ansible-playbook against hosts at NOWHERE: one host in golive, or GROUPS ({group: {host: vars}})."""
    inventory = tmp_path / "hosts.yml"
    groups = groups or {"golive": {"target": {}}}
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "children": {
                        group: {"hosts": {host: {"ansible_host": NOWHERE, **hvars} for host, hvars in hosts.items()}}
                        for group, hosts in groups.items()
                    }
                }
            }
        )
    )
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_CONFIG=str(TOP / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **(environ or {}))
    return subprocess.run(
        [
            str(TOP / ".venv/bin/ansible-playbook"),
            "-i",
            str(inventory),
            "-e",
            f"@{variables}",
            "-e",
            "ansible_ssh_common_args='-o ConnectTimeout=3'",
            str(playbook),
        ],
        cwd=TOP,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


# Well-formed age keys (the checks read their shape; no key is ever used here).
AGE_RECIPIENT = "age1" + "qpzry9x8gf2tvdw0s3jn54khce6mua7l"[:29] * 2
AGE_IDENTITY = "AGE-SECRET-KEY-1" + "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L" * 2


def with_env(**changes: str | None) -> dict:
    data = copy.deepcopy(VALID)
    for key, value in changes.items():
        if value is None:
            data["golive_app_env"].pop(key)
        else:
            data["golive_app_env"][key] = value
    return data


def with_vars(**changes) -> dict:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def without(*names: str) -> dict:
    data = copy.deepcopy(VALID)
    for name in names:
        data.pop(name)
    return data


SITE_ORIGINS = "https://demo.golive.test, https://www.demo.golive.test"


BAD = {
    "debug_on": (with_env(DJANGO_DEBUG="True"), "DJANGO_DEBUG is on"),
    "placeholder_secret": (
        with_env(DJANGO_SECRET_KEY="changeme"),
        "placeholder values left in golive_app_env: DJANGO_SECRET_KEY",
    ),
    "short_secret": (
        with_env(DJANGO_SECRET_KEY="Zq8-short-but-random-Lm3"),
        "DJANGO_SECRET_KEY must be set to a random value",
    ),
    "foreign_allowed_host": (
        with_env(DJANGO_ALLOWED_HOSTS="demo.golive.test,*"),
        "it must contain demo.golive.test and only",
    ),
    "http_origin": (
        with_env(CSRF_TRUSTED_ORIGINS="http://demo.golive.test"),
        "it must contain https://demo.golive.test",
    ),
    "missing_database": (with_env(DATABASE_URL=None), "DATABASE_URL and REDIS_URL are required"),
    "floating_tag": (
        with_vars(golive_images={**VALID["golive_images"], "web": "registry.golive.test:5000/golive-demo/app:latest"}),
        "unpinned image references: registry.golive.test:5000/golive-demo/app:latest",
    ),
    "untagged_image": (
        with_vars(golive_images={**VALID["golive_images"], "redis": "registry.golive.test:5000/golive-demo/redis"}),
        "unpinned image references: registry.golive.test:5000/golive-demo/redis",
    ),
    "bad_site_name": (
        with_vars(golive_domain_aliases=["www.demo.golive.test;return 200"]),
        "golive_domain and golive_domain_aliases must be distinct lower-case host names",
    ),
    "root_login": (with_vars(ansible_user="root"), "refusing a lockout: Ansible connects as 'root'"),
    "user_not_allowed": (with_vars(sshd_allow_users=["ops"]), "refusing a lockout: Ansible connects as 'deploy'"),
    "ssh_port_not_open": (
        with_vars(sshd_port=2222),
        "refusing a lockout: sshd listens on 2222 but ufw allows SSH on 22",
    ),
    "ssh_port_unwatched": (
        with_vars(sshd_port=2222, ufw_ssh_port=2222),
        "sshd listens on 2222 but fail2ban's sshd jail watches 22",
    ),
    "load_balancer_not_an_address": (
        with_vars(nginx_trusted_proxies=["10.213.7.1", "lb.golive.test"]),
        "nginx_trusted_proxies has lb.golive.test, which is not an IP address or CIDR network",
    ),
    "no_ssh_user": (with_vars(ansible_user=""), "set ansible_user to the sudo user Ansible connects as"),
    "keep_no_daily_dump": (with_vars(pg_backup_keep_daily=0), "pg_backup_keep_daily at least 1"),
    "bad_age_recipient": (
        with_vars(pg_backup_age_recipients=["age1notakey"], pg_backup_age_identity=AGE_IDENTITY),
        "holds values that are not age public keys (age1...) or SSH public keys: age1notakey",
    ),
    "age_without_identity": (
        with_vars(pg_backup_age_recipients=[AGE_RECIPIENT]),
        "pg_backup_age_identity holds no age or SSH private key",
    ),
    "restic_without_password": (
        with_vars(pg_backup_restic_repository="sftp:restic@offsite.example.com:/srv/restic"),
        "it needs pg_backup_restic_password (vaulted), and pg_backup_restic_ssh_key",
    ),
    "bad_volume_name": (with_vars(pg_backup_volumes=["../etc"]), "pg_backup_volumes must name volumes"),
    "external_redis_snapshot": (
        with_vars(golive_layout="app_only", pg_backup_client_image="postgres:17", pg_backup_redis_snapshot=True),
        "with golive_layout app_only Redis is external",
    ),
    "external_db_without_client": (
        with_vars(golive_layout="app_only"),
        "pg_backup_client_image must name a PostgreSQL image no older than the server",
    ),
    # required inputs (the role's argument spec names every missing one)
    "missing_required_inputs": (
        without("golive_images", "golive_app_env"),
        "missing required arguments: golive_app_env, golive_images",
    ),
    # placeholders in the inputs besides the app's environment (names, never values)
    "placeholder_domain": (
        with_vars(golive_domain="your-domain.com"),
        "placeholder values left in golive_domain",
    ),
    "example_domain_alias": (
        with_vars(golive_domain_aliases=["www.demo.golive.test", "www.example.com"]),
        "placeholder values left in golive_domain_aliases[1]",
    ),
    "placeholder_registry": (
        with_vars(golive_images={**VALID["golive_images"], "web": "<registry>/app:1.0"}),
        "placeholder values left in golive_images.web",
    ),
    "placeholder_superuser": (
        with_vars(
            app_superuser_username="admin",
            app_superuser_email="admin@yoursurgery.example.com",
            app_superuser_password="changeme-later-please",
        ),
        "placeholder values left in app_superuser_email, app_superuser_password",
    ),
    # CORS origins: the site's names over https, like the trusted origins
    "cors_foreign_origin": (
        with_env(CORS_ALLOWED_ORIGINS="https://demo.golive.test,https://evil.golive.test"),
        "CORS_ALLOWED_ORIGINS is https://demo.golive.test,https://evil.golive.test; it may hold only "
        f"https:// origins of the site's names ({SITE_ORIGINS})",
    ),
    "cors_http_origin": (
        with_env(CORS_ALLOWED_ORIGINS="http://demo.golive.test"),
        "CORS_ALLOWED_ORIGINS is http://demo.golive.test; it may hold only https:// origins",
    ),
    "cors_mapped_key": (
        with_vars(
            golive_app_env={**VALID["golive_app_env"], "DJANGO_CORS_ORIGINS": "https://demo.golive.test:8443"},
            golive_app_env_keys={"cors_allowed_origins": "DJANGO_CORS_ORIGINS"},
        ),
        "DJANGO_CORS_ORIGINS is https://demo.golive.test:8443; it may hold only https:// origins",
    ),
    # the web colours' ports
    "privileged_web_port": (
        with_vars(app_web_port=80),
        "app_web_port and app_web_port_green (the host ports of the blue and green web colours) must be "
        "whole numbers from 1024 to 65535 (got 80, 81)",
    ),
    "web_port_not_a_number": (
        with_vars(app_web_port_green="80o2"),
        "must be whole numbers from 1024 to 65535 (got 8001, 80o2)",
    ),
    "same_port_for_both_colours": (
        with_vars(app_web_port_green=8001),
        "app_web_port (8001), app_web_port_green (8001) and nginx_maintenance_port (9503) "
        "must be three different ports",
    ),
    "web_port_on_maintenance_page": (
        with_vars(app_web_port=9502),
        "app_web_port (9502), app_web_port_green (9503) and nginx_maintenance_port (9503) "
        "must be three different ports",
    ),
    "web_port_on_moved_maintenance_page": (
        with_vars(nginx_maintenance_port=8001),
        "app_web_port (8001), app_web_port_green (8002) and nginx_maintenance_port (8001) "
        "must be three different ports",
    ),
    # release options
    "keep_one_release": (
        with_vars(app_keep_releases=1),
        "app_keep_releases must be a whole number of at least 2: a rollback needs the release before the live one "
        "(got 1)",
    ),
    "unknown_maintenance_mode": (
        with_vars(app_maintenance="sometimes"),
        "app_maintenance must be auto, always or never (got sometimes)",
    ),
    "drain_too_long": (
        with_vars(app_drain_seconds=301),
        "must be a whole number of seconds from 0 to 300 (got 301)",
    ),
    "negative_lock_wait": (
        with_vars(app_lock_wait=-1),
        "must be a whole number of seconds, 0 or more (got -1)",
    ),
    "embedded_beat_not_a_boolean": (
        with_vars(app_worker_embedded_beat="sometimes"),
        "app_worker_embedded_beat must be true or false (got sometimes)",
    ),
    "celery_without_redis": (
        with_vars(golive_redis=False),
        "Celery's broker is Redis (REDIS_URL), so golive_celery needs golive_redis",
    ),
    "redis_snapshot_without_redis": (
        with_vars(golive_redis=False, golive_celery=False, pg_backup_redis_snapshot=True),
        "golive_redis is false: the stack has no Redis",
    ),
    # the superuser
    "superuser_without_password": (
        with_vars(app_superuser_username="admin"),
        "app_superuser_username is set: app_superuser_password (vaulted) must be set too, at least 12 characters",
    ),
    "superuser_short_password": (
        with_vars(app_superuser_username="admin", app_superuser_password="Sh0rt-pw!"),
        "app_superuser_password (vaulted) must be set too, at least 12 characters",
    ),
    "superuser_bad_email": (
        with_vars(
            app_superuser_username="admin",
            app_superuser_password="Vq2-Lr8Zt5Wm1Nc7",
            app_superuser_email="admin at demo.golive.test",
        ),
        "app_superuser_email 'admin at demo.golive.test' is not an email address",
    ),
}


def assert_refused(proc: subprocess.CompletedProcess, message: str) -> None:
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0, out
    assert message in out, out
    assert "UNREACHABLE" not in out, out
    assert "PLAY [Load balancers]" not in out and "PLAY [Go-live]" not in out, out


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_stops_before_any_host_is_touched(tmp_path, case):
    variables, message = BAD[case]
    assert_refused(run(tmp_path, variables), message)


def preflight_only(tmp_path: Path) -> Path:
    """golive.yml up to its preflight play, in TMP_PATH (what it imports named by full path)."""
    playbook = tmp_path / "preflight.yml"
    text = PLAYBOOK.read_text().split("\n- name: Load balancers\n")[0] + "\n"
    text = text.replace("import_playbook: build.yml", f"import_playbook: {PLAYBOOK.parent}/build.yml")
    text = text.replace("import_tasks: tasks/", f"import_tasks: {PLAYBOOK.parent}/tasks/")
    playbook.write_text(text)
    return playbook


def assert_every_input_rule_passed(proc: subprocess.CompletedProcess) -> str:
    # The lockout checks end by reading the host (SSH_CLIENT, the user's keys): that is
    # the first connection, and it only happens once every input rule has passed.
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Assertion failed" not in out, out
    first_unreachable = out.index("UNREACHABLE")
    last_task = out.rindex("TASK [", 0, first_unreachable)
    assert out.startswith("TASK [golive.stack.preflight : Read the address Ansible connects from]", last_task), out
    return out


def test_valid_input_passes_every_check_before_the_first_host_read(tmp_path):
    assert_every_input_rule_passed(run(tmp_path, VALID, playbook=preflight_only(tmp_path)))


# A fleet: a load balancer, two web hosts, a worker host with the one beat, an external
# database (golive_layout: app_only).
FLEET_VARS = with_vars(
    golive_layout="app_only",
    golive_images={"web": VALID["golive_images"]["web"]},
    pg_backup_client_image=VALID["golive_images"]["postgres"],
    golive_app_env={
        **VALID["golive_app_env"],
        "DATABASE_URL": "postgres://demo:s3cr3t-Pa55w0rd-long@db.golive.test:5432/demo",
        "REDIS_URL": "redis://:an0ther-s3cr3t-long@redis.golive.test:6379/0",
    },
)
FLEET = {
    "golive_lb": {"lb": {}},
    "golive": {
        "web1": {"golive_host_services": ["web"]},
        "web2": {"golive_host_services": ["web"]},
        "work": {"golive_host_services": ["worker", "beat"]},
    },
}


def fleet(**hosts) -> dict:
    """FLEET with the app hosts' golive_host_services replaced (None: the host is not set)."""
    groups = copy.deepcopy(FLEET)
    for host, services in hosts.items():
        groups["golive"][host] = {} if services is None else {"golive_host_services": services}
    return groups


FLEET_BAD = {
    "two_beats": (
        FLEET_VARS,
        fleet(web2=["web", "beat"]),
        "exactly one host must run beat, a worker with embedded beat counting as one (golive_host_services); "
        "the beat runs on web2, work",
    ),
    "no_beat": (FLEET_VARS, fleet(work=["worker"]), "the beat runs on no host"),
    # a host that does not set golive_host_services runs everything, beat included
    "unset_host_runs_a_second_beat": (FLEET_VARS, fleet(web1=None), "the beat runs on web1, work"),
    "embedded_beat_on_two_workers": (
        with_vars(**FLEET_VARS, app_worker_embedded_beat=True),
        fleet(web2=["web", "worker"], work=["worker"]),
        "the beat runs on web2, work",
    ),
    # no load balancer, but one external database: still one beat for both hosts
    "external_database_two_beats": (FLEET_VARS, {"golive": {"one": {}, "two": {}}}, "the beat runs on one, two"),
    "no_web_host": (FLEET_VARS, fleet(web1=["worker"], web2=["worker"]), "no app host runs web"),
    "unknown_service": (
        FLEET_VARS,
        fleet(web1=["web", "postgres"]),
        'golive_host_services of web1 must be a non-empty list of web, worker and beat (got ["web", "postgres"])',
    ),
    "full_layout_behind_a_balancer": (
        VALID,
        FLEET,
        "front several app hosts, which share one database: golive_layout must be app_only",
    ),
}


@pytest.mark.parametrize("case", sorted(FLEET_BAD))
def test_fleet_that_does_not_add_up_stops_before_any_host_is_touched(tmp_path, case):
    variables, groups, message = FLEET_BAD[case]
    assert_refused(run(tmp_path, variables, groups=groups), message)


def test_hosts_with_stacks_of_their_own_each_run_a_beat(tmp_path):
    # the full layout without load balancers: each host has its database, Redis and beat
    groups = {"golive": {"one": {}, "two": {}}}
    assert_every_input_rule_passed(run(tmp_path, VALID, playbook=preflight_only(tmp_path), groups=groups))


def test_valid_fleet_passes_every_check_before_the_first_host_read(tmp_path):
    assert_every_input_rule_passed(run(tmp_path, FLEET_VARS, playbook=preflight_only(tmp_path), groups=FLEET))


# The app's own compose file, on the controller: one service, web, that publishes nothing
# (and names no image: the app role sets golive_images.web). Where docker compose is on the
# controller, compose's own check runs with golive_app_env as its environment, so
# ${VAR:?message} names what the environment lacks.
USER_COMPOSE = """\
services:
  web:
    command: ["gunicorn", "demo.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
    environment:
      DATABASE_URL: ${DATABASE_URL:?set DATABASE_URL in golive_app_env}
      WEB_CONCURRENCY: "3"
"""


def has_docker_compose() -> bool:
    docker = shutil.which("docker")
    return (
        docker is not None
        and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0
    )


needs_compose = pytest.mark.skipif(not has_docker_compose(), reason="docker compose is not on this controller")

COMPOSE_BAD = {
    "two_services": (
        USER_COMPOSE + "  worker:\n    command: [celery, -A, demo, worker]\n",
        "must define exactly one service, web, as a mapping: the app role derives the web colours, "
        "worker and beat from it (it defines web, worker)",
    ),
    "no_web_service": (
        "services:\n  app:\n    command: [gunicorn]\n",
        "must define exactly one service, web, as a mapping",
    ),
    "not_a_compose_file": ("- web\n- worker\n", "(it defines no services section)"),
    "not_yaml": ("services:\n  web: [unclosed\n", "is not valid YAML"),
    "web_publishes_ports": (
        USER_COMPOSE + '    ports: ["8000:8000"]\n',
        "service web publishes ports (8000:8000); remove them: the app role publishes each web colour",
    ),
    "volume_named_like_the_roles": (
        USER_COMPOSE + '    volumes: ["pgdata:/app/media"]\nvolumes:\n  pgdata: {}\n',
        "volume pgdata has the name of a volume the app role owns (static, pgdata, redisdata); rename it in the file",
    ),
    "volumes_not_a_mapping": (
        USER_COMPOSE + "volumes: [media]\n",
        "volumes must be a mapping of volume names",
    ),
    "required_variable_unset": pytest.param(
        USER_COMPOSE + "      SENTRY_DSN: ${SENTRY_DSN:?set SENTRY_DSN for error reports}\n",
        "with golive_app_env as its environment: error while interpolating services.web.environment.SENTRY_DSN: "
        "required variable SENTRY_DSN is missing a value: set SENTRY_DSN for error reports",
        marks=needs_compose,
    ),
    # compose quotes the values it refuses: the app's values are masked in the message
    "compose_message_masks_secrets": pytest.param(
        USER_COMPOSE + "    stop_grace_period: ${DJANGO_SECRET_KEY}\n",
        'invalid duration "********"',
        marks=needs_compose,
    ),
}


def compose_case(case):
    value = COMPOSE_BAD[case]
    return pytest.param(case, marks=value.marks) if hasattr(value, "marks") else case


@pytest.mark.parametrize("case", [compose_case(case) for case in sorted(COMPOSE_BAD)])
def test_bad_compose_file_stops_before_any_host_is_touched(tmp_path, case):
    value = COMPOSE_BAD[case]
    text, message = value.values if hasattr(value, "values") else value
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    proc = run(tmp_path, with_vars(app_compose_file=str(compose)))
    assert_refused(proc, message)
    assert VALID["golive_app_env"]["DJANGO_SECRET_KEY"] not in proc.stdout + proc.stderr


def test_missing_compose_file_stops_before_any_host_is_touched(tmp_path):
    assert_refused(
        run(tmp_path, with_vars(app_compose_file=str(tmp_path / "nowhere.yaml"))),
        f"app_compose_file: {tmp_path / 'nowhere.yaml'} is not a file on this controller",
    )


@pytest.mark.parametrize("controller", [pytest.param("docker", marks=needs_compose), "no-docker"])
def test_valid_compose_file_passes_every_check(tmp_path, controller):
    compose = tmp_path / "compose.yaml"
    compose.write_text(USER_COMPOSE + '    volumes: ["media:/app/media"]\nvolumes:\n  media: {}\n')  # uploads kept
    environ = {}
    if controller == "no-docker":  # a docker without the compose plugin comes first on PATH
        fake = tmp_path / "bin" / "docker"
        fake.parent.mkdir()
        fake.write_text("#!/bin/sh\necho \"docker: 'compose' is not a docker command.\" >&2\nexit 1\n")
        fake.chmod(0o755)
        environ["PATH"] = f"{fake.parent}:{os.environ['PATH']}"
    proc = run(
        tmp_path,
        with_vars(app_compose_file=str(compose)),
        playbook=preflight_only(tmp_path),
        environ=environ,
    )
    out = " ".join(assert_every_input_rule_passed(proc).split())
    checked = re.search(r"Run compose's own check with the app's environment\] \**\s*ok: \[target -> localhost\]", out)
    if controller == "docker":
        assert checked, out
        assert "docker compose is not available on this controller" not in out, out
    else:
        assert (
            f"docker compose is not available on this controller: app_compose_file {compose} was read as YAML only"
            in out
        ), out
        assert not checked, out


# rollback.yml runs the rollback's preflight entry point on its own.
ROLLBACK_PREFLIGHT = """\
- name: Preflight (the rollback's inputs)
  hosts: golive
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: Rollback inputs
      ansible.builtin.include_role:
        name: golive.stack.preflight
        tasks_from: rollback
"""

ROLLBACK_BAD = {
    "parent_directory": ({"app_rollback_to": ".."}, "app_rollback_to '..' must be a release id"),
    "path_in_release_id": ({"app_rollback_to": "../../etc"}, "app_rollback_to '../../etc' must be a release id"),
    "migrate_and_restore": (
        {"app_rollback_migrate": True, "app_rollback_restore": True},
        "app_rollback_migrate and app_rollback_restore are both true: choose one",
    ),
    "migrate_not_a_boolean": (
        {"app_rollback_migrate": "please"},
        "app_rollback_migrate and app_rollback_restore must be true or false (got please, False)",
    ),
    "colours_on_one_port": (
        {"app_web_port_green": 8001},
        "app_web_port (8001), app_web_port_green (8001) and nginx_maintenance_port (9503) "
        "must be three different ports",
    ),
}


@pytest.mark.parametrize("case", sorted(ROLLBACK_BAD))
def test_rollback_refuses_bad_input_before_any_host_is_touched(tmp_path, case):
    extra, message = ROLLBACK_BAD[case]
    playbook = tmp_path / "rollback-preflight.yml"
    playbook.write_text(ROLLBACK_PREFLIGHT)
    assert_refused(run(tmp_path, with_vars(**extra), playbook=playbook), message)


def test_rollback_accepts_a_release_id_without_touching_a_host(tmp_path):
    playbook = tmp_path / "rollback-preflight.yml"
    playbook.write_text(ROLLBACK_PREFLIGHT)
    proc = run(
        tmp_path, with_vars(app_rollback_to="20260101T120000Z-v1.2", app_rollback_restore="yes"), playbook=playbook
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "UNREACHABLE" not in out, out


@pytest.mark.parametrize(
    ("playbook", "extra", "message"),
    [
        ("backup", {"pg_backup_label": "../etc"}, "pg_backup_label '../etc' must be letters, digits"),
        ("drill", {"pg_backup_keep_weekly": "some"}, "must be whole numbers"),
        ("restore", {"pg_backup_age_recipients": [AGE_RECIPIENT]}, "pg_backup_age_identity holds no age"),
    ],
)
def test_backup_playbooks_refuse_bad_input_before_any_host_is_touched(tmp_path, playbook, extra, message):
    proc = run(tmp_path, with_vars(**extra), playbook=TOP / "playbooks" / f"{playbook}.yml")
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0, out
    assert message in out, out
    assert "UNREACHABLE" not in out, out
