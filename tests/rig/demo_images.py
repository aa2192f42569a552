"""Print the sandbox inventory's golive_images with the web image at another tag, as the
JSON of an ansible-playbook -e argument: python3 tests/rig/demo_images.py v2"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

INVENTORY = Path(__file__).resolve().parents[2] / "inventories/sandbox/group_vars/golive/app.yml"


def main(tag: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag):
        raise SystemExit(f"not an image tag: {tag!r}")
    current = yaml.safe_load(INVENTORY.read_text())["golive_images"]
    return json.dumps({"golive_images": {**current, "web": f"{current['web'].rsplit(':', 1)[0]}:{tag}"}})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: demo_images.py TAG")
    print(main(sys.argv[1]))
