"""Day-2 operations on the converged host, in order: backup, restore, release, rollback.

Molecule's testinfra verifier runs the test files in name order, so this one runs after
the go-live checks (test_golive_*), which must see the first release. The playbooks are
run as ops run them: ansible-playbook against the same inventory.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

TOP = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
APP = "demo"
INPUTS = yaml.safe_load((TOP / "inventories/sandbox/group_vars/golive/app.yml").read_text())
PSQL = 'psql -qtA -U "$POSTGRES_USER" -d "$POSTGRES_DB"'
V2 = {**INPUTS["golive_images"], "web": INPUTS["golive_images"]["web"].replace(":v1", ":v2")}


def play(name: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [
        str(TOP / ".venv/bin/ansible-playbook"),
        "-i",
        os.environ["MOLECULE_INVENTORY_FILE"],
        "-e",
        f"@{TOP / '.rig/sandbox-secrets.yml'}",
        "--vault-password-file",
        str(TOP / ".rig/vault-pass"),
    ]
    if extra:
        cmd += ["-e", json.dumps(extra)]
    cmd.append(str(TOP / f"playbooks/{name}.yml"))
    env = dict(os.environ, ANSIBLE_CONFIG=str(TOP / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_FORCE_COLOR", None)  # Molecule sets it for its own runs
    return subprocess.run(cmd, env=env, cwd=TOP, capture_output=True, text=True, check=False, timeout=900)


def recap_changed(proc: subprocess.CompletedProcess) -> int:
    line = next(line for line in proc.stdout.splitlines() if line.startswith("molecule-golive") and "changed=" in line)
    return int(line.split("changed=")[1].split()[0])


@pytest.fixture()
def root(host):
    with host.sudo():
        yield host


def psql(root, sql: str) -> str:
    return root.check_output(f"docker compose -p {APP} exec -T postgres sh -c '{PSQL}' <<'SQL'\n{sql}\nSQL").strip()


def healthz(root) -> dict:
    out = root.check_output("curl -sk --resolve demo.golive.test:443:127.0.0.1 https://demo.golive.test/healthz")
    return json.loads(out)


def test_backup_playbook_dumps_and_returns_the_dump(root):
    proc = play("backup", {"pg_backup_label": "day2"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dumps = root.check_output(f"ls /var/backups/golive/{APP}/").split()
    assert any(name.endswith("-day2.dump") for name in dumps)


def test_restore_refuses_without_confirmation(root):
    dump = root.check_output(f"ls -1 /var/backups/golive/{APP}/*-day2.dump | tail -n1")
    proc = play("restore", {"pg_backup_restore_file": dump})
    assert proc.returncode != 0
    assert "set pg_backup_restore_confirm=true" in " ".join(proc.stdout.split())


def test_restore_brings_back_the_dumped_rows_and_restarts_writers(root):
    dump = root.check_output(f"ls -1 /var/backups/golive/{APP}/*-day2.dump | tail -n1")
    before = psql(root, "SELECT count(*) FROM notes_note;")
    psql(root, "INSERT INTO notes_note (title, body, created_at) VALUES ('after the dump', '', now());")
    assert psql(root, "SELECT count(*) FROM notes_note;") == str(int(before) + 1)
    proc = play("restore", {"pg_backup_restore_file": dump, "pg_backup_restore_confirm": True})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert psql(root, "SELECT count(*) FROM notes_note;") == before
    assert any(n.endswith("-pre-restore.dump") for n in root.check_output(f"ls /var/backups/golive/{APP}/").split())
    running = root.check_output(f"docker compose -p {APP} ps --status running --format '{{{{.Service}}}}'").split()
    assert {"web", "worker", "beat"} <= set(running)


def test_release_v2_migrates_after_a_dump_and_serves(root):
    proc = play("deploy", {"golive_images": V2})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert healthz(root)["version"] == "v2"
    release = root.file(f"/opt/golive/{APP}/current").linked_to
    record = json.loads(root.file(f"{release}/release.json").content_string)
    assert [(s["app_label"], s["name"]) for s in record["migrations_applied"]] == [("notes", "0002_note_pinned_at")]
    assert root.run(f"ls /var/backups/golive/{APP}/ | grep -q -- '-pre-migrate-{record['id']}.dump'").rc == 0


def test_same_release_again_changes_nothing(root):
    proc = play("deploy", {"golive_images": V2})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap_changed(proc) == 0


def test_rollback_across_a_migration_is_refused_and_v2_keeps_serving(root):
    proc = play("rollback")
    assert proc.returncode != 0
    assert "needs migrating back first" in " ".join(proc.stdout.split())
    assert healthz(root)["version"] == "v2"


def test_rollback_of_a_config_only_release(root):
    first = root.file(f"/opt/golive/{APP}/current").linked_to
    env = {**INPUTS["golive_app_env"], "DJANGO_LOG_LEVEL": "WARNING"}
    proc = play("deploy", {"golive_images": V2, "golive_app_env": env})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    second = root.file(f"/opt/golive/{APP}/current").linked_to
    assert second != first
    proc = play("rollback")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert root.file(f"/opt/golive/{APP}/current").linked_to == first
    assert healthz(root)["version"] == "v2"
    audit = [json.loads(line) for line in root.file(f"/opt/golive/{APP}/audit.log").content_string.splitlines()]
    assert audit[-1]["action"] == "rollback" and audit[-1]["previous"] == second.rsplit("/", 1)[1]
