"""The role's other paths, each a run of converge.yml with other inputs (runs once).

Host state is read over the rig's own channel (docker exec), as an operator would
look at a console, so a broken engine or SSH cannot hide a result.
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO_HOSTS, SCENARIO, on, recap, run_playbook

CONVERGE = SCENARIO / "converge.yml"
ALL = ("dock12", "dock13", "air13")
CODENAME = {"dock12": ("12", "bookworm"), "dock13": ("13", "trixie")}


def state(host: str) -> dict[str, str]:
    """What must not move when an input is refused."""
    return {
        "engine_pid": on(host, "systemctl show -P MainPID docker.service"),
        "daemon_json": on(host, "sha256sum /etc/docker/daemon.json"),
        # air13 (air-gapped) has no keyring: an empty value, compared like the rest
        "keyring": on(host, "sha256sum /etc/apt/keyrings/docker.asc 2>/dev/null || true"),
        "docker_ce": on(host, "dpkg-query -W -f '${Version}' docker-ce"),
        "logging": on(host, "docker info --format '{{.LoggingDriver}} {{.LiveRestoreEnabled}}'"),
    }


def version(host: str, upstream: str) -> str:
    release, codename = CODENAME[host]
    return f"5:{upstream}-1~debian.{release}~{codename}"


def test_an_upgrade_honours_the_pin():
    for host in REPO_HOSTS:
        # the newer docker-ce is offered, but apt's candidate is the pinned one
        policy = on(host, "apt-cache policy docker-ce")
        assert version(host, "28.0.1") in policy and f"Candidate: {version(host, '28.0.0')}" in policy, policy
        for upgrade in ("upgrade", "dist-upgrade"):
            plan = on(host, f"apt-get -s {upgrade}")
            assert "Inst docker-ce " not in plan and "Inst docker-ce-cli " not in plan, plan
        on(host, "DEBIAN_FRONTEND=noninteractive apt-get -y -q upgrade >/dev/null")
        assert on(host, "dpkg-query -W -f '${Version}' docker-ce") == version(host, "28.0.0")


def test_changing_docker_version_moves_the_engine_up_and_back():
    for target in ("28.0.1", "28.0.0"):
        moved = run_playbook(CONVERGE, "--limit", ",".join(REPO_HOSTS), "-e", f"docker_version={target}")
        assert moved.returncode == 0, moved.stdout[-4000:]
        for host in REPO_HOSTS:
            assert on(host, "dpkg-query -W -f '${Version}' docker-ce docker-ce-cli") == version(host, target) * 2
            assert on(host, "cat /usr/share/doc/docker-ce/golive-standin-version") == version(host, target)
            assert on(host, "systemctl is-active docker.service") == "active"
        again = run_playbook(CONVERGE, "--limit", ",".join(REPO_HOSTS), "-e", f"docker_version={target}")
        assert again.returncode == 0, again.stdout[-4000:]
        assert all(recap(again.stdout)[h]["changed"] == 0 for h in REPO_HOSTS), again.stdout[-4000:]


REFUSED = [
    pytest.param(
        REPO_HOSTS,
        ["-e", "docker_repo_key_fingerprint=" + "0123456789ABCDEF" * 2 + "01234567"],
        "refusing to trust it",
        id="repository key with another fingerprint",
    ),
    pytest.param(
        REPO_HOSTS,
        ["-e", "docker_version=27.9.9"],
        "has no such docker-ce version. It offers: 5:28.0.1",
        id="version the repository lacks",
    ),
    pytest.param(
        ALL,
        ["-e", '{"docker_daemon_options": {"no-such-option": true}}'],
        "The engine refused the daemon.json",
        id="unknown daemon option",
    ),
    # Debian 13's dockerd --validate accepts this one; the throwaway daemon does not
    pytest.param(
        ALL,
        ["-e", '{"docker_default_address_pools": [{"base": "300.1.0.0/16", "size": 24}]}'],
        "invalid base pool",
        id="address pool that is no network",
    ),
    pytest.param(
        ALL,
        ["-e", '{"docker_daemon_options": {"log-opts": {"max-size": "lots"}}}'],
        "max-size 'lots'",
        id="bad log option value",
    ),
]


@pytest.mark.parametrize(("hosts", "args", "says"), REFUSED)
def test_a_bad_input_fails_clearly_and_the_engine_keeps_running(hosts, args, says):
    before = {h: state(h) for h in hosts}
    result = run_playbook(CONVERGE, "--limit", ",".join(hosts), *args)
    assert result.returncode != 0, result.stdout[-4000:]
    assert says in result.stdout, result.stdout[-4000:]
    counts = recap(result.stdout)
    assert all(counts[h]["failed"] == 1 for h in hosts), counts
    # the engine was never restarted and its configuration is the old one
    assert {h: state(h) for h in hosts} == before


def test_an_engine_that_will_not_start_gets_its_old_configuration_back():
    # dockerd accepts the file (the throwaway daemon has its own data root) but the
    # engine cannot create this one: the restart fails and the handler rolls back.
    before = {h: state(h) for h in ALL}
    result = run_playbook(CONVERGE, "-e", '{"docker_daemon_options": {"data-root": "/proc/golive-no-such-dir"}}')
    assert result.returncode != 0, result.stdout[-4000:]
    assert "did not start with the new daemon.json, so the previous one is back" in result.stdout, result.stdout[-4000:]
    after = {h: state(h) for h in ALL}
    for host in ALL:
        assert on(host, "systemctl is-active docker.service") == "active"
        moved = {k for k in before[host] if before[host][k] != after[host][k]}
        assert moved == {"engine_pid"}, (host, before[host], after[host])


def test_every_host_is_back_where_it_was():
    result = run_playbook(CONVERGE)
    assert result.returncode == 0, result.stdout[-4000:]
    assert all(recap(result.stdout)[h]["changed"] == 0 for h in ALL), result.stdout[-4000:]
    info = {h: json.loads(on(h, "docker info --format '{{json .}}'")) for h in ALL}
    assert all(i["LoggingDriver"] == "local" and i["LiveRestoreEnabled"] for i in info.values())
