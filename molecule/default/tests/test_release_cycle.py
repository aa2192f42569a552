"""Day-2 operations on the converged host, in order: release, rollback.

Molecule's testinfra verifier runs the test files in name order, so this one runs after
the go-live checks (test_golive_*), which must see the first release, and the backup
checks (test_ops_backup). The playbooks are
run as ops run them: ansible-playbook against the same inventory.
"""

import json

import yaml
from conftest import APP, PROJECT, play, recap_changed

INPUTS = yaml.safe_load((PROJECT / "inventories/sandbox/group_vars/golive/app.yml").read_text())
V2 = {**INPUTS["golive_images"], "web": INPUTS["golive_images"]["web"].replace(":v1", ":v2")}


def healthz(root) -> dict:
    out = root.check_output("curl -sk --resolve demo.golive.test:443:127.0.0.1 https://demo.golive.test/healthz")
    return json.loads(out)


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
