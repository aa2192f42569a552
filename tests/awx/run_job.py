"""Run a playbook of this checkout the way an AWX job template runs it, through ansible-runner.

The private data directory is laid out as AWX lays it out for a job:

    project/                     the project checkout (this repository), the job's cwd
    requirements_collections/    golive.stack, as AWX installs a project's collections
    inventory/                   the inventory (a link: its key paths are relative to it)
    env/extravars                the job template's extra vars and survey answers (JSON)
    env/envvars                  ANSIBLE_COLLECTIONS_PATH and what AWX sets besides
    env/cmdline                  further ansible-playbook arguments (vault password file)
    env/settings                 timeouts: a job that waits for a prompt fails instead

No prompt is answered (env/passwords is absent): an input the play would ask for is a
failure, as in AWX with no survey question for it. The result carries the play stats and
the set_stats data (AWX's artifacts), read from the runner's playbook_on_stats event.

    python tests/awx/run_job.py playbooks/verify.yml -i inventories/sandbox \\
        -e @.rig/sandbox-secrets.yml --vault-password-file .rig/vault-pass -x golive_hosts=golive
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import typing as t
from dataclasses import dataclass
from pathlib import Path

import ansible_runner

TOP = Path(__file__).resolve().parents[2]


@dataclass
class JobResult:
    status: str  # successful, failed, timeout, canceled
    rc: int
    stats: dict[str, dict[str, int]]  # ok, changed, failures, dark, skipped, rescued, ignored, processed
    artifacts: dict[str, t.Any]  # the set_stats data: what AWX shows as the job's artifacts
    stdout: str


def survey_answers(survey: Path, **answers: t.Any) -> dict[str, t.Any]:
    """The extra vars AWX passes for a survey left at its defaults, with ``answers`` given.

    Multiselect answers become lists and integers stay integers; a question left empty is
    not passed (the role's default applies).
    """
    extravars: dict[str, t.Any] = {}
    for question in json.loads(survey.read_text())["spec"]:
        value = answers.pop(question["variable"], question.get("default", ""))
        if question["type"] == "multiselect" and isinstance(value, str):
            value = [item for item in value.split("\n") if item]
        if value not in ("", None, []):
            extravars[question["variable"]] = value
    if answers:
        raise ValueError(f"{survey.name} asks no {sorted(answers)}")
    return extravars


def _lay_out(
    private: Path,
    inventory: Path,
    extravars: dict[str, t.Any],
    cmdline: list[str],
    timeout: int,
) -> None:
    (private / "project").symlink_to(TOP, target_is_directory=True)
    collections = private / "requirements_collections" / "ansible_collections" / "golive"
    collections.mkdir(parents=True)
    (collections / "stack").symlink_to(TOP, target_is_directory=True)
    (private / "inventory").symlink_to(inventory.resolve(), target_is_directory=inventory.is_dir())
    env = private / "env"
    env.mkdir()
    (env / "extravars").write_text(json.dumps(extravars))
    envvars = {
        # The ansible-playbook beside this Python first (the venv's; an EE has it on PATH).
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
        "ANSIBLE_COLLECTIONS_PATH": str(private / "requirements_collections"),
        # ansible-runner turns host key checking off unless told; the checkout keeps it on.
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_FORCE_COLOR": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
    }
    (env / "envvars").write_text(json.dumps(envvars))
    (env / "cmdline").write_text(shlex.join(cmdline))
    (env / "settings").write_text(json.dumps({"job_timeout": timeout, "idle_timeout": timeout, "pexpect_timeout": 5}))


def run_job(
    playbook: str,
    inventory: Path,
    extravars: dict[str, t.Any] | None = None,
    cmdline: list[str] | None = None,
    timeout: int = 1800,
    keep: Path | None = None,
) -> JobResult:
    """Run ``playbook`` (a path inside the project) as a job; ``keep`` keeps the data directory there."""
    with tempfile.TemporaryDirectory(prefix="golive-awx-job-") as scratch:
        private = keep or Path(scratch)
        private.mkdir(parents=True, exist_ok=True)
        _lay_out(private, inventory, extravars or {}, cmdline or [], timeout)
        runner = ansible_runner.run(private_data_dir=str(private), playbook=playbook, quiet=True)
        stats_events = [e for e in runner.events if e.get("event") == "playbook_on_stats"]
        artifacts = stats_events[-1]["event_data"].get("artifact_data", {}) if stats_events else {}
        stdout = runner.stdout.read() if runner.stdout else ""
        return JobResult(runner.status, runner.rc, runner.stats or {}, artifacts, stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("playbook", help="playbook path inside the project, e.g. playbooks/verify.yml")
    parser.add_argument("-i", "--inventory", type=Path, required=True)
    parser.add_argument("-x", "--extra", action="append", default=[], help="NAME=VALUE (a JSON value, or a string)")
    parser.add_argument("--keep", type=Path, help="keep the private data directory here")
    parser.add_argument("--timeout", type=int, default=1800)
    args, cmdline = parser.parse_known_args(argv)
    extravars: dict[str, t.Any] = {}
    for item in args.extra:
        name, value = item.split("=", 1)
        try:
            extravars[name] = json.loads(value)
        except json.JSONDecodeError:
            extravars[name] = value
    # Relative paths of the ansible-playbook arguments are the caller's, not the project's.
    cmdline = [f"@{Path(a[1:]).resolve()}" if a.startswith("@") else a for a in cmdline]
    for index, arg in enumerate(cmdline[:-1]):
        if arg == "--vault-password-file":
            cmdline[index + 1] = str(Path(cmdline[index + 1]).resolve())
    result = run_job(args.playbook, args.inventory, extravars, cmdline, args.timeout, args.keep)
    print(result.stdout)
    print(json.dumps({"status": result.status, "rc": result.rc, "stats": result.stats, "artifacts": result.artifacts}))
    return result.rc


if __name__ == "__main__":
    sys.exit(main())
