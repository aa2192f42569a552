# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: placeholders
short_description: Names of environment variables whose values look like placeholders
version_added: 0.1.0
description:
  - Returns the names, in the input's order, of the variables whose values are still
    placeholders, so a go-live can refuse them before anything reaches a host.
  - "Placeholders, in any case and ignoring surrounding blanks: the empty string,
    C(changeme)/C(change-me)/C(change_me)..., C(your-...), C(<...>), C(xxx) (or more x),
    C(example-secret), C(insecure), C(django-insecure-...), C(todo), C(replace...)."
  - Only string values are looked at.
options:
  _input:
    description: The app's environment, variable name to value.
    type: dict
    required: true
seealso:
  - plugin: golive.stack.app_settings
    plugin_type: filter
"""

EXAMPLES = r"""
- name: No placeholder reaches production
  ansible.builtin.assert:
    that: app_env | golive.stack.placeholders | length == 0
    fail_msg: "Still placeholders: {{ app_env | golive.stack.placeholders | join(', ') }}"
"""

RETURN = r"""
_value:
  description: Variable names.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.golive.stack.plugins.module_utils import _settings


def placeholders(env):
    try:
        return _settings.placeholder_keys(env)
    except _settings.SettingsError as exc:
        raise AnsibleFilterError(f"placeholders: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"placeholders": placeholders}
