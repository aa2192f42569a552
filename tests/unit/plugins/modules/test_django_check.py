# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.golive.stack.plugins.module_utils import _django
from ansible_collections.golive.stack.plugins.modules import django_check

with open(os.path.join(os.path.dirname(__file__), "django_check.yaml"), encoding="utf-8") as table_file:
    CASES = yaml.safe_load(table_file)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_django_check(case, run_module):
    result, table = run_module(
        django_check.main, case["args"], case["commands"], {"CHECK_SCRIPT": _django.CHECK_SCRIPT}
    )
    for key, expected in case["result"].items():
        assert result[key] == expected, key
    if result["failed"] and "rc" in case["result"]:
        assert result["cmd"] == table.calls[-1]["argv"]
