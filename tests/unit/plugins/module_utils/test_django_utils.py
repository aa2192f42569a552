# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.golive.stack.plugins.module_utils import _django

SENTINEL = "golive.stack:django-json:0123"


@pytest.mark.parametrize(
    "stdout, expected",
    [
        (f'{SENTINEL}\n{{"plan": []}}\n', {"plan": []}),
        (f'Loading .env\n{{"plan": [1]}}\n{SENTINEL}\n{{"plan": []}}\n', {"plan": []}),
        (f"{SENTINEL}x\n[1]\n  {SENTINEL}  \n[2]\nafter\n", [2]),
        (f'{SENTINEL}\r\n{{"a": 1}}\r\n', {"a": 1}),
    ],
    ids=["plain", "noise_before", "lookalike_then_indented", "crlf"],
)
def test_parse_after_sentinel(stdout, expected):
    assert _django.parse_after_sentinel(stdout, SENTINEL) == expected


@pytest.mark.parametrize(
    "stdout, error",
    [
        ("no sentinel\n", "missing"),
        (f"x\n{SENTINEL}\n", "nothing follows"),
        (f"{SENTINEL}\nnot json\n", "Expecting value"),
    ],
)
def test_parse_after_sentinel_errors(stdout, error):
    with pytest.raises(ValueError, match=error):
        _django.parse_after_sentinel(stdout, SENTINEL)


def test_sentinels_differ_per_run():
    first, second = _django.new_sentinel(), _django.new_sentinel()
    assert first != second and first.startswith(_django.SENTINEL_PREFIX)


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("notes", ["notes", None]),
        ("notes:zero", ["notes", "zero"]),
        ("notes:0002_note_pinned", ["notes", "0002_note_pinned"]),
        (" notes : 0001 ", ["notes", "0001"]),
    ],
)
def test_parse_target(spec, expected):
    assert _django.parse_target(spec) == expected


@pytest.mark.parametrize("spec", ["", ":zero", "notes:", " : "])
def test_parse_target_rejects(spec):
    with pytest.raises(ValueError, match="expected app_label"):
        _django.parse_target(spec)


def test_rollback_target_is_last_applied_per_app_or_zero():
    state = {
        "migrations": [
            ["auth", "0001_initial", True],
            ["notes", "0001_initial", True],
            ["auth", "0002_x", True],
            ["notes", "0002_y", False],
            ["audit", "0001_initial", False],
        ]
    }
    assert _django.rollback_target(state) == ["audit:zero", "auth:0002_x", "notes:0001_initial"]


def _step(backwards, compatible):
    return {"app_label": "notes", "name": "0002_x", "backwards": backwards, "backward_compatible": compatible}


@pytest.mark.parametrize(
    "steps, expected",
    [
        ([], True),
        ([_step(False, True), _step(False, True)], True),
        ([_step(False, True), _step(False, False)], False),
        ([_step(True, False)], True),
        ([_step(True, False), _step(False, False)], False),
    ],
    ids=["empty", "all_compatible", "one_incompatible", "backwards_do_not_count", "forward_after_backwards"],
)
def test_plan_backward_compatible(steps, expected):
    assert _django.plan_backward_compatible(steps) is expected


def test_plan_steps_carry_backward_compatible():
    state = {"plan": [["notes", "0002_x", False, False], ["notes", "0001_y", True, True]]}
    assert _django.plan_steps(state) == [
        _step(False, False) | {"name": "0002_x"},
        _step(True, True) | {"name": "0001_y"},
    ]


ACCOUNT = {"username": "admin", "email": "a@example.org", "is_staff": True}


@pytest.mark.parametrize(
    "answer, password_given, expected",
    [
        (
            {"created": True, "updated": [], "before": None, "after": ACCOUNT},
            True,
            {"before": {}, "after": ACCOUNT | {"password": "(set)"}},
        ),
        (
            {"created": True, "updated": [], "before": None, "after": ACCOUNT},
            False,
            {"before": {}, "after": ACCOUNT},
        ),
        (
            {"created": False, "updated": ["password"], "before": ACCOUNT, "after": ACCOUNT},
            True,
            {"before": ACCOUNT | {"password": "(old)"}, "after": ACCOUNT | {"password": "(new)"}},
        ),
        (
            {"created": False, "updated": [], "before": ACCOUNT, "after": ACCOUNT},
            True,
            {"before": ACCOUNT, "after": ACCOUNT},
        ),
    ],
    ids=["created_with_password", "created_without", "password_changed", "password_kept"],
)
def test_superuser_diff_shows_the_password_only_as_a_marker(answer, password_given, expected):
    assert _django.superuser_diff(answer, password_given) == expected


@pytest.mark.parametrize("level_no, name", [(0, "DEBUG"), (10, "DEBUG"), (25, "INFO"), (40, "ERROR"), (99, "CRITICAL")])
def test_level_name(level_no, name):
    assert _django.level_name(level_no) == name


@pytest.mark.parametrize(
    "script",
    [_django.PLAN_SCRIPT, _django.CHECK_SCRIPT, _django.SUPERUSER_SCRIPT],
    ids=["plan", "check", "superuser"],
)
def test_scripts_compile_and_only_define_one_name(script):
    namespace: dict = {}
    code = compile(script.replace("\n_golive_main()\n", "\n"), "<script>", "exec")
    exec(code, namespace)  # noqa: S102  (defines the function without running it)
    assert [name for name in namespace if name != "__builtins__"] == ["_golive_main"]
