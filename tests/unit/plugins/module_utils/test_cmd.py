# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.golive.stack.plugins.module_utils import _cmd


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, rc=0, stdout="", stderr=""):
        self.answer = (rc, stdout, stderr)
        self.calls = []

    def run_command(self, args, **kwargs):
        self.calls.append((args, kwargs))
        return self.answer

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


def test_runs_argv_in_c_locale_with_stdin_and_extra_env():
    module = FakeModule(0, "out", "err")
    result = _cmd.run(module, ["docker", "ps", "$HOME", "~"], data="{}", env={"TOKEN": "t"})
    assert result == (0, "out", "err")
    args, kwargs = module.calls[0]
    assert args == ["docker", "ps", "$HOME", "~"]
    assert kwargs["environ_update"] == {"LANG": "C", "LC_ALL": "C", "TOKEN": "t"}
    assert kwargs["expand_user_and_vars"] is False
    assert kwargs["data"] == "{}"


@pytest.mark.parametrize("argv", ["docker ps", b"docker ps", ["docker", 1]])
def test_refuses_anything_but_a_list_of_strings(argv):
    with pytest.raises(TypeError):
        _cmd.run(FakeModule(), argv)


def test_failure_carries_cmd_rc_stdout_stderr_and_extra():
    module = FakeModule(3, "partial", "boom")
    with pytest.raises(Failed) as failed:
        _cmd.run(module, ("tool", "--flag"), fail_msg="tool failed", fail_extra={"plan": [1]})
    assert failed.value.args[0] == {
        "msg": "tool failed",
        "cmd": ["tool", "--flag"],
        "rc": 3,
        "stdout": "partial",
        "stderr": "boom",
        "plan": [1],
    }


def test_failure_without_check_rc_is_returned():
    assert _cmd.run(FakeModule(1, "", "no"), ["false"], check_rc=False) == (1, "", "no")
