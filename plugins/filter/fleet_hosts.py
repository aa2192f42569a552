# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_hosts
short_description: The hosts of a fleet that run one of the release's services
version_added: 0.1.0
description:
  - Keeps the hosts whose C(golive_host_services) names the service. A host that does not
    set it runs all of them (C(web), C(worker), C(beat)), as a single host does.
options:
  _input:
    description: Inventory host names.
    type: list
    elements: str
    required: true
  hostvars:
    description: The play's C(hostvars).
    type: dict
    required: true
  service:
    description: C(web), C(worker) or C(beat).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The web hosts the load balancer proxies to
  ansible.builtin.debug:
    msg: "{{ groups['golive'] | golive.stack.fleet_hosts(hostvars, 'web') }}"
"""

RETURN = r"""
_value:
  description: The hosts that run the service, in the input's order.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

ALL_SERVICES = ("web", "worker", "beat")


def host_services(hostvars, host):
    """The services a host runs: its golive_host_services, or all of them."""
    try:
        host_vars = hostvars[host]
    except KeyError as exc:
        raise AnsibleFilterError(f"fleet_hosts: {host} is not in the inventory") from exc
    services = host_vars["golive_host_services"] if "golive_host_services" in host_vars else ALL_SERVICES
    if isinstance(services, str) or not all(isinstance(s, str) for s in services):
        raise AnsibleFilterError(
            f"fleet_hosts: golive_host_services of {host} must be a list of names, got {services!r}"
        )
    return list(services)


def fleet_hosts(hosts, hostvars, service):
    if service not in ALL_SERVICES:
        raise AnsibleFilterError(f"fleet_hosts: service must be one of {', '.join(ALL_SERVICES)}, got {service!r}")
    return [host for host in hosts if service in host_services(hostvars, host)]


class FilterModule:
    def filters(self):
        return {"fleet_hosts": fleet_hosts}
