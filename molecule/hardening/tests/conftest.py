"""Shared helpers of the hardening scenario: run a playbook against Molecule's inventory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO.parent / "shared"))
from rig_playbooks import INVENTORY, PROJECT, recap, run_playbook  # noqa: E402 - found through the sys.path entry above

__all__ = ["INVENTORY", "PROJECT", "HOSTS", "SCENARIO", "scenario", "recap", "run_playbook"]

HOSTS = ("hard12", "hard13")


@pytest.fixture(scope="session")
def scenario() -> Path:
    return SCENARIO
