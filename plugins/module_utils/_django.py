# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Django management work in a one-off container of a Compose service (private).

Plans, check results and user accounts are read as JSON from Django's own APIs
(``MigrationExecutor``, the system check registry, the user model) through
``manage.py shell -c``, never from English output.
The script gets its parameters as one JSON line on stdin and prints its answer as one
JSON line after a per-run sentinel line, so whatever the app prints while it starts up
is ignored.
"""

from __future__ import annotations

import json
import secrets
import typing as t

from ansible_collections.golive.stack.plugins.module_utils import _cmd, _compose

MANAGE_OPTIONS: dict[str, dict[str, t.Any]] = {
    **_compose.RUN_OPTIONS,
    "python": {"type": "str", "default": "python3"},
    "manage_py": {"type": "str", "default": "manage.py"},
}

# For the modules that work on one database (doc fragment golive.stack.django_manage.database).
DATABASE_OPTION: dict[str, dict[str, t.Any]] = {"database": {"type": "str", "default": "default"}}

CHECK_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}

SENTINEL_PREFIX = "golive.stack:django-json:"

# Runs inside the container (any Python 3 that runs Django >= 3.1). Everything lives in
# one function because `shell -c` executes the text with different namespaces across
# Django versions.
PLAN_SCRIPT = """
def _golive_main():
    import json
    import sys

    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    params = json.loads(sys.stdin.readline())
    try:
        connection = connections[params["database"]]
        executor = MigrationExecutor(connection)
        loader = executor.loader
        graph = loader.graph
        loader.check_consistent_history(connection)
        conflicts = loader.detect_conflicts()
        if conflicts:
            raise ValueError("conflicting migrations (run makemigrations --merge): %s" % ", ".join(
                "%s: %s" % (app, ", ".join(sorted(names))) for app, names in sorted(conflicts.items())))
        if params["targets"] is None:
            targets = graph.leaf_nodes()
        else:
            targets = []
            for app_label, name in params["targets"]:
                if app_label not in loader.migrated_apps:
                    raise ValueError("app %r does not have migrations" % app_label)
                if name is None:
                    targets += [node for node in graph.leaf_nodes() if node[0] == app_label]
                elif name == "zero":
                    targets.append((app_label, None))
                else:
                    target = (app_label, loader.get_migration_by_prefix(app_label, name).name)
                    # as `migrate` does: a partly applied squash is reached through what it replaces
                    if target not in graph.nodes and target in loader.replacements:
                        target = loader.replacements[target].replaces[-1]
                    targets.append(target)
        plan = executor.migration_plan(targets)
        applied = set(loader.applied_migrations)
        ordered = []
        for leaf in graph.leaf_nodes():
            for node in graph.forwards_plan(leaf):
                if node not in ordered:
                    ordered.append(node)
        answer = {
            "targets": [list(target) for target in targets],
            # a migration class may declare `backward_compatible = False`: the old release
            # cannot run against the migrated schema
            "plan": [[migration.app_label, migration.name, backwards,
                      bool(getattr(migration, "backward_compatible", True))] for migration, backwards in plan],
            "migrations": [[app_label, name, (app_label, name) in applied] for app_label, name in ordered],
        }
    except Exception as exc:
        answer = {"error": "%s: %s" % (type(exc).__name__, exc)}
    print(params["sentinel"])
    print(json.dumps(answer))


_golive_main()
"""

CHECK_SCRIPT = """
def _golive_main():
    import json
    import sys

    from django.core import checks
    from django.db.models.base import ModelBase

    params = json.loads(sys.stdin.readline())
    try:
        tags = params["tags"] or None
        unknown = [tag for tag in tags or [] if not checks.tag_exists(tag, include_deployment_checks=params["deploy"])]
        if unknown:
            raise ValueError("there is no system check with the tag(s): %s" % ", ".join(unknown))
        found = checks.run_checks(
            tags=tags, include_deployment_checks=params["deploy"], databases=params["databases"] or None)

        def label(obj):
            if obj is None:
                return None
            if isinstance(obj, ModelBase):
                return obj._meta.label
            return str(obj)

        answer = {"messages": [
            {"id": message.id, "level_no": message.level, "message": str(message.msg),
             "hint": None if message.hint is None else str(message.hint), "obj": label(message.obj)}
            for message in found]}
    except Exception as exc:
        answer = {"error": "%s: %s" % (type(exc).__name__, exc)}
    print(params["sentinel"])
    print(json.dumps(answer))


_golive_main()
"""


# The password reaches the script only on stdin. It is compared with the stored hash
# through the hashers directly: User.check_password() would save a rehash, in check mode too.
SUPERUSER_SCRIPT = """
def _golive_main():
    import json
    import sys

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password

    params = json.loads(sys.stdin.readline())
    try:
        user_model = get_user_model()
        manager = user_model._default_manager.db_manager(params["database"])
        username_field = user_model.USERNAME_FIELD
        email_field = user_model.get_email_field_name()
        fields = {field.name for field in user_model._meta.concrete_fields}
        flags = [name for name in ("is_superuser", "is_staff", "is_active") if name in fields]
        email = params["email"]
        if email_field == username_field:  # the username is the email
            email = None
        if email is not None:
            if email_field not in fields:
                raise ValueError("%s has no field %r for the email" % (user_model._meta.label, email_field))
            if hasattr(manager, "normalize_email"):
                email = manager.normalize_email(email)
        shown = [username_field] + [name for name in [email_field] if name in fields and name != username_field]

        def state(user):
            values = {name: "" if getattr(user, name) is None else str(getattr(user, name)) for name in shown}
            values.update((name, bool(getattr(user, name))) for name in flags)
            return values

        try:
            user = manager.get(**{username_field: params["username"]})
        except user_model.DoesNotExist:
            user = None
        updated = []
        if user is None:
            before = None
            user_data = {username_field: params["username"], "password": params["password"]}
            if email is not None:
                user_data[email_field] = email
            if params["check_mode"]:
                after = {name: "" for name in shown}
                after.update((name, str(value)) for name, value in user_data.items() if name in shown)
                after.update((name, True) for name in flags)
            else:
                after = state(manager.create_superuser(**user_data))
        else:
            before = state(user)
            for name in flags:
                if not getattr(user, name):
                    setattr(user, name, True)
                    updated.append(name)
            if email is not None and getattr(user, email_field) != email:
                setattr(user, email_field, email)
                updated.append(email_field)
            if (params["update_password"] == "always" and params["password"] is not None
                    and not check_password(params["password"], user.password)):
                user.set_password(params["password"])
                updated.append("password")
            if updated and not params["check_mode"]:
                user.save(update_fields=updated)
            after = state(user)
        answer = {"user_model": user_model._meta.label, "created": user is None, "updated": updated,
                  "before": before, "after": after}
    except Exception as exc:
        answer = {"error": "%s: %s" % (type(exc).__name__, exc)}
    print(params["sentinel"])
    print(json.dumps(answer))


_golive_main()
"""


def new_sentinel() -> str:
    return SENTINEL_PREFIX + secrets.token_hex(16)


def parse_after_sentinel(stdout: str, sentinel: str) -> t.Any:
    """Return the JSON value on the line after the ``sentinel`` line of ``stdout``."""
    lines = stdout.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == sentinel:
            if index + 1 == len(lines):
                raise ValueError("nothing follows the sentinel line")
            return json.loads(lines[index + 1])
    raise ValueError("the sentinel line is missing from the output")


def manage_argv(params: t.Mapping[str, t.Any], args: t.Sequence[str]) -> list[str]:
    return _compose.run_argv(params, [params["python"], params["manage_py"], *args])


def run_script(module: t.Any, script: str, script_params: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Run ``script`` with ``manage.py shell -c`` and return its JSON answer."""
    sentinel = new_sentinel()
    argv = manage_argv(module.params, ["shell", "-c", script])
    result = _cmd.run(
        module,
        argv,
        data=json.dumps(dict(script_params, sentinel=sentinel)),
        env=_compose.run_environ(module.params),
        fail_msg="manage.py shell failed in a one-off container",
    )
    try:
        answer = parse_after_sentinel(result.stdout, sentinel)
    except ValueError as exc:
        answer = {"error": f"could not read the JSON answer of manage.py shell: {exc}"}
    if not isinstance(answer, dict):
        answer = {"error": "the JSON answer of manage.py shell is not an object"}
    if answer.get("error"):
        module.fail_json(
            msg=f"Django: {answer['error']}", cmd=argv, rc=result.rc, stdout=result.stdout, stderr=result.stderr
        )
    return answer


def check_params(module: t.Any) -> None:
    """Fail on input the argument spec cannot express."""
    bad = _compose.invalid_env_names(module.params)
    if bad:
        module.fail_json(msg=f"env: not valid environment variable names: {', '.join(bad)}")


# --- migrations -------------------------------------------------------------------------


def parse_target(spec: str) -> list[str | None]:
    """``app`` -> [app, None] (its latest), ``app:zero`` / ``app:name`` -> [app, name]."""
    app_label, _sep, name = spec.partition(":")
    app_label, name = app_label.strip(), name.strip()
    if not app_label or (_sep and not name):
        raise ValueError(f"target {spec!r}: expected app_label, app_label:migration_name or app_label:zero")
    return [app_label, name or None]


def read_migrations(module: t.Any, targets: list[list[str | None]] | None) -> dict[str, t.Any]:
    return run_script(module, PLAN_SCRIPT, {"database": module.params["database"], "targets": targets})


def plan_steps(state: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
    return [
        {"app_label": app, "name": name, "backwards": bool(back), "backward_compatible": bool(compatible)}
        for app, name, back, compatible in state["plan"]
    ]


def plan_backward_compatible(steps: t.Iterable[t.Mapping[str, t.Any]]) -> bool:
    """Whether the release before the plan can run on the schema after it: every forward step is."""
    return all(step["backward_compatible"] for step in steps if not step["backwards"])


def rollback_target(state: t.Mapping[str, t.Any]) -> list[str]:
    """Targets that bring the database back to ``state``: per app, its last applied migration."""
    latest: dict[str, str] = {}
    for app_label, name, applied in state["migrations"]:
        latest.setdefault(app_label, "zero")
        if applied:
            latest[app_label] = name
    return [f"{app_label}:{name}" for app_label, name in sorted(latest.items())]


def _showmigrations(migrations: t.Iterable[tuple[str, str, bool]]) -> str:
    return "".join(f"[{'X' if applied else ' '}] {app}.{name}\n" for app, name, applied in migrations)


def migration_diff(state: t.Mapping[str, t.Any]) -> dict[str, str]:
    """Before: applied ([X]) and pending ([ ]) migrations; after: the same once the plan ran."""
    after = {(app, name): bool(applied) for app, name, applied in state["migrations"]}
    for app, name, backwards, _compatible in state["plan"]:
        after[(app, name)] = not backwards
    return {
        "before": _showmigrations((app, name, bool(applied)) for app, name, applied in state["migrations"]),
        "after": _showmigrations((app, name, applied) for (app, name), applied in after.items()),
    }


def migrate_argvs(params: t.Mapping[str, t.Any], targets: list[list[str | None]] | None) -> list[list[str]]:
    """One ``migrate`` per target (the command takes one app), or one for everything."""
    base = ["migrate", "--noinput", "--database", params["database"]]
    if targets is None:
        return [manage_argv(params, base)]
    return [manage_argv(params, base + [part for part in target if part]) for target in targets]


def migrate(module: t.Any) -> dict[str, t.Any]:
    """Plan, and unless in check mode apply, the migrations; return the module result."""
    params = module.params
    check_params(module)
    targets = None
    if params["target"] is not None:
        try:
            targets = [parse_target(spec) for spec in params["target"]]
        except ValueError as exc:
            module.fail_json(msg=str(exc))
    before = read_migrations(module, targets)
    plan = plan_steps(before)
    result: dict[str, t.Any] = {
        "changed": bool(plan),
        "plan": plan,
        "applied": [],
        "backward_compatible": plan_backward_compatible(plan),
        "rollback_target": rollback_target(before),
        "schema": rollback_target(before),
    }
    if module._diff:
        result["diff"] = migration_diff(before)
    if not plan or module.check_mode:
        return result

    environ = _compose.run_environ(params)
    for argv in migrate_argvs(params, targets):
        _cmd.run(module, argv, env=environ, fail_msg="manage.py migrate failed", fail_extra={"plan": plan})
    after = read_migrations(module, targets)
    if after["plan"]:
        module.fail_json(
            msg="manage.py migrate finished but the plan is not empty",
            plan=plan,
            remaining=plan_steps(after),
            rollback_target=result["rollback_target"],
        )
    result["applied"] = plan
    result["schema"] = rollback_target(after)
    return result


# --- system checks -----------------------------------------------------------------------


def level_name(level_no: int) -> str:
    """The name of the highest standard level at or below ``level_no``."""
    names = [name for name, number in CHECK_LEVELS.items() if number <= level_no]
    return names[-1] if names else "DEBUG"


def check(module: t.Any) -> dict[str, t.Any]:
    """Run Django's system checks; fail when a message not silenced reaches fail_level."""
    params = module.params
    check_params(module)
    answer = run_script(
        module,
        CHECK_SCRIPT,
        {"deploy": params["deploy"], "tags": params["tags"] or [], "databases": params["databases"] or []},
    )
    threshold = CHECK_LEVELS[params["fail_level"]]
    silenced = set(params["silenced"] or [])
    messages = []
    for found in answer["messages"]:
        message = dict(found, level=level_name(found["level_no"]), silenced=found["id"] in silenced)
        message["blocking"] = not message["silenced"] and found["level_no"] >= threshold
        messages.append(message)
    result: dict[str, t.Any] = {"changed": False, "messages": messages}
    blocking = [message["id"] for message in messages if message["blocking"]]
    if blocking:
        module.fail_json(
            msg=f"Django system checks: {len(blocking)} message(s) at or above {params['fail_level']} "
            f"not silenced: {', '.join(blocking)}",
            **result,
        )
    return result


# --- superuser ---------------------------------------------------------------------------


def superuser_diff(answer: t.Mapping[str, t.Any], password_given: bool) -> dict[str, t.Any]:
    """The account's fields before and after; a password shows only as a marker."""
    before = dict(answer["before"] or {})
    after = dict(answer["after"])
    if "password" in answer["updated"]:
        before["password"] = "(old)"
        after["password"] = "(new)"
    elif answer["created"] and password_given:
        after["password"] = "(set)"
    return {"before": before, "after": after}


def superuser(module: t.Any) -> dict[str, t.Any]:
    """Ensure the superuser (in check mode: report what would change); return the module result."""
    params = module.params
    check_params(module)
    answer = run_script(
        module,
        SUPERUSER_SCRIPT,
        {
            "database": params["database"],
            "username": params["username"],
            "email": params["email"],
            "password": params["password"],
            "update_password": params["update_password"],
            "check_mode": module.check_mode,
        },
    )
    result: dict[str, t.Any] = {
        "changed": bool(answer["created"] or answer["updated"]),
        "created": bool(answer["created"]),
        "updated": list(answer["updated"]),
        "user_model": answer["user_model"],
    }
    if module._diff:
        result["diff"] = superuser_diff(answer, params["password"] is not None)
    return result
