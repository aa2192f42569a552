"""Shared facts and helpers of the scenario: where the host is, as seen from outside it, and
the day-2 playbooks run as ops run them (ansible-playbook against the same inventory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO.parent / "shared"))
from rig_playbooks import PROJECT, recap, run_playbook, start_playbook  # noqa: E402 - found through the sys.path entry above

__all__ = ["APP", "DOMAIN", "HOST_IP", "PROJECT", "SECRETS", "live", "play", "psql", "recap_changed", "start_play"]

HOST_IP = os.environ.get("GOLIVE_MOLECULE_IP", "10.213.7.20")
DOMAIN = "demo.golive.test"
APP = "demo"
SECRETS = ["-e", f"@{PROJECT / '.rig/sandbox-secrets.yml'}", "--vault-password-file", str(PROJECT / ".rig/vault-pass")]


def play(name: str, extra: dict | None = None) -> subprocess.CompletedProcess[str]:
    """playbooks/NAME.yml with the sandbox secrets and EXTRA as extra vars."""
    args = [*SECRETS, *(["-e", json.dumps(extra)] if extra else [])]
    return run_playbook(PROJECT / f"playbooks/{name}.yml", *args)


def start_play(name: str, extra: dict | None = None) -> subprocess.Popen[str]:
    """play() in the background."""
    return start_playbook(PROJECT / f"playbooks/{name}.yml", *SECRETS, *(["-e", json.dumps(extra)] if extra else []))


def psql(root, sql: str) -> str:
    """SQL as the app's database user, in the database container."""
    inner = 'psql -qtA -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'
    return root.check_output(f"docker compose -p {APP} exec -T postgres sh -c '{inner}' <<'SQL'\n{sql}\nSQL").strip()


def live(root) -> dict:
    """What serves: {"release": id, "colour": "blue"|"green", "service": "web-<colour>"}."""
    state = json.loads(root.file(f"/opt/golive/{APP}/live.json").content_string)
    return {**state, "service": f"web-{state['colour']}"}


def recap_changed(proc: subprocess.CompletedProcess[str]) -> int:
    return recap(proc.stdout)["molecule-golive"]["changed"]


@pytest.fixture(scope="session")
def host_ip() -> str:
    return HOST_IP


@pytest.fixture()
def root(host):
    with host.sudo():
        yield host
