"""Backups of the converged demo: the timers' units, what a dump holds and where it goes,
a backup -> drill -> restore round trip on rows the app wrote, failures that must be loud,
and retention by tier.

The scenario's host_vars turn on what a careful production would: age encryption, an
off-site copy to the rig's restic repository over SFTP, the media volume and a Redis
snapshot beside each dump. Runs after test_golive_* (name order) and leaves the stack
running and healthy for test_release_cycle.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from conftest import APP, PROJECT, live, play, psql

DIR = f"/var/backups/golive/{APP}"
STATE = f"/var/lib/golive/pg_backup/{APP}"
TOOL = "/usr/local/sbin/golive-pg-backup"
COMPOSE = f"docker compose -p {APP}"


def newest(root) -> str:
    return json.loads(root.check_output(f"{TOOL} list {APP}"))["dumps"][0]


def state(root, name: str) -> dict:
    return json.loads(root.file(f"{STATE}/{name}").content_string)


def unit_result(root, unit: str) -> tuple[str, str]:
    out = root.check_output(f"systemctl show -p Result -p ExecMainStatus --value {unit}").split()
    return out[0], out[1]


def wait_healthy(root, service: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cid = root.check_output(f"{COMPOSE} ps -q {service}")
        if cid and root.check_output(f"docker inspect -f '{{{{.State.Health.Status}}}}' {cid}") == "healthy":
            return
        time.sleep(2)
    raise AssertionError(f"{service} did not become healthy in {timeout} s")


def test_timers_are_enabled_and_the_dump_unit_runs_on_the_host(root):
    for timer in (f"golive-pg-backup@{APP}.timer", f"golive-pg-drill@{APP}.timer"):
        assert root.run(f"systemctl is-enabled {timer}").stdout.strip() == "enabled"
        assert root.run(f"systemctl is-active {timer}").stdout.strip() == "active"
    before = newest(root)
    root.check_output(f"systemctl start golive-pg-backup@{APP}.service")  # oneshot: returns when done
    assert unit_result(root, f"golive-pg-backup@{APP}.service") == ("success", "0")
    after = newest(root)
    assert after != before and after.endswith("-scheduled.dump.age")
    assert state(root, "last-dump.json")["file"] == after


def test_a_dump_is_encrypted_checksummed_counted_and_has_its_companions(root):
    dump = newest(root)
    name = dump.rsplit("/", 1)[1]
    assert root.file(dump).content[:21] == b"age-encryption.org/v1"
    assert root.file(dump).mode == 0o600
    assert root.run(f"cd {DIR} && sha256sum --quiet -c {name}.sha256").rc == 0
    manifest = json.loads(root.file(f"{dump}.json").content_string)
    assert manifest["encrypted"] is True
    assert "public.notes_note" in manifest["tables"] and "public.django_migrations" in manifest["tables"]
    assert manifest["toc_entries"] > len(manifest["tables"])  # tables, sequences, indexes...
    companions = {c["file"].split(".", 1)[1] for c in manifest["companions"]}
    assert companions == {"redis.rdb"}, "no media volume yet: only the Redis snapshot"
    rdb = name.replace(".dump.age", ".redis.rdb")
    assert root.file(f"{DIR}/{rdb}").content[:5] == b"REDIS"
    assert not [f for f in root.check_output(f"ls -A {DIR}").split() if f.startswith(".partial-")]


def test_the_media_volume_is_saved_beside_the_dump(root):
    labels = f"--label com.docker.compose.project={APP} --label com.docker.compose.volume=media"
    root.check_output(f"docker volume create {labels} {APP}_media")
    image = root.check_output(f"docker inspect -f '{{{{.Config.Image}}}}' $({COMPOSE} ps -q {live(root)['service']})")
    write = "mkdir -p /m/up && echo hi > /m/up/a.txt"
    root.check_output(f"docker run --rm --user 0 -v {APP}_media:/m --entrypoint sh {image} -c '{write}'")
    out = json.loads(root.check_output(f"{TOOL} dump {APP} media-check").splitlines()[-1])
    tar = out["file"].replace(".dump.age", ".media.tar.gz")
    assert tar.rsplit("/", 1)[1] in out["companions"]
    assert "./up/a.txt" in root.check_output(f"tar -tzf {tar}").split()
    assert root.run(f"cd {DIR} && sha256sum --quiet -c {out['file'].rsplit('/', 1)[1]}.sha256").rc == 0


def test_each_dump_reaches_the_offsite_repository(root):
    dump = newest(root)
    snaps = json.loads(
        subprocess.run(
            [str(PROJECT / "tests/rig/offsite.sh"), "snapshots"], capture_output=True, text=True, check=True
        ).stdout
    )
    ours = [s for s in snaps if f"app:{APP}" in (s.get("tags") or [])]
    assert any(dump in s["paths"] for s in ours), f"{dump} not among {[s['paths'] for s in ours]}"
    assert state(root, "last-dump.json").get("offsite", {}).get("snapshot")


def test_backup_drill_restore_round_trip_on_rows_the_app_wrote(root):
    title = f"round-trip-{int(time.time())}"
    # The app writes the rows: a Celery task run by the stack's own worker.
    for i in range(3):
        root.check_output(
            f'{COMPOSE} exec -T worker celery -A demo call notes.tasks.create_note --args \'["{title}", "{i}"]\''
        )
    count_sql = f"SELECT count(*) FROM notes_note WHERE title = '{title}';"
    deadline = time.monotonic() + 60
    while psql(root, count_sql) != "3":
        assert time.monotonic() < deadline, "the worker did not write the rows"
        time.sleep(1)
    total = psql(root, "SELECT count(*) FROM notes_note;")

    proc = play("backup", {"pg_backup_label": "roundtrip"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dump = newest(root)
    assert dump.endswith("-roundtrip.dump.age")

    proc = play("drill")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    evidence = state(root, "drill-last.json")
    assert evidence["result"] == "pass" and evidence["dump"] == dump
    assert evidence["tables"]["public.notes_note"] == {"source": int(total), "restored": int(total)}
    assert evidence["mismatches"] == [] and evidence["duration_seconds"] > 0
    assert "golive_drill" in proc.stdout.split("CUSTOM STATS", 1)[1]  # set_stats: the job's data has it

    psql(root, f"DELETE FROM notes_note WHERE title = '{title}';")  # the loss
    proc = play("restore", {"pg_backup_restore_file": dump})
    assert proc.returncode != 0
    assert "set pg_backup_restore_file to the dump and pg_backup_restore_confirm=true" in " ".join(proc.stdout.split())
    assert psql(root, count_sql) == "0"

    proc = play("restore", {"pg_backup_restore_file": dump, "pg_backup_restore_confirm": True})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert psql(root, count_sql) == "3"
    assert psql(root, "SELECT count(*) FROM notes_note;") == total
    assert any(f.endswith("-pre-restore.dump.age") for f in root.check_output(f"ls {DIR}").split())
    running = root.check_output(f"{COMPOSE} ps --status running --format '{{{{.Service}}}}'").split()
    assert {live(root)["service"], "worker", "beat"} <= set(running)
    wait_healthy(root, live(root)["service"])


def test_the_drill_unit_runs_on_the_host_and_writes_evidence(root):
    root.check_output(f"systemctl start golive-pg-drill@{APP}.service")
    assert unit_result(root, f"golive-pg-drill@{APP}.service") == ("success", "0")
    evidence = state(root, "drill-last.json")
    assert evidence["result"] == "pass" and evidence["dump"] == newest(root)
    history = root.file(f"{STATE}/drill-history.jsonl").content_string.splitlines()
    assert len(history) >= 2 and json.loads(history[-1]) == evidence


@pytest.fixture()
def forged(root):
    """A copy of the newest dump under a later name: the test alters it, then it goes."""
    src = newest(root)
    name = f"{APP}-29991231T000000Z-forged.dump.age"
    for suffix in ("", ".json"):
        root.check_output(f"cp -p {src}{suffix} {DIR}/{name}{suffix}")
    root.check_output(f"cd {DIR} && sha256sum {name} > {name}.sha256")
    yield f"{DIR}/{name}"
    root.check_output(f"rm -f {DIR}/{name} {DIR}/{name}.json {DIR}/{name}.sha256")


def test_the_drill_fails_on_a_dump_that_changed_on_disk(root, forged):
    root.check_output(f"printf 'X' | dd of={forged} bs=1 seek=200 conv=notrunc status=none")
    result = root.run(f"{TOOL} drill {APP}")
    assert result.rc != 0 and "checksum mismatch" in result.stderr
    assert state(root, "drill-last.json")["result"] == "fail"


def test_the_drill_fails_when_restored_rows_differ_from_the_dump(root, forged):
    manifest = json.loads(root.file(f"{forged}.json").content_string)
    manifest["tables"]["public.notes_note"] += 1
    root.check_output(f"cat > {forged}.json <<'EOF'\n{json.dumps(manifest)}\nEOF")
    proc = play("drill", {"pg_backup_drill_file": forged})
    assert proc.returncode != 0
    assert "row counts differ" in proc.stdout and "public.notes_note" in proc.stdout
    evidence = state(root, "drill-last.json")
    assert evidence["result"] == "fail" and evidence["mismatches"] == ["public.notes_note"]


def test_a_dump_on_a_full_disk_fails_loudly_and_the_last_good_dump_stays_newest(root):
    good = newest(root)
    root.check_output(f"mkdir -p /run/golive-full && cp -a {DIR}/. /run/golive-full/")
    used = int(root.check_output("du -sk /run/golive-full | cut -f1"))
    root.check_output(
        f"mount -t tmpfs -o size={used + 64}k,mode=0700 golive-full {DIR} && cp -a /run/golive-full/. {DIR}/"
    )
    try:
        root.run(f"dd if=/dev/zero of={DIR}/.filler bs=4k status=none")  # fills what is left
        result = root.run(f"{TOOL} dump {APP} diskfull")
        left = root.check_output(f"ls -A {DIR}").split()
        newest_then = newest(root)
    finally:
        root.run(f"umount {DIR}")
        root.run("rm -rf /run/golive-full")
    assert result.rc != 0
    assert "no space left" in result.stderr.lower(), result.stderr
    assert newest_then == good
    assert not [f for f in left if "diskfull" in f or f.startswith(".partial-")], left
    assert "no space left" in state(root, "last-dump-error.json")["error"].lower()


def test_a_backup_with_the_database_down_fails_loudly_from_the_playbook(root):
    good = newest(root)
    root.check_output(f"{COMPOSE} stop postgres")
    try:
        proc = play("backup", {"pg_backup_label": "dbdown"})
    finally:
        root.check_output(f"{COMPOSE} start postgres")
        wait_healthy(root, "postgres")
    assert proc.returncode != 0
    text = " ".join(proc.stdout.split())
    assert "postgres" in text and "is not running" in text, proc.stdout
    stats = text.split("CUSTOM STATS", 1)[1]  # the play data an AWX job keeps says so too
    assert "golive_backup" in stats and "is not running" in stats and "failed" in stats, stats
    assert newest(root) == good
    wait_healthy(root, live(root)["service"])


def test_a_pg_dump_error_leaves_nothing_that_looks_like_a_backup(root):
    conf = "/etc/golive/pg_backup"
    settings = json.loads(root.file(f"{conf}/{APP}.json").content_string)
    settings["db"]["name"] = "nosuchdb"
    settings.update(restic=None, state_dir="/var/lib/golive/pg_backup/broken")
    root.check_output(f"cat > {conf}/broken.json <<'EOF'\n{json.dumps(settings)}\nEOF")
    try:
        result = root.run(f"{TOOL} dump broken mustfail")
    finally:
        root.run(f"rm -rf {conf}/broken.json /var/lib/golive/pg_backup/broken")
    assert result.rc != 0 and "nosuchdb" in result.stderr
    assert not [f for f in root.check_output(f"ls -A {DIR}").split() if "mustfail" in f or f.startswith(".partial-")]


# Scheduled dumps twice a day from 2026-03-03 to 2026-06-30 (a Tuesday); daily 7, weekly 4,
# monthly 3. Kept: the newest of each of the last 7 days, of ISO weeks 27, 26, 25, 24, and of
# June, May and April.
RETENTION_KEPT = sorted(
    [f"2026-06-{d:02d}T14" for d in range(24, 31)]
    + ["2026-06-21T14", "2026-06-14T14"]
    + ["2026-05-31T14", "2026-04-30T14"]
)


def test_retention_keeps_exactly_the_configured_counts_by_date(root):
    conf = "/etc/golive/pg_backup"
    settings = json.loads(root.file(f"{conf}/{APP}.json").content_string)
    rdir = "/var/backups/golive/retention"
    settings.update(dir=rdir, state_dir="/var/lib/golive/pg_backup/retention", restic=None)
    settings["keep"] = {"daily": 7, "weekly": 4, "monthly": 3, "other": 1}
    root.check_output(f"cat > {conf}/retention.json <<'EOF'\n{json.dumps(settings)}\nEOF")
    src = newest(root)
    script = (
        f"set -e; mkdir -p {rdir}; cd {rdir}; d=2026-03-03; "
        f'while [ "$d" != 2026-07-01 ]; do for h in 02 14; do '
        f'n=retention-$(date -d "$d" +%Y%m%d)T${{h}}0000Z-scheduled.dump.age; '
        f"cp {src} $n; cp {src}.json $n.json; sha256sum $n > $n.sha256; "
        f'done; d=$(date -I -d "$d + 1 day"); done; '
        f"cp {src} retention-20260101T000000Z-manual.dump.age"
    )
    try:
        root.check_output(f"bash -c '{script}'")
        out = json.loads(root.check_output(f"{TOOL} prune retention"))
        files = root.check_output(f"ls {rdir}").split()
    finally:
        root.run(f"rm -rf {rdir} /var/lib/golive/pg_backup/retention {conf}/retention.json")
    kept = sorted(f for f in files if f.endswith("-scheduled.dump.age"))
    as_dates = sorted(f"{k[10:14]}-{k[14:16]}-{k[16:18]}T{k[19:21]}" for k in kept)
    assert as_dates == RETENTION_KEPT
    tiers = [t for why in out["kept"].values() for t in why]
    assert (tiers.count("daily"), tiers.count("weekly"), tiers.count("monthly"), tiers.count("other")) == (7, 4, 3, 1)
    for k in kept:  # everything beside a kept dump stays, everything beside a removed one goes
        assert f"{k}.sha256" in files and f"{k}.json" in files
    assert len(files) == 3 * len(kept) + 1  # + the manual dump (kept as "other")


EXT_INIT = "sed -i '1i hostnossl all all all reject' \"$PGDATA/pg_hba.conf\""  # TLS or nothing
SNAKEOIL = "/etc/ssl/certs/ssl-cert-snakeoil.pem", "/etc/ssl/private/ssl-cert-snakeoil.key"  # Debian's ssl-cert
EXT_TLS = f"-c ssl=on -c ssl_cert_file={SNAKEOIL[0]} -c ssl_key_file={SNAKEOIL[1]}"


def external(url_query: str, image: str) -> dict:
    """backup.yml/drill.yml inputs of an app_only app whose database is the server below."""
    return {
        "golive_app_name": "extdb",
        "golive_layout": "app_only",
        "golive_app_env": {"DATABASE_URL": f"postgres://ext:extpw@127.0.0.1:15432/ext{url_query}"},
        "pg_backup_client_image": image,
        "pg_backup_restic_repository": "",
        "pg_backup_redis_snapshot": False,
        "pg_backup_volumes": [],
        "pg_backup_label": "external",
    }


def test_an_external_database_is_dumped_and_drilled_over_tls(root):
    """app_only: a server outside the compose project that refuses connections without TLS,
    dumped by a client container because the database URL says sslmode=require."""
    image = root.check_output(f"docker inspect -f '{{{{.Config.Image}}}}' $({COMPOSE} ps -q postgres)")
    root.check_output(f"mkdir -p /run/extdb-init && cat > /run/extdb-init/tls-only.sh <<'EOF'\n{EXT_INIT}\nEOF")
    root.check_output(
        "docker run -d --name golive-extdb -p 127.0.0.1:15432:5432 -e POSTGRES_USER=ext -e POSTGRES_PASSWORD=extpw "
        f"-e POSTGRES_DB=ext -v /run/extdb-init:/docker-entrypoint-initdb.d:ro {image} postgres {EXT_TLS}"
    )
    try:
        deadline = time.monotonic() + 60
        while root.run("docker exec golive-extdb pg_isready -q -h 127.0.0.1 -U ext").rc != 0:
            assert time.monotonic() < deadline, root.run("docker logs golive-extdb").stderr
            time.sleep(1)
        root.check_output(
            "docker exec golive-extdb psql -q -U ext -d ext -c "
            "'CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 42);'"
        )
        proc = play("backup", external("?sslmode=disable", image))
        assert proc.returncode != 0
        assert "no encryption" in " ".join(proc.stdout.split()), proc.stdout

        proc = play("backup", external("?sslmode=require", image))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        dump = json.loads(root.check_output("/usr/local/sbin/golive-pg-backup list extdb"))["dumps"][0]
        assert json.loads(root.file(f"{dump}.json").content_string)["tables"] == {"public.t": 42}

        proc = play("drill", external("?sslmode=require", image))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        evidence = json.loads(root.file("/var/lib/golive/pg_backup/extdb/drill-last.json").content_string)
        assert evidence["result"] == "pass" and evidence["tables"]["public.t"] == {"source": 42, "restored": 42}
    finally:
        root.run("docker rm -f -v golive-extdb")
        root.run("rm -rf /run/extdb-init /etc/golive/pg_backup/extdb.json")
        root.run("rm -rf /var/backups/golive/extdb /var/lib/golive/pg_backup/extdb")
