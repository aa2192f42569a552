# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker Compose argument lists (private)."""

from __future__ import annotations

import re
import typing as t

# Options that say where a Compose project lives and how to reach the CLI; modules that
# run one-off containers merge this into their argument spec.
PROJECT_OPTIONS: dict[str, dict[str, t.Any]] = {
    "project_src": {"type": "path", "required": True},
    "project_name": {"type": "str", "required": True},
    "files": {"type": "list", "elements": "path"},
    "docker_cli": {"type": "str", "default": "docker"},
}

RUN_OPTIONS: dict[str, dict[str, t.Any]] = {
    **PROJECT_OPTIONS,
    "service": {"type": "str", "default": "web"},
    "env": {"type": "dict", "default": {}, "no_log": True},
}

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def project_argv(params: t.Mapping[str, t.Any]) -> list[str]:
    """``docker compose --project-directory DIR -p NAME [-f FILE]...``"""
    argv = [params["docker_cli"], "compose", "--project-directory", params["project_src"], "-p", params["project_name"]]
    for path in params.get("files") or []:
        argv += ["-f", path]
    return argv


def run_argv(params: t.Mapping[str, t.Any], command: t.Sequence[str]) -> list[str]:
    """Argument list for a one-off container of ``params['service']`` running ``command``.

    The container is removed afterwards, gets no TTY (so stdout is clean and stdin can be
    piped) and starts none of the service's dependencies. Variables of ``params['env']``
    are passed by name only (``-e NAME``): Compose takes their values from its own
    environment (see :func:`run_environ`), so secrets never appear in the argument list.
    """
    argv = project_argv(params) + ["run", "--rm", "-T", "--no-deps"]
    for name in sorted(params.get("env") or {}):
        argv += ["-e", name]
    return argv + [params["service"]] + list(command)


def invalid_env_names(params: t.Mapping[str, t.Any]) -> list[str]:
    return sorted(name for name in params.get("env") or {} if not _ENV_NAME.match(name))


def run_environ(params: t.Mapping[str, t.Any]) -> dict[str, str]:
    """Environment for the Compose CLI that carries the values of ``params['env']``."""
    return {name: "" if value is None else str(value) for name, value in (params.get("env") or {}).items()}
