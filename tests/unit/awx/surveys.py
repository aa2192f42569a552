"""AWX survey specs (awx/surveys/<playbook>.json) checked against what each playbook takes.

A playbook takes the options of the role entry points it runs (``roles:`` of its plays, and
``include_role``/``import_role`` with ``tasks_from``, read from roles/*/meta/argument_specs.yml)
and the playbook-level variables of PLAYBOOK_VARS that its text reads.

How argument spec types map to survey types (AWX passes the answer as that type):

    str, path      text, textarea, password; multiplechoice when the spec has choices
                   (then it must be multiplechoice, its choices a subset of the spec's)
    int            integer
    float          float
    bool           multiplechoice with the choices "true" and "false": AWX passes the
                   string, which the roles read through `| bool`
    list           multiselect (AWX passes a list); a textarea would arrive as one string
    dict, raw      not carried by a survey (the inventory or the job template's extra vars)

Options the spec marks no_log, and any variable named like a secret, must be `password`
questions, so AWX stores and shows the answer encrypted.
"""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path

import yaml

TOP = Path(__file__).resolve().parents[3]
SURVEYS = TOP / "awx" / "surveys"
PLAYBOOKS = TOP / "playbooks"
ROLES = TOP / "roles"
COLLECTION = "golive.stack."

# Variables read by the playbooks themselves (not by a role), with the spec a role would give.
PLAYBOOK_VARS: dict[str, dict[str, t.Any]] = {
    "golive_hosts": {"type": "str", "description": "The hosts or group the plays target."},
    "golive_web_image": {"type": "str", "description": "The web image of the release (deploy.yml)."},
    "golive_serial": {"type": "str", "description": "Hosts released at a time (a number or a percentage)."},
}

SURVEY_TYPES: dict[str, set[str]] = {
    "str": {"text", "textarea", "password", "multiplechoice"},
    "path": {"text"},
    "int": {"integer"},
    "float": {"float"},
    "bool": {"multiplechoice"},
    "list": {"multiselect"},
}
BOOL_CHOICES = ["true", "false"]
SECRET_NAME = re.compile(r"password|secret|passphrase|_token$|_key$|identity")
INCLUDE_ACTIONS = {
    "include_role",
    "import_role",
    "ansible.builtin.include_role",
    "ansible.builtin.import_role",
}


def load(path: Path) -> dict[str, t.Any]:
    return json.loads(path.read_text())


def survey_paths() -> list[Path]:
    return sorted(SURVEYS.glob("*.json"))


def _entry_points_in_tasks(tasks: list[dict[str, t.Any]] | None) -> list[tuple[str, str]]:
    found = []
    for task in tasks or []:
        for key in ("block", "rescue", "always"):
            found += _entry_points_in_tasks(task.get(key))
        for action in INCLUDE_ACTIONS & task.keys():
            found.append((task[action]["name"], task[action].get("tasks_from", "main")))
    return found


IMPORT_PLAYBOOK = ("import_playbook", "ansible.builtin.import_playbook")


def load_playbook(name: str) -> list[dict[str, t.Any]]:
    return yaml.safe_load((PLAYBOOKS / f"{name}.yml").read_text())


def playbook_files(playbook: str) -> list[str]:
    """The playbook and those it imports (import_playbook, recursively), in order."""
    names = [playbook]
    for play in load_playbook(playbook):
        for key in IMPORT_PLAYBOOK:
            if key in play:
                names += [n for n in playbook_files(Path(play[key]).stem) if n not in names]
    return names


def entry_points(playbook: str) -> list[tuple[str, str]]:
    """(role, entry point) for every role the playbook (or one it imports) runs, in order, without repeats."""
    found: list[tuple[str, str]] = []
    plays = [play for name in playbook_files(playbook) for play in load_playbook(name)]
    for play in plays:
        if any(key in play for key in IMPORT_PLAYBOOK):
            continue
        for role in play.get("roles") or []:
            found.append((role if isinstance(role, str) else role["role"], "main"))
        for section in ("pre_tasks", "tasks", "post_tasks"):
            found += _entry_points_in_tasks(play.get(section))
    unique = []
    for name, entry in found:
        if not name.startswith(COLLECTION):
            raise ValueError(f"{playbook}.yml runs {name}: not a role of this collection")
        if (name.removeprefix(COLLECTION), entry) not in unique:
            unique.append((name.removeprefix(COLLECTION), entry))
    return unique


def options(playbook: str) -> dict[str, dict[str, t.Any]]:
    """Every variable the playbook takes, with its argument spec.

    An entry point without a spec of its own (preflight's ``backup``) adds nothing; when two
    entry points name the same option, their specs must agree.
    """
    text = "\n".join((PLAYBOOKS / f"{name}.yml").read_text() for name in playbook_files(playbook))
    taken = {name: spec for name, spec in PLAYBOOK_VARS.items() if re.search(rf"\b{name}\b", text)}
    for role, entry in entry_points(playbook):
        specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for name, spec in ((specs.get(entry) or {}).get("options") or {}).items():
            spec = dict(spec, type=spec.get("type", "str"))
            known = taken.get(name)
            if known and (known["type"], known.get("choices")) != (spec["type"], spec.get("choices")):
                raise ValueError(f"{playbook}.yml: {role} ({entry}) specs {name} unlike an earlier entry point")
            taken[name] = spec
    return taken


def _default_problems(where: str, question: dict[str, t.Any], choices: list[str]) -> list[str]:
    if "default" not in question or question["default"] in ("", None):
        return []
    default, kind = question["default"], question["type"]
    if kind == "integer" and not isinstance(default, int):
        return [f"{where}: default {default!r} is not an integer"]
    if kind == "integer":
        low, high = question.get("min"), question.get("max")
        if (low is not None and default < low) or (high is not None and default > high):
            return [f"{where}: default {default} is outside {low}..{high}"]
    if kind == "multiplechoice" and default not in choices:
        return [f"{where}: default {default!r} is not one of its choices {choices}"]
    if kind == "multiselect":
        unknown = [item for item in str(default).split("\n") if item not in choices]
        if unknown:
            return [f"{where}: default names {unknown}, not among its choices"]
    return []


def question_problems(playbook: str, question: dict[str, t.Any], taken: dict[str, dict[str, t.Any]]) -> list[str]:
    name, kind = question.get("variable", ""), question.get("type", "")
    where = f"{playbook}: {name}"
    if name not in taken:
        return [f"{where}: {playbook}.yml takes no variable {name}"]
    spec = taken[name]
    allowed = SURVEY_TYPES.get(spec["type"], set())
    if kind not in allowed:
        return [f"{where}: a {kind} question cannot carry type {spec['type']} (use one of {sorted(allowed) or 'none'})"]
    problems = []
    choices = question.get("choices") or []
    if isinstance(choices, str):  # AWX also accepts choices as newline-separated text
        choices = choices.split("\n")
    if spec.get("no_log") or SECRET_NAME.search(name):
        if kind != "password":
            problems.append(f"{where}: a secret must be a password question, not {kind}")
    if spec["type"] == "bool" and sorted(choices) != sorted(BOOL_CHOICES):
        problems.append(f"{where}: a boolean is a multiplechoice of exactly {BOOL_CHOICES}, got {choices}")
    spec_choices = [str(c) for c in spec.get("choices") or []]
    if spec_choices and kind != "multiplechoice" and spec["type"] != "list":
        problems.append(f"{where}: the spec allows only {spec_choices}: ask with a multiplechoice")
    if spec_choices and kind in ("multiplechoice", "multiselect"):
        extra = [c for c in choices if c not in spec_choices]
        if extra:
            problems.append(f"{where}: choices {extra} are not allowed by the spec ({spec_choices})")
    if kind in ("multiplechoice", "multiselect") and not choices:
        problems.append(f"{where}: a {kind} question without choices")
    return problems + _default_problems(where, question, choices)


def problems(playbook: str, survey: dict[str, t.Any]) -> list[str]:
    """What is wrong with a survey spec for a playbook: an empty list when nothing is."""
    if not (PLAYBOOKS / f"{playbook}.yml").is_file():
        return [f"{playbook}: no playbooks/{playbook}.yml"]
    found = [f"{playbook}: survey needs {key}" for key in ("name", "description", "spec") if key not in survey]
    taken = options(playbook)
    seen = set()
    for question in survey.get("spec", []):
        missing = [k for k in ("question_name", "variable", "type", "required") if k not in question]
        if missing:
            found.append(f"{playbook}: question {question.get('variable', '?')} lacks {missing}")
            continue
        if question["variable"] in seen:
            found.append(f"{playbook}: {question['variable']} is asked twice")
        seen.add(question["variable"])
        found += question_problems(playbook, question, taken)
    return found
