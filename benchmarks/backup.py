"""Backup benchmark: golive-pg-backup against a plain `pg_dump -Fc > file`, same database, same run.

Usage: .venv/bin/python benchmarks/backup.py      (or `make bench-backup`)

On the build machine's engine, a PostgreSQL container of golive-demo/postgres:17
(golive-bench-pg, volume golive-bench-pgdata, no network at all) is labelled as service
`postgres` of compose project `golive-bench`, which is how the tool finds it. Its database
is generated once with `pgbench -i` (server-side, about 15 s on the build machine) and
reused by later runs (`make bench-backup-clean` or BENCH_CLEAN=1 removes it). Then
BENCH_RUNS times, in rotating order:

  plain         docker exec PG pg_dump -Fc ... > FILE (on the host), timed
  plain verify  pg_restore --list and a full pg_restore -f /dev/null of that file: the
                separate step a user needs to know the file reads back
  golive        roles/pg_backup/files/golive_pg_backup.py dump (verifies in-stream), wall
                clock of the process
  golive+age    the same with age encryption (key from age-keygen)
  golive toc-only  the tool with pg_backup_verify: toc (pg_restore --list in-stream, no full read)
  restore       plain: pg_restore into a fresh database of the bench server; golive: the
                tool's `drill` (a throwaway container of the same image, row counts compared)

Environment:
  BENCH_SCALE=N   pgbench scale (default 80, about 1.2 GiB; the default must reach 1 GiB)
  BENCH_RUNS=N    repetitions (default 3); the table gives medians
  BENCH_AGE=0     leave out the age method (needs `age`, installed from Debian if missing)
  BENCH_CLEAN=1   remove the bench container, its volume and stray drill containers, then exit

Writes benchmarks/results/backup-<UTC stamp>.json and .md and prints the table. Nothing is
asserted on time: it exits non-zero only when a step fails.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from datetime import UTC, datetime
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
RESULTS = TOP / "benchmarks" / "results"
TOOL = TOP / "roles" / "pg_backup" / "files" / "golive_pg_backup.py"
# The tool runs with the host's python3 (make puts the venv first on PATH).
HOST_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
IMAGE = "golive-demo/postgres:17"
CONTAINER = "golive-bench-pg"
VOLUME = "golive-bench-pgdata"
PROJECT = "golive-bench"
SERVICE = "postgres"
USER = DB = "bench"
APPS = {"golive": "bench", "golive+age": "bench-age", "golive toc-only": "bench-toc"}  # method: app name of the tool
DEFAULT_SCALE = 80
GIB = 1 << 30
MIB = 1 << 20
EXPECTED_ROWS: list[int] = []  # all rows pgbench -i makes, and the scale (set once the data is there)


class StepFailed(Exception):
    pass


def sh(argv: list[str], *, what: str, stdin: t.Any = None, stdout: t.Any = subprocess.PIPE, env=None) -> str:
    """Run a step; a non-zero exit fails the benchmark with the step's stderr."""
    proc = subprocess.run(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env, check=False)
    if proc.returncode != 0:
        raise StepFailed(f"{what}: {' '.join(argv[:8])} exited {proc.returncode}: {proc.stderr.decode().strip()}")
    return proc.stdout.decode() if isinstance(proc.stdout, bytes) else ""


class Timed(t.NamedTuple):
    wall: float
    host_cpu: float  # this machine's processes started by the step (docker CLI, the tool, age)
    db_cpu: float | None  # the bench container's processes (server, pg_dump, pg_restore), if readable
    out: str


CGROUP: list[Path] = []  # the bench container's CPU accounting file, once found


def container_cpu() -> float | None:
    """CPU seconds used so far by the bench container's cgroup (v1 cpuacct or v2 cpu.stat)."""
    if not CGROUP:
        cid = sh(["docker", "inspect", "--format", "{{ .Id }}", CONTAINER], what="docker inspect").strip()
        root = Path("/sys/fs/cgroup")
        for cand in (
            root / "cpuacct" / "docker" / cid / "cpuacct.usage",
            root / "cpu,cpuacct" / "docker" / cid / "cpuacct.usage",
            root / "system.slice" / f"docker-{cid}.scope" / "cpu.stat",
            root / "docker" / cid / "cpu.stat",
        ):
            if cand.is_file():
                CGROUP.append(cand)
                break
        else:
            return None
    text = CGROUP[0].read_text()
    if CGROUP[0].name == "cpuacct.usage":
        return int(text) / 1e9
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith("usage_usec"))) / 1e6


def timed(argv: list[str], *, what: str, **kw: t.Any) -> Timed:
    """Wall clock and CPU seconds of a step, and its stdout."""
    cpu0, db0 = resource.getrusage(resource.RUSAGE_CHILDREN), container_cpu()
    t0 = time.monotonic()
    out = sh(argv, what=what, **kw)
    wall = time.monotonic() - t0
    cpu1, db1 = resource.getrusage(resource.RUSAGE_CHILDREN), container_cpu()
    host = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return Timed(wall, host, None if db0 is None or db1 is None else db1 - db0, out)


def psql(sql: str, db: str = DB) -> str:
    return sh(
        ["docker", "exec", CONTAINER, "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-U", USER, "-d", db, "-c", sql],
        what="psql",
    ).strip()


def log(msg: str) -> None:
    print(f"bench-backup: {msg}", flush=True)


# --- the database --------------------------------------------------------------------


def clean() -> None:
    for label in APPS.values():
        ids = sh(["docker", "ps", "-aq", "--filter", f"label=golive.drill={label}"], what="docker ps").split()
        if ids:
            subprocess.run(["docker", "rm", "-f", "-v", *ids], capture_output=True, check=False)
    subprocess.run(["docker", "rm", "-f", "-v", CONTAINER], capture_output=True, check=False)
    subprocess.run(["docker", "volume", "rm", VOLUME], capture_output=True, check=False)
    log(f"removed {CONTAINER} and volume {VOLUME}")


def container_state() -> str | None:
    proc = subprocess.run(
        ["docker", "inspect", "--format", "{{ .State.Status }}", CONTAINER], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def start_database() -> None:
    state = container_state()
    if state is None:
        log(f"starting {CONTAINER} ({IMAGE}, volume {VOLUME})")
        sh(
            [
                "docker", "run", "-d", "--name", CONTAINER, "--network", "none",
                "--label", f"com.docker.compose.project={PROJECT}", "--label", f"com.docker.compose.service={SERVICE}",
                "--label", "golive.bench=backup", "-v", f"{VOLUME}:/var/lib/postgresql/data",
                "-e", f"POSTGRES_USER={USER}", "-e", f"POSTGRES_DB={DB}",
                "-e", f"POSTGRES_PASSWORD={secrets.token_urlsafe(18)}", IMAGE,
            ],
            what="start the bench database",
        )  # fmt: skip
    elif state != "running":
        sh(["docker", "start", CONTAINER], what="start the bench database")
    deadline = time.monotonic() + 120
    ready = ["docker", "exec", CONTAINER, "pg_isready", "-q", "-h", "127.0.0.1", "-U", USER, "-d", DB]
    while subprocess.run(ready, capture_output=True, check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise StepFailed(f"{CONTAINER} did not accept connections in 120 s (docker logs {CONTAINER})")
        time.sleep(0.5)


def password() -> str:
    env = sh(["docker", "inspect", "--format", "{{ json .Config.Env }}", CONTAINER], what="docker inspect")
    return next(e.split("=", 1)[1] for e in json.loads(env) if e.startswith("POSTGRES_PASSWORD="))


def generated_scale() -> int | None:
    """The scale of a completed generation (the marker is set only after pgbench -i succeeded)."""
    sql = f"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '{DB}'"
    comment = psql(sql)
    prefix = "golive-bench pgbench scale="
    return int(comment[len(prefix) :]) if comment.startswith(prefix) else None


def database_size() -> int:
    return int(psql(f"SELECT pg_database_size('{DB}')"))


def prepare_data() -> dict[str, t.Any]:
    wanted = int(os.environ["BENCH_SCALE"]) if os.environ.get("BENCH_SCALE") else None
    have = generated_scale()
    info: dict[str, t.Any] = {"generated_this_run": False}
    reuse = have is not None and (have == wanted if wanted else database_size() >= GIB)
    if reuse:
        log(f"reusing the pgbench data of scale {have} in {CONTAINER}")
        info["scale"] = have
    else:
        scale = wanted or DEFAULT_SCALE
        log(f"generating pgbench data, scale {scale}")
        psql(f"COMMENT ON DATABASE {DB} IS NULL")
        gen = timed(
            ["docker", "exec", CONTAINER, "pgbench", "-i", "-q", "-I", "dtGvp", "-s", str(scale), "-U", USER, DB],
            what="pgbench -i",
        )
        psql("CHECKPOINT")
        psql(f"COMMENT ON DATABASE {DB} IS 'golive-bench pgbench scale={scale}'")
        info.update(scale=scale, generated_this_run=True, generate_seconds=round(gen.wall, 1))
    info["db_bytes"] = database_size()
    info["server_version"] = psql("SHOW server_version")
    info["accounts_rows"] = info["scale"] * 100000
    # accounts, branches, tellers; history starts empty
    EXPECTED_ROWS[:] = [info["scale"] * (100000 + 1 + 10), info["scale"]]
    if info["db_bytes"] < GIB:
        msg = f"the database is {info['db_bytes'] / GIB:.2f} GiB, below the 1 GiB the benchmark is about"
        if not wanted:
            raise StepFailed(f"{msg}: raise DEFAULT_SCALE")
        log(f"note: {msg} (BENCH_SCALE={wanted})")
    return info


# --- the methods -----------------------------------------------------------------------


def tool_config(work: Path, app: str, pw: str, age: dict[str, t.Any] | None, verify: str = "full") -> None:
    conf: dict[str, t.Any] = {
        "project": PROJECT, "dir": str(work / app / "dumps"), "state_dir": str(work / app / "state"),
        "db": {"service": SERVICE, "user": USER, "password": pw, "name": DB},
        "keep": {"daily": 7, "weekly": 4, "monthly": 6, "other": 5}, "writers": [], "verify": verify,
    }  # fmt: skip
    if age:
        conf["age"] = age
    (work / "conf").mkdir(exist_ok=True)
    (work / "conf" / f"{app}.json").write_text(json.dumps(conf, indent=1) + "\n")


def cpu_of(*steps: Timed) -> float | None:
    """CPU seconds of steps: this machine's processes plus the bench container's."""
    if any(x.db_cpu is None for x in steps):
        return None
    return sum(x.host_cpu + (x.db_cpu or 0) for x in steps)


def tool(work: Path, *argv: str) -> tuple[Timed, dict[str, t.Any]]:
    env = dict(os.environ, GOLIVE_PG_BACKUP_CONF_DIR=str(work / "conf"))
    step = timed([HOST_PYTHON, str(TOOL), *argv], what=f"golive-pg-backup {argv[0]} {argv[1]}", env=env)
    return step, json.loads(step.out.strip().splitlines()[-1])


def plain_dump(work: Path) -> dict[str, t.Any]:
    path = work / "plain.dump"
    with open(path, "wb") as f:
        dump = timed(["docker", "exec", CONTAINER, "pg_dump", "-Fc", "-U", USER, "-d", DB], what="pg_dump", stdout=f)
    with open(path, "rb") as f:
        listing = timed(["docker", "exec", "-i", CONTAINER, "pg_restore", "--list"], what="pg_restore --list", stdin=f)
    with open(path, "rb") as f:
        read = timed(
            ["docker", "exec", "-i", CONTAINER, "pg_restore", "-f", "/dev/null"],
            what="pg_restore -f /dev/null",
            stdin=f,
        )
    return {
        "seconds": dump.wall, "cpu": cpu_of(dump), "host_cpu": dump.host_cpu, "bytes": path.stat().st_size,
        "toc_entries": sum(1 for line in listing.out.splitlines() if line and not line.startswith(";")),
        "list_seconds": listing.wall, "read_seconds": read.wall, "verify_seconds": listing.wall + read.wall,
        "total_seconds": dump.wall + listing.wall + read.wall, "total_cpu": cpu_of(dump, listing, read),
    }  # fmt: skip


def golive_dump(work: Path, app: str) -> dict[str, t.Any]:
    shutil.rmtree(work / app / "dumps", ignore_errors=True)  # one dump at a time: drill takes the newest
    step, out = tool(work, "dump", app, "bench")
    if out["rows"] != EXPECTED_ROWS[0]:
        raise StepFailed(f"{app} dump: the tool counted {out['rows']} rows, pgbench -i made {EXPECTED_ROWS[0]}")
    return {
        "seconds": step.wall, "cpu": cpu_of(step), "host_cpu": step.host_cpu, "tool_seconds": out["seconds"],
        "bytes": out["bytes"], "rows": out["rows"], "tables": out["tables"], "toc_entries": out["toc_entries"],
    }  # fmt: skip


def plain_restore(work: Path) -> dict[str, t.Any]:
    target = f"{DB}_restore"
    psql(f"DROP DATABASE IF EXISTS {target}", db="postgres")
    psql(f"CREATE DATABASE {target}", db="postgres")
    try:
        with open(work / "plain.dump", "rb") as f:
            step = timed(
                [
                    "docker", "exec", "-i", CONTAINER, "pg_restore", "--no-owner", "--no-privileges",
                    "--exit-on-error", "-U", USER, "-d", target,
                ],
                what="plain pg_restore", stdin=f,
            )  # fmt: skip
        rows = int(psql("SELECT count(*) FROM pgbench_accounts", db=target))
    finally:
        psql(f"DROP DATABASE IF EXISTS {target}", db="postgres")
    if rows != EXPECTED_ROWS[0] - EXPECTED_ROWS[1] * 11:
        raise StepFailed(f"plain restore: {rows} rows in pgbench_accounts, not {EXPECTED_ROWS[1] * 100000}")
    return {"seconds": step.wall, "cpu": cpu_of(step), "accounts_rows": rows}


def drill(work: Path, app: str) -> dict[str, t.Any]:
    step, ev = tool(work, "drill", app)
    if ev.get("result") != "pass":
        raise StepFailed(f"drill {app}: {ev.get('error')}")
    return {
        "seconds": ev["restore_seconds"], "duration_seconds": ev["duration_seconds"], "wall": step.wall,
        "rows": ev["rows"], "mismatches": len(ev["mismatches"]),
    }  # fmt: skip


def ensure_age(work: Path) -> dict[str, t.Any] | None:
    if os.environ.get("BENCH_AGE", "1") == "0":
        return None
    if not shutil.which("age-keygen"):
        log("installing age from Debian")
        sh(["apt-get", "install", "-y", "-qq", "age"], what="apt-get install age")
    key = work / "age-key.txt"
    sh(["age-keygen", "-o", str(key)], what="age-keygen")
    recipient = sh(["age-keygen", "-y", str(key)], what="age-keygen -y").strip()
    return {"recipients": [recipient], "identity_file": str(key)}


# --- report ----------------------------------------------------------------------------


def med(runs: list[dict[str, t.Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(data: dict[str, t.Any]) -> list[str]:
    size = data["database"]["db_bytes"]
    runs: dict[str, list[dict[str, t.Any]]] = data["runs"]
    plain = runs["plain"]
    base = med(plain, "seconds")
    base_total = med(plain, "total_seconds")

    def row(name: str, key: str, runs_: list[dict[str, t.Any]], cpu_key: str | None, ratio: str, ratio_v: str) -> str:
        secs = med(runs_, key)
        arch = f"{runs_[-1]['bytes'] / MIB:.1f}" if key == "seconds" else "-"
        cpus = [r[cpu_key] for r in runs_ if cpu_key and r.get(cpu_key) is not None]
        cpu = f"{statistics.median(cpus):.2f}" if cpus else "-"
        shown = " / ".join(f"{r[key]:.2f}" for r in runs_)
        return f"| {name} | {secs:.2f} | {shown} | {size / MIB / secs:.1f} | {arch} | {cpu} | {ratio} | {ratio_v} |"

    rows = [
        "| step | median s | runs s | DB MiB/s | archive MiB | CPU s | ratio / plain | ratio / plain+verify |",
        "|---|---|---|---|---|---|---|---|",
        row("plain `pg_dump -Fc > file`", "seconds", plain, "cpu", "1.00", f"{base / base_total:.2f}"),
        row("plain verify: `pg_restore --list`", "list_seconds", plain, None, "-", "-"),
        row("plain verify: `pg_restore -f /dev/null`", "read_seconds", plain, None, "-", "-"),
        row("plain dump + verify", "total_seconds", plain, "total_cpu", f"{base_total / base:.2f}", "1.00"),
    ]
    for method in APPS:
        if method in runs:
            secs = med(runs[method], "seconds")
            ratios = f"{secs / base:.2f}", f"{secs / base_total:.2f}"
            how = "TOC listed in-stream, no full read" if method.endswith("toc-only") else "verified in-stream"
            rows.append(row(f"{method} dump ({how})", "seconds", runs[method], "cpu", *ratios))
    rrows = [
        "| restore | median restore s | runs s | DB MiB/s | median total s (drill: scratch server, restore, counts) |",
        "|---|---|---|---|---|",
    ]
    for name, key in (("plain `pg_restore` into a fresh database", "plain restore"),
                      ("golive drill", "golive drill"), ("golive+age drill", "golive+age drill")):  # fmt: skip
        if key not in runs:
            continue
        r = runs[key]
        secs = med(r, "seconds")
        total = f"{med(r, 'duration_seconds'):.2f}" if "duration_seconds" in r[0] else "-"
        shown = " / ".join(f"{x['seconds']:.2f}" for x in r)
        rrows.append(f"| {name} | {secs:.2f} | {shown} | {size / MIB / secs:.1f} | {total} |")
    return rows + [""] + rrows


def main() -> int:
    if os.environ.get("BENCH_CLEAN") == "1":
        clean()
        return 0
    n_runs = max(1, int(os.environ.get("BENCH_RUNS", "3")))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"backup-{stamp}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="golive-bench-backup-", dir="/var/tmp"))
    data: dict[str, t.Any] = {
        "time": stamp, "image": IMAGE, "container": CONTAINER, "runs_requested": n_runs,
        "machine": {"cpus": os.cpu_count(), "mem_gib": os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGESIZE") // GIB},
        "runs": {},
    }  # fmt: skip
    rc = 0
    try:
        start_database()
        data["database"] = prepare_data()
        db = data["database"]
        log(f"database {DB}: {db['db_bytes'] / GIB:.2f} GiB, scale {db['scale']}, PostgreSQL {db['server_version']}")
        pw = password()
        age = ensure_age(work)
        tool_config(work, APPS["golive"], pw, None)
        methods: list[tuple[str, t.Callable[[], dict[str, t.Any]]]] = [
            ("plain", lambda: plain_dump(work)),
            ("golive", lambda: golive_dump(work, APPS["golive"])),
        ]
        if age:
            tool_config(work, APPS["golive+age"], pw, age)
            methods.append(("golive+age", lambda: golive_dump(work, APPS["golive+age"])))
        tool_config(work, APPS["golive toc-only"], pw, None, verify="toc")
        methods.append(("golive toc-only", lambda: golive_dump(work, APPS["golive toc-only"])))
        restores: list[tuple[str, t.Callable[[], dict[str, t.Any]]]] = [
            ("plain restore", lambda: plain_restore(work)),
            ("golive drill", lambda: drill(work, APPS["golive"])),
        ]
        if age:
            restores.append(("golive+age drill", lambda: drill(work, APPS["golive+age"])))
        for i in range(n_runs):
            # Rotate the order so that no method always runs first (or right after another).
            for steps in (methods, restores):
                order = steps[i % len(steps) :] + steps[: i % len(steps)]
                for name, step in order:
                    load = os.getloadavg()[0]
                    res = {**step(), "load_before": round(load, 2)}
                    data["runs"].setdefault(name, []).append(res)
                    log(f"run {i + 1}/{n_runs} {name}: {res['seconds']:.2f} s")
    except StepFailed as e:
        data["error"] = str(e)
        print(f"bench-backup: FAILED: {e}", file=sys.stderr)
        rc = 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    Path(f"{out}.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    if rc == 0:
        db = data["database"]
        ratio = db["db_bytes"] / data["runs"]["plain"][-1]["bytes"]
        loads = [r["load_before"] for steps in data["runs"].values() for r in steps]
        gen = f" (generated in this run: {db['generate_seconds']} s)" if db["generated_this_run"] else ""
        head = [
            f"# golive-pg-backup against plain pg_dump ({stamp})",
            "",
            f"Database: {db['db_bytes'] / GIB:.2f} GiB ({db['db_bytes']} bytes, pg_database_size), pgbench scale "
            f"{db['scale']} ({db['accounts_rows']} accounts rows){gen}, PostgreSQL {db['server_version']} ({IMAGE}). "
            f"{n_runs} runs in rotating order on {data['machine']['cpus']} CPUs; 1-minute load average before the "
            f"steps: {min(loads):.2f} to {max(loads):.2f} (other work on the machine makes the numbers noisy).",
            "",
            "DB MiB/s is the database size over the step's seconds; ratios are of medians. golive times are the tool "
            "process's wall clock: pg_dump, row counts in the dump's snapshot, the in-stream `pg_restore --list` and "
            "full read, checksum, manifest, fsync, prune. CPU s is the CPU time of the step's processes on this "
            "machine plus the database container's (server, pg_dump, pg_restore), not dockerd's. pgbench data "
            f"compresses {ratio:.0f}:1, so the archive is small and the dump is bound by CPU, not by the disk.",
            "",
            "Restore: plain is one `pg_restore` (no -j, from stdin) into a fresh database of the bench server; the "
            "drill restores the same way into a throwaway container of the same image, and its total adds starting "
            "that server and counting every table.",
            "",
        ]
        table = report(data)
        Path(f"{out}.md").write_text("\n".join(head + table) + "\n")
        print("\n".join(table))
        print(f"written to {out}.json and {out}.md (bench database kept in {CONTAINER}; BENCH_CLEAN=1 removes it)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
