"""Run a playbook against the current Molecule scenario's inventory (shared by the scenarios' tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parent.parent.parent))
INVENTORY = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")) / "inventory"


def _playbook(playbook: str | Path, *args: str) -> tuple[list[str], dict[str, str]]:
    cmd = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(INVENTORY), str(playbook), *args]
    # Molecule asks for colours; the recap is parsed, so none here.
    return cmd, {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}


def run_playbook(playbook: str | Path, *args: str) -> subprocess.CompletedProcess[str]:
    """ansible-playbook with the scenario's inventory; output kept for the assertion message."""
    cmd, env = _playbook(playbook, *args)
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=PROJECT, env=env)


def start_playbook(playbook: str | Path, *args: str) -> subprocess.Popen[str]:
    """run_playbook in the background: stdout (with stderr) is read with communicate()."""
    cmd, env = _playbook(playbook, *args)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT, env=env)


def on(host: str, command: str) -> str:
    """COMMAND on a scenario's rig host (container golive-HOST) over the rig's own channel, not SSH."""
    done = subprocess.run(
        ["docker", "exec", f"golive-{host}", "sh", "-c", command], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{host}: {command}: {done.stdout}{done.stderr}"
    return done.stdout.strip()


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP counters by host."""
    counts = {}
    for host, rest in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, flags=re.MULTILINE):
        counts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", rest)}
    return counts
