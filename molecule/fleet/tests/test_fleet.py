"""The fleet after golive.yml, and a rolling release across it under load.

Hosts: fleet-lb (nginx, the public TLS), fleet-web1 and fleet-web2 (web only, behind it),
fleet-worker (worker and the one beat), and the managed PostgreSQL and Redis. The load
comes from this machine through the load balancer, as visitors come (tests/rig/loadgen.py:
a new connection for every request, at a steady rate)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from conftest import APP, DOMAIN, LB_IP, PROJECT, WEB, WORKER, docker_on, on, play, recap

sys.path.insert(0, str(PROJECT / "tests/rig"))
from demo_images import main as demo_images  # noqa: E402 - found through the sys.path entry above
from loadgen import LoadGen  # noqa: E402

DIR = f"/opt/golive/{APP}"
LB = "fleet-lb"
APP_HOSTS = [*WEB, WORKER]


def images(tag: str) -> dict:
    """golive_images with the demo app at TAG; the fleet has only the web image."""
    return {"golive_images": {"web": json.loads(demo_images(tag))["golive_images"]["web"]}}


def healthz(address: str) -> dict:
    """/healthz through the nginx at ADDRESS (the load balancer, or a web host's own)."""
    return json.loads(on(LB, f"curl -sk --resolve {DOMAIN}:443:{address} https://{DOMAIN}/healthz"))


def upstream() -> str:
    return on(LB, f"cat /etc/nginx/golive/upstreams/{APP}.conf")


def phase(host: str, release: str) -> dict:
    return json.loads(on(host, f"cat {DIR}/releases/{release}/phase.json"))


def current(host: str) -> str:
    return on(host, f"basename $(readlink {DIR}/current)")


def test_the_load_balancer_proxies_to_both_web_hosts():
    pool = upstream()
    for address in WEB.values():
        assert f"server {address}:443;" in pool, pool
    assert healthz(LB_IP)["status"] == "ok"
    # the public certificate is the load balancer's own; its site proxies over TLS
    site = on(LB, f"cat /etc/nginx/conf.d/golive-{APP}.conf")
    assert f"proxy_pass https://golive_{APP};" in site and "proxy_ssl_server_name on;" in site
    # the load balancer runs no app: no Docker engine, no compose project
    assert on(LB, "command -v docker || echo none") == "none"


def test_each_host_runs_its_part_and_the_fleet_one_beat():
    for host in WEB:
        assert len(docker_on(host)) == 1 and docker_on(host)[0].startswith("web-"), docker_on(host)
    assert docker_on(WORKER) == ["beat", "worker"]
    beats = sum(docker_on(host).count("beat") for host in APP_HOSTS)
    assert beats == 1
    # the worker reaches the managed Redis and PostgreSQL: it answers a ping
    assert "pong" in on(WORKER, f"docker compose -p {APP} exec -T worker celery -A {APP} inspect ping --timeout 10")


def test_the_release_phase_ran_once_for_the_fleet():
    release = current("fleet-web1")
    first = phase("fleet-web1", release)
    assert first["phase_host"] == "fleet-web1"
    for host in APP_HOSTS:
        assert current(host) == release
        assert phase(host, release) == first
    # only the phase host dumped the database before migrating; the others have no dumps
    # (`|| true`: grep -c prints 0 and exits 1 when nothing matches; the count is asserted)
    assert on("fleet-web1", f"ls /var/backups/golive/{APP}/ | grep -c -- '-pre-migrate-{release}.dump$' || true") == "1"
    for host in ["fleet-web2", WORKER]:
        assert on(host, f"ls /var/backups/golive/{APP}/ 2>/dev/null | grep -c -- pre-migrate || true") == "0"


def test_the_web_hosts_see_the_client_and_never_ban_the_balancer():
    # from this machine through the balancer, marked so the web hosts' logs can be searched
    agent = f"fleet-client-{time.time_ns()}"
    for path in ["/", "/healthz"] * 3:
        subprocess.run(
            [
                "curl",
                "-sk",
                "-o",
                "/dev/null",
                "-A",
                agent,
                "--resolve",
                f"{DOMAIN}:443:{LB_IP}",
                f"https://{DOMAIN}{path}",
            ],
            check=True,
            timeout=30,
        )
    for host in WEB:
        # round robin: each web host got some; its nginx logged the client (this machine, at
        # the rig's gateway address), not the balancer
        # `|| true`: no match is an empty list, which the next line fails on with the host's name
        lines = on(host, f"grep -F -- '{agent}' /var/log/nginx/access.log || true").splitlines()
        assert lines, f"{host} got none of the requests"
        assert all(line.startswith("10.213.7.1 ") for line in lines), lines
        assert LB_IP in on(host, "fail2ban-client get nginx-bad-request ignoreip")


def test_a_rolling_release_under_load_through_the_balancer_drops_nothing():
    before = current("fleet-web1")
    with LoadGen(f"https://{DOMAIN}/", connect=LB_IP, rate=50) as traffic:
        proc = play("deploy", images("v2"))
    result = traffic.result
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert result.sent > 500 and result.failed == 0, result.summary()
    # every web host and the worker host are on the new release, v2 answers everywhere
    after = current("fleet-web1")
    assert after != before
    for host, address in WEB.items():
        assert current(host) == after
        assert healthz(address)["version"] == "v2"
        assert len(docker_on(host)) == 1
    assert current(WORKER) == after and docker_on(WORKER) == ["beat", "worker"]
    assert healthz(LB_IP)["version"] == "v2"
    # the hosts went one at a time (serial), each out of the pool while it switched
    for host in WEB:
        assert re.search(rf"pool while it switches\] \*+\nincluded: \S+/pool\.yml for {host}\n", out), out
    # the release phase ran on the first host only: v2's migration, applied once
    first = phase("fleet-web1", after)
    assert [(m["app_label"], m["name"]) for m in first["migrations_applied"]] == [("notes", "0002_note_pinned_at")]
    for host in ["fleet-web2", WORKER]:
        assert phase(host, after) == first
    # both web hosts are back in the pool
    for address in WEB.values():
        assert f"server {address}:443;" in upstream()
    print(result.summary())


def test_the_same_release_again_changes_nothing():
    proc = play("deploy", images("v2"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    counts = recap(proc.stdout)
    assert {host: counts[host]["changed"] for host in APP_HOSTS} == {host: 0 for host in APP_HOSTS}, proc.stdout
