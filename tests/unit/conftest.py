# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures: import the checkout as golive.stack, drive a module's main()."""

from __future__ import annotations

import json
import os
import sys
import typing as t

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root() -> str:
    """The directory holding ansible_collections/golive/stack for this checkout."""
    parts = REPO.split(os.sep)
    if parts[-3:] == ["ansible_collections", "golive", "stack"]:  # run by ansible-test, or checked out in place
        return os.sep.join(parts[:-3])
    root = os.path.join(REPO, ".rig", "collections")
    link = os.path.join(root, "ansible_collections", "golive", "stack")
    if not os.path.isdir(link) or not os.path.samefile(link, REPO):
        raise pytest.UsageError(f"{link} does not lead to {REPO}: run `make collection-link` first")
    return root


sys.path.insert(0, _collections_root())

from ansible.module_utils import basic  # noqa: E402  (after the path is set up)
from ansible.module_utils.testing import patch_module_args  # noqa: E402


class ModuleExit(Exception):
    """exit_json or fail_json was called; ``result`` is what the module returned."""

    def __init__(self, result: dict[str, t.Any]) -> None:
        super().__init__(result)
        self.result = result


def _exit_json(self, **kwargs):
    raise ModuleExit(dict(kwargs, failed=False))


def _fail_json(self, msg, **kwargs):
    kwargs.pop("exception", None)
    raise ModuleExit(dict(kwargs, msg=msg, failed=True))


class CommandTable:
    """Stands in for AnsibleModule.run_command: each call must match the next row.

    A row has ``argv`` (list; items may be replaced by ``placeholders``, nested lists are
    flattened), optionally
    ``stdin`` (the JSON the command must receive, the sentinel excepted) and ``env``
    (variables the command must get), and gives ``rc``, ``stdout``, ``stderr``. With
    ``answer``, stdout becomes ``stdout`` + the sentinel read from stdin + the answer as JSON.
    """

    def __init__(self, rows: list[dict[str, t.Any]], placeholders: dict[str, str]) -> None:
        self.rows = list(rows)
        self.placeholders = placeholders
        self.calls: list[dict[str, t.Any]] = []

    def __call__(self, args, data=None, environ_update=None, **kwargs):
        assert isinstance(args, list), "commands are argument lists"
        assert kwargs.get("expand_user_and_vars") is False
        environ = environ_update or {}
        assert environ.get("LANG") == "C" and environ.get("LC_ALL") == "C"
        self.calls.append({"argv": args, "data": data, "env": environ})
        assert self.rows, f"unexpected command: {args}"
        row = self.rows.pop(0)
        expected = []
        for item in row["argv"]:  # a nested list (a YAML alias) stands for its items
            expected += item if isinstance(item, list) else [self.placeholders.get(item, item)]
        assert args == expected
        stdout = row.get("stdout", "")
        if "stdin" in row or "answer" in row:
            sent = json.loads(data)
            sentinel = sent.pop("sentinel")
            if "stdin" in row:
                assert sent == row["stdin"]
            if "answer" in row:
                stdout += f"{sentinel}\n{json.dumps(row['answer'])}\n"
        for name, value in row.get("env", {}).items():
            assert environ.get(name) == value
        return row.get("rc", 0), stdout, row.get("stderr", "")


@pytest.fixture
def run_module(monkeypatch):
    """run_module(main, args, commands=None, placeholders=None, real_commands=False) -> (result, CommandTable).

    With REAL_COMMANDS, the module's run_command runs the commands (the table stays empty)."""

    def run(main, args, commands=None, placeholders=None, real_commands=False):
        table = CommandTable(commands or [], placeholders or {})
        monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
        monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)
        if not real_commands:
            monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, *a, **kw: table(*a, **kw))
        with patch_module_args(args), pytest.raises(ModuleExit) as caught:
            main()
        assert not table.rows, f"commands not run: {[row['argv'] for row in table.rows]}"
        return caught.value.result, table

    return run
