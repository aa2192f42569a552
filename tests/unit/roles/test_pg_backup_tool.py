# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""golive_pg_backup.py without a database: names, retention tiers, pruning, checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import os
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[3] / "roles/pg_backup/files/golive_pg_backup.py"
spec = importlib.util.spec_from_file_location("golive_pg_backup", TOOL)
assert spec and spec.loader
gpb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpb)

KEEP = {"daily": 7, "weekly": 4, "monthly": 6, "other": 3}


def name(when: dt.datetime, label: str = "scheduled", app: str = "shop", age: bool = False) -> str:
    return f"{app}-{when.strftime(gpb.STAMP)}-{label}.dump" + (".age" if age else "")


def every_day(days: int, end: dt.datetime, per_day: int = 1) -> list[str]:
    return [name(end - dt.timedelta(days=d, hours=h)) for d in range(days) for h in range(per_day)]


@pytest.mark.parametrize(
    ("filename", "match"),
    [
        ("shop-20261127T020000Z-scheduled.dump", True),
        ("shop-20261127T020000Z-pre-migrate-20261127T0200.dump.age", True),
        ("shop-20261127T020000Z-scheduled.dump.sha256", False),
        ("shop-20261127T020000Z-scheduled.dump.json", False),
        (".partial-shop-20261127T020000Z-scheduled.dump", False),
        ("shop-20261127T020000Z-scheduled.media.tar.gz", False),
        ("Shop-20261127T020000Z-scheduled.dump", False),
    ],
)
def test_dump_names(filename, match):
    assert bool(gpb.DUMP_RE.match(filename)) is match


def test_tiers_keep_exactly_the_configured_counts_over_a_year_of_dumps():
    end = dt.datetime(2026, 11, 27, 2, 0)
    names = every_day(400, end, per_day=2)  # two scheduled dumps a day for 400 days
    plan = gpb.retention(names, KEEP, "scheduled")
    tiers = {
        tier: sorted(n for n, why in plan["keep"].items() if tier in why) for tier in ("daily", "weekly", "monthly")
    }
    assert len(tiers["daily"]) == 7
    assert len(tiers["weekly"]) == 4
    assert len(tiers["monthly"]) == 6
    # daily: the newest dump of each of the last 7 days
    assert tiers["daily"] == sorted(name(end - dt.timedelta(days=d)) for d in range(7))
    # monthly: the newest dump of each of the last 6 months (month ends, and today)
    months = {n.split("-")[1][:6] for n in tiers["monthly"]}
    assert months == {"202611", "202610", "202609", "202608", "202607", "202606"}
    assert {n for n in tiers["monthly"] if "202611" not in n} == {
        name(dt.datetime(2026, m, d, 2, 0)) for m, d in ((10, 31), (9, 30), (8, 31), (7, 31), (6, 30))
    }
    assert set(plan["remove"]) == set(names) - set(plan["keep"])
    assert len(plan["keep"]) == len(set(tiers["daily"]) | set(tiers["weekly"]) | set(tiers["monthly"]))


def test_other_labels_are_kept_by_count_and_never_count_as_scheduled():
    end = dt.datetime(2026, 11, 27, 2, 0)
    others = [name(end - dt.timedelta(hours=h), label=f"pre-migrate-r{h}") for h in range(5)]
    plan = gpb.retention(others + every_day(3, end - dt.timedelta(minutes=30)), KEEP, "scheduled")
    kept_others = [n for n, why in plan["keep"].items() if "other" in why]
    assert sorted(kept_others) == sorted(others[:3])
    assert sorted(plan["remove"]) == sorted(others[3:])


def test_the_newest_dump_is_kept_even_when_every_count_is_zero():
    end = dt.datetime(2026, 11, 27, 2, 0)
    names = every_day(3, end)
    plan = gpb.retention(names, {"daily": 0, "weekly": 0, "monthly": 0, "other": 0}, "scheduled")
    assert plan["keep"] == {name(end): ["newest"]}


def write_dump(directory: Path, filename: str, body: bytes = b"PGDMP dump") -> Path:
    path = directory / filename
    path.write_bytes(body)
    (directory / f"{filename}.sha256").write_text(f"{hashlib.sha256(body).hexdigest()}  {filename}\n")
    (directory / f"{filename}.json").write_text(json.dumps({"time": "x", "label": "y", "tables": {"t": 1}}))
    return path


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    conf.mkdir()
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (conf / "shop.json").write_text(
        json.dumps(
            {
                "dir": str(dumps),
                "state_dir": str(tmp_path / "state"),
                "db": {"service": "postgres", "user": "u", "password": "p", "name": "n"},
                "keep": {"daily": 2, "weekly": 0, "monthly": 0, "other": 1},
            }
        )
    )
    monkeypatch.setenv("GOLIVE_PG_BACKUP_CONF_DIR", str(conf))
    return gpb.Settings("shop")


def test_prune_removes_a_dump_with_everything_beside_it(settings):
    d = Path(settings.dir)
    end = dt.datetime(2026, 11, 27, 2, 0)
    names = every_day(4, end)
    for n in names:
        write_dump(d, n)
        (d / n.replace(".dump", ".media.tar.gz")).write_bytes(b"tar")
    (d / ".partial-shop-20261127T030000Z-scheduled.dump").write_bytes(b"half")
    result = gpb.prune(settings)
    assert sorted(result["removed"]) == sorted(names[2:])
    left = sorted(os.listdir(d))
    for n in names[2:]:
        assert not [f for f in left if f.startswith(n[: -len(".dump")])]
    for n in names[:2]:
        assert {n, f"{n}.sha256", f"{n}.json", n.replace(".dump", ".media.tar.gz")} <= set(left)
    assert ".partial-shop-20261127T030000Z-scheduled.dump" in left  # a running dump's file is not prune's


def test_checked_refuses_a_dump_whose_bytes_changed(settings):
    path = write_dump(Path(settings.dir), "shop-20261127T020000Z-manual.dump")
    assert gpb.checked(settings, path.name)[0] == str(path)
    path.write_bytes(b"PGDMP dum")  # truncated
    with pytest.raises(gpb.Failure, match="checksum mismatch"):
        gpb.checked(settings, str(path))


def test_checked_refuses_a_file_without_manifest(settings):
    path = write_dump(Path(settings.dir), "shop-20261127T020000Z-manual.dump")
    (Path(settings.dir) / f"{path.name}.json").unlink()
    with pytest.raises(gpb.Failure, match="no json file beside it"):
        gpb.checked(settings, str(path))


@pytest.mark.parametrize(
    ("argv", "code"),
    [([], 2), (["dump", "shop"], 2), (["explode", "shop"], 2), (["restore", "shop"], 2), (["list", "Bad_App"], 1)],
)
def test_usage_errors(argv, code, capsys):
    assert gpb.main(argv) == code
    assert capsys.readouterr().err


def test_bad_label_is_refused_before_anything_runs(settings, capsys):
    assert gpb.main(["dump", "shop", "../etc"]) == 1
    assert "bad label" in capsys.readouterr().err


def test_list_is_newest_first(settings, capsys):
    d = Path(settings.dir)
    for n in ("shop-20261125T020000Z-scheduled.dump", "shop-20261127T020000Z-manual.dump.age"):
        write_dump(d, n)
    assert gpb.main(["list", "shop"]) == 0
    assert [os.path.basename(p) for p in json.loads(capsys.readouterr().out)["dumps"]] == [
        "shop-20261127T020000Z-manual.dump.age",
        "shop-20261125T020000Z-scheduled.dump",
    ]


@pytest.mark.parametrize(
    ("db", "expected"),
    [
        (
            {"service": None, "image": "postgres:17", "host": "db.internal", "port": 6432, "sslmode": "require"},
            [
                "docker", "run", "--rm", "-i", "--network", "host", "-e", "PGPASSWORD", "-e", "PGSSLMODE",
                "postgres:17", "pg_dump", "--username", "u", "--dbname", "n", "--no-password",
                "--host", "db.internal", "--port", "6432",
            ],
        ),
        (
            {"service": None, "image": "postgres:17", "host": "10.0.0.5", "port": None, "sslmode": None},
            [
                "docker", "run", "--rm", "-i", "--network", "host", "-e", "PGPASSWORD",
                "postgres:17", "pg_dump", "--username", "u", "--dbname", "n", "--no-password",
                "--host", "10.0.0.5", "--port", "5432",
            ],
        ),
    ],
)  # fmt: skip
def test_an_external_database_is_reached_by_a_client_container(settings, db, expected):
    settings.db.update(db, user="u", name="n")
    assert settings.pg("pg_dump", *settings.conn(), stdin=True) == expected
    assert settings.pg_env.get("PGSSLMODE") == db["sslmode"]
    assert settings.pg_env["PGPASSWORD"] == "p"


def test_a_killed_runs_temporary_files_are_cleared_by_the_next_dump_only(settings):
    d = Path(settings.dir)
    write_dump(d, "shop-20261127T020000Z-manual.dump")
    for leftover in (".partial-shop-20261127T030000Z-scheduled.dump", ".partial-shop-20261127T030000Z-x.media.tar.gz"):
        (d / leftover).write_bytes(b"half")
    assert sorted(gpb.clear_stale(settings)) == [
        ".partial-shop-20261127T030000Z-scheduled.dump",
        ".partial-shop-20261127T030000Z-x.media.tar.gz",
    ]
    assert sorted(os.listdir(d)) == [
        "shop-20261127T020000Z-manual.dump",
        "shop-20261127T020000Z-manual.dump.json",
        "shop-20261127T020000Z-manual.dump.sha256",
    ]


def test_sigterm_ends_through_the_failure_path():
    with pytest.raises(gpb.Failure, match="stopped by signal 15"):
        gpb.stopped(15, None)
