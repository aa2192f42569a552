"""The fleet as the tests see it: which rig machine is which, and the day-2 playbooks run
as ops run them (ansible-playbook against the scenario's inventory)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO.parent / "shared"))
from rig_playbooks import PROJECT, recap, run_playbook  # noqa: E402 - found through the sys.path entry above

__all__ = ["APP", "DOMAIN", "LB_IP", "PROJECT", "WEB", "WORKER", "docker_on", "on", "play", "recap"]

DOMAIN = "demo.golive.test"
APP = "demo"
LB_IP = "10.213.7.60"
# inventory name -> address
WEB = {"fleet-web1": "10.213.7.61", "fleet-web2": "10.213.7.62"}
WORKER = "fleet-worker"
SECRETS = ["-e", f"@{PROJECT / '.rig/sandbox-secrets.yml'}", "--vault-password-file", str(PROJECT / ".rig/vault-pass")]


def play(name: str, extra: dict | None = None) -> subprocess.CompletedProcess[str]:
    """playbooks/NAME.yml with the sandbox secrets and EXTRA as extra vars."""
    return run_playbook(PROJECT / f"playbooks/{name}.yml", *SECRETS, *(["-e", json.dumps(extra)] if extra else []))


def on(host: str, command: str) -> str:
    """COMMAND on a fleet machine (its container, over the rig's own channel, not SSH)."""
    done = subprocess.run(["docker", "exec", host, "sh", "-c", command], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{host}: {command}: {done.stdout}{done.stderr}"
    return done.stdout.strip()


def docker_on(host: str) -> list[str]:
    """The compose services of the app that run on HOST, sorted."""
    service = '{{.Label "com.docker.compose.service"}}'
    out = on(host, f"docker ps --filter label=com.docker.compose.project={APP} --format '{service}'")
    return sorted(out.split())
