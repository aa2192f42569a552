# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.golive.stack.plugins.filter import in_networks, invalid_networks

IN_NETWORKS = in_networks.FilterModule().filters()["in_networks"]


@pytest.mark.parametrize(
    ("address", "networks", "expected"),
    [
        ("10.213.7.1", ["10.213.7.0/24"], True),
        ("10.213.8.1", ["10.213.7.0/24"], False),
        ("10.213.7.1", ["192.0.2.0/24", "10.213.7.1"], True),
        ("::ffff:10.213.7.1", ["10.213.7.0/24"], True),
        ("2001:db8::5", ["2001:db8::/32"], True),
        ("2001:db9::5", ["2001:db8::/32", "10.0.0.0/8"], False),
        ("198.51.100.7", ["any"], True),
        ("198.51.100.7", [], False),
        ("10.0.0.1", ["10.0.0.1/8"], True),  # host bits set: the network is meant
    ],
)
def test_in_networks(address, networks, expected):
    assert IN_NETWORKS(address, networks) is expected


@pytest.mark.parametrize(("address", "networks"), [("not-an-ip", ["10.0.0.0/8"]), ("10.0.0.1", ["10.0.0.0/33"])])
def test_bad_input_is_an_error(address, networks):
    with pytest.raises(AnsibleFilterError, match="in_networks"):
        IN_NETWORKS(address, networks)


INVALID_NETWORKS = invalid_networks.FilterModule().filters()["invalid_networks"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["10.213.7.1", "10.213.7.0/24", "2001:db8::/32", "10.0.0.1/8"], []),
        ([], []),
        (["lb.example.com", "10.0.0.0/33", "10.0.0.1", "any", ""], ["lb.example.com", "10.0.0.0/33", "any", ""]),
    ],
)
def test_invalid_networks(values, expected):
    assert INVALID_NETWORKS(values) == expected
