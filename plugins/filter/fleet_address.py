# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet_address
short_description: The address a fleet's load balancer reaches a host at
version_added: 0.1.0
description:
  - The host's C(golive_private_address) if set, else its C(ansible_host), else its
    inventory name.
options:
  _input:
    description: An inventory host name.
    type: str
    required: true
  hostvars:
    description: The play's C(hostvars).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The load balancer's pool
  ansible.builtin.debug:
    msg: "{{ ['app1', 'app2'] | map('golive.stack.fleet_address', hostvars) | list }}"
"""

RETURN = r"""
_value:
  description: A host name or address.
  type: str
"""

from ansible.errors import AnsibleFilterError


def fleet_address(host, hostvars):
    try:
        host_vars = hostvars[host]
    except KeyError as exc:
        raise AnsibleFilterError(f"fleet_address: {host} is not in the inventory") from exc
    for name in ("golive_private_address", "ansible_host"):
        if name in host_vars and host_vars[name]:
            return str(host_vars[name])
    return str(host)


class FilterModule:
    def filters(self):
        return {"fleet_address": fleet_address}
