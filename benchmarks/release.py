"""Release benchmark: requests lost while releasing v1 -> v2 -> v1 under steady load, golive.stack's
release against the runbooks' `docker compose pull && docker compose up -d`, same host, same run.

Usage: .venv/bin/python benchmarks/release.py [--methods runbook,golive] [--rate 50] [--settle 3]
           [--control 90] [--back deploy|rollback] [--controller-nice 10] [--controller-cpus 0]
       (or `make bench-release`; needs the sandbox of `make demo`, live; BENCH_METHODS,
       BENCH_RATE, BENCH_SETTLE, BENCH_CONTROL, BENCH_BACK, BENCH_NICE, BENCH_CPUS set the same from
       the environment)

A load generator (tests/rig/loadgen.py) sends GET https://demo.golive.test/ through nginx on
the sandbox (10.213.7.10:443, a new TCP+TLS connection per request, default 50 requests/s, a
request fails unless a 200 arrives within 5 s) for the whole of each method's phase: `--settle`
seconds of baseline, then `--control` seconds (default 90, about a release's length) of the same
load with nothing released, the control: the longest gap the host shows on its own over as long
a window, against which a release's gap is read; then each release followed by `--settle`
seconds. Each release's figures are those of the requests sent from its start to the next
release's start (or the end).

  golive   the collection's own day-2 release: playbooks/deploy.yml with golive_images.web at
           :v2, then at :v1. If the role refuses the deploy of v1 (v2 applied a migration),
           playbooks/rollback.yml -e app_rollback_migrate=true instead; the report says which
           ran. With --back rollback (BENCH_BACK=rollback), v2 -> v1 is that rollback directly.
           Wall time is the playbook's (preflight and fact gathering included); the logs have
           each task's start time (ansible.posix.profile_tasks) to line gaps up with tasks.
  runbook  the runbooks' method, rebuilt beside the demo on the same host: compose project
           `runbook` in /opt/golive-bench/runbook with one service `web`, the demo's own web
           service definition (same image, env file copied from the current release, same
           healthcheck and stop grace period) published on 127.0.0.1:8101 and joined to the
           demo's networks as external networks (same PostgreSQL and Redis). nginx's upstream
           file is pointed at 127.0.0.1:8101 for the phase (nginx -t, systemctl reload nginx).
           Each release, as an operator following a runbook: set the image tag in compose.yaml,
           `docker compose pull`, `docker compose run --rm web python3 manage.py migrate`
           (v2 needs its migration to serve; the old container keeps serving meanwhile),
           `docker compose up -d`, then wait until 127.0.0.1:8101/healthz answers 200 with
           the new version. If the phase applied migrations that were not there before, the
           release back to v1 migrates them back afterwards with the v2 image (the database
           ends as it began). Finally the upstream file is put back byte for byte (owner and
           mode too), nginx reloaded and the runbook project removed (also on failure).

Writes benchmarks/results/release-<UTC stamp>.json and .md, keeps the playbook and step logs
in benchmarks/results/release-<stamp>/ and prints the table. Nothing is asserted: the numbers
are measured and reported; it exits non-zero only when the benchmark could not run or a
release step failed (the figures up to that point are still written).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import socket
import ssl
import subprocess
import sys
import time
import typing as t
from datetime import UTC, datetime
from pathlib import Path

import yaml  # type: ignore[import-untyped]

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "tests" / "rig"))

from loadgen import LoadGen  # noqa: E402

RESULTS = TOP / "benchmarks" / "results"
HOST = "golive-sandbox"
ADDRESS = "10.213.7.10"
DOMAIN = "demo.golive.test"
APP = "demo"
APP_DIR = f"/opt/golive/{APP}"
UPSTREAM_FILE = f"/etc/nginx/golive/upstreams/{APP}.conf"  # roles/nginx/vars/main.yml __nginx_upstream_file
RUNBOOK_DIR = "/opt/golive-bench/runbook"
RUNBOOK_PROJECT = "runbook"
RUNBOOK_PORT = 8101
SECRETS = TOP / ".rig" / "sandbox-secrets.yml"
VAULT_PASS = TOP / ".rig" / "vault-pass"
APP_VARS = TOP / "inventories" / "sandbox" / "group_vars" / "golive" / "app.yml"
PLAY = [str(TOP / ".venv" / "bin" / "ansible-playbook"), "-i", "inventories/sandbox", "-e", f"@{SECRETS}",
        "--vault-password-file", str(VAULT_PASS)]  # fmt: skip
SEQUENCE = ("v2", "v1")
# The Ansible controller's niceness: a controller is another machine in production; on this
# one it shares the cores with the load generator and the host, and its bursts (a fork per
# task) would otherwise be measured as the server stalling. Set by main().
CONTROLLER_NICE = [10]
# The CPUs the controller may run on (taskset -c; "" for all), for the same reason: set by main().
CONTROLLER_CPUS = [""]
# Seconds of load with nothing released before the first release (the control): set by main().
CONTROL_S = [90.0]


class NotReady(Exception):
    """The sandbox is not there or not live: nothing was measured."""


class StepFailed(Exception):
    pass


def log(msg: str) -> None:
    print(f"bench-release: {msg}", flush=True)


# --- the host ------------------------------------------------------------------------------


def run(argv: list[str], *, what: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise StepFailed(f"{what}: exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc


def on_host(script: str, *, what: str, stdin: str | None = None, check: bool = True) -> str:
    """A shell script on the sandbox host, as root (the rig's own channel, docker exec)."""
    argv = ["docker", "exec", *(["-i"] if stdin is not None else []), HOST, "sh", "-ec", script]
    return run(argv, what=what, stdin=stdin, check=check).stdout


def write_on_host(path: str, content: str, mode: str = "0644") -> None:
    q = shlex.quote(path)
    on_host(f"mkdir -p $(dirname {q}) && cat > {q}.tmp && chmod {mode} {q}.tmp && mv {q}.tmp {q}",
            what=f"write {path}", stdin=content)  # fmt: skip


def serving_version() -> str | None:
    """The version /healthz reports through nginx, from outside the host (None: no 200)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the rig's certificate is self-signed
    try:
        sock = ctx.wrap_socket(socket.create_connection((ADDRESS, 443), timeout=5), server_hostname=DOMAIN)
        conn = http.client.HTTPSConnection(DOMAIN, 443, context=ctx, timeout=5)
        conn.sock = sock
        conn.request("GET", "/healthz", headers={"Host": DOMAIN})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return str(json.loads(body).get("version")) if resp.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None


def check_ready() -> None:
    state = run(["docker", "inspect", "-f", "{{.State.Status}}", HOST], what="docker inspect", check=False)
    if state.returncode != 0 or state.stdout.strip() != "running":
        raise NotReady(f"the sandbox host {HOST} is not running: run `make demo` first")
    for f in (SECRETS, VAULT_PASS):
        if not f.is_file():
            raise NotReady(f"{f.relative_to(TOP)} is missing: run `make demo` first")
    if on_host(f"test -e {APP_DIR}/current && echo yes || true", what="current release").strip() != "yes":
        raise NotReady(f"{HOST} has no release of {APP} ({APP_DIR}/current): run `make demo` first")
    if serving_version() is None:
        raise NotReady(f"https://{DOMAIN}/healthz through {ADDRESS} does not answer 200: is the demo live? (make demo)")


def images() -> dict[str, str]:
    return dict(yaml.safe_load(APP_VARS.read_text())["golive_images"])


def tagged(image: str, tag: str) -> str:
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return f"{repo}:{tag}"


def demo_containers() -> list[dict[str, str]]:
    out = on_host(
        "docker ps --filter label=com.docker.compose.project=" + APP
        + " --format '{{.Names}}\t{{.Image}}\t{{.Label \"com.docker.compose.service\"}}'",
        what="docker ps",
    )  # fmt: skip
    rows = [line.split("\t") for line in out.splitlines() if line.strip()]
    return [{"name": n, "image": i, "service": s} for n, i, s in rows]


def applied_migrations() -> list[str]:
    """app.name of every applied migration of the demo's database."""
    pg = [c["name"] for c in demo_containers() if c["service"] == "postgres"]
    if not pg:
        raise StepFailed(f"no running postgres service in compose project {APP}")
    sql = "SELECT app || '.' || name FROM django_migrations ORDER BY id;"
    out = on_host(
        f'docker exec -i {pg[0]} sh -c \'psql -X -qAt -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"\'',
        what="read django_migrations",
        stdin=sql,
    )
    return out.split()


# --- golive.stack's release ----------------------------------------------------------------


def playbook(logdir: Path, name: str, args: list[str], logname: str) -> tuple[int, float, str]:
    # profile_tasks: each task's start time in the log, to find what a gap in the load lines up with
    env = dict(os.environ, ANSIBLE_CONFIG=str(TOP / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks")  # fmt: skip
    t0 = time.monotonic()
    with open(logdir / logname, "w") as out:
        pin = ["taskset", "-c", CONTROLLER_CPUS[0]] if CONTROLLER_CPUS[0] else []
        argv = [*pin, "nice", "-n", str(CONTROLLER_NICE[0]), *PLAY, f"playbooks/{name}", *args]
        rc = subprocess.run(argv, cwd=TOP, env=env, stdout=out,
                            stderr=subprocess.STDOUT, check=False).returncode  # fmt: skip
    wall = time.monotonic() - t0
    text = (logdir / logname).read_text()
    reason = ""
    if rc != 0:
        lines = [ln for ln in text.splitlines() if "fatal:" in ln or "msg:" in ln or "[ERROR]" in ln]
        reason = " | ".join(ln.strip() for ln in lines[-4:])[-600:]
    return rc, wall, reason


def golive_release(logdir: Path, target: str, i: int, back: str = "deploy") -> dict[str, t.Any]:
    rollback = ["-e", "app_rollback_migrate=true"]
    if back == "rollback" and target == "v1" and i > 0:
        rc, wall, reason = playbook(logdir, "rollback.yml", rollback, f"golive-{i}-rollback.log")
        done = {"how": "rollback.yml -e app_rollback_migrate=true", "wall_s": round(wall, 2), "rc": rc}
        return {**done, "error": reason} if rc != 0 else done
    imgs = images()
    imgs["web"] = tagged(imgs["web"], target)
    extra = ["-e", json.dumps({"golive_images": imgs})]
    rc, wall, reason = playbook(logdir, "deploy.yml", extra, f"golive-{i}-deploy-{target}.log")
    step: dict[str, t.Any] = {"how": f"deploy.yml web={target}", "wall_s": round(wall, 2), "rc": rc}
    if rc != 0 and target == "v1" and i > 0:
        log(f"deploy.yml of {target} refused ({reason}); rollback.yml -e app_rollback_migrate=true")
        rc2, wall2, reason2 = playbook(logdir, "rollback.yml", rollback, f"golive-{i}-rollback.log")
        step.update(how=f"deploy.yml web={target} refused; rollback.yml -e app_rollback_migrate=true",
                    refused=reason, wall_s=round(wall + wall2, 2), rollback_wall_s=round(wall2, 2), rc=rc2)  # fmt: skip
        rc, reason = rc2, reason2
    if rc != 0:
        step["error"] = reason
    return step


def golive_phase(logdir: Path, rate: float, settle: float, back: str = "deploy") -> dict[str, t.Any]:
    start = serving_version()
    if start != "v1":
        log(f"the demo serves {start}, not v1: deploying v1 first (not measured)")
        prep = golive_release(logdir, "v1", 0)
        if prep.get("error"):
            raise StepFailed(f"could not bring the demo to v1: {prep['error']}")
    before = applied_migrations()
    out = measured(
        "golive", logdir, rate, settle,
        lambda i, target: golive_release(logdir, target, i, back),
        {"back_by": back},
    )  # fmt: skip
    return {**out, "migrations_at_start": before, "migrations_at_end": applied_migrations()}


# --- the runbooks' method ------------------------------------------------------------------


def compose(*args: str, what: str) -> float:
    t0 = time.monotonic()
    on_host(f"cd {RUNBOOK_DIR} && docker compose -p {RUNBOOK_PROJECT} " + " ".join(map(shlex.quote, args)), what=what)
    return time.monotonic() - t0


def runbook_compose(demo: dict[str, t.Any], service: str, image: str) -> str:
    """The demo's own web service, alone in project `runbook`, on port 8101 and the demo's networks."""
    svc = dict(demo["services"][service])
    for key in ("depends_on", "container_name", "profiles"):  # a profile would keep `up -d` from starting it
        svc.pop(key, None)
    svc["image"] = image
    svc["env_file"] = ["app.env"]
    svc["ports"] = [f"127.0.0.1:{RUNBOOK_PORT}:8000"]
    project = demo.get("name", APP)
    nets = svc.get("networks") or ["default"]
    names = list(nets) if isinstance(nets, dict) else list(nets)
    declared = demo.get("networks") or {}
    networks = {n: {"external": True, "name": (declared.get(n) or {}).get("name", f"{project}_{n}")} for n in names}
    svc["networks"] = names
    volumes: dict[str, dict[str, t.Any]] = {}
    for v in svc.get("volumes", []):  # named volumes: the runbook project's own
        src = v.split(":", 1)[0] if isinstance(v, str) else v.get("source", "")
        if src and not src.startswith(("/", ".")):
            volumes[src] = {}
    doc: dict[str, t.Any] = {"name": RUNBOOK_PROJECT, "services": {"web": svc}, "networks": networks}
    if volumes:
        doc["volumes"] = volumes
    head = "# bench-release: the runbooks' method, beside the demo (benchmarks/release.py); removed after the run\n"
    return head + yaml.safe_dump(doc, sort_keys=False, width=200)


def wait_serving(version: str, timeout: float = 180) -> float:
    """Until 127.0.0.1:8101/healthz answers 200 with the version (polled on the host every 0.1 s)."""
    probe = f"""
import json, sys, time, urllib.request
t0 = time.monotonic()
while time.monotonic() - t0 < {timeout}:
    try:
        with urllib.request.urlopen("http://127.0.0.1:{RUNBOOK_PORT}/healthz", timeout=2) as r:
            if r.status == 200 and json.load(r).get("version") == "{version}":
                print(round(time.monotonic() - t0, 3)); sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit("127.0.0.1:{RUNBOOK_PORT} did not serve {version} in {timeout} s")
"""
    return float(on_host(f"python3 -c {shlex.quote(probe)}", what=f"wait for {version} on {RUNBOOK_PORT}"))


def nginx_upstream(content: str, owner_mode: str) -> None:
    mode, owner, group = owner_mode.split()
    write_on_host(UPSTREAM_FILE, content, mode)
    on_host(f"chown {owner}:{group} {UPSTREAM_FILE} && nginx -t -q && systemctl reload nginx", what="reload nginx")


def runbook_phase(logdir: Path, rate: float, settle: float) -> dict[str, t.Any]:
    current = on_host(f"readlink -f {APP_DIR}/current", what="current release").strip()
    demo = yaml.safe_load(on_host(f"cat {current}/compose.yaml", what="read the demo's compose file"))
    running = {c["service"]: c for c in demo_containers()}
    webs = [s for s in demo["services"] if s.startswith("web") and s in running] or [
        s for s in demo["services"] if s.startswith("web")
    ]
    if not webs:
        raise StepFailed(f"no web service in {current}/compose.yaml")
    service = webs[0]
    base_image = demo["services"][service]["image"]
    before = applied_migrations()
    (logdir / "runbook-compose.yaml").write_text(runbook_compose(demo, service, tagged(base_image, "v1")))
    original = on_host(f"cat {UPSTREAM_FILE}", what="read the upstream file")
    owner_mode = on_host(f"stat -c '%a %U %G' {UPSTREAM_FILE}", what="stat the upstream file").strip()
    (logdir / "upstream-original.conf").write_text(original)
    info: dict[str, t.Any] = {"demo_service": service, "demo_release": Path(current).name,
                              "migrations_at_start": before, "upstream_file": UPSTREAM_FILE}  # fmt: skip
    try:
        log(f"runbook project: the demo's `{service}` service on 127.0.0.1:{RUNBOOK_PORT}, starting at v1")
        copy = f"install -m 0600 {current}/app.env {RUNBOOK_DIR}/app.env"
        own = f"{current}/app.compose.yaml"  # the app's own compose file, which the web service may extend
        copy += f" && if [ -f {own} ]; then install -m 0600 {own} {RUNBOOK_DIR}/; fi"
        on_host(f"mkdir -p {RUNBOOK_DIR} && {copy}", what="copy app.env")
        write_on_host(f"{RUNBOOK_DIR}/compose.yaml", runbook_compose(demo, service, tagged(base_image, "v1")), "0640")
        compose("pull", "-q", what="compose pull")
        compose("up", "-d", what="compose up")
        wait_serving("v1")
        lines = [ln for ln in original.splitlines() if not ln.strip().startswith("server ")]
        at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("upstream ")) + 1
        lines.insert(at, f"    server 127.0.0.1:{RUNBOOK_PORT};  # bench-release: runbook phase")
        nginx_upstream("\n".join(lines) + "\n", owner_mode)
        log(f"nginx upstream now 127.0.0.1:{RUNBOOK_PORT}")

        def release(i: int, target: str) -> dict[str, t.Any]:
            image = tagged(base_image, target)
            t0 = time.monotonic()
            write_on_host(f"{RUNBOOK_DIR}/compose.yaml", runbook_compose(demo, service, image), "0640")
            step: dict[str, t.Any] = {"how": f"compose.yaml web={target}; pull; migrate; up -d; wait for /healthz"}
            step["pull_s"] = round(compose("pull", "-q", what="compose pull"), 2)
            step["migrate_s"] = round(
                compose("run", "--rm", "-T", "web", "python3", "manage.py", "migrate", "--noinput", what="migrate"), 2
            )
            step["up_s"] = round(compose("up", "-d", what="compose up -d"), 2)
            step["serving_after_up_s"] = wait_serving(target)
            new = [m for m in applied_migrations() if m not in before]
            if target == "v1" and new:  # the database back as it began, with the image that knows them
                back = migrate_back(before, new, tagged(base_image, "v2"), demo, service)
                step["migrated_back"] = back
                step["how"] += f"; migrate back ({', '.join(back)}) with v2's image"
            step["wall_s"] = round(time.monotonic() - t0, 2)
            return step

        info.update(measured("runbook", logdir, rate, settle, release, {}))
    finally:
        try:
            nginx_upstream(original, owner_mode)
            if on_host(f"cat {UPSTREAM_FILE}", what="read the upstream file") != original:
                raise StepFailed(f"{UPSTREAM_FILE} differs from the original after restoring it")
            log("nginx upstream restored")
        finally:
            on_host(f"cd {RUNBOOK_DIR} 2>/dev/null && docker compose -p {RUNBOOK_PROJECT} down -v --remove-orphans "
                    f"-t 30 >/dev/null 2>&1; rm -rf {RUNBOOK_DIR}; rmdir $(dirname {RUNBOOK_DIR}) 2>/dev/null || true",
                    what="remove the runbook project")  # fmt: skip
            log("runbook project removed")
    info["migrations_at_end"] = applied_migrations()
    return info


def migrate_back(before: list[str], new: list[str], image: str, demo: dict[str, t.Any], service: str) -> list[str]:
    """Unapply migrations the phase applied, each app back to its last migration from before, with
    the image that knows them: `docker compose run` of a compose file naming that image (compose
    reads app.env as the service does; `docker run --env-file` would keep its quotes), as an
    operator would; the running container is left alone."""
    targets = []
    for app in dict.fromkeys(m.split(".", 1)[0] for m in new):
        kept = [m.split(".", 1)[1] for m in before if m.split(".", 1)[0] == app]
        targets.append((app, kept[-1] if kept else "zero"))
    other = f"{RUNBOOK_DIR}/compose.migrate-back.yaml"
    write_on_host(other, runbook_compose(demo, service, image), "0640")
    try:
        for app, name in targets:
            compose("-f", other, "run", "--rm", "-T", "web", "python3", "manage.py", "migrate", "--noinput", app, name,
                    what=f"migrate {app} back to {name}")  # fmt: skip
    finally:
        on_host(f"rm -f {other}", what="remove the migrate-back compose file")
    return [f"{a}.{n}" for a, n in targets]


# --- measuring -----------------------------------------------------------------------------


def measured(
    method: str,
    logdir: Path,
    rate: float,
    settle: float,
    release: t.Callable[[int, str], dict[str, t.Any]],
    extra: dict[str, t.Any],
) -> dict[str, t.Any]:
    """Load through nginx for the whole phase: baseline, each release, settle after each."""
    steps: list[dict[str, t.Any]] = []
    starts: list[float] = []
    error = None
    log(f"{method}: {rate:g} requests/s through nginx, {settle:g} s baseline")
    control: tuple[float, float] | None = None
    with LoadGen(f"https://{DOMAIN}/", connect=ADDRESS, rate=rate) as load:
        time.sleep(settle)
        if CONTROL_S[0] > 0:
            log(f"{method}: control, {CONTROL_S[0]:g} s with nothing released")
            control = (load.elapsed(), 0.0)
            time.sleep(CONTROL_S[0])
            control = (control[0], load.elapsed())
        for i, target in enumerate(SEQUENCE, 1):
            starts.append(load.elapsed())
            log(f"{method}: release {i}/{len(SEQUENCE)} -> {target}")
            try:
                step = release(i, target)
            except StepFailed as e:
                step = {"how": f"-> {target}", "error": str(e)}
            step["target"] = target
            step["at_s"] = round(starts[-1], 3)
            step["serving_after"] = serving_version()  # /healthz's version through nginx right after the release
            steps.append(step)
            time.sleep(settle)
            if step.get("error"):
                error = f"release {i} -> {target}: {step['error']}"
                break
    res = load.result
    assert res is not None
    bounds = [*starts[1:], res.end_s]
    for step, t0, t1 in zip(steps, starts, bounds, strict=True):
        w = res.window(t0, t1)
        step["load"] = w.to_dict()
        log(f"{method}: -> {step['target']}: {step.get('wall_s', '-')} s; {w.summary()}")
    baseline = res.window(0.0, control[0] if control else starts[0] if starts else res.end_s)
    out = {
        "method": method, "releases": len([s for s in steps if not s.get("error")]), "steps": steps,
        "load": res.to_dict(timeline=True), "baseline": baseline.to_dict(), **extra,
    }  # fmt: skip
    if control:
        out["control"] = res.window(*control).to_dict()
        log(f"{method}: control ({CONTROL_S[0]:g} s, nothing released): {res.window(*control).summary()}")
    if error:
        out["error"] = error
    return out


# --- report ----------------------------------------------------------------------------------


def cell(text: str) -> str:
    """Text for a Markdown table cell: one line, no column bars."""
    return " ".join(text.split()).replace("|", "\\|")


def kinds(failures: dict[str, int]) -> str:
    return ", ".join(f"{k}: {n}" for k, n in failures.items()) or "-"


def report(data: dict[str, t.Any]) -> list[str]:
    rows = [
        "| method | releases | requests sent | failed | failures by kind | longest gap ms | wall s per release "
        "| sender lag ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in data["methods"].items():
        if "load" not in m:
            rows.append(f"| {name} | - | - | - | not run: {cell(m.get('error', ''))} | - | - | - |")
            continue
        ld = m["load"]
        walls = " / ".join(f"{s['wall_s']:.1f}" for s in m["steps"] if "wall_s" in s) or "-"
        err = " (stopped: error)" if m.get("error") else ""
        rows.append(f"| {name} | {m['releases']}{err} | {ld['sent']} | {ld['failed']} | {kinds(ld['failures'])} | "
                    f"{ld['longest_gap_ms']:.0f} | {walls} | {ld.get('max_send_lag_ms', '-')} |")  # fmt: skip
    rows += [
        "",
        "| method | release | how | wall s | sent | failed | failures by kind | longest gap ms (at s, UTC; sent in it) "
        "| p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in data["methods"].items():
        control = [{"target": "(control)", "how": "nothing released", "load": m["control"]}] if "control" in m else []
        for i, s in enumerate([*control, *m.get("steps", [])], 0 if control else 1):
            w = s["load"]
            lat = w["latency_ms"]
            how = s["how"] + (f" **{cell(s['error'])[:200]}**" if s.get("error") else "")
            label = f"{i}: -> {s['target']}" if i else "control"
            rows.append(
                f"| {name} | {label} | {how} | {s.get('wall_s', '-')} | {w['sent']} | {w['failed']} | "
                f"{kinds(w['failures'])} | {w['longest_gap_ms']:.0f} ({w['gap_from_s']:.1f}, {w['gap_at'][11:23]}; "
                f"{w['gap_sent']}) | "
                f"{lat['p50'] or '-'} / {lat['p99'] or '-'} |"
            )
    return rows


def samples(data: dict[str, t.Any]) -> list[str]:
    out = []
    for name, m in data["methods"].items():
        for kind, got in m.get("load", {}).get("samples", {}).items():
            detail = cell(got[0]["detail"])[:160]
            out.append(f"- {name}, {kind}: first at {got[0]['at_s']} s: `{detail}`")
    return out


def gap_breakdown(data: dict[str, t.Any]) -> list[str]:
    """Per release, the requests that ended its longest gap and how long each phase of them took."""
    out = []
    for name, m in data["methods"].items():
        for i, step in enumerate(m.get("steps", []), 1):
            for r in step.get("load", {}).get("gap_requests", []):
                took = ", ".join(f"{k} {r[k]}" for k in ("thread", "connect", "tls", "wait", "read") if k in r)
                out.append(f"- {name} {i}: sent at {r['sent_s']} s, done at {r['done_s']} s ({r['kind']}): {took}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--methods", default=os.environ.get("BENCH_METHODS", "runbook,golive"),
                        help="comma-separated, run in this order (default runbook,golive)")  # fmt: skip
    parser.add_argument("--rate", type=float, default=float(os.environ.get("BENCH_RATE", "50")))
    parser.add_argument("--settle", type=float, default=float(os.environ.get("BENCH_SETTLE", "3")))
    parser.add_argument("--control", type=float, default=float(os.environ.get("BENCH_CONTROL", "90")),
                        help="seconds of load with nothing released before the first release (0: none)")  # fmt: skip
    parser.add_argument("--back", choices=("deploy", "rollback"), default=os.environ.get("BENCH_BACK", "deploy"),
                        help="golive's v2 -> v1: deploy.yml of v1 (rollback.yml only if refused; default) or "
                        "rollback.yml -e app_rollback_migrate=true")  # fmt: skip
    parser.add_argument("--controller-nice", type=int, default=int(os.environ.get("BENCH_NICE", "10")),
                        help="niceness of ansible-playbook (the controller), 0 to 19 (default 10)")  # fmt: skip
    parser.add_argument("--controller-cpus", default=os.environ.get("BENCH_CPUS", ""),
                        help="CPUs ansible-playbook may use, as taskset -c takes them (default: all)")  # fmt: skip
    args = parser.parse_args()
    CONTROLLER_CPUS[0] = args.controller_cpus
    if not 0 <= args.controller_nice <= 19:
        parser.error("--controller-nice: 0 to 19")
    CONTROLLER_NICE[0] = args.controller_nice
    CONTROL_S[0] = max(args.control, 0.0)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    phases: dict[str, t.Callable[[Path, float, float], dict[str, t.Any]]] = {
        "golive": lambda out, rate, settle: golive_phase(out, rate, settle, args.back),
        "runbook": runbook_phase,
    }
    if not methods or any(m not in phases for m in methods):
        parser.error(f"--methods: a comma-separated list of {', '.join(phases)}")
    try:
        check_ready()
    except NotReady as e:
        print(f"bench-release: {e}", file=sys.stderr)
        return 2
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"release-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    commit = run(["git", "-C", str(TOP), "rev-parse", "--short", "HEAD"], what="git", check=False).stdout.strip()
    dirty = run(["git", "-C", str(TOP), "status", "--porcelain", "--untracked-files=no"], what="git", check=False)
    if commit and dirty.stdout.strip():
        commit += " (with uncommitted changes)"
    data: dict[str, t.Any] = {
        "time": stamp, "host": HOST, "target": f"https://{DOMAIN}/ via {ADDRESS}:443", "rate": args.rate,
        "settle_s": args.settle, "control_s": CONTROL_S[0], "controller_nice": args.controller_nice,
        "controller_cpus": args.controller_cpus or "all", "sequence": ["v1", *SEQUENCE],
        "golive_back": args.back, "commit": commit or None,
        "methods": {},
    }  # fmt: skip
    rc = 0
    for method in methods:
        try:
            data["methods"][method] = phases[method](out, args.rate, args.settle)
            if data["methods"][method].get("error"):
                rc = 1
        except StepFailed as e:
            print(f"bench-release: {method}: FAILED: {e}", file=sys.stderr)
            data["methods"][method] = {**data["methods"].get(method, {}), "error": str(e)}
            rc = 1
    Path(f"{out}.json").write_text(json.dumps(data, indent=2) + "\n")
    head = [
        f"# Requests lost during releases v1 -> v2 -> v1 ({stamp})",
        "",
        f"Load: GET https://{DOMAIN}/ through nginx on {HOST} ({ADDRESS}:443) at {args.rate:g} requests/s, a new "
        "TCP+TLS connection each, failed unless a 200 arrives within 5 s; "
        f"{args.settle:g} s of load before the first release and after each; before the releases, a control of "
        f"{CONTROL_S[0]:g} s with nothing released (the row `control`). Longest gap: the longest time "
        "between two successful responses (by completion time), with the number of requests sent inside it (about "
        "rate x gap if the server stalled, far fewer if the load generator itself was held up: sender lag is how "
        "far it fell behind its schedule at worst, on a busy machine). A release's figures are those of the requests "
        "sent from its start to the next release's start. golive: playbooks/deploy.yml (wall time of the "
        f"playbook; ansible-playbook at niceness {args.controller_nice} on CPUs {args.controller_cpus or 'all'}, "
        "as a controller on another machine would not take the host's or the client's CPU); "
        "runbook: the demo's web service alone in compose project `runbook` on 127.0.0.1:8101 behind "
        "the same nginx, `docker compose pull`, `migrate`, `docker compose up -d` and waiting for /healthz (wall "
        "time of those steps). See benchmarks/README.md.",
        "",
    ]
    table = report(data)
    extra = samples(data)
    body = head + table + ([""] + ["First response of each failure kind:", ""] + extra if extra else [])
    if gaps := gap_breakdown(data):
        body += ["", "The requests that ended each release's longest gap, ms per phase (thread: scheduled to "
                 "running; wait: request written to status line):", "", *gaps]  # fmt: skip
    schema = []
    for n, m in data["methods"].items():
        if "migrations_at_start" in m and "migrations_at_end" in m:
            a, b = m["migrations_at_start"], m["migrations_at_end"]
            gained = [x for x in b if x not in a]
            lost = [x for x in a if x not in b]
            change = "; ".join(
                [f"applied {', '.join(gained)}"] * bool(gained) + [f"unapplied {', '.join(lost)}"] * bool(lost)
            )
            schema.append(f"- {n}: {change or 'unchanged'} (last at the end: {b[-1] if b else '-'})")
    if schema:
        body += ["", "Database schema over each phase (django_migrations):", "", *schema]
    errors = [f"- {n}: {m['error']}" for n, m in data["methods"].items() if m.get("error")]
    if errors:
        body += ["", "Errors:", "", *errors]
    Path(f"{out}.md").write_text("\n".join(body) + "\n")
    print("\n".join(table))
    if extra:
        print("\n".join(extra))
    print(f"written to {out}.json and {out}.md (logs in {out}/)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
