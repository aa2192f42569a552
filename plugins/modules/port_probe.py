#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: port_probe
short_description: Try TCP ports of a host from where the module runs and check that only allowed ones are open
version_added: 0.9.0
description:
  - Connects to each of O(ports) on O(host) from where the module runs - the controller,
    delegated to C(localhost), is outside the host, as an attacker would be - and sorts them
    into C(open) (accepted), C(closed) (refused) and C(filtered) (no answer within
    O(timeout), or unreachable).
  - Returns one check in RV(checks), ok when every open port is in O(allowed). Never reports
    C(changed); fails only on bad input (an O(host) that does not resolve included).
  - The ports are tried at the same time, one thread each, so 30 filtered ports take about
    one O(timeout), not 30.
  - Standard library only.
author:
  - golive.stack developers (@golive-stack)
extends_documentation_fragment:
  - golive.stack.read_only
options:
  host:
    description: Host name or IP address to try; a name is resolved once, its first address is used.
    type: str
    required: true
  ports:
    description: The TCP ports to try.
    type: list
    elements: int
    required: true
  allowed:
    description: Ports that may be open. An allowed port that is closed or filtered is not a failure.
    type: list
    elements: int
    default: []
  timeout:
    description: Seconds to wait for each connection.
    type: float
    default: 3
  check_name:
    description: Name of the check in RV(checks).
    type: str
    default: firewall_ports
seealso:
  - module: golive.stack.django_site_probe
"""

EXAMPLES = r"""
- name: From outside, only SSH and the web ports answer
  golive.stack.port_probe:
    host: "{{ ansible_host }}"
    ports: [22, 25, 80, 443, 2375, 2376, 3306, 5432, 6379, 8000, 8001, 8080, 9000, 11211]
    allowed: [22, 80, 443]
  delegate_to: localhost
  register: firewall

- name: Nothing else is open
  ansible.builtin.assert:
    that: firewall.checks[0].ok
    fail_msg: "{{ firewall.checks[0].detail }}"
"""

RETURN = r"""
checks:
  description: One check, named O(check_name).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: O(check_name).
      type: str
      returned: always
    ok:
      description: Whether every open port is allowed.
      type: bool
      returned: always
    detail:
      description: The open ports and the ones not allowed, in one line.
      type: str
      returned: always
      sample: "TCP to 203.0.113.7: open 22, 80, 443, 5432; not allowed: 5432 (1 closed, 10 filtered)"
    data:
      description:
        - C(host), C(address) (the address tried), C(open), C(closed), C(filtered) (sorted port lists),
          C(unexpected) (open and not allowed), C(allowed), C(elapsed_ms) (the whole scan).
      type: dict
      returned: always
  sample:
    - name: firewall_ports
      ok: true
      detail: "TCP to 203.0.113.7: open 22, 80, 443, all allowed (0 closed, 11 filtered)"
      data: {host: 203.0.113.7, address: 203.0.113.7, open: [22, 80, 443], closed: [],
             filtered: [25, 2375, 2376, 3306, 5432, 6379, 8000, 8001, 8080, 9000, 11211],
             unexpected: [], allowed: [22, 80, 443], elapsed_ms: 3004.1}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _ports


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "required": True},
            "ports": {"type": "list", "elements": "int", "required": True},
            "allowed": {"type": "list", "elements": "int", "default": []},
            "timeout": {"type": "float", "default": 3},
            "check_name": {"type": "str", "default": "firewall_ports"},
        },
        supports_check_mode=True,
    )
    params = module.params
    bad_input = _ports.input_errors(params["ports"], params["allowed"], params["timeout"], params["check_name"])
    if bad_input:
        module.fail_json(msg="; ".join(bad_input), changed=False)
    try:
        check = _ports.probe_ports(
            params["host"], params["ports"], params["allowed"], params["timeout"], params["check_name"]
        )
    except ValueError as exc:  # the host does not resolve: nothing was tried
        module.fail_json(msg=str(exc), changed=False)
    module.exit_json(changed=False, checks=[check])


if __name__ == "__main__":
    main()
