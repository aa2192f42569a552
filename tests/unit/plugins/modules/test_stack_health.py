# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.golive.stack.plugins.module_utils import _health
from ansible_collections.golive.stack.plugins.modules import stack_health

with open(os.path.join(os.path.dirname(__file__), "stack_health.yaml"), encoding="utf-8") as table_file:
    CASES = yaml.safe_load(table_file)["cases"]


def command_rows(rows):
    """The table's rows for the CommandTable: ``stdout_json`` becomes JSON text."""
    return [dict(row, stdout=json.dumps(row["stdout_json"])) if "stdout_json" in row else row for row in rows]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_stack_health(case, run_module):
    result, _table = run_module(
        stack_health.main, case["args"], command_rows(case["commands"]), {"HEALTH_SCRIPT": _health.HEALTH_SCRIPT}
    )
    expected = dict(case["result"])
    outcomes = expected.pop("ok", None)
    details = expected.pop("detail", {})
    data = expected.pop("data", {})
    for key, value in expected.items():
        assert result[key] == value, key
    if result["failed"]:
        assert "checks" not in result
        return
    assert result["changed"] is False
    checks = {item["name"]: item for item in result["checks"]}
    assert [item["name"] for item in result["checks"]] == [n for n in _health.CHECK_NAMES if n in checks]
    assert result["failed_checks"] == [item["name"] for item in result["checks"] if not item["ok"]]
    assert result["healthy"] is (not result["failed_checks"])
    if outcomes is not None:
        assert {name: item["ok"] for name, item in checks.items()} == outcomes
    for name, detail in details.items():
        assert checks[name]["detail"] == detail, name
    for name, subset in data.items():
        if not subset:
            assert checks[name]["data"] == {}, name
        for key, value in subset.items():
            assert checks[name]["data"][key] == value, f"{name}.{key}"
    for item in result["checks"]:
        assert "\n" not in item["detail"], "detail is one line"
