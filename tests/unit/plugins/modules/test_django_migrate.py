# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.golive.stack.plugins.module_utils import _django
from ansible_collections.golive.stack.plugins.modules import django_migrate

with open(os.path.join(os.path.dirname(__file__), "django_migrate.yaml"), encoding="utf-8") as table_file:
    CASES = yaml.safe_load(table_file)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_django_migrate(case, run_module):
    result, _table = run_module(
        django_migrate.main, case["args"], case["commands"], {"PLAN_SCRIPT": _django.PLAN_SCRIPT}
    )
    for key, expected in case["result"].items():
        assert result[key] == expected, key
    if not case["args"].get("_ansible_diff"):
        assert "diff" not in result


def test_env_values_never_reach_the_argument_list(run_module):
    secret = "s3cr3t-value"
    args = {"project_src": "/srv/shop", "project_name": "shop", "env": {"DB_PASSWORD": secret}}
    row = {"argv": [], "answer": {"targets": [], "plan": [], "migrations": []}}
    row["argv"] = _django.manage_argv(
        {
            "docker_cli": "docker",
            "project_src": "/srv/shop",
            "project_name": "shop",
            "files": None,
            "service": "web",
            "env": {"DB_PASSWORD": secret},
            "python": "python3",
            "manage_py": "manage.py",
        },
        ["shell", "-c", _django.PLAN_SCRIPT],
    )
    _result, table = run_module(django_migrate.main, args, [row])
    assert not any(secret in arg for arg in table.calls[0]["argv"])
    assert table.calls[0]["env"]["DB_PASSWORD"] == secret
