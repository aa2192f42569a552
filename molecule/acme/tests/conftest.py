"""Shared helpers of the acme scenario: run a playbook against Molecule's inventory."""

from __future__ import annotations

import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO.parent / "shared"))
from rig_playbooks import PROJECT, on, recap, run_playbook  # noqa: E402 - found through the sys.path entry above

__all__ = ["HOSTS", "PROJECT", "on", "SCENARIO", "recap", "run_playbook"]

# inventory name -> address (group_vars/all/rig.yml)
HOSTS = {"acme12": "10.213.7.54", "acme13": "10.213.7.55"}
