# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: openpgp_fingerprints
short_description: Fingerprints of the keys in an OpenPGP public key block
version_added: 0.1.0
description:
  - Returns the fingerprints (40 upper-case hex digits, no blanks) of the primary keys
    and subkeys in an ASCII-armored or binary OpenPGP public key, so that a key
    downloaded by a host (for example an apt repository's signing key) can be compared
    with the fingerprint the user expects before apt trusts it.
  - Needs no gpg on the controller or the host. Version 4 keys (RFC 4880) only, which
    is what apt repositories' signing keys are; other versions are an error.
options:
  _input:
    description: The key, armored (C(-----BEGIN PGP PUBLIC KEY BLOCK-----)) or binary.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: The downloaded key is Docker's
  ansible.builtin.assert:
    that: docker_repo_key_fingerprint in (key.content | golive.stack.openpgp_fingerprints)
"""

RETURN = r"""
_value:
  description: Fingerprints, primary keys first in the order of the block.
  type: list
  elements: str
"""

import base64
import hashlib

from ansible.errors import AnsibleFilterError

_PUBLIC_KEY = 6  # packet tags (RFC 4880, 4.3)
_PUBLIC_SUBKEY = 14


def _dearmor(text):
    lines = [line.strip() for line in text.strip().splitlines()]
    try:
        start = lines.index("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        end = lines.index("-----END PGP PUBLIC KEY BLOCK-----", start)
    except ValueError as exc:
        raise AnsibleFilterError("openpgp_fingerprints: no armored public key block") from exc
    body = lines[start + 1 : end]
    # armor headers (Version:, Comment:) end at the first blank line
    if "" in body:
        body = body[body.index("") + 1 :]
    data = "".join(line for line in body if not line.startswith("="))
    try:
        return base64.b64decode(data, validate=True)
    except ValueError as exc:
        raise AnsibleFilterError(f"openpgp_fingerprints: bad armor: {exc}") from exc


def _packets(data):
    pos = 0
    while pos < len(data):
        ctb = data[pos]
        if not ctb & 0x80:
            raise AnsibleFilterError(f"openpgp_fingerprints: not an OpenPGP packet at byte {pos}")
        if ctb & 0x40:  # new format
            tag, pos = ctb & 0x3F, pos + 1
            first = data[pos]
            if first < 192:
                length, pos = first, pos + 1
            elif first < 224:
                length, pos = ((first - 192) << 8) + data[pos + 1] + 192, pos + 2
            elif first == 255:
                length, pos = int.from_bytes(data[pos + 1 : pos + 5], "big"), pos + 5
            else:
                raise AnsibleFilterError("openpgp_fingerprints: partial-length packets are not keys")
        else:  # old format
            tag, kind, pos = (ctb >> 2) & 0x0F, ctb & 0x03, pos + 1
            if kind == 3:
                raise AnsibleFilterError("openpgp_fingerprints: indeterminate-length packets are not keys")
            size = 1 << kind
            length, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
        if pos + length > len(data):
            raise AnsibleFilterError("openpgp_fingerprints: truncated key data")
        yield tag, data[pos : pos + length]
        pos += length


def openpgp_fingerprints(key):
    if isinstance(key, str):
        data = _dearmor(key) if "BEGIN PGP" in key else key.encode("latin-1")
    else:
        data = bytes(key)
    found = []
    for tag, body in _packets(data):
        if tag not in (_PUBLIC_KEY, _PUBLIC_SUBKEY):
            continue
        if not body or body[0] != 4:
            raise AnsibleFilterError(
                f"openpgp_fingerprints: key version {body[0] if body else '?'} is not supported (only 4)"
            )
        digest = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body, usedforsecurity=False)
        found.append(digest.hexdigest().upper())
    if not found:
        raise AnsibleFilterError("openpgp_fingerprints: the data holds no public key")
    return found


class FilterModule:
    def filters(self):
        return {"openpgp_fingerprints": openpgp_fingerprints}
