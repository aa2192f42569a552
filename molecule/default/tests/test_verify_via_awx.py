"""backup.yml and verify.yml as AWX job templates run them, on the converged host: through
ansible-runner (tests/awx/run_job.py), with the project directory, the scenario's inventory,
the surveys' answers as extra vars (left at their defaults but for the label and the logs'
start), the vault as a credential would give it, and no prompts. The results come back as
the job's artifacts (set_stats). This file runs last (name order), on the host that
test_verify_checks leaves healthy.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from conftest import PROJECT, SECRETS
from rig_playbooks import INVENTORY

sys.path.insert(0, str(PROJECT / "tests" / "awx"))
from run_job import run_job, survey_answers  # noqa: E402 - found through the sys.path entry above

HOST = "molecule-golive"
SURVEYS = PROJECT / "awx" / "surveys"


def test_backup_job_returns_the_dump():
    answers = survey_answers(SURVEYS / "backup.json", pg_backup_label="awx-job")
    job = run_job("playbooks/backup.yml", INVENTORY, answers, SECRETS, timeout=900)
    assert job.status == "successful" and job.rc == 0, job.stdout[-3000:]
    assert job.stats["failures"] == {} and job.stats["dark"] == {}, job.stats
    dump = job.artifacts["golive_backup"][HOST]
    assert not dump.get("failed") and "awx-job" in dump["file"], dump


def test_verify_job_returns_the_report(tmp_path):
    # The ERRORs earlier files logged on purpose are older (a module-level time would be
    # pytest's collection time, before them).
    since = datetime.now(UTC).isoformat()
    answers = survey_answers(SURVEYS / "verify.json", verify_logs_since=since)
    answers["verify_report_dir"] = str(tmp_path)  # the job template's own extra vars, not a question
    job = run_job("playbooks/verify.yml", INVENTORY, answers, SECRETS, timeout=900)
    assert job.status == "successful" and job.rc == 0, job.stdout[-3000:]
    report = job.artifacts["golive_verify"][HOST]
    assert report["failed_required"] == [], report
    names = {check["name"] for check in report["checks"]}
    assert {"https_home", "backup_recent", "services_healthy", "mail_relay", "rollback_target"} <= names, names
    assert (tmp_path / f"{HOST}-golive.json").is_file()
