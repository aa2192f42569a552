# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.golive.stack.plugins.filter import openpgp_fingerprints

FINGERPRINTS = openpgp_fingerprints.FilterModule().filters()["openpgp_fingerprints"]

# An ed25519 key with a cv25519 subkey, made with GnuPG 2.2 for this test; the
# expected fingerprints are the ones `gpg --with-colons --fingerprint --fingerprint` printed.
KEY = """\
-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEawj7NRYJKwYBBAHaRw8BAQdAejLzR3NZCQgkWNKZeRkWeUzy8oCZjSfEP467
EDlmJ660DXUgPHVAZXhhbXBsZT6IkAQTFggAOBYhBJ42P4HXj/BGYPMFDprQA8AQ
ROdpBQJrCPs1AhsDBQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAAAoJEJrQA8AQROdp
pTwBAJZGDlId4yHIHjapaNwWkb1r/h3b9TZxLNQjlbaTzOTxAP0bCbt8C9bAjj9F
JJN0omx5GOIl8Q17EfN9AAwAYB/qA7g4BGsI+zgSCisGAQQBl1UBBQEBB0Co1PT5
njQW2OZjOY1QOiPO2KlSry0GI8tpOptTfBxrIwMBCAeIeAQYFggAIBYhBJ42P4HX
j/BGYPMFDprQA8AQROdpBQJrCPs4AhsMAAoJEJrQA8AQROdpk/QBANsxmpJZUqj5
LO7KDEXVMFIykq0PgwyakvAQCVeTRJ4sAQDf+yNKgmVVWNYm/93TzVc6FpKkj7sW
nqk8baJrH8pADA==
=QE9O
-----END PGP PUBLIC KEY BLOCK-----
"""
EXPECTED = ["9E363F81D78FF04660F3050E9AD003C01044E769", "735366DACF75957D6C951C574F07E94AA1897D35"]


def _binary():
    body = KEY.split("\n\n", 1)[1].split("\n=", 1)[0]
    return base64.b64decode("".join(body.split()))


def test_armored_key_gives_primary_and_subkey():
    assert FINGERPRINTS(KEY) == EXPECTED


def test_armor_headers_are_skipped():
    assert FINGERPRINTS(KEY.replace("BLOCK-----\n\n", "BLOCK-----\nComment: test\n\n", 1)) == EXPECTED


def test_binary_key():
    assert FINGERPRINTS(_binary()) == EXPECTED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not a key at all", "not an OpenPGP packet"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n-----END PGP PUBLIC KEY BLOCK-----", "bad armor"),
        ("<html>404</html>", "not an OpenPGP packet"),
    ],
)
def test_what_is_not_a_key_is_refused(data, message):
    with pytest.raises(AnsibleFilterError, match=message):
        FINGERPRINTS(data)


def test_truncated_key_is_refused():
    with pytest.raises(AnsibleFilterError, match="truncated"):
        FINGERPRINTS(_binary()[:40])
