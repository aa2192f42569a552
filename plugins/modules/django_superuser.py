#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: django_superuser
short_description: Ensure a Django superuser in a one-off Compose container
version_added: 0.1.0
description:
  - Ensures that a superuser exists, in a one-off container of a Docker Compose service
    (C(docker compose run --rm -T --no-deps SERVICE python3 manage.py shell -c ...)),
    through the project's own user model (C(get_user_model()), looked up by its
    C(USERNAME_FIELD)).
  - Creates the user with the model manager's C(create_superuser) when it is absent.
    When it exists, makes sure it is active, staff and superuser and has O(email), and
    sets O(password) only with O(update_password=always) and only when the stored hash
    does not match it.
  - The parameters, the password among them, reach the container on standard input,
    never on a command line or in an environment variable.
  - The database service must already be running; the one-off container starts none of
    the service's dependencies.
author:
  - golive.stack developers (@golive-stack)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the user and reports what would change; nothing is saved.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The account's username, email and flags before and after; the password only as a marker.
extends_documentation_fragment:
  - golive.stack.django_manage
  - golive.stack.django_manage.database
options:
  username:
    description: Value of the user model's C(USERNAME_FIELD).
    type: str
    required: true
  email:
    description:
      - Email address (the model's C(EMAIL_FIELD)), normalized by the model manager.
      - Left as it is on an existing user when omitted.
      - Ignored when the username field is the email field.
    type: str
  password:
    description:
      - Password of a new user, and with O(update_password=always) of an existing one.
      - A user created without one gets an unusable password (no password login).
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only on a user this module creates.
      - V(always) also sets it on an existing user whose password is a different one;
        O(password) is then required.
    type: str
    choices: [always, on_create]
    default: on_create
requirements:
  - Docker CLI with the Compose v2 plugin on the target host.
  - Django 3.1 or later in the image, with C(django.contrib.auth).
seealso:
  - module: golive.stack.django_migrate
"""

EXAMPLES = r"""
- name: An admin account for the first login (its password never changes after that)
  golive.stack.django_superuser:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
    username: admin
    email: ops@example.org
    password: "{{ vault_shop_admin_password }}"

- name: The password in the vault is the one that counts
  golive.stack.django_superuser:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
    username: admin
    password: "{{ vault_shop_admin_password }}"
    update_password: always
"""

RETURN = r"""
created:
  description: Whether the user was created (in check mode, would be).
  returned: success
  type: bool
  sample: false
updated:
  description:
    - Fields of an existing user that were changed (in check mode, would be), among
      C(is_superuser), C(is_staff), C(is_active), the email field and C(password).
    - Empty for a user that was created.
  returned: success
  type: list
  elements: str
  sample: [is_staff, password]
user_model:
  description: The user model (C(AUTH_USER_MODEL)).
  returned: success
  type: str
  sample: auth.User
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _django


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **_django.MANAGE_OPTIONS,
            **_django.DATABASE_OPTION,
            "username": {"type": "str", "required": True},
            "email": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "update_password": {"type": "str", "choices": ["always", "on_create"], "default": "on_create"},
        },
        required_if=[("update_password", "always", ["password"])],
        supports_check_mode=True,
    )
    module.exit_json(**_django.superuser(module))


if __name__ == "__main__":
    main()
