# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one command helper of the collection (private).

Every shell-out of every module goes through :func:`run`: argument lists only (never a
shell string), a C locale so output is parsed the same everywhere, and a failure that
carries the command, exit code, stdout and stderr.
"""

from __future__ import annotations

import typing as t

C_LOCALE = {"LANG": "C", "LC_ALL": "C"}


class CommandResult(t.NamedTuple):
    rc: int
    stdout: str
    stderr: str


def run(
    module: t.Any,
    argv: t.Sequence[str],
    *,
    data: str | None = None,
    env: t.Mapping[str, str] | None = None,
    check_rc: bool = True,
    fail_msg: str | None = None,
    fail_extra: t.Mapping[str, t.Any] | None = None,
) -> CommandResult:
    """Run ``argv`` through ``module.run_command`` and return (rc, stdout, stderr).

    ``data`` is written to the command's stdin, ``env`` is added to its environment (use it
    for secrets instead of the argument list). With ``check_rc`` (the default) a non-zero
    exit ends the module through ``fail_json`` with cmd, rc, stdout, stderr and
    ``fail_extra``.
    """
    if isinstance(argv, (str, bytes)) or not all(isinstance(arg, str) for arg in argv):
        raise TypeError("run() takes a list of strings, never a shell string")
    argv = list(argv)
    environ = dict(C_LOCALE)
    environ.update(env or {})
    # expand_user_and_vars=False: an argument such as a Python script must reach the
    # program byte for byte ('$' and '~' are not ours to expand).
    rc, stdout, stderr = module.run_command(
        argv, data=data, environ_update=environ, expand_user_and_vars=False, check_rc=False
    )
    if check_rc and rc != 0:
        module.fail_json(
            msg=fail_msg or f"Command failed with exit code {rc}: {argv[0]}",
            cmd=argv,
            rc=rc,
            stdout=stdout,
            stderr=stderr,
            **dict(fail_extra or {}),
        )
    return CommandResult(rc, stdout, stderr)
