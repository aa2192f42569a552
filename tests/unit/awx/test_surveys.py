"""The AWX survey specs ask only for variables their playbooks take, with types that carry them."""

import copy

import pytest
import surveys
import yaml

# A job template per playbook: every one of them has a survey.
JOB_TEMPLATES = ["backup", "deploy", "restore", "rollback", "verify"]


def test_every_job_template_has_a_survey():
    assert [path.stem for path in surveys.survey_paths()] == JOB_TEMPLATES


@pytest.mark.parametrize("path", surveys.survey_paths(), ids=lambda path: path.stem)
def test_survey_asks_only_what_its_playbook_takes(path):
    assert surveys.problems(path.stem, surveys.load(path)) == []


@pytest.mark.parametrize("path", surveys.survey_paths(), ids=lambda path: path.stem)
def test_survey_asks_for_the_target_hosts(path):
    hosts = [q for q in surveys.load(path)["spec"] if q["variable"] == "golive_hosts"]
    assert hosts and hosts[0]["required"] and hosts[0]["default"] == "golive"


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        ("verify", {("verify", "main")}),
        ("backup", {("preflight", "backup"), ("pg_backup", "dump")}),
        ("restore", {("preflight", "backup"), ("pg_backup", "restore")}),
        ("rollback", {("preflight", "rollback"), ("app", "rollback")}),
        ("deploy", {("image_build", "main"), ("preflight", "main"), ("app", "main")}),  # build.yml imported
    ],
)
def test_roles_each_playbook_runs(playbook, expected):
    assert set(surveys.entry_points(playbook)) == expected


def test_only_deploy_takes_the_web_image():
    # the playbook-level variables count only where the playbook reads them
    assert "golive_web_image" in surveys.options("deploy")
    assert "golive_web_image" not in surveys.options("verify")
    assert "golive_hosts" in surveys.options("verify")


def test_verify_choices_are_check_names():
    # the spec does not list choices for these lists: the check names are the required
    # checks' default (every check)
    checks = yaml.safe_load((surveys.ROLES / "verify" / "meta" / "argument_specs.yml").read_text())
    names = checks["argument_specs"]["main"]["options"]["verify_required_checks"]["default"]
    for question in surveys.load(surveys.SURVEYS / "verify.json")["spec"]:
        if question["type"] == "multiselect":
            assert question["choices"] == names, question["variable"]


def question(variable, kind, **extra):
    return {"question_name": variable, "variable": variable, "type": kind, "required": False, **extra}


# Each row: a survey that must be refused, and (part of) the message that refuses it.
BAD = [
    # a restore option is not an option of the dump entry point backup.yml runs
    ("backup", question("pg_backup_restore_file", "text"), "backup.yml takes no variable pg_backup_restore_file"),
    ("verify", question("golive_web_image", "text"), "verify.yml takes no variable golive_web_image"),
    ("verify", question("verify_no_such_check", "text"), "takes no variable verify_no_such_check"),
    ("deploy", question("app_lock_wait", "text"), "a text question cannot carry type int"),
    ("deploy", question("golive_images", "textarea"), "cannot carry type dict"),
    ("verify", question("verify_skip_checks", "textarea"), "a textarea question cannot carry type list"),
    ("rollback", question("app_rollback_migrate", "text"), "a text question cannot carry type bool"),
    ("rollback", question("app_rollback_migrate", "multiplechoice", choices=["yes", "no"]), "a boolean is a"),
    ("verify", question("verify_monitoring_password", "text"), "a secret must be a password question"),
    ("deploy", question("app_superuser_password", "text"), "a secret must be a password question"),
    ("deploy", question("app_maintenance", "text"), "the spec allows only ['auto', 'always', 'never']"),
    ("deploy", question("app_maintenance", "multiplechoice", choices=["auto", "sometimes"]), "['sometimes']"),
    ("deploy", question("app_maintenance", "multiplechoice", choices=["auto"], default="never"), "default 'never'"),
    ("deploy", question("app_lock_wait", "integer", min=0, max=60, default=90), "outside 0..60"),
    ("deploy", question("app_lock_wait", "integer", default="5"), "is not an integer"),
    ("verify", question("verify_skip_checks", "multiselect", choices=["hsts"], default="hsts\ndns"), "['dns']"),
    ("verify", question("verify_skip_checks", "multiselect"), "without choices"),
    ("no_such_playbook", question("golive_hosts", "text"), "no playbooks/no_such_playbook.yml"),
]


@pytest.mark.parametrize(("playbook", "bad", "message"), BAD, ids=[f"{row[0]}-{row[2]}" for row in BAD])
def test_checker_refuses_a_bad_question(playbook, bad, message):
    survey = copy.deepcopy(surveys.load(surveys.SURVEYS / "verify.json"))
    survey["spec"] = [q for q in survey["spec"] if q["variable"] == "golive_hosts"] + [bad]
    found = surveys.problems(playbook, survey)
    assert any(message in problem for problem in found), found


def test_checker_refuses_a_question_asked_twice():
    survey = surveys.load(surveys.SURVEYS / "backup.json")
    survey["spec"] = survey["spec"] + survey["spec"][:1]
    assert surveys.problems("backup", survey) == ["backup: golive_hosts is asked twice"]


def test_checker_refuses_an_incomplete_question():
    survey = {"name": "x", "description": "x", "spec": [{"variable": "golive_hosts", "type": "text"}]}
    assert surveys.problems("backup", survey) == ["backup: question golive_hosts lacks ['question_name', 'required']"]
