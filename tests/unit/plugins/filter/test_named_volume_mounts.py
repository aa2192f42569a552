# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.golive.stack.plugins.filter import named_volume_mounts

MOUNTS = named_volume_mounts.FilterModule().filters()["named_volume_mounts"]
DECLARED = {"media": {}, "uploads": None}


@pytest.mark.parametrize(
    ("volumes", "expected"),
    [
        (["media:/app/media"], [("media", "/app/media")]),
        (["media:/app/media:rw", "uploads:/srv/up:ro"], [("media", "/app/media"), ("uploads", "/srv/up")]),
        ([{"type": "volume", "source": "media", "target": "/app/media"}], [("media", "/app/media")]),
        ([{"source": "media", "target": "/m"}], [("media", "/m")]),  # type defaults to volume
        (["./media:/app/media", "/srv/media:/app/media"], []),  # bind mounts
        ([{"type": "bind", "source": "media", "target": "/app/media"}], []),
        ([{"type": "tmpfs", "target": "/tmp"}], []),
        (["/app/cache"], []),  # anonymous
        (["other:/app/other"], []),  # not declared in the file: compose refuses it anyway
        ([], []),
        (None, []),
    ],
)
def test_named_volume_mounts(volumes, expected):
    compose = {"services": {"web": {"volumes": volumes}}, "volumes": DECLARED}
    assert [(m["source"], m["target"]) for m in MOUNTS(compose)] == expected


@pytest.mark.parametrize(
    "compose",
    [
        None,
        {"services": {"web": {"volumes": ["media:/m"]}}},  # no top-level volumes
        {"services": {"worker": {"volumes": ["media:/m"]}}, "volumes": DECLARED},  # no web
        {"services": ["web"], "volumes": DECLARED},
    ],
)
def test_nothing_to_read(compose):
    assert MOUNTS(compose) == []


def test_another_service():
    compose = {"services": {"worker": {"volumes": ["media:/m"]}}, "volumes": DECLARED}
    assert MOUNTS(compose, "worker") == [{"source": "media", "target": "/m"}]
