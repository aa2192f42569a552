"""django_migrate, django_check and django_superuser for real: the demo app's images
against a real PostgreSQL on this machine's Docker engine.

One Compose project (a PostgreSQL service and ``web``, the app image) lives in a temporary
directory for the whole session; the modules run through the ``ansible`` CLI and their
JSON results are read back. Releases are Compose files laid over the base one (``files``),
as the app role does. The database state is read with psql, not only through the modules.
Needs the engine and the demo images: ``make test-django-modules``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

TOP = Path(__file__).resolve().parents[2]
ANSIBLE = TOP / ".venv" / "bin" / "ansible"
COLLECTIONS = TOP / ".rig" / "collections"
IMAGES = {"v1": "golive-demo/app:v1", "v2": "golive-demo/app:v2", "postgres": "golive-demo/postgres:17"}

# A migration the app would ship when its schema change breaks the running release.
INCOMPATIBLE_MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    backward_compatible = False

    dependencies = [("notes", "0002_note_pinned_at")]

    operations = [migrations.RunSQL("SELECT 1", reverse_sql="SELECT 1")]
"""


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False, timeout=300)
    if check and done.returncode:
        pytest.fail(f"docker {' '.join(args[:3])}... failed (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


class Project:
    """The Compose project and the ansible CLI that runs the modules against it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = f"golive-djt-{secrets.token_hex(4)}"
        self.db_password = secrets.token_urlsafe(24)
        self.secret_key = secrets.token_urlsafe(48)  # 64 characters: check --deploy wants 50+
        self.incompatible_image = f"{self.name}/app:incompatible"
        compose = {
            "services": {
                "postgres": {
                    "image": IMAGES["postgres"],
                    "environment": {
                        "POSTGRES_USER": "demo",
                        "POSTGRES_DB": "demo",
                        "POSTGRES_PASSWORD": self.db_password,
                    },
                    # TCP, not the socket: the server of initdb's scripts listens on the socket only
                    "healthcheck": {
                        "test": ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", "demo", "-d", "demo"],
                        "interval": "1s",
                        "retries": 60,
                    },
                },
                # settings as in inventories/sandbox/group_vars/golive/app.yml; the secrets come
                # through the modules' env option
                "web": {
                    "image": IMAGES["v1"],
                    "environment": {
                        "DJANGO_DEBUG": "false",
                        "DJANGO_ALLOWED_HOSTS": "demo.golive.test,www.demo.golive.test",
                        "CSRF_TRUSTED_ORIGINS": "https://demo.golive.test,https://www.demo.golive.test",
                        "SITE_URL": "https://demo.golive.test",
                    },
                    "depends_on": ["postgres"],
                },
            }
        }
        self.write("compose.yaml", compose)
        self.release_files = {"v1": [str(root / "compose.yaml")]}
        for release, image in (("v2", IMAGES["v2"]), ("incompatible", self.incompatible_image)):
            self.write(f"{release}.yaml", {"services": {"web": {"image": image}}})
            self.release_files[release] = [str(root / "compose.yaml"), str(root / f"{release}.yaml")]
        (root / "hosts.ini").write_text(
            f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
        )
        (root / "ansible.cfg").write_text(
            "[defaults]\n"
            f"collections_path = {COLLECTIONS}\n"
            f"inventory = {root / 'hosts.ini'}\n"
            "stdout_callback = ansible.builtin.json\n"
            "bin_ansible_callbacks = true\n"
        )

    def write(self, name: str, data: dict) -> None:
        (self.root / name).write_text(yaml.safe_dump(data, sort_keys=False))

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return docker("compose", "--project-directory", str(self.root), "-p", self.name, *args, check=check)

    def psql(self, sql: str) -> list[str]:
        result = self.compose("exec", "-T", "postgres", "psql", "-U", "demo", "-d", "demo", "-tAqc", sql)
        return result.stdout.splitlines()

    def notes_migrations(self) -> list[str]:
        return self.psql("SELECT name FROM django_migrations WHERE app = 'notes' ORDER BY name")

    def module(
        self, name: str, release: str = "v1", check_mode: bool = False, diff: bool = False, fails: bool = False, **args
    ) -> dict:
        """Run golive.stack.NAME with the project's options plus ARGS; return its result.

        A result that failed (or, with ``fails``, did not) ends the test with the module's message.
        """
        module_args = {
            "project_src": str(self.root),
            "project_name": self.name,
            "files": self.release_files[release],
            "env": {
                "DJANGO_SECRET_KEY": self.secret_key,
                "DATABASE_URL": f"postgres://demo:{self.db_password}@postgres:5432/demo",
            },
            **args,
        }
        argv = [str(ANSIBLE), "localhost", "-m", f"golive.stack.{name}", "-a", json.dumps(module_args)]
        argv += ["--check"] if check_mode else []
        argv += ["--diff"] if diff else []
        env = dict(os.environ, ANSIBLE_CONFIG=str(self.root / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        done = subprocess.run(argv, cwd=self.root, env=env, capture_output=True, text=True, timeout=300, check=False)
        try:
            result = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, LookupError):
            pytest.fail(f"no JSON result from {name} (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
        if bool(result.get("failed")) != fails:
            pytest.fail(f"{name} {'did not fail' if fails else 'failed'}: {result.get('msg')}\n{done.stdout}")
        result["_stdout"] = done.stdout
        return result


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    if shutil.which("docker") is None or docker("info", check=False).returncode != 0:
        pytest.fail("no Docker engine: run `make engine`")
    missing = [image for image in IMAGES.values() if docker("image", "inspect", image, check=False).returncode]
    if missing:
        pytest.fail(f"missing images {missing}: run `make demo-images`")
    if not (COLLECTIONS / "ansible_collections" / "golive" / "stack").is_dir():
        pytest.fail("the collection is not linked: run `make collection-link`")
    root = tmp_path_factory.mktemp("django-modules")
    project = Project(root)
    build = root / "incompatible-image"
    build.mkdir()
    (build / "0003_note_breaks_v2.py").write_text(INCOMPATIBLE_MIGRATION)
    (build / "Dockerfile").write_text(
        f"FROM {IMAGES['v2']}\nCOPY 0003_note_breaks_v2.py /app/notes/migrations/0003_note_breaks_v2.py\n"
    )
    try:
        docker("build", "-q", "-t", project.incompatible_image, str(build))
        project.compose("up", "-d", "--wait", "postgres")
        yield project
    finally:
        for done in (
            project.compose("down", "-v", "--remove-orphans", "-t", "1", check=False),
            docker("image", "rm", "-f", project.incompatible_image, check=False),
        ):
            if done.returncode:
                warnings.warn(f"cleanup of {project.name} failed: {done.stderr}", stacklevel=1)


def steps(result: dict) -> list[tuple[str, str, bool, bool]]:
    return [(s["app_label"], s["name"], s["backwards"], s["backward_compatible"]) for s in result["plan"]]


def test_migrate_plan_apply_upgrade_and_roll_back(project):
    # v1 on an empty database: check mode plans everything, applies nothing
    planned = project.module("django_migrate", check_mode=True, diff=True)
    assert planned["changed"] is True and planned["applied"] == []
    assert ("notes", "0001_initial", False, True) in steps(planned)
    assert {step["app_label"] for step in planned["plan"]} >= {"auth", "contenttypes", "notes", "sessions"}
    assert planned["backward_compatible"] is True
    assert "notes:zero" in planned["rollback_target"]
    assert "[ ] notes.0001_initial" in planned["diff"]["before"]
    assert "[X] notes.0001_initial" in planned["diff"]["after"]
    assert project.psql("SELECT to_regclass('django_migrations') IS NULL") == ["t"]

    applied = project.module("django_migrate")
    assert applied["changed"] is True
    assert applied["applied"] == planned["plan"]
    assert project.notes_migrations() == ["0001_initial"]

    again = project.module("django_migrate")
    assert again["changed"] is False and again["plan"] == [] and again["applied"] == []

    # v2: one more migration, a nullable field (backward compatible)
    upgrade = project.module("django_migrate", release="v2", check_mode=True)
    assert upgrade["changed"] is True
    assert steps(upgrade) == [("notes", "0002_note_pinned_at", False, True)]
    assert upgrade["backward_compatible"] is True
    assert project.notes_migrations() == ["0001_initial"]

    upgraded = project.module("django_migrate", release="v2")
    assert upgraded["changed"] is True and steps(upgraded) == steps(upgrade)
    assert project.notes_migrations() == ["0001_initial", "0002_note_pinned_at"]
    assert "notes:0001_initial" in upgraded["rollback_target"]

    # back to where the v2 run started, with the v2 image (it knows what to unapply)
    rolled_back = project.module("django_migrate", release="v2", target=upgraded["rollback_target"])
    assert rolled_back["changed"] is True
    assert steps(rolled_back) == [("notes", "0002_note_pinned_at", True, True)]
    assert project.notes_migrations() == ["0001_initial"]
    assert project.module("django_migrate", release="v2", target=upgraded["rollback_target"])["changed"] is False


def test_migration_that_breaks_the_old_release_is_reported(project):
    project.module("django_migrate")  # at least v1's schema, whatever ran before
    forward = project.module("django_migrate", release="incompatible")
    assert forward["changed"] is True and forward["backward_compatible"] is False
    assert steps(forward)[-1] == ("notes", "0003_note_breaks_v2", False, False)
    assert all(step["backward_compatible"] for step in forward["plan"][:-1])
    assert forward["applied"] == forward["plan"]

    back = project.module("django_migrate", release="incompatible", target=forward["rollback_target"])
    assert ("notes", "0003_note_breaks_v2", True, False) in steps(back)
    assert back["backward_compatible"] is True  # going back breaks nothing that runs
    assert "0003_note_breaks_v2" not in project.notes_migrations()


def test_check_passes_silenced_and_names_what_is_not(project):
    passed = project.module("django_check", silenced=["security.W021"])
    assert passed["changed"] is False
    assert [(m["id"], m["silenced"], m["blocking"]) for m in passed["messages"]] == [("security.W021", True, False)]

    failed = project.module("django_check", fails=True)
    assert failed["msg"] == "Django system checks: 1 message(s) at or above WARNING not silenced: security.W021"
    assert [(m["id"], m["level"], m["blocking"]) for m in failed["messages"]] == [("security.W021", "WARNING", True)]


def test_superuser_created_kept_repaired_and_password_updated(project):
    project.module("django_migrate")  # the auth tables
    first, second = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    user = {"username": "admin", "email": "ops@Example.ORG"}

    def account() -> list[str]:
        return project.psql(
            "SELECT email, is_superuser, is_staff, is_active, password FROM auth_user WHERE username = 'admin'"
        )

    planned = project.module("django_superuser", check_mode=True, diff=True, password=first, **user)
    assert (planned["changed"], planned["created"], planned["user_model"]) == (True, True, "auth.User")
    assert planned["diff"]["after"]["password"] == "(set)"
    assert account() == []

    created = project.module("django_superuser", password=first, **user)
    assert (created["changed"], created["created"], created["updated"]) == (True, True, [])
    email, is_superuser, is_staff, is_active, first_hash = account()[0].split("|")
    assert (email, is_superuser, is_staff, is_active) == ("ops@example.org", "t", "t", "t")  # domain normalized
    assert first_hash.startswith("pbkdf2_sha256$")

    kept = project.module("django_superuser", password=first, **user)
    assert (kept["changed"], kept["created"], kept["updated"]) == (False, False, [])

    on_create = project.module("django_superuser", password=second, **user)
    assert on_create["changed"] is False, "update_password=on_create must leave an existing password alone"

    project.psql("UPDATE auth_user SET is_staff = false WHERE username = 'admin'")
    would_repair = project.module("django_superuser", check_mode=True, **user)
    assert (would_repair["changed"], would_repair["updated"]) == (True, ["is_staff"])
    assert account()[0].split("|")[2] == "f"
    repaired = project.module("django_superuser", **user)
    assert (repaired["changed"], repaired["updated"]) == (True, ["is_staff"])
    assert account()[0].split("|")[2] == "t"

    updated = project.module("django_superuser", password=second, update_password="always", **user)
    assert (updated["changed"], updated["created"], updated["updated"]) == (True, False, ["password"])
    assert account()[0].split("|")[4] != first_hash
    for result in (planned, created, updated):
        assert first not in result["_stdout"] and second not in result["_stdout"]

    settled = project.module("django_superuser", password=second, update_password="always", **user)
    assert (settled["changed"], settled["updated"]) == (False, [])
