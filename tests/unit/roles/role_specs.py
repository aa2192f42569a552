"""Role argument specs: the single source of truth for role variables.

`python tests/unit/roles/role_specs.py` writes docs/roles.md from the specs; the tests in
test_role_specs.py fail when a role's defaults drift from its spec or the page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

TOP = Path(__file__).resolve().parents[3]
ROLES = TOP / "roles"
DOC = TOP / "docs" / "roles.md"


def roles() -> list[str]:
    return sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").is_file())


def specs(role: str) -> dict:
    return yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def defaults(role: str) -> dict:
    path = ROLES / role / "defaults" / "main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def cell(text: object) -> str:
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    return " ".join(str(text).split()).replace("|", "\\|")


def render() -> str:
    lines = [
        "# Role variables",
        "",
        "Generated from each role's `meta/argument_specs.yml` by",
        "`python tests/unit/roles/role_specs.py` (`make docs`); do not edit by hand.",
        "",
    ]
    for role in roles():
        for entry, spec in specs(role).items():
            title = f"golive.stack.{role}" + ("" if entry == "main" else f" (tasks_from: {entry})")
            lines += [f"## {title}", "", cell(spec.get("short_description", "")), ""]
            lines += ["| variable | type | default | description |", "|---|---|---|---|"]
            for name, opt in sorted((spec.get("options") or {}).items()):
                if opt.get("required"):
                    default = "required"
                elif "default" in opt:
                    dumped = yaml.safe_dump(opt["default"], default_flow_style=True)
                    default = f"`{dumped.strip().removesuffix('...').strip()}`"
                else:
                    default = ""
                kind = opt.get("type", "str") + (f" of {opt['elements']}" if opt.get("elements") else "")
                lines.append(f"| `{name}` | {kind} | {default} | {cell(opt.get('description', ''))} |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC.relative_to(TOP)}", file=sys.stderr)
