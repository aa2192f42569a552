"""The engine on each converged host, seen from inside (testinfra runs this per host)."""

from __future__ import annotations

import json
import re


def _info(host):
    return json.loads(host.check_output("sudo docker info --format '{{json .}}'"))


def test_docker_info_shows_the_configured_daemon(host):
    info = _info(host)
    assert info["LoggingDriver"] == "local"
    assert info["LiveRestoreEnabled"] is True
    assert "registry.golive.test:5000" in info["RegistryConfig"]["IndexConfigs"]
    assert info["RegistryConfig"]["Mirrors"] == ["http://registry.golive.test:5000/"]
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["log-opts"] == {"max-size": "10m", "max-file": "5"}
    assert config["default-address-pools"] == [{"base": "172.30.0.0/16", "size": 24}]


def test_the_engine_runs_a_container(host):
    # No registry is needed: an image made on the host from the static compose binary.
    host.check_output(
        "plugin=$(ls /usr/local/lib/docker/cli-plugins/docker-compose"
        " /usr/libexec/docker/cli-plugins/docker-compose 2>/dev/null | head -n1);"
        ' tar -C "$(dirname $plugin)" -c docker-compose'
        " | sudo docker import -c 'ENTRYPOINT [\"/docker-compose\"]' - golive-probe:1"
    )
    out = host.check_output("sudo docker run --rm golive-probe:1 version --short")
    assert out.strip()[0].isdigit(), out


def test_docker_compose_works_for_the_deploy_user(host):
    # the deploy user was added to the docker group in the same run: no sudo here
    host.check_output(
        "mkdir -p /tmp/probe && printf 'services:\\n  probe:\\n    image: golive-probe:1\\n' > /tmp/probe/compose.yaml"
    )
    version = host.check_output("docker compose version --short")
    assert version.strip()[0].isdigit(), version
    out = host.check_output("cd /tmp/probe && docker compose run --rm probe version --short")
    assert out.strip() == version.strip()
    # the project's network comes from docker_default_address_pools
    subnet = host.check_output("docker network inspect probe_default --format '{{(index .IPAM.Config 0).Subnet}}'")
    assert subnet.startswith("172.30."), subnet
    host.check_output("cd /tmp/probe && docker compose down")


def test_engine_packages_are_held_back_from_unattended_upgrades(host):
    held = host.file("/etc/apt/apt.conf.d/53golive-hold-docker").content_string
    for package in ("docker-ce", "docker-ce-cli", "containerd.io"):
        # entries are regexps (Ansible's regex_escape, which is Python's re.escape)
        assert f'"{re.escape(package)}$";' in held, held


def test_no_engine_of_another_source_is_installed(host):
    for package in ("docker.io", "containerd", "runc", "docker-cli"):
        assert not host.package(package).is_installed, package


def test_the_repository_path(host):
    hostname = host.backend.get_hostname()
    source = host.file("/etc/apt/sources.list.d/docker.sources")
    if hostname == "air13":
        # the air-gapped host never heard of a Docker repository
        assert not source.exists
        assert host.package("docker-ce").version == "5:28.0.1-1~debian.13~trixie"
        return
    codename = host.check_output(". /etc/os-release && echo $VERSION_CODENAME")
    assert source.contains(f"^Suites: {codename}$")
    assert source.contains("^Signed-By: /etc/apt/keyrings/docker.asc$")
    assert host.file("/etc/apt/keyrings/docker.asc").contains("BEGIN PGP PUBLIC KEY BLOCK")
    pin = host.file("/etc/apt/preferences.d/golive-docker")
    assert pin.contains("^Pin: version 5:28.0.0-\\*$") and pin.contains("^Pin-Priority: 1001$")
    # the first install got the pinned older version, though a newer one is offered
    release = {"bookworm": "12", "trixie": "13"}[codename]
    assert host.package("docker-ce").version == f"5:28.0.0-1~debian.{release}~{codename}"
    assert host.file("/usr/share/doc/docker-ce/golive-standin-version").contains("28.0.0")
    policy = host.check_output("apt-cache policy docker-ce")
    assert f"5:28.0.1-1~debian.{release}~{codename}" in policy, policy
