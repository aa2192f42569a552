# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: invalid_networks
short_description: The entries of a list that are not an IP address or network
version_added: 0.1.0
description:
  - Returns the entries that are neither an IP address nor a CIDR network (IPv4 or
    IPv6; host bits may be set, as nginx and ufw accept them), in their order, for a
    preflight message that names them. An empty list means every entry is usable.
  - Needs only Python's C(ipaddress), unlike C(ansible.utils.ipaddr), which needs netaddr.
options:
  _input:
    description: Addresses or networks, for example C(10.0.0.0/8) or C(2001:db8::1).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: The load balancers are addresses or networks
  ansible.builtin.assert:
    that: nginx_trusted_proxies | golive.stack.invalid_networks | length == 0
"""

RETURN = r"""
_value:
  description: The entries that are not an address or a network.
  type: list
  elements: str
"""

import ipaddress


def invalid_networks(values):
    bad = []
    for value in values:
        try:
            ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            bad.append(value)
    return bad


class FilterModule:
    def filters(self):
        return {"invalid_networks": invalid_networks}
