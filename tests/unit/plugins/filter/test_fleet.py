# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.golive.stack.plugins.filter import fleet_address, fleet_hosts

FLEET_HOSTS = fleet_hosts.FilterModule().filters()["fleet_hosts"]
FLEET_ADDRESS = fleet_address.FilterModule().filters()["fleet_address"]

HOSTVARS = {
    "web1": {"golive_host_services": ["web"], "ansible_host": "10.0.0.11"},
    "web2": {"golive_host_services": ["web"], "ansible_host": "10.0.0.12", "golive_private_address": "192.168.0.12"},
    "work": {"golive_host_services": ["worker", "beat"]},
    "solo": {},
}


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("web", ["web1", "web2", "solo"]),
        ("worker", ["work", "solo"]),
        ("beat", ["work", "solo"]),
    ],
)
def test_fleet_hosts_keeps_the_order_and_treats_unset_as_everything(service, expected):
    assert FLEET_HOSTS(["web1", "web2", "work", "solo"], HOSTVARS, service) == expected


@pytest.mark.parametrize(
    ("hosts", "hostvars", "service", "message"),
    [
        (["web1"], HOSTVARS, "postgres", "service must be one of web, worker, beat"),
        (["ghost"], HOSTVARS, "web", "ghost is not in the inventory"),
        (["odd"], {"odd": {"golive_host_services": "web"}}, "web", "golive_host_services of odd must be a list"),
    ],
)
def test_fleet_hosts_refuses(hosts, hostvars, service, message):
    with pytest.raises(AnsibleFilterError, match=message):
        FLEET_HOSTS(hosts, hostvars, service)


@pytest.mark.parametrize(
    ("host", "expected"),
    [("web1", "10.0.0.11"), ("web2", "192.168.0.12"), ("work", "work")],
)
def test_fleet_address_prefers_the_private_address(host, expected):
    assert FLEET_ADDRESS(host, HOSTVARS) == expected


def test_fleet_address_refuses_an_unknown_host():
    with pytest.raises(AnsibleFilterError, match="ghost is not in the inventory"):
        FLEET_ADDRESS("ghost", HOSTVARS)
