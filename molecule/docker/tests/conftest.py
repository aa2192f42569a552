"""Shared helpers of the docker scenario: run a playbook against Molecule's inventory."""

from __future__ import annotations

import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO.parent / "shared"))
from rig_playbooks import INVENTORY, PROJECT, on, recap, run_playbook  # noqa: E402 - found through the sys.path entry above

__all__ = ["INVENTORY", "PROJECT", "on", "REPO_HOSTS", "SCENARIO", "recap", "run_playbook"]

REPO_HOSTS = ("dock12", "dock13")
