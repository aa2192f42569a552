"""build.yml for real: the demo app's source in a git repository of its own, built on this
machine's Docker engine at a given commit (not the newest one), tagged with the full commit
id and pushed to the rig's registry, which the app hosts pull from as
registry.golive.test:5000 and this machine reaches as 127.0.0.1:5000. The same commit again
changes nothing; bad inputs, an unknown commit and a build on an app host are refused
before anything is built. The app hosts of the inventory are stand-ins on a local
connection (the build runs on the controller; they are never touched).
Needs the engine, the registry and the Debian 13 base image: ``make test-image-build``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
PLAYBOOK = TOP / ".venv" / "bin" / "ansible-playbook"
FIXTURES = TOP / "tests" / "fixtures"
REGISTRY = "127.0.0.1:5000"  # registry.sh publishes the rig registry here
NAME = f"golive-test/build-{uuid.uuid4().hex[:8]}"  # a repository of this run's own
PULL_REPO = f"registry.golive.test:5000/{NAME}"
PUSH_REPO = f"{REGISTRY}/{NAME}"
MARK = "src/built_from_the_second_commit.txt"
DEMO = "registry.golive.test:5000/golive-demo"
SHOW = "RELEASE {{ inventory_hostname }} web={{ golive_images.web }} redis={{ golive_images.redis }}"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> dict[str, str | Path]:
    """The demo app as an app repository: two commits, the second adds MARK."""
    path = tmp_path_factory.mktemp("app-source")
    shutil.copytree(FIXTURES / "demo_app" / "src", path / "src")
    shutil.copy(FIXTURES / "demo_app" / ".dockerignore", path / ".dockerignore")
    shutil.copy(FIXTURES / "images" / "app" / "Dockerfile", path / "Dockerfile")
    (path / "overlays").mkdir()
    (path / "overlays" / ".keep").write_text("")
    git(path, "init", "-q", "-b", "main")
    git(path, "-c", "user.name=golive", "-c", "user.email=golive@example.test", "add", "-A")
    git(path, "-c", "user.name=golive", "-c", "user.email=golive@example.test", "commit", "-qm", "first")
    first = git(path, "rev-parse", "HEAD")
    (path / MARK).write_text("second\n")
    git(path, "-c", "user.name=golive", "-c", "user.email=golive@example.test", "add", "-A")
    git(path, "-c", "user.name=golive", "-c", "user.email=golive@example.test", "commit", "-qm", "second")
    yield {"path": path, "first": first, "second": git(path, "rev-parse", "HEAD")}
    for commit in (first,):
        subprocess.run(["docker", "image", "rm", "-f", f"{PUSH_REPO}:{commit}"], capture_output=True, check=False)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory) -> Path:
    """Two app hosts (stand-ins on a local connection), as group golive."""
    path = tmp_path_factory.mktemp("inventory") / "hosts.json"
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    images = {"web": f"{DEMO}/app:v1", "redis": f"{DEMO}/redis:8"}
    group = {"hosts": {"app1": local, "app2": local}, "vars": {"golive_images": images}}
    path.write_text(json.dumps({"golive": group}))
    # build.yml, then the web image the release would take, as deploy.yml's preflight sets it.
    (path.parent / "release.yml").write_text(
        json.dumps(
            [
                {"ansible.builtin.import_playbook": str(TOP / "playbooks" / "build.yml")},
                {
                    "hosts": "golive",
                    "gather_facts": False,
                    "tasks": [
                        {"ansible.builtin.import_tasks": str(TOP / "playbooks" / "tasks" / "release_image.yml")},
                        {"ansible.builtin.debug": {"msg": SHOW}},
                    ],
                },
            ]
        )
    )
    return path


def build(inventory: Path, **extra) -> subprocess.CompletedProcess[str]:
    env_vars = {
        "image_build_repository": PULL_REPO,
        "image_build_push_repository": PUSH_REPO,
        "image_build_args": {"BASE": "golive-rig/debian:13", "VERSION": "v1"},
        "image_build_workdir": str(inventory.parent / "work"),
        **extra,
    }
    cmd = [str(PLAYBOOK), "-i", str(inventory), str(inventory.parent / "release.yml"), "-e", json.dumps(env_vars)]
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(TOP / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(TOP / ".rig" / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",  # one line per message, for the parsing below
    }
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=TOP, env=env, timeout=900)


def recap(output: str) -> dict[str, dict[str, int]]:
    counts = {}
    for host, rest in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", output, flags=re.MULTILINE):
        counts[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", rest)}
    return counts


def registry_tags() -> list[str]:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/{NAME}/tags/list", timeout=5) as resp:
            return json.load(resp).get("tags") or []
    except urllib.error.HTTPError as exc:  # 404: the repository does not exist yet
        if exc.code == 404:
            return []
        raise


def test_bad_inputs_are_refused_before_anything_is_built(repo, inventory):
    cases = {
        "option-like commit": ({"image_build_commit": "--upload-pack=touch /tmp/x"}, "image_build_commit must be"),
        "tag in the repository": (
            {"image_build_commit": repo["first"], "image_build_repository": f"{PULL_REPO}:v1"},
            "must be image repositories without a tag",
        ),
        "context outside the repository": (
            {"image_build_commit": repo["first"], "image_build_context": "../elsewhere"},
            "must stay inside the repository",
        ),
        "two web images": (
            {"image_build_commit": repo["first"], "golive_web_image": f"{PULL_REPO}:v1"},
            "both name this release's web image",
        ),
        "on an app host": (
            {"image_build_commit": repo["first"], "image_build_host": "app1"},
            "app1 is one of the app hosts this play releases to",
        ),
    }
    for case, (extra, message) in cases.items():
        done = build(inventory, image_build_source=str(repo["path"]), **extra)
        assert done.returncode != 0, f"{case}: {done.stdout[-2000:]}"
        assert message in done.stdout, f"{case}: {done.stdout[-2000:]}"
        assert "TASK [golive.stack.image_build : The source in a clean tree" not in done.stdout, case
    assert registry_tags() == []


def test_an_unknown_commit_fails_and_pushes_nothing(repo, inventory):
    done = build(inventory, image_build_source=str(repo["path"]), image_build_commit="0" * 40)
    assert done.returncode != 0 and "The source in a clean tree" in done.stdout, done.stdout[-2000:]
    assert "Pushed to the registry" not in done.stdout
    assert registry_tags() == []


def test_the_image_of_a_given_commit_is_built_tagged_and_pushed(repo, inventory):
    short = str(repo["first"])[:10]  # an abbreviated id, and not the newest commit
    done = build(inventory, image_build_source=str(repo["path"]), image_build_commit=short)
    assert done.returncode == 0, done.stdout[-3000:]
    assert registry_tags() == [repo["first"]]  # the full id, the one tag
    image = f"{PUSH_REPO}:{repo['first']}"
    labels = json.loads(
        subprocess.run(
            ["docker", "image", "inspect", "-f", "{{json .Config.Labels}}", image],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert labels["org.opencontainers.image.revision"] == repo["first"]
    assert labels["org.opencontainers.image.source"] == str(repo["path"])
    # The first commit's tree, although the repository's HEAD is the second.
    listing = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "ls", image, "/app"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "manage.py" in listing and Path(MARK).name not in listing
    # Both app hosts release it as they pull it; the other images stay as the inventory has them.
    released = sorted(re.findall(r'"msg": "RELEASE (\S+) web=(\S+) redis=(\S+)"', done.stdout))
    web = f"{PULL_REPO}:{repo['first']}"
    assert released == [("app1", web, f"{DEMO}/redis:8"), ("app2", web, f"{DEMO}/redis:8")], done.stdout[-2000:]


def test_the_same_commit_again_changes_nothing(repo, inventory):
    done = build(inventory, image_build_source=str(repo["path"]), image_build_commit=str(repo["first"]))
    assert done.returncode == 0, done.stdout[-3000:]
    assert all(counts["changed"] == 0 for counts in recap(done.stdout).values()), done.stdout[-3000:]
    assert registry_tags() == [repo["first"]]
