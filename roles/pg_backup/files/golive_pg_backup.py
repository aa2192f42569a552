# Managed by golive.stack (pg_backup role). Run as: golive-pg-backup COMMAND APP [ARGS]
"""The one code path for a golive app's database backups, used by the systemd timers,
by backup.yml/restore.yml/drill.yml and by the app role's release phase.

    golive-pg-backup dump APP LABEL        dump now; prints a JSON summary line
    golive-pg-backup prune APP             apply the retention tiers; prints what went
    golive-pg-backup drill APP [FILE]      restore the newest (or FILE) into a scratch
                                           database, compare row counts, write evidence
    golive-pg-backup restore APP FILE      restore FILE into the live database
    golive-pg-backup list APP              the dumps, newest first, as JSON

Settings: /etc/golive/pg_backup/APP.json (GOLIVE_PG_BACKUP_CONF_DIR overrides the
directory), written by the pg_backup role. Standard library only: it runs with the
host's python3.

A dump is streamed once: pg_dump's output is hashed, written to a temporary name
(through age when encryption is on) and read back in full by pg_restore at the same
time. The row count of every table is taken in the dump's own snapshot. Only when
pg_dump, pg_restore and the write all succeeded does the file get its name, with its
checksum and a manifest (JSON) next to it. Anything else fails the run with the reason
and leaves no file that looks like a backup.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t

CHUNK = 1 << 20
STAMP = "%Y%m%dT%H%M%SZ"
DUMP_RE = re.compile(
    r"^(?P<app>[a-z][a-z0-9-]*)-(?P<stamp>\d{8}T\d{6}Z)-(?P<label>[A-Za-z0-9][A-Za-z0-9._-]*)\.dump(?P<age>\.age)?$"
)
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
APP_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
# Row counts of every table, in one statement (runs inside the dump's snapshot).
COUNT_SQL = (
    "SELECT format('%I.%I', n.nspname, c.relname) || '|' || "
    "(xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),"
    " false, true, '')))[1]::text "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1;"
)
END = "__golive_end__"


class Failure(Exception):
    """A reason to stop, shown to the operator as it is."""


def now() -> dt.datetime:
    """The current time; GOLIVE_PG_BACKUP_NOW (a stamp) stands in for it in tests."""
    fake = os.environ.get("GOLIVE_PG_BACKUP_NOW")
    if fake:
        return dt.datetime.strptime(fake, STAMP).replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


# --- retention ------------------------------------------------------------------------


def retention(names: list[str], keep: dict[str, int], scheduled: str) -> dict[str, t.Any]:
    """Which dumps each tier keeps; the others go.

    Scheduled dumps (label ``scheduled``) are kept by tier, like restic's policy: the newest
    dump of each of the newest ``daily`` days, of each of the newest ``weekly`` ISO weeks,
    of each of the newest ``monthly`` months. Dumps with any other label (manual,
    pre-migrate-..., pre-restore) are kept by count: the newest ``other``. The newest dump
    of all is always kept. Returns {name: [reasons]} for kept names under "keep" and the
    names that go under "remove" (as {"remove": [...], "keep": {...}}).
    """
    parsed = []
    for name in names:
        m = DUMP_RE.match(name)
        if m:
            when = dt.datetime.strptime(m["stamp"], STAMP)
            parsed.append((when, name, m["label"]))
    parsed.sort(reverse=True)
    reasons: dict[str, list[str]] = {}
    periods = {
        "daily": lambda d: d.strftime("%Y-%m-%d"),
        "weekly": lambda d: "{:04d}-W{:02d}".format(*d.isocalendar()[:2]),
        "monthly": lambda d: d.strftime("%Y-%m"),
    }
    sched = [(entry[0], entry[1]) for entry in parsed if entry[2] == scheduled]
    for tier, period in periods.items():
        seen: list[str] = []
        for when, name in sched:
            key = period(when)
            if key in seen:
                continue
            if len(seen) >= keep.get(tier, 0):
                break
            seen.append(key)
            reasons.setdefault(name, []).append(tier)
    others = [entry[1] for entry in parsed if entry[2] != scheduled]
    for name in others[: keep.get("other", 0)]:
        reasons.setdefault(name, []).append("other")
    if parsed:
        reasons.setdefault(parsed[0][1], []).append("newest")
    remove = [entry[1] for entry in parsed if entry[1] not in reasons]
    return {"keep": reasons, "remove": remove}


# --- processes ------------------------------------------------------------------------


def run(
    argv: list[str], *, env: dict[str, str] | None = None, input_: bytes | None = None, timeout: float = 600
) -> str:
    """Run a command; fail with the command, its exit code and its stderr."""
    proc = subprocess.run(argv, input=input_, capture_output=True, env=env, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise Failure(f"{' '.join(argv[:6])} exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode(errors="replace")


class Settings:
    """The app's settings file, and how to reach its database."""

    def __init__(self, app: str) -> None:
        if not APP_RE.match(app):
            raise Failure(f"bad app name {app!r}")
        conf_dir = os.environ.get("GOLIVE_PG_BACKUP_CONF_DIR", "/etc/golive/pg_backup")
        path = os.path.join(conf_dir, f"{app}.json")
        try:
            with open(path, encoding="utf-8") as f:
                self.raw: dict[str, t.Any] = json.load(f)
        except FileNotFoundError as e:
            raise Failure(f"no settings at {path} (run the pg_backup role for {app})") from e
        self.app = app
        self.project: str = self.raw.get("project", app)
        self.dir: str = self.raw["dir"]
        self.state_dir: str = self.raw["state_dir"]
        self.db: dict[str, t.Any] = self.raw["db"]
        self.keep: dict[str, int] = self.raw["keep"]
        self.scheduled: str = self.raw.get("scheduled_label", "scheduled")
        self.age: dict[str, t.Any] | None = self.raw.get("age")
        self.restic: dict[str, t.Any] | None = self.raw.get("restic")
        self.volumes: list[str] = self.raw.get("volumes", [])
        self.redis: dict[str, t.Any] | None = self.raw.get("redis")
        self.writers: list[str] = self.raw.get("writers", [])
        self.verify: str = self.raw.get("verify", "full")
        self.env = dict(os.environ, LANG="C", LC_ALL="C", PGPASSWORD=self.db["password"])
        self.env.pop("PGPASSFILE", None)
        self._cid: str | None = None

    @property
    def cid(self) -> str | None:
        """The running database container (full stack); None for an external database."""
        if self.db.get("service") and not self._cid:
            self._cid = self.service_container(self.db["service"])
        return self._cid

    def running(self, service: str) -> list[str]:
        """The running containers of a compose service of the app's project."""
        return run([
            "docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}",
            "--filter", f"label=com.docker.compose.service={service}", "--filter", "status=running",
        ]).split()  # fmt: skip

    def service_container(self, service: str) -> str:
        out = self.running(service)
        if not out:
            raise Failure(f"service {service!r} of compose project {self.project!r} is not running")
        return out[0]

    def pg(self, *argv: str, stdin: bool = False) -> list[str]:
        """A PostgreSQL client command next to the database: inside its container (full
        stack) or in a one-off container of the client image on the host's network."""
        interactive = ["-i"] if stdin else []
        if self.cid:
            return ["docker", "exec", *interactive, "-e", "PGPASSWORD", self.cid, *argv]
        tls = ["-e", "PGSSLMODE"] if self.db.get("sslmode") else []
        image = self.db["image"]
        return ["docker", "run", "--rm", *interactive, "--network", "host", "-e", "PGPASSWORD", *tls, image, *argv]

    def conn(self) -> list[str]:
        args = ["--username", self.db["user"], "--dbname", self.db["name"], "--no-password"]
        if not self.cid:
            args += ["--host", self.db["host"], "--port", str(self.db.get("port") or 5432)]
        return args

    @property
    def pg_env(self) -> dict[str, str]:
        env = dict(self.env)
        if self.db.get("sslmode"):
            env["PGSSLMODE"] = self.db["sslmode"]
        return env


@contextlib.contextmanager
def locked(s: Settings, wait: float = 1800) -> t.Iterator[None]:
    """One backup job of an app at a time (the timer, AWX and a release may meet)."""
    os.makedirs(s.state_dir, mode=0o700, exist_ok=True)
    with open(os.path.join(s.state_dir, "lock"), "w", encoding="utf-8") as f:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Failure(f"another golive-pg-backup job of {s.app} held the lock for {wait:.0f} s") from None
                time.sleep(1)
        f.write(f"{os.getpid()} {socket.gethostname()} {now().strftime(STAMP)}\n")
        f.flush()
        yield


# --- dump -----------------------------------------------------------------------------


def parse_counts(lines: t.Iterable[str]) -> dict[str, int]:
    """COUNT_SQL's output lines (schema.table|rows) as {schema.table: rows}."""
    return {name: int(n) for name, n in (line.rsplit("|", 1) for line in lines if line)}


class Snapshot:
    """A read-only transaction that exports its snapshot for pg_dump and counts every
    table's rows in it, so the counts are exactly what the dump holds."""

    def __init__(self, s: Settings) -> None:
        self.proc = subprocess.Popen(
            s.pg("psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", *s.conn(), stdin=True),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=s.pg_env, text=True, bufsize=1,
        )  # fmt: skip
        self.id = self.ask("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\nSELECT pg_export_snapshot();")[0]
        self.version = int(self.ask("SHOW server_version_num;")[0])

    def ask(self, sql: str) -> list[str]:
        assert self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(f"{sql}\n\\echo {END}\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        lines: list[str] = []
        for line in self.proc.stdout:
            if line.rstrip("\n") == END:
                return lines
            lines.append(line.rstrip("\n"))
        err = self.proc.stderr.read().strip() if self.proc.stderr else ""
        raise Failure(f"cannot reach the database: {err or 'psql ended'}")

    def counts(self) -> dict[str, int]:
        return parse_counts(self.ask(COUNT_SQL))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            assert self.proc.stdin
            self.proc.stdin.write("COMMIT;\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def stream(source: subprocess.Popen, sinks: dict[str, subprocess.Popen], out: t.BinaryIO | None) -> tuple[str, int]:
    """Copy source's stdout to out and to every sink's stdin, hashing what goes by.
    A sink that ends early (pg_restore --list stops after the table of contents) is
    dropped; whether that was fine is judged by its exit code."""
    digest = hashlib.sha256()
    size = 0
    live = dict(sinks)
    assert source.stdout
    while True:
        chunk = source.stdout.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
        for name, proc in list(live.items()):
            try:
                assert proc.stdin
                proc.stdin.write(chunk)
            except (BrokenPipeError, ValueError):
                live.pop(name)
    for proc in live.values():
        with contextlib.suppress(BrokenPipeError, ValueError):
            assert proc.stdin
            proc.stdin.close()
    return digest.hexdigest(), size


def stderr_reader(proc: subprocess.Popen) -> tuple[threading.Thread, list[bytes]]:
    """Drain a process's stderr in the background (a full pipe would stall it)."""
    buf: list[bytes] = []

    def read() -> None:
        assert proc.stderr
        buf.append(proc.stderr.read())

    th = threading.Thread(target=read, daemon=True)
    th.start()
    return th, buf


Reader = tuple[threading.Thread, list[bytes]]


def ended(proc: subprocess.Popen, what: str, reader: Reader, timeout: float = 3600) -> None:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Failure(f"{what} did not finish in {timeout:.0f} s") from None
    reader[0].join(30)
    if proc.returncode != 0:
        text = b"".join(reader[1]).decode(errors="replace").strip()
        raise Failure(f"{what} failed (exit {proc.returncode}): {text or 'no message'}")


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str, text: str) -> None:
    tmp = os.path.join(os.path.dirname(path), f".partial-{os.path.basename(path)}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Partial:
    """Temporary files of a run; whatever was not committed is removed on the way out."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def add(self, path: str) -> str:
        self.paths.append(path)
        return path

    def commit(self, tmp: str, final: str) -> None:
        os.replace(tmp, final)
        self.paths.remove(tmp)

    def cleanup(self) -> None:
        for path in self.paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def no_space(e: OSError, path: str) -> Failure:
    if e.errno == errno.ENOSPC:
        return Failure(f"no space left on the device of {path}: the dump was not completed")
    return Failure(f"cannot write {path}: {e.strerror}")


def dump_database(s: Settings, name: str, partial: Partial) -> dict[str, t.Any]:
    tmp = partial.add(os.path.join(s.dir, f".partial-{name}"))
    started = time.monotonic()
    snap = Snapshot(s)
    counted: dict[str, t.Any] = {}
    counter: threading.Thread | None = None
    try:
        if not s.cid:
            found = re.search(r"\(PostgreSQL\) (\d+)", run(s.pg("pg_dump", "--version"), env=s.pg_env))
            client = int(found.group(1)) if found else 0
            if client < snap.version // 10000:
                server = snap.version // 10000
                raise Failure(
                    f"the client image {s.db['image']} has pg_dump {client}, older than the server ({server}): "
                    f"set pg_backup_client_image to a PostgreSQL {server} image"
                )
        dump = subprocess.Popen(
            s.pg("pg_dump", "--format=custom", f"--snapshot={snap.id}", *s.conn()),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=s.pg_env,
        )  # fmt: skip
        dump_err = stderr_reader(dump)
        sinks = {
            "pg_restore --list": subprocess.Popen(
                s.pg("pg_restore", "--list", stdin=True),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=s.pg_env,
            ),
        }
        if s.verify == "full":  # every data block decompressed and parsed: a torn archive fails here
            sinks["pg_restore (full read)"] = subprocess.Popen(
                s.pg("pg_restore", "--file=/dev/null", stdin=True),
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=s.pg_env,
            )  # fmt: skip
        listing: list[bytes] = []
        lister = threading.Thread(target=lambda: listing.append(sinks["pg_restore --list"].stdout.read()), daemon=True)  # type: ignore[union-attr]
        lister.start()
        readers = {k: stderr_reader(p) for k, p in sinks.items()}

        def count() -> None:  # in the dump's snapshot, while pg_dump streams
            try:
                counted["tables"] = snap.counts()
            except Failure as e:
                counted["error"] = e

        counter = threading.Thread(target=count, daemon=True)
        counter.start()
        try:
            with open(tmp, "wb") as f:
                if s.age:
                    enc = subprocess.Popen(
                        ["age", *[a for r in s.age["recipients"] for a in ("-r", r)]],
                        stdin=subprocess.PIPE, stdout=f, stderr=subprocess.PIPE,
                    )  # fmt: skip
                    enc_err = stderr_reader(enc)
                    sum_plain, size_plain = stream(dump, {**sinks, "age": enc}, None)
                    ended(enc, "age (encryption)", enc_err)
                else:
                    sum_plain, size_plain = stream(dump, sinks, f)
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            dump.kill()
            raise no_space(e, s.dir) from e
        ended(dump, "pg_dump", dump_err)
        for what, proc in sinks.items():
            ended(proc, what, readers[what])
        lister.join(30)
        counter.join()
        if "error" in counted:
            raise counted["error"]
    finally:
        if counter is not None:
            counter.join(60)
        snap.close()
    if size_plain == 0:
        raise Failure("pg_dump wrote nothing")
    lines = b"".join(listing).decode(errors="replace").splitlines()
    toc = [line for line in lines if line and not line.startswith(";")]
    return {
        "sha256": sha256_file(tmp) if s.age else sum_plain,  # the bytes on disk
        "bytes": os.path.getsize(tmp),
        "plain_sha256": sum_plain,
        "plain_bytes": size_plain,
        "encrypted": bool(s.age),
        "toc_entries": len(toc),
        "tables": counted["tables"],
        "verify": s.verify,
        "server_version": snap.version,
        "dump_seconds": round(time.monotonic() - started, 3),
    }


def dump_volume(s: Settings, volume: str, base: str, partial: Partial) -> dict[str, t.Any]:
    """A named volume of the compose project as a gzip tar, checked by listing it."""
    full = f"{s.project}_{volume}"
    found = subprocess.run(
        ["docker", "volume", "inspect", "--format", "{{ .Mountpoint }}", full],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:  # not created yet (before the first release): nothing to lose
        return {"volume": full, "absent": True}
    mount = found.stdout.strip()
    name = f"{base}.{volume}.tar.gz"
    tmp = partial.add(os.path.join(s.dir, f".partial-{name}"))
    try:
        run(["tar", "--create", "--gzip", "--file", tmp, "--directory", mount, "--numeric-owner", "."], timeout=7200)
    except Failure as e:
        if "No space left" in str(e):
            raise Failure(f"no space left on the device of {s.dir}: the volume {full} was not saved") from e
        raise
    members = run(["tar", "--list", "--gzip", "--file", tmp], timeout=7200).splitlines()
    return {"volume": full, "file": name, "tmp": tmp, "members": len(members), "sha256": sha256_file(tmp)}


def dump_redis(s: Settings, base: str, partial: Partial) -> dict[str, t.Any]:
    """An RDB snapshot streamed from the running Redis (redis-cli --rdb)."""
    assert s.redis
    cid = s.service_container(s.redis["service"])
    name = f"{base}.redis.rdb"
    tmp = partial.add(os.path.join(s.dir, f".partial-{name}"))
    env = dict(s.env, REDISCLI_AUTH=s.redis.get("password") or "")
    inner = f"/tmp/golive-{secrets.token_hex(6)}.rdb"  # inside the Redis container
    try:
        run(["docker", "exec", "-e", "REDISCLI_AUTH", cid, "redis-cli", "--no-auth-warning", "--rdb", inner], env=env)
        run(["docker", "cp", f"{cid}:{inner}", tmp])
    finally:
        subprocess.run(["docker", "exec", cid, "rm", "-f", inner], capture_output=True, check=False)
    with open(tmp, "rb") as f:
        if f.read(5) != b"REDIS":
            raise Failure("the Redis snapshot does not start with the RDB signature")
    return {"file": name, "tmp": tmp, "bytes": os.path.getsize(tmp), "sha256": sha256_file(tmp)}


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def restic(s: Settings, *argv: str, timeout: float = 7200) -> str:
    assert s.restic
    r = s.restic
    env = dict(
        s.env,
        RESTIC_REPOSITORY=r["repository"],
        RESTIC_PASSWORD_FILE=r["password_file"],
        RESTIC_CACHE_DIR=os.path.join(s.state_dir, "restic-cache"),
        **r.get("env", {}),
    )
    opts = []
    if r["repository"].startswith("sftp:") and r.get("ssh_key_file"):
        user_host = r["repository"].split(":", 2)[1]
        ssh = f"ssh -i {r['ssh_key_file']} -o BatchMode=yes -o IdentitiesOnly=yes"
        if r.get("known_hosts_file"):
            ssh += f" -o UserKnownHostsFile={r['known_hosts_file']} -o StrictHostKeyChecking=yes"
        opts = ["-o", f"sftp.command={ssh} {user_host} -s sftp"]
    return run(["restic", *opts, *argv], env=env, timeout=timeout)


def offsite(s: Settings, files: list[str], label: str) -> dict[str, t.Any]:
    """Copy the dump and its companions to the restic repository, then apply the tiers
    to the scheduled snapshots there."""
    tags = ["golive", f"app:{s.app}", f"label:{label}"]
    tag_args = [a for tag in tags for a in ("--tag", tag)]
    out = restic(s, "backup", "--json", "--host", socket.gethostname(), *tag_args, *files)
    summary: dict[str, t.Any] = next((json.loads(line) for line in out.splitlines() if '"summary"' in line), {})
    assert s.restic
    result = {"repository": s.restic["repository"], "snapshot": summary.get("snapshot_id")}
    if label == s.scheduled:
        k = s.keep
        restic(
            s, "forget", "--prune", "--tag", f"app:{s.app},label:{label}", "--group-by", "host,tags",
            "--keep-daily", str(k["daily"]), "--keep-weekly", str(k["weekly"]), "--keep-monthly", str(k["monthly"]),
        )  # fmt: skip
    return result


def clear_stale(s: Settings) -> list[str]:
    """Temporary files of a run that was killed (power loss, SIGKILL): under the app's lock no
    other run can own them."""
    stale = [n for n in os.listdir(s.dir) if n.startswith(".partial-")]
    for name in stale:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(s.dir, name))
    return stale


def cmd_dump(s: Settings, label: str) -> dict[str, t.Any]:
    if not LABEL_RE.match(label):
        raise Failure(f"bad label {label!r}: letters, digits, dot, dash and underscore")
    os.makedirs(s.dir, mode=0o700, exist_ok=True)
    stale = clear_stale(s)
    stamp = now().strftime(STAMP)
    base = f"{s.app}-{stamp}-{label}"
    name = f"{base}.dump" + (".age" if s.age else "")
    partial = Partial()
    beside: list[str] = []  # files put beside the dump before it gets its name
    named = False
    try:
        db = dump_database(s, name, partial)
        saved = [dump_volume(s, v, base, partial) for v in s.volumes]
        absent = [e["volume"] for e in saved if e.get("absent")]
        extras = [e for e in saved if not e.get("absent")]
        if s.redis:
            extras.append(dump_redis(s, base, partial))
        final = os.path.join(s.dir, name)
        manifest = {
            "app": s.app, "label": label, "time": stamp, "file": name, **db,
            "companions": [{k: v for k, v in e.items() if k != "tmp"} for e in extras],
        }  # fmt: skip
        # The companions and the manifest first: the dump's own name comes last, so a dump
        # that has a name always has everything beside it.
        for e in extras:
            beside.append(os.path.join(s.dir, e["file"]))
            partial.commit(e["tmp"], beside[-1])
        sums = "".join(f"{e['sha256']}  {e['file']}\n" for e in extras)
        beside += [f"{final}.json", f"{final}.sha256"]
        write_atomic(beside[-2], json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        write_atomic(beside[-1], f"{db['sha256']}  {name}\n{sums}")
        partial.commit(os.path.join(s.dir, f".partial-{name}"), final)
        named = True
        fsync_dir(s.dir)
    except OSError as e:
        raise no_space(e, s.dir) from e
    finally:
        partial.cleanup()
        if not named:  # no orphans: what was put beside a dump that never got its name goes too
            for path in beside:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
    result: dict[str, t.Any] = {
        "file": os.path.join(s.dir, name), "label": label, "time": stamp, "bytes": db["bytes"],
        "sha256": db["sha256"], "encrypted": db["encrypted"], "tables": len(db["tables"]),
        "rows": sum(db["tables"].values()), "toc_entries": db["toc_entries"], "seconds": db["dump_seconds"],
        "companions": [e["file"] for e in extras], "volumes_absent": absent, "stale_partials_removed": stale,
    }  # fmt: skip
    result["pruned"] = prune(s)["removed"]
    if s.restic:
        files = [final, f"{final}.sha256", f"{final}.json", *[os.path.join(s.dir, e["file"]) for e in extras]]
        try:
            result["offsite"] = offsite(s, files, label)
        except Failure as e:
            write_state(s, "last-dump.json", {**result, "offsite_error": str(e)})
            raise Failure(f"the dump {final} is good, but the off-site copy failed: {e}") from e
    write_state(s, "last-dump.json", result)
    return result


def write_state(s: Settings, name: str, data: dict[str, t.Any]) -> None:
    os.makedirs(s.state_dir, mode=0o700, exist_ok=True)
    write_atomic(os.path.join(s.state_dir, name), json.dumps(data, indent=1, sort_keys=True) + "\n")


def dumps(s: Settings) -> list[str]:
    """The app's dumps (named: complete), newest first."""
    try:
        names = os.listdir(s.dir)
    except FileNotFoundError:
        return []
    found = [(m["stamp"], n) for n in names if (m := DUMP_RE.match(n)) and m["app"] == s.app]
    return [n for _stamp, n in sorted(found, reverse=True)]


def prune(s: Settings) -> dict[str, t.Any]:
    plan = retention(dumps(s), s.keep, s.scheduled)
    removed = []
    for name in plan["remove"]:
        base = name[: -len(".age")] if name.endswith(".age") else name
        base = base[: -len(".dump")]
        for entry in os.listdir(s.dir):
            companion = entry.startswith(f"{base}.") and not DUMP_RE.match(entry)
            if entry == name or entry.startswith(f"{name}.") or companion:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(s.dir, entry))
        removed.append(name)
    return {"kept": plan["keep"], "removed": removed}


# --- reading a dump back --------------------------------------------------------------


def checked(s: Settings, file: str) -> tuple[str, dict[str, t.Any]]:
    """The dump's path and manifest, after its checksum matched."""
    path = file if os.path.isabs(file) else os.path.join(s.dir, file)
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise Failure(f"no dump at {path}")
    try:
        with open(f"{path}.sha256", encoding="utf-8") as f:
            want = f.readline().split()[0]
        with open(f"{path}.json", encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError as e:
        raise Failure(f"{name} has no {e.filename.rsplit('.', 1)[1]} file beside it: not a complete golive dump") from e
    if sha256_file(path) != want:
        raise Failure(f"checksum mismatch: {path} is not the file that was dumped")
    return path, manifest


def reader(s: Settings, path: str) -> tuple[subprocess.Popen | None, t.IO[bytes]]:
    """The plain dump, decrypted on the fly with the host's age identity if need be."""
    if not path.endswith(".age"):
        return None, open(path, "rb")  # noqa: SIM115  # closed by the caller
    ident = (s.age or {}).get("identity_file")
    if not ident or not os.path.exists(ident):
        raise Failure(f"{path} is encrypted and no age identity is installed (set pg_backup_age_identity)")
    argv = ["age", "--decrypt", "--identity", ident, path]
    dec = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert dec.stdout
    return dec, dec.stdout


def restore_into(s: Settings, path: str, target: list[str], env: dict[str, str]) -> None:
    """Feed the (decrypted) dump to a pg_restore command."""
    dec, src = reader(s, path)
    rest = subprocess.Popen(target, stdin=src if dec is None else dec.stdout, stderr=subprocess.PIPE, env=env)
    rest_err = stderr_reader(rest)
    if dec is not None:
        dec_err = stderr_reader(dec)
        assert dec.stdout
        dec.stdout.close()  # the restore holds it now
        ended(dec, "age (decryption)", dec_err)
    else:
        src.close()
    ended(rest, "pg_restore", rest_err, timeout=7 * 3600)


def scratch_counts(s: Settings, cid: str, db: str) -> dict[str, int]:
    out = run(["docker", "exec", "-i", cid, "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", db],
              input_=COUNT_SQL.encode())  # fmt: skip
    return parse_counts(out.splitlines())


def cmd_drill(s: Settings, file: str | None) -> dict[str, t.Any]:
    """Restore a dump into a scratch server (a throwaway container of the database's
    image: the live database is never touched) and compare every table's rows with the
    counts taken in the dump's snapshot. Writes the evidence file either way."""
    started = now()
    t0 = time.monotonic()
    evidence: dict[str, t.Any] = {"app": s.app, "started": started.strftime(STAMP), "result": "fail"}
    name = file
    cid = None
    try:
        if name is None:
            found = dumps(s)
            if not found:
                raise Failure(f"no dump of {s.app} in {s.dir}")
            name = found[0]
        path, manifest = checked(s, name)
        evidence.update(
            dump=path, dump_time=manifest["time"], dump_label=manifest["label"], dump_sha256=manifest["sha256"]
        )
        image = s.db.get("image") or ""
        if s.cid:
            image = run(["docker", "inspect", "--format", "{{ .Config.Image }}", s.cid]).strip()
        evidence["scratch_image"] = image
        password = secrets.token_urlsafe(24)
        cid = run([
            "docker", "run", "-d", "--rm", "--network", "none", "--label", f"golive.drill={s.app}",
            "-e", "POSTGRES_USER=postgres", "-e", "POSTGRES_DB=drill", "-e", "POSTGRES_PASSWORD", image,
        ], env=dict(s.env, POSTGRES_PASSWORD=password)).strip()  # fmt: skip
        deadline = time.monotonic() + 180
        while subprocess.run(["docker", "exec", cid, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "postgres"],
                             capture_output=True, check=False).returncode != 0:  # fmt: skip
            if time.monotonic() > deadline:
                raise Failure(f"the scratch database ({image}) did not start in 180 s")
            time.sleep(0.5)
        r0 = time.monotonic()
        restore_into(
            s, path,
            ["docker", "exec", "-i", cid, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "-U", "postgres", "-d", "drill"],
            s.env,
        )  # fmt: skip
        evidence["restore_seconds"] = round(time.monotonic() - r0, 3)
        restored = scratch_counts(s, cid, "drill")
        source = manifest["tables"]
        names = sorted(set(source) | set(restored))
        tables = {n: {"source": source.get(n), "restored": restored.get(n)} for n in names}
        mismatches = [n for n, c in tables.items() if c["source"] != c["restored"]]
        evidence.update(tables=tables, mismatches=mismatches, rows=sum(restored.values()))
        if not source:
            evidence["error"] = "the dump holds no table"
        elif mismatches:
            listed = ", ".join(mismatches[:10])
            evidence["error"] = f"row counts differ from the dump's snapshot in {len(mismatches)} table(s): {listed}"
        else:
            evidence["result"] = "pass"
    except Failure as e:
        evidence["error"] = str(e)
    finally:
        if cid:
            subprocess.run(["docker", "rm", "-f", "-v", cid], capture_output=True, check=False)
        evidence["finished"] = now().strftime(STAMP)
        evidence["duration_seconds"] = round(time.monotonic() - t0, 3)
        write_state(s, "drill-last.json", evidence)
        with open(os.path.join(s.state_dir, "drill-history.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(evidence, sort_keys=True) + "\n")
    if evidence["result"] != "pass":
        raise Failure(f"restore drill failed: {evidence['error']} (evidence: {s.state_dir}/drill-last.json)")
    return evidence


def cmd_restore(s: Settings, file: str) -> dict[str, t.Any]:
    """Restore into the live database: checksum, safety dump, writers stopped, one
    transaction, writers started again whatever happened, row counts compared."""
    path, manifest = checked(s, file)
    safety = cmd_dump(s, "pre-restore")
    stopped = [cid for service in s.writers for cid in s.running(service)]
    t0 = time.monotonic()
    try:
        if stopped:
            run(["docker", "stop", "-t", "30", *stopped])
        restore_into(
            s, path,
            s.pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                 *s.conn(), stdin=True),
            s.pg_env,
        )  # fmt: skip
        snap = Snapshot(s)
        try:
            live = snap.counts()
        finally:
            snap.close()
    finally:
        if stopped:
            run(["docker", "start", *stopped])
    differ = [n for n, c in manifest["tables"].items() if live.get(n) != c]
    if differ:
        raise Failure(f"restored, but row counts differ from the dump in: {', '.join(differ[:10])}")
    return {
        "restored": path, "safety_dump": safety["file"], "writers_restarted": len(stopped),
        "tables": len(live), "rows": sum(live.values()), "seconds": round(time.monotonic() - t0, 3),
    }  # fmt: skip


def stopped(signum: int, frame: t.Any) -> None:
    raise Failure(f"stopped by signal {signum}")


def main(argv: list[str]) -> int:
    usage = "usage: golive-pg-backup dump APP LABEL | prune APP | drill APP [FILE] | restore APP FILE | list APP"
    os.umask(0o077)
    # systemd and AWX stop a job with SIGTERM: end through the normal path, so temporary files
    # and scratch containers are removed and stopped writers are started again.
    signal.signal(signal.SIGTERM, stopped)
    if len(argv) < 2:
        print(usage, file=sys.stderr)
        return 2
    command, app, rest = argv[0], argv[1], argv[2:]
    arity = {"dump": (1, 1), "prune": (0, 0), "drill": (0, 1), "restore": (1, 1), "list": (0, 0)}
    if command not in arity or not arity[command][0] <= len(rest) <= arity[command][1]:
        print(usage, file=sys.stderr)
        return 2
    try:
        s = Settings(app)
        if command == "list":
            result: t.Any = {"dumps": [os.path.join(s.dir, n) for n in dumps(s)]}
        else:
            with locked(s):
                if command == "dump":
                    try:
                        result = cmd_dump(s, rest[0])
                    except Failure as e:
                        if "no space left" in str(e).lower() and not str(e).startswith("no space left"):
                            e = Failure(f"no space left on the device of {s.dir}: {e}")
                        with contextlib.suppress(OSError):  # the disk may be the reason
                            failed = {"time": now().strftime(STAMP), "label": rest[0], "error": str(e)}
                            write_state(s, "last-dump-error.json", failed)
                        raise
                elif command == "prune":
                    result = prune(s)
                elif command == "drill":
                    result = cmd_drill(s, rest[0] if rest else None)
                else:
                    result = cmd_restore(s, rest[0])
    except Failure as e:
        print(f"golive-pg-backup {command} {app}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
