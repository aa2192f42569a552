"""What an operator and an attacker see from outside, plus check mode and a real lockout.

The probes themselves are Ansible playbooks (they need the inventory's view of both
hosts: one attacks the other); each must pass on both hosts. Runs once, not per host.
"""

from __future__ import annotations

import pytest
from conftest import HOSTS, PROJECT, SCENARIO, recap, run_playbook


def test_check_mode_on_the_converged_hosts_changes_nothing():
    result = run_playbook(PROJECT / "playbooks" / "harden.yml", "--check")
    assert result.returncode == 0, result.stdout[-4000:]
    counts = recap(result.stdout)
    assert {h: counts[h]["changed"] for h in HOSTS} == {h: 0 for h in HOSTS}, result.stdout[-4000:]


@pytest.mark.parametrize("probe", ["verify_ssh.yml", "verify_firewall.yml", "verify_host.yml"])
def test_probe_passes_on_both_hosts(probe):
    result = run_playbook(SCENARIO / probe)
    assert result.returncode == 0, result.stdout[-6000:]
    counts = recap(result.stdout)
    assert all(counts[h]["failed"] == 0 and counts[h]["unreachable"] == 0 for h in HOSTS), counts


# Last: it reloads sshd with a configuration that shuts the deploy user out.
def test_an_unconfirmed_lockout_is_reverted_by_the_host():
    broken = run_playbook(SCENARIO / "revert_break.yml")
    assert broken.returncode != 0, "the lockout change went through unnoticed"
    assert "Log in afresh under the new configuration" in broken.stdout, broken.stdout[-4000:]
    checked = run_playbook(SCENARIO / "revert_check.yml")
    assert checked.returncode == 0, checked.stdout[-4000:]
