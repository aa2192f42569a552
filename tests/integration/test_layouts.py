"""The example inventories of the runbook layouts (inventories/examples/) pass every input check.

Each layout's inventory runs the preflight part of golive.yml exactly as test_preflight.py
runs it (its helpers, imported): the host sits at an address where no host runs, so a run
whose inputs are all accepted ends at the first task that reads the host. The layout's
vault variables come from a vars file of strong test values. One bad variant of each layout
is refused with its message, and so is each vault.yml.example copied without being filled in.

Each layout's release is also rendered on the controller with the app role's own render
tasks, and `docker compose config` must list the services its runbook has (AzioneLab: no
Redis, no worker, no beat). No host is started: taking each layout live is not part of this test.
"""

import base64
import hashlib
import ipaddress
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from test_preflight import (
    PLAYBOOK,
    TOP,
    assert_every_input_rule_passed,
    assert_refused,
    has_docker_compose,
    needs_compose,
    preflight_only,
    run,
)

EXAMPLES = TOP / "inventories" / "examples"
LAYOUTS = ["opensesa", "construbot", "azionelab", "rotacc-full", "rotacc-app-only"]

# RotaCC's web image is built from source by build.yml (image_build_commit), which this test
# does not run (test_image_build.py does): the reference it would release stands in for it.
BUILT_WEB_IMAGE = "registry.golive.test:5000/rotacc/web:" + "3f2c9e1" * 5 + "3f2c9"


def vault_names(layout: str) -> list[str]:
    return list(yaml.safe_load((EXAMPLES / layout / "vault.yml.example").read_text()))


def strong(name: str) -> str:
    """A strong value of 86 URL-safe characters, the same on every run."""
    return base64.urlsafe_b64encode(hashlib.sha512(f"golive-layouts:{name}".encode()).digest()).decode().rstrip("=")


def layout_vars(layout: str, **changes) -> dict:
    """The vault of LAYOUT filled in with strong values (and the built image for RotaCC)."""
    values: dict = {name: strong(name) for name in vault_names(layout)}
    if layout.startswith("rotacc"):
        values["golive_web_image"] = BUILT_WEB_IMAGE
    values.update(changes)
    return values


def inventory(tmp_path: Path, layout: str, change: Callable[[dict], None] | None = None) -> Path:
    """LAYOUT's inventory copied to TMP_PATH, with CHANGE made to its group_vars/golive/app.yml.

    run() then writes its own hosts.yml there: the same group with one host, at NOWHERE.
    """
    shutil.copytree(EXAMPLES / layout, tmp_path, dirs_exist_ok=True)
    if change is not None:
        app = tmp_path / "group_vars" / "golive" / "app.yml"
        data = yaml.safe_load(app.read_text())
        change(data)
        app.write_text(yaml.safe_dump(data, sort_keys=False))
    return tmp_path


@pytest.mark.parametrize("layout", LAYOUTS)
def test_example_inventory_is_complete(layout):
    """One host in the group golive at a documentation address, and a vault example that
    names exactly the vault variables the layout refers to."""
    example = EXAMPLES / layout
    hosts = yaml.safe_load((example / "hosts.yml").read_text())
    assert list(hosts["all"]["children"]) == ["golive"]
    (host,) = hosts["all"]["children"]["golive"]["hosts"].values()
    # run() replaces hosts.yml: how Ansible logs in belongs in group_vars.
    assert list(host) == ["ansible_host"], host
    address = ipaddress.ip_address(host["ansible_host"])
    assert any(address in ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))

    texts = [path.read_text() for path in sorted((example / "group_vars").rglob("*")) if path.is_file()]
    referenced = set(re.findall(r"\bvault_[a-z0-9_]+", "\n".join(texts)))
    assert sorted(referenced) == sorted(vault_names(layout))
    # Only .yml files are loaded: the example stays out of the way until copied there.
    assert not list((example / "group_vars").rglob("vault*")), "the vault example must not be loaded"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_passes_every_input_check(tmp_path, layout):
    proc = run(inventory(tmp_path, layout), layout_vars(layout), playbook=preflight_only(tmp_path))
    out = " ".join(assert_every_input_rule_passed(proc).split())
    for name in vault_names(layout):
        assert strong(name) not in out, f"{name} was printed"
    if layout == "rotacc-app-only" and has_docker_compose():
        # the required variables of the app's compose file were checked by compose itself
        assert re.search(r"Run compose's own check with the app's environment\] \**\s*ok:", out), out


def set_env(key: str, value: str | None) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        if value is None:
            del data["golive_app_env"][key]
        else:
            data["golive_app_env"][key] = value

    return change


def set_image(role: str, reference: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data["golive_images"][role] = reference

    return change


# One bad variant per layout, as its runbook warns against it: (layout, change, extra
# vars instead of the filled-in vault, message).
BAD = {
    "opensesa_floating_tag": (
        "opensesa",
        set_image("web", "registry.golive.test:5000/opensesa/web:latest"),
        None,
        "unpinned image references: registry.golive.test:5000/opensesa/web:latest",
    ),
    "construbot_debug_on": ("construbot", set_env("DJANGO_DEBUG", "True"), None, "DJANGO_DEBUG is on"),
    "azionelab_local_dev_url": (
        "azionelab",
        set_env("SITE_BASE_URL", "http://localhost"),
        None,
        "SITE_BASE_URL must start with https://azionelab.golive.test",
    ),
    # RotaCC's own names are read through golive_app_env_keys
    "rotacc_full_debug_on": ("rotacc-full", set_env("DEBUG", "True"), None, "DEBUG is on"),
    "rotacc_full_no_commit_built": (
        "rotacc-full",
        None,
        {name: strong(name) for name in vault_names("rotacc-full")},
        "golive_images must name web, postgres and redis (got postgres, redis)",
    ),
    "rotacc_app_only_no_database_url": (
        "rotacc-app-only",
        set_env("DATABASE_URL", None),
        None,
        "DATABASE_URL and CELERY_BROKER_URL are required",
    ),
    # the app-only compose file's ${DB_HOST:?}, checked by compose on the controller
    "rotacc_app_only_no_db_host": pytest.param(
        "rotacc-app-only",
        set_env("DB_HOST", None),
        None,
        "required variable DB_HOST is missing a value: set DB_HOST to the external PostgreSQL server",
        marks=needs_compose,
    ),
}


def bad_case(case):
    value = BAD[case]
    return pytest.param(case, marks=value.marks) if hasattr(value, "marks") else case


@pytest.mark.parametrize("case", [bad_case(case) for case in sorted(BAD)])
def test_bad_variant_is_refused_before_any_host_is_touched(tmp_path, case):
    value = BAD[case]
    layout, change, extra, message = value.values if hasattr(value, "values") else value
    proc = run(inventory(tmp_path, layout, change), extra if extra is not None else layout_vars(layout))
    assert_refused(proc, message)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unfilled_vault_example_is_refused(tmp_path, layout):
    """vault.yml.example copied as it is: its values are placeholders that preflight refuses."""
    unfilled = yaml.safe_load((EXAMPLES / layout / "vault.yml.example").read_text())
    if layout.startswith("rotacc"):
        unfilled["golive_web_image"] = BUILT_WEB_IMAGE
    assert_refused(run(inventory(tmp_path, layout), unfilled, playbook=PLAYBOOK), "placeholder values left in ")


# The compose services each layout's release runs (the profiles the app role starts: both
# web colours and the one-off manage service; a beat the worker embeds is in none).
# AzioneLab has no Redis and no Celery; RotaCC's worker runs beat.
SERVICES = {
    "opensesa": ["beat", "manage", "postgres", "redis", "web-blue", "web-green", "worker"],
    "construbot": ["beat", "manage", "postgres", "redis", "web-blue", "web-green", "worker"],
    "azionelab": ["manage", "postgres", "web-blue", "web-green"],
    "rotacc-full": ["manage", "postgres", "redis", "web-blue", "web-green", "worker"],
    "rotacc-app-only": ["manage", "web-blue", "web-green", "worker"],
}

RENDER = """
- name: Render a release of the layout with the app role's own tasks (compose file, env files, compose's check)
  hosts: golive
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
  tasks:
    - name: The web image a build would release (deploy.yml does the same)
      ansible.builtin.set_fact:
        golive_images: "{{{{ golive_images | combine({{'web': golive_web_image}}) }}}}"
      when: golive_web_image is defined
    - ansible.builtin.include_role:
        name: golive.stack.app
        tasks_from: render
      vars:
        __app_release_dir: {out}
"""


@needs_compose
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_release_runs_the_services_of_its_runbook(tmp_path, layout):
    """The app role's compose file, rendered with the layout's variables, is accepted by
    `docker compose config` and defines the services the runbook has, and no others."""
    out = tmp_path / "release"
    playbook = tmp_path / "render.yml"
    playbook.write_text(RENDER.format(out=out))
    proc = run(inventory(tmp_path / "inventory", layout), layout_vars(layout), playbook=playbook)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # an env file per data service the layout runs, and no other
    assert sorted(p.name for p in out.glob("*.env")) == sorted(
        [".env", "app.env"] + [f"{name}.env" for name in ("postgres", "redis") if name in SERVICES[layout]]
    )
    config = subprocess.run(
        [
            "docker",
            "compose",
            "--project-directory",
            str(out),
            "-f",
            str(out / "compose.yaml"),
            "--profile",
            "blue",
            "--profile",
            "green",
            "--profile",
            "manage",
            "config",
            "--services",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert config.returncode == 0, config.stderr
    assert sorted(config.stdout.split()) == SERVICES[layout]
