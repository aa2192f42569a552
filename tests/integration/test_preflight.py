"""Bad input stops golive.yml with a clear message before any host is touched.

The inventory points at an address on the rig network where no host runs: had any task
tried to connect, the run would end UNREACHABLE instead of with preflight's message. Only
the lockout checks read the host, last (molecule/hardening runs them against real hosts).
"""

import copy
import json
import os
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


def run(tmp_path: Path, extra: dict, playbook: Path = PLAYBOOK) -> subprocess.CompletedProcess:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        json.dumps({"all": {"children": {"golive": {"hosts": {"target": {"ansible_host": NOWHERE}}}}}})
    )
    variables = tmp_path / "vars.json"
    variables.write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_CONFIG=str(TOP / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
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
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_stops_before_any_host_is_touched(tmp_path, case):
    variables, message = BAD[case]
    proc = run(tmp_path, variables)
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0, out
    assert message in out, out
    assert "UNREACHABLE" not in out, out
    assert "PLAY [Go-live]" not in out, out


def test_valid_input_passes_every_check_before_the_first_host_read(tmp_path):
    # The lockout checks end by reading the host (SSH_CLIENT, the user's keys): that is
    # the first connection, and it only happens once every input rule has passed.
    only_preflight = tmp_path / "preflight.yml"
    only_preflight.write_text(PLAYBOOK.read_text().split("\n- name: Go-live\n")[0] + "\n")
    proc = run(tmp_path, VALID, playbook=only_preflight)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Assertion failed" not in out, out
    first_unreachable = out.index("UNREACHABLE")
    last_task = out.rindex("TASK [", 0, first_unreachable)
    assert out.startswith("TASK [golive.stack.preflight : Read the address Ansible connects from]", last_task), out


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
