#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_health
short_description: Check a golive app host's firewall, jails, disks, backups, drills, rollback target and mail relay
version_added: 0.9.0
description:
  - Read-only go-live checks run on the app host; each returns what it saw as data in
    RV(checks) (C(name), C(ok), a one-line C(detail) and C(data)).
  - A check runs only when its input is given (a non-empty value) and, when O(checks) is set,
    only when it is named there. O(disk_paths) has a default, so C(disk_space) runs unless
    O(checks) leaves it out.
  - C(ufw_active) (O(ufw_allowed_ports)) - C(ufw status verbose) says active, the default
    incoming policy is deny and the ports of the incoming ALLOW and LIMIT rules are exactly
    O(ufw_allowed_ports); the detail names extra rules and missing ports.
  - C(fail2ban_jails) (O(fail2ban_jails)) - C(fail2ban-client status) lists every jail of
    O(fail2ban_jails) and each answers C(fail2ban-client status JAIL).
  - C(disk_space) (O(disk_paths)) - every path's file system has at least
    O(disk_min_free_percent) and O(disk_min_free_mb) free (space available to non-root users).
  - C(backup_recent) (O(backup_state_dir)) - the last successful dump recorded by
    C(golive-pg-backup) (C(last-dump.json)) is at most O(backup_max_age_hours) old, its file
    exists, its off-site copy did not fail, and no failed attempt (C(last-dump-error.json))
    came after it.
  - C(restore_drill) (O(backup_state_dir)) - the last restore drill (C(drill-last.json))
    passed and is at most O(drill_max_age_days) old. No drill ever is not ok.
  - C(rollback_target) (O(app_dir)) - a release other than the live one (C(live.json), or
    the C(current) link of a host released before blue/green) has served (has a
    C(release.json)), and every image its C(compose.yaml) names is on the host
    (C(docker image inspect)). The release is the one C(rollback.yml) goes back to by default
    (the newest that served before the live one), else the newest other that served. A first
    release (the app's C(audit.log) names no other) is ok with nothing to roll back to; a
    live release whose predecessors are all gone is not.
  - C(mail_relay) (O(mail_relay_host)) - the relay answers on O(mail_relay_port), accepts
    EHLO, offers STARTTLS and the TLS handshake completes.
  - Never reports C(changed) and does not fail when a check is not ok (RV(ok) is false and
    RV(not_ok) names them); it fails only on bad input. A check that cannot run is not ok,
    with the reason.
author:
  - golive.stack developers (@golive-stack)
extends_documentation_fragment:
  - golive.stack.read_only
options:
  checks:
    description:
      - Run only these checks (each still needs its input). All whose input is given when unset.
      - Naming a check whose input is not given is an error.
    type: list
    elements: str
    choices: [ufw_active, fail2ban_jails, disk_space, backup_recent, restore_drill, rollback_target, mail_relay]
  ufw_allowed_ports:
    description:
      - The ports (V(22)) and ranges (V(6000:6007)) that incoming ALLOW or LIMIT rules must
        open, no more and no fewer, whatever their protocol and source.
      - Input of C(ufw_active).
    type: list
    elements: str
  fail2ban_jails:
    description:
      - Jails that must run, for example V(sshd), V(nginx-http-auth), V(nginx-botsearch),
        V(nginx-bad-request) and V(recidive) with the fail2ban role's defaults. Other running
        jails are returned, not judged.
      - Input of C(fail2ban_jails).
    type: list
    elements: str
  disk_paths:
    description: Paths whose file systems must have room (input of C(disk_space)); V([]) skips the check.
    type: list
    elements: path
    default: [/, /var/lib/docker]
  disk_min_free_percent:
    description: Free space each file system must have, in percent of its size.
    type: float
    default: 10
  disk_min_free_mb:
    description: Free space each file system must have, in MiB (V(0) for no absolute minimum).
    type: int
    default: 0
  backup_state_dir:
    description:
      - The app's C(golive-pg-backup) state directory, C(pg_backup_state_dir/APP), for example
        V(/var/lib/golive/pg_backup/shop).
      - Input of C(backup_recent) and C(restore_drill).
    type: path
  backup_max_age_hours:
    description: Age in hours the last successful dump may have.
    type: float
    default: 26
  drill_max_age_days:
    description: Age in days the last passed restore drill may have.
    type: float
    default: 8
  app_dir:
    description:
      - The app's directory, C(app_root/APP), for example V(/opt/golive/shop), with C(live.json)
        and C(releases/).
      - Input of C(rollback_target).
    type: path
  mail_relay_host:
    description: The SMTP relay the app sends through (input of C(mail_relay)).
    type: str
  mail_relay_port:
    description: Its submission port (STARTTLS).
    type: int
    default: 587
  mail_relay_validate_certs:
    description: Whether the relay's certificate must validate (chain and host name) for the handshake to count.
    type: bool
    default: true
  mail_relay_ca_path:
    description: CA file or directory to validate the relay's certificate against instead of the system store.
    type: path
  mail_relay_timeout:
    description: Seconds to wait for the relay (connection and each answer).
    type: float
    default: 10
requirements:
  - ufw, fail2ban-client and the Docker CLI on the host for the checks that use them; root
    to read their state and the backup state directory (C(become)).
seealso:
  - module: golive.stack.http_probe
"""

EXAMPLES = r"""
- name: Go-live checks of the app host
  golive.stack.host_health:
    ufw_allowed_ports: [22, 80, 443]
    fail2ban_jails: [sshd, nginx-http-auth, nginx-botsearch, nginx-bad-request, recidive]
    backup_state_dir: /var/lib/golive/pg_backup/shop
    app_dir: /opt/golive/shop
    mail_relay_host: smtp.example.com
  become: true
  register: shop_health

- name: Every check is ok
  ansible.builtin.assert:
    that: shop_health.ok
    fail_msg: "{{ shop_health.checks | rejectattr('ok') | map(attribute='detail') | list }}"

- name: Only the backups, a day and a half of slack
  golive.stack.host_health:
    checks: [backup_recent, restore_drill]
    backup_state_dir: /var/lib/golive/pg_backup/shop
    backup_max_age_hours: 36
  become: true
"""

RETURN = r"""
ok:
  description: Whether every check that ran is ok.
  returned: always
  type: bool
  sample: false
not_ok:
  description: The names of the checks that are not ok.
  returned: always
  type: list
  elements: str
  sample: [restore_drill]
checks:
  description:
    - The checks that ran, in the order of O(checks)' choices.
    - "C(data) per check: C(ufw_active) - C(status), C(default_incoming), C(expected_ports),
      C(allowed_ports), C(extra), C(missing), C(rules) (C(to), C(action), C(direction), C(from),
      C(ports), C(proto), C(address), C(app), C(interface), C(v6), C(comment));
      C(fail2ban_jails) - C(listed), C(expected), C(missing), C(jails) (name: C(currently_failed),
      C(total_failed), C(currently_banned), C(total_banned), or null when it did not answer);
      C(disk_space) - C(paths) (C(path), C(total_mb), C(free_mb), C(free_percent), C(ok), or
      C(error)), C(min_free_percent), C(min_free_mb); C(backup_recent) - C(state_dir),
      C(max_age_hours), C(last_dump) (C(time), C(age_hours), C(label), C(file),
      C(file_exists), C(bytes), C(offsite_error)), C(last_error) (C(time), C(label),
      C(error)); C(restore_drill) - C(state_dir), C(max_age_days), C(result), C(finished),
      C(age_days), C(dump), C(dump_time), C(tables), C(rows), C(restore_seconds), C(error);
      C(rollback_target) - C(app_dir), C(live), C(served), C(unreadable), C(audited) (the
      releases C(audit.log) names, when no other release is kept), C(target),
      C(target_released_at), C(rollback_default), C(images) (C(image), C(present), C(id),
      C(error)); C(mail_relay) - C(host), C(port), C(banner), C(starttls_offered),
      C(tls_version), C(cipher), C(cert_validated). Keys are missing when the check stopped
      before it could read them."
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The check.
      type: str
      returned: always
      sample: restore_drill
    ok:
      description: Whether it holds.
      type: bool
      returned: always
      sample: false
    detail:
      description: One line of what was seen.
      type: str
      returned: always
      sample: "last drill 2026-11-12T04:00:31Z (15.4 days ago) passed, but is older than 8 days"
    data:
      description: What the check read, as data (see above).
      type: dict
      returned: always
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _host_health


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "checks": {"type": "list", "elements": "str", "choices": list(_host_health.CHECK_NAMES)},
            "ufw_allowed_ports": {"type": "list", "elements": "str"},
            "fail2ban_jails": {"type": "list", "elements": "str"},
            "disk_paths": {"type": "list", "elements": "path", "default": ["/", "/var/lib/docker"]},
            "disk_min_free_percent": {"type": "float", "default": 10},
            "disk_min_free_mb": {"type": "int", "default": 0},
            "backup_state_dir": {"type": "path"},
            "backup_max_age_hours": {"type": "float", "default": 26},
            "drill_max_age_days": {"type": "float", "default": 8},
            "app_dir": {"type": "path"},
            "mail_relay_host": {"type": "str"},
            "mail_relay_port": {"type": "int", "default": 587},
            "mail_relay_validate_certs": {"type": "bool", "default": True},
            "mail_relay_ca_path": {"type": "path"},
            "mail_relay_timeout": {"type": "float", "default": 10},
        },
        supports_check_mode=True,
    )
    module.exit_json(**_host_health.host_health(module))


if __name__ == "__main__":
    main()
