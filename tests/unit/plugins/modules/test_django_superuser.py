# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.golive.stack.plugins.module_utils import _django
from ansible_collections.golive.stack.plugins.modules import django_superuser

with open(os.path.join(os.path.dirname(__file__), "django_superuser.yaml"), encoding="utf-8") as table_file:
    CASES = yaml.safe_load(table_file)["cases"]

PLACEHOLDERS = {"SUPERUSER_SCRIPT": _django.SUPERUSER_SCRIPT}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_django_superuser(case, run_module):
    result, table = run_module(django_superuser.main, case["args"], case["commands"], PLACEHOLDERS)
    for key, expected in case["result"].items():
        assert result[key] == expected, key
    if not case["args"].get("_ansible_diff"):
        assert "diff" not in result
    if result["failed"] and "rc" in case["result"]:
        assert result["cmd"] == table.calls[-1]["argv"]


def test_password_travels_on_stdin_only(run_module):
    password = "pa55-W0rd-only-on-stdin"
    args = {
        "project_src": "/srv/shop",
        "project_name": "shop",
        "username": "admin",
        "password": password,
        "update_password": "always",
        "env": {"DJANGO_SETTINGS_MODULE": "shop.settings"},
        "_ansible_diff": True,
    }
    row = {
        "argv": [
            *_django.manage_argv(
                {**{name: spec.get("default") for name, spec in _django.MANAGE_OPTIONS.items()}, **args},
                ["shell", "-c", "SUPERUSER_SCRIPT"],
            )
        ],
        "answer": {"user_model": "auth.User", "created": False, "updated": ["password"], "before": {}, "after": {}},
    }
    result, table = run_module(django_superuser.main, args, [row], PLACEHOLDERS)
    (call,) = table.calls
    assert not any(password in arg for arg in call["argv"])
    assert not any(password in value for value in call["env"].values())
    assert json.loads(call["data"])["password"] == password
    assert password not in json.dumps(result)
