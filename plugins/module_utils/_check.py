# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one shape of a go-live check result, shared by the health modules (private)."""

from __future__ import annotations

import typing as t


def check(name: str, ok: bool, detail: str, data: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    """A check result: its name, whether it passed, one line of what was seen, the data behind it."""
    return {"name": name, "ok": bool(ok), "detail": detail, "data": data or {}}


def not_run(name: str, why: str) -> dict[str, t.Any]:
    """A check that could not run, reported as failed (a required check never just vanishes)."""
    return check(name, False, f"not run: {why}", {"not_run": why})
