#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: django_check
short_description: Run Django's system checks (C(check --deploy)) and return the messages as data
version_added: 0.1.0
description:
  - Runs Django's system check framework in a one-off container of a Docker Compose
    service (C(docker compose run --rm -T --no-deps SERVICE python3 manage.py shell -c ...))
    and returns every message as data (id, level, message, hint, object).
  - Works like C(manage.py check --deploy --fail-level WARNING), with an explicit
    allow-list of message ids (O(silenced)) kept in the inventory rather than in the app's
    settings.
  - Never reports C(changed). Fails, with the messages in the result, when a message that
    is not silenced is at or above O(fail_level).
  - Messages silenced by the app's own C(SILENCED_SYSTEM_CHECKS) setting are not returned,
    as with C(manage.py check).
author:
  - golive.stack developers (@golive-stack)
extends_documentation_fragment:
  - golive.stack.read_only
  - golive.stack.django_manage
options:
  deploy:
    description: Include the deployment checks (C(check --deploy)).
    type: bool
    default: true
  fail_level:
    description: Fail when a message that is not silenced is at this level or above (C(--fail-level)).
    type: str
    choices: [DEBUG, INFO, WARNING, ERROR, CRITICAL]
    default: WARNING
  silenced:
    description:
      - Message ids that are accepted, for example V(security.W021).
      - They are still returned, with C(silenced=true), but never fail the task.
    type: list
    elements: str
    default: []
  tags:
    description: Run only the checks with these tags (C(--tag)). All checks when empty.
    type: list
    elements: str
    default: []
  databases:
    description: Database aliases whose database checks run (C(--database)). None when empty.
    type: list
    elements: str
    default: []
requirements:
  - Docker CLI with the Compose v2 plugin on the target host.
  - Django 3.1 or later in the image.
seealso:
  - module: golive.stack.django_migrate
"""

EXAMPLES = r"""
- name: Deployment checks must be clean, HSTS preload excepted
  golive.stack.django_check:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
    silenced:
      - security.W021

- name: Report every message without failing below ERROR, database checks included
  golive.stack.django_check:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
    fail_level: ERROR
    databases:
      - default
  register: shop_checks
"""

RETURN = r"""
messages:
  description: Every message the checks produced, in Django's order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Message id.
      type: str
      returned: always
      sample: security.W004
    level:
      description: Level name.
      type: str
      returned: always
      sample: WARNING
    level_no:
      description: Numeric level (DEBUG=10 ... CRITICAL=50).
      type: int
      returned: always
      sample: 30
    message:
      description: The message.
      type: str
      returned: always
    hint:
      description: Django's hint, or null.
      type: str
      returned: always
    obj:
      description: The object the message is about (model label or text), or null.
      type: str
      returned: always
    silenced:
      description: Whether the id is in O(silenced).
      type: bool
      returned: always
    blocking:
      description: Whether this message fails the task (not silenced and at or above O(fail_level)).
      type: bool
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _django


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **_django.MANAGE_OPTIONS,
            "deploy": {"type": "bool", "default": True},
            "fail_level": {"type": "str", "choices": list(_django.CHECK_LEVELS), "default": "WARNING"},
            "silenced": {"type": "list", "elements": "str", "default": []},
            "tags": {"type": "list", "elements": "str", "default": []},
            "databases": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    module.exit_json(**_django.check(module))


if __name__ == "__main__":
    main()
