"""Defaults and argument specs agree, and docs/roles.md is generated from the specs."""

import pytest
import role_specs


@pytest.mark.parametrize("role", role_specs.roles())
def test_defaults_match_the_specs(role):
    # defaults/main.yml serves every entry point of the role
    options = {}
    for spec in role_specs.specs(role).values():
        options.update(spec.get("options") or {})
    defaults = role_specs.defaults(role)
    for name, value in defaults.items():
        assert name in options, f"{role}: default {name} has no entry in argument_specs"
        assert options[name].get("default") == value, f"{role}: {name} default differs from its spec"
    for name, opt in options.items():
        if name.startswith(f"{role}_") and not opt.get("required"):
            assert name in defaults, f"{role}: {name} is in the spec but not in defaults/main.yml"


@pytest.mark.parametrize("role", role_specs.roles())
def test_role_variables_are_prefixed(role):
    for entry, spec in role_specs.specs(role).items():
        for name in spec.get("options") or {}:
            prefixed = name.startswith((f"{role}_", "golive_"))
            assert prefixed, f"{role} ({entry}): {name} is neither {role}_* nor golive_*"


def test_roles_page_is_generated_from_the_specs():
    assert role_specs.DOC.read_text() == role_specs.render(), "docs/roles.md is stale: run make docs"
