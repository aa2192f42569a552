"""The execution environment: in step with galaxy.yml and requirements.in, and `ansible-builder
create` makes its build context offline (the collection artifact built from this checkout)."""

import shutil
import subprocess
import tarfile

import pytest
import yaml
from packaging.requirements import Requirement
from surveys import TOP

BIN = TOP / ".venv" / "bin"
GALAXY = yaml.safe_load((TOP / "galaxy.yml").read_text())
EE = yaml.safe_load((TOP / "execution-environment.yml").read_text())
COLLECTION_EE = yaml.safe_load((TOP / "meta" / "execution-environment.yml").read_text())
ARTIFACT = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"


def pins() -> dict[str, str]:
    """requirements.in's pins, by lower-case name."""
    found = {}
    for line in (TOP / "requirements.in").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            found[requirement.name.lower()] = str(requirement.specifier)
    return found


def test_ee_pins_ansible_as_the_controller_toolchain():
    deps = EE["dependencies"]
    assert deps["ansible_core"]["package_pip"] == f"ansible-core{pins()['ansible-core']}"
    assert deps["ansible_runner"]["package_pip"] == f"ansible-runner{pins()['ansible-runner']}"


def test_ee_installs_this_version_and_galaxy_yml_dependencies():
    collections = {c["name"]: c for c in EE["dependencies"]["galaxy"]["collections"]}
    artifact = collections.pop(f"/build/collections/{ARTIFACT}")
    assert artifact["type"] == "file"
    assert EE["additional_build_files"] == [{"src": ARTIFACT, "dest": "collections"}]
    assert {name: c["version"] for name, c in collections.items()} == GALAXY["dependencies"]


def test_ee_and_collection_name_the_same_requirement_files():
    assert COLLECTION_EE["version"] == 1
    assert COLLECTION_EE["dependencies"] == {
        "python": EE["dependencies"]["python"],
        "system": EE["dependencies"]["system"],
    }
    for path in COLLECTION_EE["dependencies"].values():
        assert (TOP / path).is_file(), path


def test_python_requirements_hold_for_the_versions_tested():
    tested = pins()
    for line in (TOP / COLLECTION_EE["dependencies"]["python"]).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            version = tested[requirement.name.lower()].removeprefix("==")
            assert requirement.specifier.contains(version), f"requirements.in pins {requirement.name}=={version}"


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """The build context, from a copy of the definition beside a fresh artifact."""
    definition = tmp_path_factory.mktemp("definition")
    shutil.copy(TOP / "execution-environment.yml", definition)
    (definition / "meta").mkdir()
    for path in COLLECTION_EE["dependencies"].values():
        shutil.copy(TOP / path, definition / path)
    subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", "--output-path", definition, TOP],
        check=True,
        capture_output=True,
    )
    built = tmp_path_factory.mktemp("context")
    create = subprocess.run(
        [BIN / "ansible-builder", "create", "--file", definition / "execution-environment.yml"]
        + ["--context", built, "--output-filename", "Containerfile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert create.returncode == 0, create.stdout + create.stderr
    return built


def test_containerfile_builds_on_the_pinned_base_with_the_pinned_ansible(context):
    containerfile = (context / "Containerfile").read_text()
    assert f'ARG EE_BASE_IMAGE="{EE["images"]["base_image"]["name"]}"' in containerfile
    refs = f"{EE['dependencies']['ansible_core']['package_pip']} {EE['dependencies']['ansible_runner']['package_pip']}"
    assert f'ARG ANSIBLE_INSTALL_REFS="{refs}"' in containerfile
    assert "COPY _build /build" in containerfile  # where the artifact's path in requirements.yml points
    assert "ansible-galaxy collection install" in containerfile


def test_context_carries_the_collection_and_its_requirements(context):
    build = context / "_build"
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert galaxy == EE["dependencies"]["galaxy"]
    assert "jmespath" in (build / "requirements.txt").read_text()
    assert "openssh-clients [platform:rpm]" in (build / "bindep.txt").read_text()
    with tarfile.open(build / "collections" / ARTIFACT) as artifact:
        names = artifact.getnames()
        manifest = artifact.extractfile("MANIFEST.json")
        assert manifest is not None
        info = yaml.safe_load(manifest.read())["collection_info"]
    assert info["version"] == GALAXY["version"] and info["dependencies"] == GALAXY["dependencies"]
    # introspection during the build reads these from the installed collection
    for path in ["meta/execution-environment.yml", *COLLECTION_EE["dependencies"].values()]:
        assert path in names
