# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_settings
short_description: Read a Django app's go-live settings from its environment variables
version_added: 0.1.0
description:
  - Takes the app's environment (the variables as the app names them) and returns the
    settings a go-live checks, normalized, so rules do not parse strings themselves.
  - A variable that is not set gives null; the caller decides what is required.
  - V(debug) accepts true/false, 1/0, yes/no, on/off in any case; anything else is an error.
    Blank counts as not set, for V(debug), the database and Redis.
  - Lists are comma- or blank-separated strings (or lists).
  - The result contains the secret key and passwords, so tasks that use it need C(no_log).
positional: keys
options:
  _input:
    description: The app's environment, variable name to value.
    type: dict
    required: true
  keys:
    description:
      - Which variable carries each setting, for the settings the app names differently.
      - Known settings and their default variables are V(secret_key=DJANGO_SECRET_KEY),
        V(debug=DJANGO_DEBUG), V(allowed_hosts=DJANGO_ALLOWED_HOSTS),
        V(csrf_trusted_origins=CSRF_TRUSTED_ORIGINS), V(public_url=SITE_URL),
        V(database_url=DATABASE_URL), V(redis_url=REDIS_URL),
        V(cors_allowed_origins=CORS_ALLOWED_ORIGINS).
    type: dict
    default: {}
seealso:
  - plugin: golive.stack.placeholders
    plugin_type: filter
"""

EXAMPLES = r"""
- name: DEBUG is off and the public host is allowed
  ansible.builtin.assert:
    that:
      - not settings.debug
      - "'shop.example.com' in settings.allowed_hosts"
      - settings.database.options.sslmode | default('') == 'require'
  vars:
    settings: "{{ app_env | golive.stack.app_settings({'secret_key': 'SECRET_KEY', 'debug': 'DEBUG'}) }}"
"""

RETURN = r"""
_value:
  description: The normalized settings.
  type: dict
  contains:
    secret_key:
      description: The secret key as given.
      type: str
    debug:
      description: DEBUG as a boolean.
      type: bool
    allowed_hosts:
      description: ALLOWED_HOSTS.
      type: list
      elements: str
    csrf_trusted_origins:
      description: CSRF_TRUSTED_ORIGINS.
      type: list
      elements: str
    public_url:
      description: The site's public URL as given.
      type: str
    database:
      description: >-
        The database URL: scheme, host, port (5432 by default for PostgreSQL), name, user,
        password, options (the query string, for example sslmode).
      type: dict
    redis:
      description: >-
        The Redis URL: scheme, host, port (6379 by default), db, username, password, tls
        (true for rediss).
      type: dict
    cors_allowed_origins:
      description: CORS_ALLOWED_ORIGINS (django-cors-headers), or null when not set.
      type: list
      elements: str
    env_keys:
      description: >-
        Which variable carries each setting (the defaults merged with O(keys)), for
        messages that use the app's own names.
      type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.golive.stack.plugins.module_utils import _settings


def app_settings(env, keys=None):
    try:
        return _settings.app_settings(env, keys)
    except _settings.SettingsError as exc:
        raise AnsibleFilterError(f"app_settings: {exc}") from exc


class FilterModule:
    def filters(self):
        return {"app_settings": app_settings}
