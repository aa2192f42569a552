"""Day-2 releases on the converged host, in order: blue/green releases under load, a broken
image (and the lock, which refuses a second deploy while it runs), a failing migration,
rollbacks, a migration that needs the maintenance page.

Molecule's testinfra verifier runs the test files in name order, so this one runs after
the go-live checks (test_golive_*), which must see the first release, and the backup
checks (test_ops_backup). The playbooks are run as ops run them: ansible-playbook
against the same inventory. A steady load (tests/rig/loadgen.py: a new connection for
every request, failed unless a 200 comes within 5 s) goes through nginx from outside the
host while releases run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from conftest import APP, DOMAIN, HOST_IP, PROJECT, live, play, psql, recap_changed, start_play

sys.path.insert(0, str(PROJECT / "tests/rig"))
from demo_images import main as demo_images  # noqa: E402 - found through the sys.path entry above
from loadgen import LoadGen  # noqa: E402

DIR = f"/opt/golive/{APP}"
MEDIA_COMPOSE = PROJECT / "tests/fixtures/compose/web-media.compose.yaml"


def images(tag: str) -> dict:
    """golive_images of the sandbox inventory with the demo app at TAG (as make demo-release)."""
    return json.loads(demo_images(tag))


def load() -> LoadGen:
    return LoadGen(f"https://{DOMAIN}/", connect=HOST_IP, rate=50)


def healthz(root) -> dict:
    out = root.check_output(f"curl -sk --resolve {DOMAIN}:443:127.0.0.1 https://{DOMAIN}/healthz")
    return json.loads(out)


def record(root, release: str) -> dict:
    return json.loads(root.file(f"{DIR}/releases/{release}/release.json").content_string)


def audit(root) -> list[dict]:
    return [json.loads(line) for line in root.file(f"{DIR}/audit.log").content_string.splitlines()]


def running(root) -> list[str]:
    out = root.check_output(f"docker compose -p {APP} ps --status running --format '{{{{.Service}}}}'")
    return sorted(out.split())


def started(root, service: str) -> str:
    cid = root.check_output(f"docker compose -p {APP} ps -q {service}")
    return root.check_output(f"docker inspect -f '{{{{.State.StartedAt}}}}' {cid}")


def cpu_shares(root, service: str) -> int:
    cid = root.check_output(f"docker compose -p {APP} ps -q {service}")
    return int(root.check_output(f"docker inspect -f '{{{{.HostConfig.CpuShares}}}}' {cid}"))


def text(proc: subprocess.CompletedProcess[str]) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def test_release_v2_under_load_drops_nothing(root):
    before = live(root)
    data_started = {name: started(root, name) for name in ("postgres", "redis")}
    with load() as traffic:
        proc = play("deploy", images("v2"))
    result = traffic.result
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result.sent > 100 and result.failed == 0, result.summary()
    assert result.longest_gap_ms <= 1000, result.summary()
    after = live(root)
    assert after["colour"] != before["colour"] and after["release"] != before["release"]
    assert healthz(root)["version"] == "v2"
    # one web colour, the data services untouched, exactly one beat
    assert running(root) == sorted([after["service"], "worker", "beat", "postgres", "redis"])
    assert {name: started(root, name) for name in ("postgres", "redis")} == data_started
    # the new colour booted at the background weight and took the web's once its probe passed
    assert {name: cpu_shares(root, name) for name in (after["service"], "worker", "beat")} == {
        after["service"]: 1024,
        "worker": 256,
        "beat": 256,
    }
    rec = record(root, after["release"])
    assert [(s["app_label"], s["name"]) for s in rec["migrations_applied"]] == [("notes", "0002_note_pinned_at")]
    assert root.run(f"ls /var/backups/golive/{APP}/ | grep -q -- '-pre-migrate-{rec['id']}.dump'").rc == 0
    entry = audit(root)[-1]
    assert entry["action"] == "release" and entry["release"] == after["release"]
    assert entry["previous"] == before["release"]
    # nginx points at the new colour, through the file the app role owns
    upstream = root.file(f"/etc/nginx/golive/upstreams/{APP}.conf").content_string
    assert f"127.0.0.1:{8001 if after['colour'] == 'blue' else 8002}" in upstream


def test_same_release_again_changes_nothing(root):
    before = live(root)
    proc = play("deploy", images("v2"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap_changed(proc) == 0
    assert live(root) == before


def test_a_broken_image_never_serves_and_a_concurrent_deploy_is_refused_by_the_lock(root):
    before = live(root)
    with load() as traffic:
        # the broken release holds the lock while its web colour fails the health check; a
        # second deploy started meanwhile must be refused, not queued behind it
        first = start_play("deploy", {**images("broken"), "app_wait_timeout": 45})
        try:
            deadline = time.monotonic() + 120
            while not root.file(f"{DIR}/deploy.lock/holder").exists:
                assert first.poll() is None and time.monotonic() < deadline, "the broken deploy never took the lock"
                time.sleep(0.5)
            second = play("deploy", images("v2"))
            holding = first.poll() is None  # the refusal counts only if the first still held the lock
        finally:
            out = first.communicate(timeout=600)[0]
    assert holding, "the broken deploy ended before the second deploy reached the lock: " + text(second)
    assert second.returncode != 0
    assert "another deploy holds" in text(second) and "release" in text(second), second.stdout
    result = traffic.result
    said = " ".join(out.split())
    assert first.returncode != 0
    assert "did not become healthy" in said and f"{before['release']} keeps serving" in said, said
    assert result.sent > 100 and result.failed == 0, result.summary()
    assert live(root) == before
    assert healthz(root)["version"] == "v2"
    assert running(root) == sorted([before["service"], "worker", "beat", "postgres", "redis"])
    assert not root.file(f"{DIR}/deploy.lock").exists


def test_a_failing_migration_aborts_before_the_switch(root):
    before = live(root)
    applied = psql(root, "SELECT count(*) FROM django_migrations WHERE app = 'notes';")
    with load() as traffic:
        proc = play("deploy", images("badmigrate"))
    assert proc.returncode != 0
    assert "stopped in its release phase" in text(proc) and "Apply the migrations" in text(proc), text(proc)
    assert f"{before['release']} keeps serving" in text(proc)
    assert traffic.result.failed == 0, traffic.result.summary()
    assert live(root) == before
    assert psql(root, "SELECT count(*) FROM django_migrations WHERE app = 'notes';") == applied
    assert healthz(root)["version"] == "v2"


def test_rollback_across_a_migration_is_refused_unless_asked(root):
    before = live(root)
    proc = play("rollback")
    assert proc.returncode != 0
    assert "app_rollback_migrate=true" in text(proc) and "Nothing was changed" in text(proc), text(proc)
    assert live(root) == before and healthz(root)["version"] == "v2"


def test_rollback_with_migrate_returns_to_v1_and_its_schema(root):
    before = live(root)
    with load() as traffic:
        proc = play("rollback", {"app_rollback_migrate": True})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = live(root)
    assert healthz(root)["version"] == "v1"
    assert after["colour"] != before["colour"]
    assert psql(root, "SELECT max(name) FROM django_migrations WHERE app = 'notes';") == "0001_initial"
    assert root.run(f"ls /var/backups/golive/{APP}/ | grep -q -- '-pre-rollback-{before['release']}.dump'").rc == 0
    entry = audit(root)[-1]
    assert entry["action"] == "rollback" and entry["previous"] == before["release"]
    # going back in schema switches behind the maintenance page: nothing fails, some 503s are the page
    maintenance = traffic.result.failures.get("status 503", 0)
    assert traffic.result.failed == maintenance, traffic.result.summary()


def test_v2_again_migrates_again_with_the_apps_own_compose_file(root):
    # From here on the releases use the app's own web service definition (app_compose_file),
    # which keeps uploads in a named volume of its own.
    proc = play("deploy", {**images("v2"), "app_compose_file": str(MEDIA_COMPOSE)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert healthz(root)["version"] == "v2"
    assert psql(root, "SELECT max(name) FROM django_migrations WHERE app = 'notes';") == "0002_note_pinned_at"
    # the app's user writes to the volume (its top directory was handed over), the worker sees it
    exec_in = f"docker compose -p {APP} exec -T"
    root.check_output(f"{exec_in} {live(root)['service']} sh -c 'echo kept > /app/media/upload.txt'")
    assert root.check_output(f"{exec_in} worker cat /app/media/upload.txt") == "kept"


def test_a_migration_the_old_code_cannot_run_on_switches_behind_the_maintenance_page(root):
    with load() as traffic:
        # keep 2: this release prunes the ones beyond it (checked by the next test)
        proc = play("deploy", {**images("v3"), "app_compose_file": str(MEDIA_COMPOSE), "app_keep_releases": 2})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert healthz(root)["version"] == "v3"
    # the upload of the release before is still there for the new colour
    upload = f"docker compose -p {APP} exec -T {live(root)['service']} cat /app/media/upload.txt"
    assert root.check_output(upload) == "kept"
    result = traffic.result
    kinds = set(result.failures)
    assert kinds <= {"status 503"}, result.summary()  # only the maintenance page, never a 502 or a refusal
    assert result.failures.get("status 503", 0) > 0, result.summary()
    # the 503s are nginx's maintenance page (its local maintenance server's body)
    page = root.check_output(f"curl -s -H 'Host: {DOMAIN}' http://127.0.0.1:9503/")
    assert all(page.startswith(s["detail"].strip()) for s in result.samples["status 503"]), result.samples
    assert "worker" in running(root) and "beat" in running(root)


def test_rollback_to_a_named_release_and_releases_are_pruned(root):
    # v3's release kept 2 (v2 and v3): the first release (v1) is gone, its volumes are not
    first = next(e["release"] for e in audit(root) if e["action"] == "release")
    kept = root.check_output(f"ls -1 {DIR}/releases").split()
    assert first not in kept and len(kept) == 2, kept
    assert root.run(f"docker volume inspect {APP}_pgdata").rc == 0
    records = sorted(
        (json.loads(root.file(f"{DIR}/releases/{rid}/release.json").content_string) for rid in kept),
        key=lambda r: r["released_at"],
    )
    v2 = [r for r in records if r["images"]["web"].endswith(":v2")][-1]
    proc = play("rollback", {"app_rollback_to": v2["id"], "app_rollback_migrate": True})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert live(root)["release"] == v2["id"] and healthz(root)["version"] == "v2"


def test_rollback_to_an_unknown_release_is_refused(root):
    before = live(root)
    proc = play("rollback", {"app_rollback_to": "no-such-release"})
    assert proc.returncode != 0
    assert "no-such-release is not among the kept releases" in text(proc), text(proc)
    assert live(root) == before


def test_the_superuser_is_ensured(root):
    row = psql(root, "SELECT is_superuser, is_staff, is_active, email FROM auth_user WHERE username = 'ops';")
    assert row == "t|t|t|ops@demo.golive.test"
    password = (PROJECT / ".rig/superuser-password").read_text().split()[0]
    check = (
        "from django.contrib.auth import authenticate; "
        f"print(bool(authenticate(username='ops', password='{password}')))"
    )
    manage = f"docker compose --project-directory {DIR}/current run --rm -T manage python3 manage.py"
    out = root.check_output(f'{manage} shell -c "{check}"')
    assert out.splitlines()[-1] == "True"
