#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: http_probe
short_description: Probe an HTTP(S) endpoint through a chosen address and return what it saw
version_added: 0.1.0
description:
  - Sends one HTTP or HTTPS request (following redirects only when asked) and returns the
    outcome as data, for health gates and go-live reports. Never reports C(changed).
  - With O(connect_to) the connection goes to that address while the URL's host stays the
    TLS server name (SNI) and the C(Host) header, like C(curl --resolve), so a site can be
    probed through its proxy before DNS points at it.
  - For HTTPS it returns the peer certificate (subject, issuer, DNS names, validity, days
    to expiry) even when it does not validate, and whether it validated against
    O(ca_path) (or the system trust store).
  - Without expectations it only reports; an unreachable endpoint gives RV(reachable=false)
    and RV(error). It fails, with all the data in the result, when O(expect_status) or
    O(body_regex) is given and not met, or when O(validate_certs=true) and the certificate
    does not validate.
  - Uses the Python standard library only.
author:
  - golive.stack developers (@golive-stack)
extends_documentation_fragment:
  - golive.stack.read_only
  - golive.stack.http_connection
options:
  url:
    description: The URL to request, V(http://...) or V(https://...).
    type: str
    required: true
  method:
    description: Request method.
    type: str
    choices: [GET, HEAD]
    default: GET
  follow_redirects:
    description: Follow up to ten redirects (301, 302, 303, 307, 308) and report the last response.
    type: bool
    default: false
  validate_certs:
    description:
      - Fail when the certificate does not validate (chain and host name).
      - With V(false) the request is sent anyway, and RV(certificate.verified) still tells.
    type: bool
    default: true
  expect_status:
    description: Fail unless the status (after redirects, if followed) is one of these.
    type: list
    elements: int
  body_regex:
    description: Fail unless this regular expression (Python syntax) is found in the first MiB of the body.
    type: str
"""

EXAMPLES = r"""
- name: The site answers through nginx on this host with its public name
  golive.stack.http_probe:
    url: https://shop.example.com/healthz
    connect_to: 127.0.0.1
    expect_status: [200]
    body_regex: '"status":\s*"ok"'
  register: shop_health

- name: Plain HTTP redirects to HTTPS
  golive.stack.http_probe:
    url: http://shop.example.com/
    connect_to: 127.0.0.1
    expect_status: [301, 308]
  register: shop_redirect

- name: Certificate has at least 14 days left
  ansible.builtin.assert:
    that: shop_health.certificate.days_to_expiry >= 14
"""

RETURN = r"""
url:
  description: The URL of the reported response (the last one when redirects were followed).
  returned: always
  type: str
reachable:
  description: Whether an HTTP response was received.
  returned: always
  type: bool
status:
  description: HTTP status code, null when unreachable.
  returned: always
  type: int
  sample: 200
reason:
  description: HTTP reason phrase.
  returned: always
  type: str
headers:
  description: Response headers, names in lower case; repeated headers joined with C(, ).
  returned: always
  type: dict
  sample: {strict-transport-security: max-age=63072000; includeSubDomains}
location:
  description: The C(Location) header of the reported response, if any.
  returned: always
  type: str
redirects:
  description: Redirects followed, in order.
  returned: always
  type: list
  elements: dict
  contains:
    url:
      description: URL requested.
      type: str
      returned: always
    status:
      description: Its status.
      type: int
      returned: always
    location:
      description: Where it pointed.
      type: str
      returned: always
body_excerpt:
  description: The first 1024 characters of the body.
  returned: always
  type: str
body_match:
  description: Whether O(body_regex) matched; null without O(body_regex).
  returned: always
  type: bool
elapsed_ms:
  description: Milliseconds for the whole probe (connections, TLS, redirects, body).
  returned: always
  type: float
error:
  description: Why there is no (or no further) response, or null.
  returned: always
  type: str
unmet:
  description: The expectations that were not met (the reasons the task failed).
  returned: always
  type: list
  elements: str
certificate:
  description: The peer certificate of the reported HTTPS response, null for HTTP.
  returned: always
  type: dict
  contains:
    subject:
      description: Subject attributes (for example C(commonName)).
      type: dict
      returned: always
    issuer:
      description: Issuer attributes.
      type: dict
      returned: always
    names:
      description: DNS names of the subjectAltName extension.
      type: list
      elements: str
      returned: always
    serial_number:
      description: Serial number (hex).
      type: str
      returned: always
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
      returned: always
    not_after:
      description: End of validity, ISO 8601 UTC.
      type: str
      returned: always
    days_to_expiry:
      description: Whole days until RV(certificate.not_after) (negative once expired).
      type: int
      returned: always
    sha256_fingerprint:
      description: SHA-256 fingerprint of the DER certificate.
      type: str
      returned: always
    verified:
      description: Whether the chain and host name validated against O(ca_path) or the system trust store.
      type: bool
      returned: always
    verify_error:
      description: Why validation failed, or null.
      type: str
      returned: always
    tls_version:
      description: Negotiated TLS version.
      type: str
      returned: always
      sample: TLSv1.3
    cipher:
      description: Negotiated cipher suite.
      type: str
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _probe


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **_probe.CONNECTION_OPTIONS,
            "url": {"type": "str", "required": True},
            "method": {"type": "str", "choices": ["GET", "HEAD"], "default": "GET"},
            "follow_redirects": {"type": "bool", "default": False},
            "expect_status": {"type": "list", "elements": "int"},
            "body_regex": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    bad_input = _probe.input_errors(params["url"], params["connect_to"], params["body_regex"])
    if bad_input:
        module.fail_json(msg="; ".join(bad_input), changed=False)
    result = _probe.probe(
        params["url"],
        connect_to=params["connect_to"],
        method=params["method"],
        headers=params["headers"],
        timeout=params["timeout"],
        validate_certs=params["validate_certs"],
        ca_path=params["ca_path"],
        follow_redirects=params["follow_redirects"],
        body_regex=params["body_regex"],
        tmpdir=module.tmpdir,
    )
    result["unmet"] = _probe.unmet_expectations(
        result, params["expect_status"], params["body_regex"], params["validate_certs"]
    )
    if result["unmet"]:
        module.fail_json(msg=f"{params['url']}: {'; '.join(result['unmet'])}", changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
