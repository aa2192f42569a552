"""backup.yml and verify.yml run as AWX job templates run them: through ansible-runner, with
the project directory, an inventory, the survey's answers as extra vars and no prompts.

The sandbox tests need the host `make demo` brings up (tests/rig/host.sh, with the app
live); the first test needs nothing but this checkout (its inventory reaches no host).
Not part of any make target: `.venv/bin/pytest -q tests/integration/test_awx_runner.py`.
"""

import json
import sys
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests" / "awx"))

from run_job import run_job, survey_answers  # noqa: E402  (after the path is set up)

SURVEYS = TOP / "awx" / "surveys"
SANDBOX = TOP / "inventories" / "sandbox"
SECRETS = TOP / ".rig" / "sandbox-secrets.yml"
VAULT_PASS = TOP / ".rig" / "vault-pass"
# As the Makefile's DEMO_ARGS: AWX would hold these in a vault credential and the inventory.
SANDBOX_CMDLINE = ["-e", f"@{SECRETS}", "--vault-password-file", str(VAULT_PASS)]

needs_sandbox = pytest.mark.skipif(
    not (SECRETS.is_file() and VAULT_PASS.is_file()),
    reason="no sandbox secrets in .rig/: run `make demo` first",
)


def test_a_job_with_a_bad_answer_fails_on_the_targeted_hosts_only(tmp_path):
    # preflight's backup checks run on the controller: a local connection, nothing reached
    inventory = tmp_path / "hosts.json"
    app = {"golive_app_name": "demo", "golive_app_env": {"DATABASE_URL": "postgres://demo:x@postgres:5432/demo"}}
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    hosts = {"golive": {"hosts": {"first": local}}, "standby": {"hosts": {"second": local}}}
    inventory.write_text(json.dumps({"all": {"vars": app, "children": hosts}}))
    answers = survey_answers(SURVEYS / "backup.json", golive_hosts="standby", pg_backup_label="not a label!")
    job = run_job("playbooks/backup.yml", inventory, answers, timeout=300)
    assert job.status == "failed" and job.rc != 0
    assert job.stats["failures"] == {"second": 1}, job.stdout
    assert "first" not in job.stats["processed"]
    assert "pg_backup_label 'not a label!' must be letters" in job.stdout
    assert job.artifacts == {}


def test_set_stats_come_back_as_the_job_artifacts(tmp_path):
    playbook = tmp_path / "stats.yml"
    # as the playbooks return their results (dict keys are not templated)
    task = {"ansible.builtin.set_stats": {"data": {"golive_verify": "{{ {inventory_hostname: {'ok': true}} }}"}}}
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]))
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps({"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}))
    job = run_job(str(playbook), inventory, timeout=120)
    assert job.status == "successful", job.stdout
    assert job.artifacts == {"golive_verify": {"localhost": {"ok": True}}}


@needs_sandbox
def test_backup_job_returns_the_dump():
    answers = survey_answers(SURVEYS / "backup.json", pg_backup_label="awx-runner")
    job = run_job("playbooks/backup.yml", SANDBOX, answers, SANDBOX_CMDLINE)
    assert job.status == "successful" and job.rc == 0, job.stdout
    assert job.stats["failures"] == {} and job.stats["dark"] == {}
    dump = job.artifacts["golive_backup"]["sandbox"]
    assert not dump.get("failed") and "awx-runner" in dump["file"], dump


@needs_sandbox
def test_verify_job_returns_the_report(tmp_path):
    answers = survey_answers(SURVEYS / "verify.json")
    # the job template's own extra vars (not a survey question): the report out of the checkout
    answers["verify_report_dir"] = str(tmp_path)
    job = run_job("playbooks/verify.yml", SANDBOX, answers, SANDBOX_CMDLINE)
    assert job.status == "successful" and job.rc == 0, job.stdout
    assert "golive_verify" in job.artifacts
    report = job.artifacts["golive_verify"]["sandbox"]
    assert report["failed_required"] == [], report
    assert {check["name"] for check in report["checks"]} >= {"https_home", "backup_recent", "services_healthy"}
    assert (tmp_path / "sandbox-golive.json").is_file()
