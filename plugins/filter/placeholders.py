# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: placeholders
short_description: Names of variables whose values look like placeholders
version_added: 0.1.0
description:
  - Returns the names, in the input's order, of the variables whose values are still
    placeholders, so a go-live can refuse them before anything reaches a host.
  - "Placeholders, in any case and ignoring surrounding blanks: the empty string,
    C(changeme)/C(change-me)/C(change_me)..., C(your-...), C(<...>), C(xxx) (or more x),
    C(example-secret), C(insecure), C(django-insecure-...), C(todo), C(replace...)."
  - Only string values are looked at.
  - O(deep=true) reads names and references instead (see O(deep)).
options:
  _input:
    description: Variables, name to value (for example the app's environment).
    type: dict
    required: true
  deep:
    description:
      - For values that are names and references rather than secrets (host names, image
        references, email addresses), read part by part; the whole-value list above does
        not apply.
      - Nested dicts and lists are looked into; the result names paths such as
        C(golive_images.web) or C(golive_domain_aliases[0]).
      - "A string is a placeholder when it is blank, holds a C(<...>) anywhere
        (C(<registry>/app:1.0)), has a part between C(.), C(/), C(:) and C(@) that reads
        C(your-...), C(changeme...), C(replace-me) or C(xxx) (C(ghcr.io/your-org/app:1.0)),
        or names a host under the domains reserved for documentation: C(example.com),
        C(example.net), C(example.org) and C(.example) (C(www.example.com), C(admin@example.org))."
    type: bool
    default: false
seealso:
  - plugin: golive.stack.app_settings
    plugin_type: filter
"""

EXAMPLES = r"""
- name: No placeholder reaches production
  ansible.builtin.assert:
    that: app_env | golive.stack.placeholders | length == 0
    fail_msg: "Still placeholders: {{ app_env | golive.stack.placeholders | join(', ') }}"

- name: Nor in the site's names and image references
  ansible.builtin.assert:
    that: found | length == 0
    fail_msg: "Still placeholders in {{ found | join(', ') }}"
  vars:
    found: >-
      {{ {'golive_domain': golive_domain, 'golive_images': golive_images}
         | golive.stack.placeholders(deep=true) }}
"""

RETURN = r"""
_value:
  description: Variable names (with O(deep=true), paths into their values).
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.golive.stack.plugins.module_utils import _settings


def placeholders(data, deep=False):
    try:
        return _settings.placeholder_paths(data) if deep else _settings.placeholder_keys(data)
    except _settings.SettingsError as exc:
        raise AnsibleFilterError(f"placeholders: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"placeholders": placeholders}
