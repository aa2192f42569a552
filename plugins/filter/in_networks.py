# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: in_networks
short_description: Whether an IP address lies in one of a list of networks
version_added: 0.1.0
description:
  - True when the address belongs to at least one of the networks, which may be
    addresses, CIDR networks, or C(any). IPv4-mapped IPv6 addresses (C(::ffff:a.b.c.d))
    count as their IPv4 address.
  - Needs only Python's C(ipaddress), unlike C(ansible.utils.ipaddr), which needs netaddr.
options:
  _input:
    description: The address.
    type: str
    required: true
  networks:
    description: Addresses or networks, for example C(10.0.0.0/8) or C(2001:db8::/32).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: The controller stays inside the admin networks
  ansible.builtin.assert:
    that: controller_ip | golive.stack.in_networks(ufw_ssh_from)
"""

RETURN = r"""
_value:
  description: Whether the address is in one of the networks.
  type: bool
"""

import ipaddress

from ansible.errors import AnsibleFilterError


def in_networks(address, networks):
    try:
        ip = ipaddress.ip_address(str(address).strip())
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        for network in networks:
            if str(network).strip().lower() == "any":
                return True
            if ip in ipaddress.ip_network(str(network).strip(), strict=False):
                return True
    except ValueError as exc:
        raise AnsibleFilterError(f"in_networks: {exc}") from exc
    return False


class FilterModule:
    def filters(self):
        return {"in_networks": in_networks}
