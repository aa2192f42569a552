"""backup.yml and verify.yml run as AWX job templates run them: through ansible-runner, with
the project directory, an inventory, the survey's answers as extra vars and no prompts.

These need no host (a local connection; `make test-awx`). The same jobs against a live host
run in the default Molecule scenario (molecule/default/tests/test_verify_via_awx.py), and
against the sandbox with `make demo-awx JOB=verify`.
"""

import json
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests" / "awx"))

from run_job import run_job, survey_answers  # noqa: E402  (after the path is set up)

SURVEYS = TOP / "awx" / "surveys"


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
