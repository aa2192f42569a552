#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: django_site_probe
short_description: Check a Django site from outside - login page, CSRF, static caching, login - and return checks
version_added: 0.9.0
description:
  - Visits a Django site as a browser would, from where the module runs (usually the
    controller, delegated to C(localhost)), and returns what it saw as RV(checks), one
    entry per check. Never reports C(changed) and fails only on bad input; a check that does
    not hold, an unreachable site included, is data.
  - A check that cannot run because an earlier one failed is still returned, not ok; its
    detail starts with C(not run) and its data has only C(not_run), the reason. So a required
    check never vanishes from a report.
  - C(login_page) - the login page answers 200 with a CSRF token (the C(csrftoken) cookie and
    a C(csrfmiddlewaretoken) field in a form with a password field). The other checks need
    a 200.
  - C(static_cached) - the first hashed static file the login page references (a name like
    C(base.0123456789ab.css), as C(ManifestStaticFilesStorage) writes them) answers 200 with
    C(Cache-Control) C(max-age) of at least O(static_min_max_age) and neither C(no-store)
    nor C(no-cache). Not ok when the page references no hashed file.
  - C(login_refused) - the login form posted with the CSRF token, a random user that does not
    exist and a random password is refused cleanly - 200, the form again, no C(sessionid)
    cookie; not a server error and not a 403 CSRF failure. Needs C(login_page) ok.
  - C(login_works) - only with O(username) and O(password) (else not returned), a real login
    answers 302 and sets the C(sessionid) cookie. The session it opens is left to expire, and
    Django records the user's C(last_login), so use a dedicated monitoring account.
  - Requests go through the shared HTTP code of M(golive.stack.http_probe) (standard library only).
author:
  - golive.stack developers (@golive-stack)
extends_documentation_fragment:
  - golive.stack.read_only
  - golive.stack.http_connection
options:
  base_url:
    description:
      - The site's public base URL, V(https://DOMAIN) (a path prefix such as V(https://DOMAIN/app) is kept).
      - With O(connect_to) the requests go to that address while the site's name stays the
        TLS server name and the C(Host) header.
    type: str
    required: true
  login_path:
    description: Path of the login page under O(base_url).
    type: str
    default: /admin/login/
  static_min_max_age:
    description: Least C(Cache-Control) C(max-age), in seconds, for a hashed static file.
    type: int
    default: 31536000
  username:
    description: Monitoring account for C(login_works); with O(password). Without them C(login_works) does not run.
    type: str
  password:
    description: Password of O(username).
    type: str
  validate_certs:
    description:
      - Validate the site's certificate (chain and host name); when it does not validate, no
        request is sent and C(login_page) is not ok, saying why.
    type: bool
    default: true
seealso:
  - module: golive.stack.http_probe
  - module: golive.stack.port_probe
"""

EXAMPLES = r"""
- name: The site as a visitor sees it, through the host's address before DNS points at it
  golive.stack.django_site_probe:
    base_url: https://shop.example.com
    connect_to: "{{ ansible_host }}"
    username: monitor
    password: "{{ vault_monitor_password }}"
  delegate_to: localhost
  register: shop_site

- name: Every check holds
  ansible.builtin.assert:
    that: shop_site.checks | rejectattr('ok') | list | length == 0
    fail_msg: "{{ shop_site.checks | rejectattr('ok') | map(attribute='detail') | list }}"
"""

RETURN = r"""
checks:
  description:
    - The checks in the order C(login_page), C(static_cached), C(login_refused), C(login_works) (the last
      only with O(username)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(login_page), C(static_cached), C(login_refused) or C(login_works).
      type: str
      returned: always
    ok:
      description: Whether the check holds.
      type: bool
      returned: always
    detail:
      description: What was seen, in one line.
      type: str
      returned: always
      sample: "GET /static/admin/css/base.1f418065fc2c.css -> 200, Cache-Control: max-age=315360000, public, immutable"
    data:
      description:
        - The request's C(url), C(status) (null without an answer), C(elapsed_ms) and C(error)
          (why there is no answer, or null); then per check -
        - C(login_page) - C(csrf_cookie), C(csrf_field), C(login_form) (booleans).
        - C(static_cached) - C(cache_control), C(max_age), C(immutable), C(min_max_age), C(hashed_urls)
          (every hashed URL of the page; only this key when there is none).
        - C(login_refused) and C(login_works) - C(username), C(location), C(session_cookie) (a
          C(sessionid) was set), C(form_again) (the answer holds the login form).
        - A check that did not run has only C(not_run), why.
      type: dict
      returned: always
  sample:
    - name: login_page
      ok: true
      detail: GET /admin/login/ -> 200, csrftoken cookie, csrfmiddlewaretoken field
      data: {url: "https://shop.example.com/admin/login/", status: 200, elapsed_ms: 41.2, error: null,
             csrf_cookie: true, csrf_field: true, login_form: true}
    - name: login_refused
      ok: false
      detail: >-
        POST /admin/login/ as golive-probe-5c0e1a2b with a wrong password -> 500, no login form,
        no sessionid cookie
      data: {url: "https://shop.example.com/admin/login/", status: 500, elapsed_ms: 12.9, error: null,
             location: null, session_cookie: false, form_again: false, username: golive-probe-5c0e1a2b}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _django_site, _probe


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **_probe.CONNECTION_OPTIONS,
            "base_url": {"type": "str", "required": True},
            "login_path": {"type": "str", "default": "/admin/login/"},
            "static_min_max_age": {"type": "int", "default": 31536000},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
        },
        required_together=[("username", "password")],
        supports_check_mode=True,
    )
    bad_input = _django_site.input_errors(module.params)
    if bad_input:
        module.fail_json(msg="; ".join(bad_input), changed=False)
    module.exit_json(changed=False, checks=_django_site.site_checks(module.params, module.tmpdir))


if __name__ == "__main__":
    main()
