# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parsers of _host_health: ufw, fail2ban-client, golive-pg-backup stamps, compose images."""

from __future__ import annotations

import pytest

from ansible_collections.golive.stack.plugins.module_utils import _host_health

HEADER = """\
Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
"""


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            "22/tcp                     LIMIT IN    Anywhere                   # golive: limit 22/tcp from any (ssh)",
            {"to": "22/tcp", "action": "LIMIT", "direction": "IN", "from": "Anywhere", "ports": ["22"],
             "proto": "tcp", "address": None, "app": None, "interface": None, "v6": False,
             "comment": "golive: limit 22/tcp from any (ssh)"},
        ),
        (
            "443 (v6)                   ALLOW IN    Anywhere (v6)",
            {"ports": ["443"], "proto": None, "v6": True, "from": "Anywhere", "comment": None},
        ),
        (
            "6000:6007/udp              ALLOW IN    10.0.0.0/8",
            {"ports": ["6000:6007"], "proto": "udp", "from": "10.0.0.0/8"},
        ),
        (
            "80,443/tcp (Nginx Full (v6)) ALLOW IN    Anywhere (v6)",
            {"ports": ["80", "443"], "proto": "tcp", "app": "Nginx Full", "v6": True},
        ),
        (
            "22/tcp on eth0             ALLOW IN    192.0.2.0/24               (log)",
            {"ports": ["22"], "interface": "eth0", "from": "192.0.2.0/24"},
        ),
        (
            "Anywhere                   ALLOW IN    203.0.113.5",
            {"ports": ["any"], "address": None, "from": "203.0.113.5"},
        ),
        (
            "10.1.2.3 5432/tcp          DENY IN     Anywhere                   (log-all) # no database from outside",
            {"action": "DENY", "ports": ["5432"], "address": "10.1.2.3", "from": "Anywhere",
             "comment": "no database from outside"},
        ),
        (
            "Anywhere on docker0        ALLOW FWD   Anywhere on eth0",
            {"action": "ALLOW", "direction": "FWD", "ports": ["any"], "interface": "docker0"},
        ),
        ("25/tcp                     REJECT OUT  Anywhere", {"action": "REJECT", "direction": "OUT"}),
    ],
)  # fmt: skip
def test_parse_ufw_rule(line, expected):
    parsed = _host_health.parse_ufw_status(HEADER + line + "\n")
    assert (parsed["status"], parsed["default_incoming"], parsed["default_routed"]) == ("active", "deny", "disabled")
    (rule,) = parsed["rules"]
    assert {key: rule[key] for key in expected} == expected


@pytest.mark.parametrize(
    "text, status, incoming",
    [
        ("Status: inactive\n", "inactive", None),
        ("Status: active\n", "active", None),  # no rules: no table
        (HEADER.replace("deny (incoming)", "reject (incoming)"), "active", "reject"),
        ("", None, None),
        ("ERROR: problem running iptables: iptables v1.8.9 (nf_tables): table `filter' is incompatible\n", None, None),
    ],
)
def test_parse_ufw_status_lines(text, status, incoming):
    parsed = _host_health.parse_ufw_status(text)
    assert (parsed["status"], parsed["default_incoming"], parsed["rules"]) == (status, incoming, [])


@pytest.mark.parametrize(
    "text, jails",
    [
        ("Status\n|- Number of jail:\t2\n`- Jail list:\tsshd, recidive\n", ["sshd", "recidive"]),
        ("Status\n|- Number of jail:\t0\n`- Jail list:\t\n", []),
        ("Status\n|- Number of jail:      1\n`- Jail list:   sshd\n", ["sshd"]),
        ("Server replied: pong\n", None),
    ],
)
def test_parse_fail2ban_jail_list(text, jails):
    assert _host_health.parse_fail2ban_jail_list(text) == jails


def test_parse_fail2ban_jail():
    text = (
        "Status for the jail: nginx-botsearch\n|- Filter\n|  |- Currently failed:\t3\n|  |- Total failed:\t12\n"
        "|  `- File list:\t/var/log/nginx/error.log\n`- Actions\n   |- Currently banned:\t1\n"
        "   |- Total banned:\t4\n   `- Banned IP list:\t198.51.100.23\n"
    )
    assert _host_health.parse_fail2ban_jail(text) == {
        "currently_failed": 3,
        "total_failed": 12,
        "currently_banned": 1,
        "total_banned": 4,
    }
    assert _host_health.parse_fail2ban_jail("Sorry but the jail 'x' does not exist\n") is None


@pytest.mark.parametrize(
    "value, epoch",
    [("20261127T030012Z", 1795748412.0), ("19700101T000000Z", 0.0)],
)
def test_parse_stamp(value, epoch):
    assert _host_health.parse_stamp(value) == epoch


@pytest.mark.parametrize("value", ["2026-11-27T03:00:12Z", "20261127T030012", "", None, 20261127])
def test_parse_stamp_rejects(value):
    with pytest.raises(ValueError):
        _host_health.parse_stamp(value)


def test_compose_images():
    text = (
        "x-app: &app\n  image: registry.test/shop@sha256:abc  # pinned\nservices:\n  web:\n    <<: *app\n"
        "  postgres:\n    image: \"postgres:17.2\"\n  redis:\n    image: 'redis:7.4'\n  again:\n"
        "    image: postgres:17.2\n  built:\n    build: {context: ., args: {image: nope}}\n"
    )
    assert _host_health.compose_images(text) == ["registry.test/shop@sha256:abc", "postgres:17.2", "redis:7.4"]
