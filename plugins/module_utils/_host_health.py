# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only health checks of a golive app host (private).

Each check returns ``{name, ok, detail, data}``: ``detail`` is one human line of what was
seen, ``data`` the facts behind it. A check that cannot run (a command missing, a file
unreadable, output not understood) is not ok with the reason; it never raises.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import smtplib
import ssl
import time
import typing as t

from ansible_collections.golive.stack.plugins.module_utils import _check, _cmd, _probe

CHECK_NAMES = (
    "ufw_active",
    "fail2ban_jails",
    "disk_space",
    "backup_recent",
    "restore_drill",
    "rollback_target",
    "mail_relay",
)
# The option whose value a check needs; a check runs only when it is given.
CHECK_INPUTS = {
    "ufw_active": "ufw_allowed_ports",
    "fail2ban_jails": "fail2ban_jails",
    "disk_space": "disk_paths",
    "backup_recent": "backup_state_dir",
    "restore_drill": "backup_state_dir",
    "rollback_target": "app_dir",
    "mail_relay": "mail_relay_host",
}

# golive-pg-backup's time stamps (its STAMP), in UTC.
PG_BACKUP_STAMP = "%Y%m%dT%H%M%SZ"
PORT_SPEC = re.compile(r"^\d{1,5}(?::\d{1,5})?$")
MB = 1024 * 1024


def _last_line(*texts: str) -> str:
    """The last non-blank line of the first text that has one: a command's own message
    comes after its log lines (fail2ban-client)."""
    for text in texts:
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def parse_stamp(value: t.Any) -> float:
    """A golive-pg-backup stamp (20261127T030012Z) as seconds since the epoch; ValueError if it is not one."""
    if not isinstance(value, str):
        raise ValueError(f"not a time stamp: {value!r}")
    return float(calendar.timegm(time.strptime(value, PG_BACKUP_STAMP)))


def _read_json_object(path: str) -> dict[str, t.Any]:
    """A JSON object from a file; OSError or ValueError (with the path) otherwise."""
    with open(path, encoding="utf-8") as handle:
        try:
            value = json.load(handle)
        except ValueError as exc:
            raise ValueError(f"{path} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return value


# --- ufw_active ------------------------------------------------------------------------

_UFW_RULE = re.compile(
    r"^(?P<to>.+?)\s+(?P<action>ALLOW|DENY|REJECT|LIMIT)(?: (?P<direction>IN|OUT|FWD))?"
    r"(?:\s+(?P<from>.*?))?\s*$"
)
_UFW_PORTS = re.compile(r"^(?P<ports>\d+(?:[:,]\d+)*)(?:/(?P<proto>\w+))?$")


def _ufw_location(text: str) -> dict[str, t.Any]:
    """The To column of a rule: ports (["any"] for all), proto, address, app, interface, v6."""
    location: dict[str, t.Any] = {"ports": ["any"], "proto": None, "address": None, "app": None, "interface": None}
    location["v6"] = "(v6)" in text
    text = text.replace(" (v6)", "").replace("(v6)", "").strip()
    match = re.search(r"\s+on\s+(\S+)$", text)
    if match:
        location["interface"] = match.group(1)
        text = text[: match.start()]
    match = re.search(r"\s*\(([^()]*)\)$", text)  # verbose output names the app profile after its ports
    if match:
        location["app"] = match.group(1)
        text = text[: match.start()]
    tokens = text.split()
    ports = _UFW_PORTS.match(tokens[-1]) if tokens else None
    if ports:
        location["ports"] = ports.group("ports").split(",")
        location["proto"] = ports.group("proto")
        tokens = tokens[:-1]
    address = " ".join(tokens)
    if address and not address.startswith("Anywhere"):
        location["address"] = address
    return location


def parse_ufw_status(text: str) -> dict[str, t.Any]:
    """``ufw status verbose`` as {status, default_incoming, default_outgoing, default_routed, rules}."""
    parsed: dict[str, t.Any] = {
        "status": None,
        "default_incoming": None,
        "default_outgoing": None,
        "default_routed": None,
        "rules": [],
    }
    in_rules = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("Status:"):
            parsed["status"] = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("Default:"):
            for policy, direction in re.findall(r"(\w+) \((incoming|outgoing|routed)\)", stripped):
                parsed[f"default_{direction}"] = policy
        elif stripped.startswith("--"):
            in_rules = True
        elif in_rules:
            rule_text, comment = (stripped.split("#", 1) + [""])[:2]
            match = _UFW_RULE.match(rule_text.strip())
            if not match:
                continue
            source = re.sub(r"\s*\((?:log|log-all)\)$", "", match.group("from") or "")
            rule = {
                "to": match.group("to"),
                "action": match.group("action"),
                "direction": match.group("direction") or "IN",
                "from": source.replace(" (v6)", ""),
                "comment": comment.strip() or None,
            }
            rule.update(_ufw_location(match.group("to")))
            parsed["rules"].append(rule)
    return parsed


def _port_key(port: str) -> tuple[int, str]:
    first = port.split(":", 1)[0]
    return (int(first), port) if first.isdigit() else (-1, port)


def ufw_active(module: t.Any, expected_ports: t.Sequence[str]) -> dict[str, t.Any]:
    name = "ufw_active"
    expected = sorted({str(port) for port in expected_ports}, key=_port_key)
    ufw = module.get_bin_path("ufw")
    if not ufw:
        return _check.check(name, False, "ufw is not installed (no ufw command)", {"expected_ports": expected})
    rc, stdout, stderr = _cmd.run(module, [ufw, "status", "verbose"], check_rc=False)
    if rc != 0:
        return _check.check(name, False, f"ufw status verbose exited {rc}: {_last_line(stderr, stdout)}", {"rc": rc})
    status = parse_ufw_status(stdout)
    allowing = [r for r in status["rules"] if r["action"] in ("ALLOW", "LIMIT") and r["direction"] == "IN"]
    allowed = sorted({port for rule in allowing for port in rule["ports"]}, key=_port_key)
    extra = [port for port in allowed if port not in expected]
    missing = [port for port in expected if port not in allowed]
    extra_rules = sorted(
        {
            f"{rule['to'].replace(' (v6)', '')} {rule['action']} IN from {rule['from']}"
            for rule in allowing
            if set(rule["ports"]) & set(extra)
        }
    )
    data = {
        "status": status["status"],
        "default_incoming": status["default_incoming"],
        "expected_ports": expected,
        "allowed_ports": allowed,
        "extra": extra,
        "missing": missing,
        "rules": status["rules"],
    }
    if status["status"] != "active":
        return _check.check(name, False, f"ufw is {status['status'] or 'in an unknown state (no Status line)'}", data)
    problems = []
    if status["default_incoming"] != "deny":
        problems.append(f"default incoming policy is {status['default_incoming'] or 'unknown'}, not deny")
    if extra_rules:
        problems.append(f"extra rules: {'; '.join(extra_rules)}")
    if missing:
        problems.append(f"missing incoming rules for port(s) {', '.join(missing)}")
    if problems:
        return _check.check(name, False, "; ".join(problems), data)
    return _check.check(
        name, True, f"active, incoming denied by default, allowed ports {', '.join(allowed) or 'none'}", data
    )


# --- fail2ban_jails --------------------------------------------------------------------

_F2B_COUNTERS = re.compile(r"(Currently failed|Total failed|Currently banned|Total banned):\s*(\d+)")


def parse_fail2ban_jail_list(text: str) -> list[str] | None:
    """The jails of ``fail2ban-client status``; None when the output has no jail list."""
    match = re.search(r"Jail list:[ \t]*(.*)$", text, re.MULTILINE)
    if not match:
        return None
    return [jail.strip() for jail in match.group(1).split(",") if jail.strip()]


def parse_fail2ban_jail(text: str) -> dict[str, int] | None:
    """The counters of ``fail2ban-client status JAIL``; None when it is not a jail's status."""
    if "Status for the jail" not in text:
        return None
    return {key.lower().replace(" ", "_"): int(value) for key, value in _F2B_COUNTERS.findall(text)}


def fail2ban_jails(module: t.Any, expected: t.Sequence[str]) -> dict[str, t.Any]:
    name = "fail2ban_jails"
    client = module.get_bin_path("fail2ban-client")
    if not client:
        return _check.check(
            name, False, "fail2ban is not installed (no fail2ban-client command)", {"expected": list(expected)}
        )
    rc, stdout, stderr = _cmd.run(module, [client, "status"], check_rc=False)
    if rc != 0:
        return _check.check(
            name, False, f"fail2ban-client status exited {rc}: {_last_line(stderr, stdout)}", {"rc": rc}
        )
    listed = parse_fail2ban_jail_list(stdout)
    if listed is None:
        return _check.check(name, False, f"no jail list in fail2ban-client status: {_last_line(stdout)}", {})
    missing = [jail for jail in expected if jail not in listed]
    jails: dict[str, t.Any] = {}
    silent = []
    for jail in expected:
        if jail in missing:
            continue
        rc, stdout, stderr = _cmd.run(module, [client, "status", jail], check_rc=False)
        counters = parse_fail2ban_jail(stdout) if rc == 0 else None
        if counters is None:
            silent.append(f"{jail} ({_last_line(stderr, stdout)})")
        jails[jail] = counters
    data = {"listed": listed, "expected": list(expected), "missing": missing, "jails": jails}
    problems = []
    if missing:
        problems.append(f"jail(s) not running: {', '.join(missing)}")
    if silent:
        problems.append(f"jail(s) not answering: {'; '.join(silent)}")
    if problems:
        return _check.check(name, False, "; ".join(problems), data)
    banned = sum((counters or {}).get("currently_banned", 0) for counters in jails.values())
    return _check.check(
        name, True, f"{len(jails)} jail(s) answer ({', '.join(jails) or 'none asked'}), {banned} banned", data
    )


# --- disk_space ------------------------------------------------------------------------


def disk_space(paths: t.Sequence[str], min_free_percent: float, min_free_mb: int) -> dict[str, t.Any]:
    entries = []
    for path in paths:
        entry: dict[str, t.Any] = {"path": path}
        try:
            stats = os.statvfs(path)
        except OSError as exc:
            entry.update(ok=False, error=exc.strerror or str(exc))
            entries.append(entry)
            continue
        total, free = stats.f_blocks * stats.f_frsize, stats.f_bavail * stats.f_frsize  # free: for non-root users
        percent = round(100.0 * free / total, 1) if total else 0.0
        entry.update(total_mb=total // MB, free_mb=free // MB, free_percent=percent)
        entry["ok"] = percent >= min_free_percent and entry["free_mb"] >= min_free_mb
        entries.append(entry)
    data = {"paths": entries, "min_free_percent": min_free_percent, "min_free_mb": min_free_mb}
    parts = []
    for entry in entries:
        if "error" in entry:
            parts.append(f"{entry['path']}: cannot tell ({entry['error']})")
        else:
            low = "" if entry["ok"] else " (too little)"
            parts.append(f"{entry['path']}: {entry['free_percent']}% free, {entry['free_mb']} MB{low}")
    limit = f"at least {min_free_percent:g}%" + (f" and {min_free_mb} MB" if min_free_mb else "")
    return _check.check(
        "disk_space", all(entry["ok"] for entry in entries), f"{'; '.join(parts)}; {limit} wanted", data
    )


# --- backup_recent, restore_drill ------------------------------------------------------


def backup_recent(state_dir: str, max_age_hours: float, now: float) -> dict[str, t.Any]:
    name = "backup_recent"
    success_path = os.path.join(state_dir, "last-dump.json")
    error_path = os.path.join(state_dir, "last-dump-error.json")
    data: dict[str, t.Any] = {
        "state_dir": state_dir,
        "max_age_hours": max_age_hours,
        "last_dump": None,
        "last_error": None,
    }
    error_time: float | None = None
    try:
        error = _read_json_object(error_path)
        error_time = parse_stamp(error.get("time"))
        data["last_error"] = {"time": _iso(error_time), "label": error.get("label"), "error": error.get("error")}
    except FileNotFoundError:
        pass  # no dump has failed
    except (OSError, ValueError) as exc:
        return _check.check(name, False, f"cannot read the last dump error: {exc}", data)
    try:
        dump = _read_json_object(success_path)
        dumped = parse_stamp(dump.get("time"))
    except FileNotFoundError:
        why = f"no successful dump recorded ({success_path} does not exist)"
        if data["last_error"]:
            why += f"; the last attempt failed at {data['last_error']['time']}: {data['last_error']['error']}"
        return _check.check(name, False, why, data)
    except (OSError, ValueError) as exc:
        return _check.check(name, False, f"cannot read the last dump: {exc}", data)
    age = (now - dumped) / 3600  # judged unrounded, shown to a tenth
    age_hours = round(age, 1)
    file = dump.get("file")
    data["last_dump"] = {
        "time": _iso(dumped),
        "age_hours": age_hours,
        "label": dump.get("label"),
        "file": file,
        "file_exists": isinstance(file, str) and os.path.isfile(file),
        "bytes": dump.get("bytes"),
        "offsite_error": dump.get("offsite_error"),
    }
    seen = f"last dump {_iso(dumped)} ({dump.get('label')}, {age_hours} h ago)"
    if error_time is not None and error_time >= dumped:
        error_line = f"the last attempt failed at {data['last_error']['time']}: {data['last_error']['error']}"
        return _check.check(name, False, f"{error_line}; {seen}", data)
    if dump.get("offsite_error"):
        return _check.check(name, False, f"{seen}, but its off-site copy failed: {dump['offsite_error']}", data)
    if age > max_age_hours:
        return _check.check(name, False, f"{seen}: older than {max_age_hours:g} h", data)
    if not data["last_dump"]["file_exists"]:
        return _check.check(name, False, f"{seen}, but its file {file} is gone", data)
    return _check.check(name, True, f"{seen}: {file}", data)


def restore_drill(state_dir: str, max_age_days: float, now: float) -> dict[str, t.Any]:
    name = "restore_drill"
    path = os.path.join(state_dir, "drill-last.json")
    data: dict[str, t.Any] = {"state_dir": state_dir, "max_age_days": max_age_days}
    try:
        drill = _read_json_object(path)
        finished = parse_stamp(drill.get("finished") or drill.get("started"))
    except FileNotFoundError:
        return _check.check(name, False, f"no restore drill has run ({path} does not exist)", data)
    except (OSError, ValueError) as exc:
        return _check.check(name, False, f"cannot read the last restore drill: {exc}", data)
    age = (now - finished) / 86400  # judged unrounded, shown to a tenth
    age_days = round(age, 1)
    tables = drill.get("tables")
    data.update(
        result=drill.get("result"),
        finished=_iso(finished),
        age_days=age_days,
        dump=drill.get("dump"),
        dump_time=drill.get("dump_time"),
        tables=len(tables) if isinstance(tables, dict) else None,
        rows=drill.get("rows"),
        restore_seconds=drill.get("restore_seconds"),
        error=drill.get("error"),
    )
    seen = f"last drill {_iso(finished)} ({age_days} days ago)"
    if drill.get("result") != "pass":
        return _check.check(name, False, f"{seen} failed: {drill.get('error') or 'no reason recorded'}", data)
    if age > max_age_days:
        return _check.check(name, False, f"{seen} passed, but is older than {max_age_days:g} days", data)
    return _check.check(
        name, True, f"{seen} passed: {data['rows']} rows in {data['tables']} tables of {data['dump']}", data
    )


# --- rollback_target -------------------------------------------------------------------

_COMPOSE_IMAGE = re.compile(r"""^\s*image:\s*["']?([^"'\s#]+)""", re.MULTILINE)


def compose_images(text: str) -> list[str]:
    """The images a compose file names (``image:`` keys), in order, each once."""
    images: list[str] = []
    for image in _COMPOSE_IMAGE.findall(text):
        if image not in images:
            images.append(image)
    return images


def _live_release(app_dir: str) -> str | None:
    """live.json's release; on a host released before blue/green, where ``current`` points."""
    try:
        release = _read_json_object(os.path.join(app_dir, "live.json")).get("release")
        return release if isinstance(release, str) and release else None
    except FileNotFoundError:
        target = os.path.realpath(os.path.join(app_dir, "current"))
        return os.path.basename(target) if os.path.islink(os.path.join(app_dir, "current")) else None


def served_releases(releases_dir: str) -> tuple[list[dict[str, t.Any]], list[str]]:
    """The release records (release.json: the release has served), oldest first, and the unreadable ones."""
    records, unreadable = [], []
    for entry in sorted(os.listdir(releases_dir)):
        path = os.path.join(releases_dir, entry, "release.json")
        if not os.path.exists(path):
            continue  # never served
        try:
            record = _read_json_object(path)
        except (OSError, ValueError) as exc:
            unreadable.append(str(exc))
            continue
        if not isinstance(record.get("released_at"), str):
            unreadable.append(f"{path} has no released_at")
            continue
        records.append({"id": entry, "released_at": record["released_at"]})
    return sorted(records, key=lambda record: record["released_at"]), unreadable


def _image_present(module: t.Any, docker: str, image: str) -> dict[str, t.Any]:
    if image.startswith("-"):
        return {"image": image, "present": False, "id": None, "error": "not an image reference"}
    rc, stdout, stderr = _cmd.run(module, [docker, "image", "inspect", "--format", "{{.Id}}", image], check_rc=False)
    if rc == 0:
        return {"image": image, "present": True, "id": stdout.strip(), "error": None}
    return {"image": image, "present": False, "id": None, "error": _last_line(stderr, stdout)}


def _audited_releases(path: str) -> list[str] | None:
    """Every release the audit log names (released, rolled back to, or previous), in order; None without a log."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    names: list[str] = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            return None  # an unreadable log proves nothing
        for key in ("release", "previous"):
            value = entry.get(key) if isinstance(entry, dict) else None
            if isinstance(value, str) and value and value not in names:
                names.append(value)
    return names


def rollback_target(module: t.Any, app_dir: str) -> dict[str, t.Any]:
    name = "rollback_target"
    releases_dir = os.path.join(app_dir, "releases")
    data: dict[str, t.Any] = {"app_dir": app_dir, "live": None, "target": None, "served": [], "images": []}
    try:
        data["live"] = _live_release(app_dir)
        records, unreadable = served_releases(releases_dir)
    except (OSError, ValueError) as exc:
        return _check.check(name, False, f"cannot read the releases: {exc}", data)
    data.update(served=[record["id"] for record in records], unreadable=unreadable)
    if data["live"] is None:
        return _check.check(
            name, False, f"cannot tell the live release (no {app_dir}/live.json, no current link)", data
        )
    live = next((record for record in records if record["id"] == data["live"]), None)
    others = [record for record in records if record["id"] != data["live"]]
    # rollback.yml's choice without app_rollback_to: the newest release that served before the live one
    before = [record for record in others if live and record["released_at"] < live["released_at"]]
    if not others:
        ever = _audited_releases(os.path.join(app_dir, "audit.log"))
        data["audited"] = ever
        if ever == [data["live"]]:
            # A first release has nothing to roll back to; its way back is the pre-migrate dump.
            return _check.check(
                name, True, f"first release {data['live']}: no earlier release to roll back to yet", data
            )
        return _check.check(
            name, False, f"no release other than the live one {data['live']} is left to roll back to", data
        )
    target = (before or others)[-1]
    data.update(target=target["id"], target_released_at=target["released_at"], rollback_default=bool(before))
    compose = os.path.join(releases_dir, target["id"], "compose.yaml")
    try:
        with open(compose, encoding="utf-8") as handle:
            images = compose_images(handle.read())
    except OSError as exc:
        return _check.check(name, False, f"release {target['id']}: cannot read {compose}: {exc.strerror or exc}", data)
    if not images:
        return _check.check(name, False, f"release {target['id']}: {compose} names no image", data)
    docker = module.get_bin_path("docker")
    if not docker:
        return _check.check(
            name, False, f"release {target['id']}: cannot look for its images (no docker command)", data
        )
    data["images"] = [_image_present(module, docker, image) for image in images]
    missing = [entry["image"] for entry in data["images"] if not entry["present"]]
    how = "" if before else f" (not rollback.yml's default: set app_rollback_to={target['id']})"
    seen = f"release {target['id']} (served {target['released_at']}){how}"
    if missing:
        return _check.check(name, False, f"{seen}: image(s) not on the host: {', '.join(missing)}", data)
    return _check.check(name, True, f"{seen}: its {len(images)} image(s) are on the host", data)


# --- mail_relay ------------------------------------------------------------------------


def mail_relay(host: str, port: int, timeout: float, validate_certs: bool, ca_path: str | None) -> dict[str, t.Any]:
    name = "mail_relay"
    data: dict[str, t.Any] = {
        "host": host,
        "port": port,
        "banner": None,
        "starttls_offered": None,
        "tls_version": None,
        "cipher": None,
        "cert_validated": None,
    }
    where = f"{host}:{port}"
    smtp = smtplib.SMTP(timeout=timeout)
    # starttls() takes the TLS server name (SNI, host name check) from _host, which only
    # the constructor sets; connecting there would lose the banner.
    smtp._host = host  # type: ignore[attr-defined]
    try:
        _code, banner = smtp.connect(host, port)
        data["banner"] = banner.decode(errors="replace")
        code, answer = smtp.ehlo()
        if code != 250:
            return _check.check(name, False, f"{where}: EHLO refused ({code} {answer.decode(errors='replace')})", data)
        data["starttls_offered"] = smtp.has_extn("starttls")
        if not data["starttls_offered"]:
            return _check.check(name, False, f"{where}: STARTTLS is not offered after EHLO", data)
        smtp.starttls(context=_probe._tls_context(validate_certs, ca_path))
        tls = t.cast(ssl.SSLSocket, smtp.sock)
        data.update(tls_version=tls.version(), cipher=(tls.cipher() or (None,))[0], cert_validated=validate_certs)
        smtp.ehlo()
        smtp.quit()
    except (OSError, smtplib.SMTPException) as exc:  # refused, timeouts and TLS errors are OSError
        return _check.check(name, False, f"{where}: {type(exc).__name__}: {exc}", data)
    finally:
        smtp.close()
    checked = "certificate validated" if validate_certs else "certificate not validated"
    return _check.check(name, True, f"{where}: STARTTLS handshake completed ({data['tls_version']}, {checked})", data)


# --- the module ------------------------------------------------------------------------


def _given(value: t.Any) -> bool:
    return value not in (None, "", [])


def input_errors(params: t.Mapping[str, t.Any]) -> list[str]:
    """What is wrong with the module's input; empty when it is fine."""
    errors = []
    for port in params["ufw_allowed_ports"] or []:
        match = PORT_SPEC.match(port)
        if not match or not all(0 < int(part) < 65536 for part in port.split(":")):
            errors.append(f"ufw_allowed_ports: {port!r} is not a port or a range like 6000:6007")
    for jail in params["fail2ban_jails"] or []:
        if not jail or jail.startswith("-") or any(char.isspace() for char in jail):
            errors.append(f"fail2ban_jails: {jail!r} is not a jail name")
    paths = [("disk_paths", path) for path in params["disk_paths"] or []]
    paths += [(option, params[option]) for option in ("backup_state_dir", "app_dir") if params[option]]
    for option, path in paths:
        if not os.path.isabs(path):
            errors.append(f"{option}: {path!r} is not an absolute path")
    if not 0 <= params["disk_min_free_percent"] <= 100:
        errors.append("disk_min_free_percent must be between 0 and 100")
    if params["disk_min_free_mb"] < 0:
        errors.append("disk_min_free_mb must not be negative")
    for option in ("backup_max_age_hours", "drill_max_age_days", "mail_relay_timeout"):
        if params[option] <= 0:
            errors.append(f"{option} must be greater than 0")
    if not 0 < params["mail_relay_port"] < 65536:
        errors.append("mail_relay_port must be between 1 and 65535")
    for check in params["checks"] or []:
        if not _given(params[CHECK_INPUTS[check]]):
            errors.append(f"checks: {check} needs {CHECK_INPUTS[check]}")
    return errors


def host_health(module: t.Any) -> dict[str, t.Any]:
    """Run the checks whose inputs are given (only those in ``checks`` when it is set)."""
    params = module.params
    errors = input_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors), changed=False)
    now = time.time()
    runners: dict[str, t.Callable[[], dict[str, t.Any]]] = {
        "ufw_active": lambda: ufw_active(module, params["ufw_allowed_ports"]),
        "fail2ban_jails": lambda: fail2ban_jails(module, params["fail2ban_jails"]),
        "disk_space": lambda: disk_space(
            params["disk_paths"], params["disk_min_free_percent"], params["disk_min_free_mb"]
        ),
        "backup_recent": lambda: backup_recent(params["backup_state_dir"], params["backup_max_age_hours"], now),
        "restore_drill": lambda: restore_drill(params["backup_state_dir"], params["drill_max_age_days"], now),
        "rollback_target": lambda: rollback_target(module, params["app_dir"]),
        "mail_relay": lambda: mail_relay(
            params["mail_relay_host"],
            params["mail_relay_port"],
            params["mail_relay_timeout"],
            params["mail_relay_validate_certs"],
            params["mail_relay_ca_path"],
        ),
    }
    wanted = params["checks"] or CHECK_NAMES
    checks = []
    for name in CHECK_NAMES:
        if name not in wanted or not _given(params[CHECK_INPUTS[name]]):
            continue
        try:
            checks.append(runners[name]())
        except Exception as exc:  # a check that cannot run is a failed check, never a failed module
            checks.append(_check.check(name, False, f"the check could not run: {type(exc).__name__}: {exc}", {}))
    not_ok = [check["name"] for check in checks if not check["ok"]]
    return {"changed": False, "ok": not not_ok, "not_ok": not_ok, "checks": checks}
