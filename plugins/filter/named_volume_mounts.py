# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: named_volume_mounts
short_description: Where a compose service mounts the named volumes its file declares
version_added: 0.1.0
description:
  - Reads a compose file (as data) and returns, for one service, the container paths at
    which it mounts a named volume that the file declares at its top level, in the
    service's order. Both the short syntax (C(media:/app/media:rw)) and the long syntax
    (C(type=volume) with C(source) and C(target)) are read; bind mounts, tmpfs and
    anonymous volumes are left out.
  - The app role uses it to hand the top directory of each such volume to the user the
    app runs as, so uploads can be written to a volume Docker created as root.
options:
  _input:
    description: The compose file, parsed (a mapping with C(services) and C(volumes)).
    type: dict
    required: true
  service:
    description: The service whose mounts are read.
    type: str
    default: web
"""

EXAMPLES = r"""
- name: Paths of the app's own volumes
  ansible.builtin.set_fact:
    targets: "{{ lookup('ansible.builtin.file', app_compose_file) | from_yaml
                 | golive.stack.named_volume_mounts | map(attribute='target') | list }}"
"""

RETURN = r"""
_value:
  description: One C({source, target}) per mount of a declared named volume.
  type: list
  elements: dict
"""

from collections.abc import Mapping


def _mount(entry):
    """(type, source, target) of one entry of a service's volumes."""
    if isinstance(entry, Mapping):
        return entry.get("type", "volume"), entry.get("source"), entry.get("target")
    parts = str(entry).split(":")
    if len(parts) == 1:  # "/path": an anonymous volume
        return "volume", None, parts[0]
    return "volume", parts[0], parts[1]


def named_volume_mounts(compose, service="web"):
    if not isinstance(compose, Mapping):
        return []
    declared = compose.get("volumes") or {}
    services = compose.get("services") or {}
    svc = services.get(service) if isinstance(services, Mapping) else None
    if not isinstance(declared, Mapping) or not isinstance(svc, Mapping):
        return []
    found = []
    for entry in svc.get("volumes") or []:
        kind, source, target = _mount(entry)
        if kind == "volume" and source in declared and target:
            found.append({"source": source, "target": target})
    return found


class FilterModule:
    def filters(self):
        return {"named_volume_mounts": named_volume_mounts}
