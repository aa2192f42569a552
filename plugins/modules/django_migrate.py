#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: django_migrate
short_description: Apply (or roll back) Django migrations in a one-off Compose container
version_added: 0.1.0
description:
  - Runs Django's migration planner in a one-off container of a Docker Compose service
    (C(docker compose run --rm -T --no-deps SERVICE python3 manage.py ...)), so the plan
    comes from the release image itself.
  - The plan is read as JSON from Django's C(MigrationExecutor), not from English output.
    The module reports C(changed) when the plan has steps.
  - Applies the plan with C(manage.py migrate --noinput), then reads the plan again and
    fails unless it is empty.
  - With O(target), migrates to the given migrations instead of the latest ones, forwards
    or backwards. Feed it the RV(rollback_target) of an earlier run to return the
    database to the state it had before that run.
  - Each step says whether the migration is backward compatible, that is whether the
    release before it can still run on the migrated schema. A migration is, unless its
    C(Migration) class sets C(backward_compatible = False) (a convention of this
    collection, read from the loaded migration). RV(backward_compatible) sums up the plan,
    so a play can show a maintenance page while such a release migrates and switches.
  - The database service must already be running; the one-off container starts none of
    the service's dependencies.
author:
  - golive.stack developers (@golive-stack)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Returns the plan without applying it.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Shows applied and pending migrations before and after the plan, one per line.
extends_documentation_fragment:
  - golive.stack.django_manage
  - golive.stack.django_manage.database
options:
  target:
    description:
      - Migrate to these states instead of the latest migrations, applied in order.
      - Each item is V(app_label) (its latest migration), V(app_label:migration_name)
        (a unique prefix is enough, as with C(manage.py migrate)) or V(app_label:zero)
        (unapply all of the app's migrations).
      - Steps that go back are reported with C(backwards=true).
    type: list
    elements: str
requirements:
  - Docker CLI with the Compose v2 plugin on the target host.
  - Django 3.1 or later in the image.
seealso:
  - module: golive.stack.django_check
"""

EXAMPLES = r"""
- name: Show the migrations a release would apply
  golive.stack.django_migrate:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
  check_mode: true
  register: shop_migrations

- name: Say when the release needs a maintenance window
  ansible.builtin.debug:
    msg: "The old release cannot run on the new schema: maintenance page during migrate and switch"
  when: not shop_migrations.backward_compatible

- name: Apply them
  golive.stack.django_migrate:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
    files:
      - /opt/golive/shop/releases/42/compose.yml
  register: shop_migrate

- name: Roll the schema back to where it was before the release (with the new image)
  golive.stack.django_migrate:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
    target: "{{ shop_migrate.rollback_target }}"

- name: Unapply every migration of one app
  golive.stack.django_migrate:
    project_src: /opt/golive/shop/releases/42
    project_name: shop
    target:
      - "orders:zero"
"""

RETURN = r"""
plan:
  description:
    - The steps the run had to make, in order, computed before applying them.
    - Empty when the database already matches.
  returned: success
  type: list
  elements: dict
  contains:
    app_label:
      description: App label.
      type: str
      returned: success
    name:
      description: Migration name.
      type: str
      returned: success
    backwards:
      description: Whether the step unapplies the migration.
      type: bool
      returned: success
    backward_compatible:
      description:
        - False when the migration's C(Migration) class sets C(backward_compatible = False),
          true otherwise. Reported for backwards steps too.
      type: bool
      returned: success
  sample:
    - {app_label: orders, name: 0002_order_note, backwards: false, backward_compatible: true}
applied:
  description:
    - The steps that were executed, same shape as RV(plan).
    - Empty in check mode and when nothing was to do.
  returned: success
  type: list
  elements: dict
  sample:
    - {app_label: orders, name: 0002_order_note, backwards: false, backward_compatible: true}
backward_compatible:
  description:
    - Whether every forward step of RV(plan) is backward compatible (true for an empty plan
      or one that only goes back), that is whether the running release can keep serving
      while the plan is applied and until the new release takes over.
  returned: success
  type: bool
  sample: true
rollback_target:
  description:
    - The state of the database before this run, per app with migrations its last applied
      migration (V(app_label:name)) or V(app_label:zero).
    - Pass it as O(target) (with the same or a newer image) to return to that state.
  returned: success
  type: list
  elements: str
  sample: ["admin:0003_logentry_add_action_flag_choices", "orders:0001_initial"]
schema:
  description:
    - The state of the database at the end of this run, in the shape of RV(rollback_target) - read
      again after the plan was applied, and the same as RV(rollback_target) when nothing was applied
      (an empty plan, or check mode).
    - What a later run passes as O(target) to return to the state this run left.
  returned: success
  type: list
  elements: str
  sample: ["admin:0003_logentry_add_action_flag_choices", "orders:0002_order_note"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _django


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **_django.MANAGE_OPTIONS,
            **_django.DATABASE_OPTION,
            "target": {"type": "list", "elements": "str"},
        },
        supports_check_mode=True,
    )
    module.exit_json(**_django.migrate(module))


if __name__ == "__main__":
    main()
