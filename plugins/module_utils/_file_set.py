# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to golive.stack: directories, files, settings lines and removals applied in one module run.

A role that writes twenty small files with ``template``/``copy``/``file`` pays for forty
module runs on the host (``copy`` is a ``stat`` and then a ``copy`` or ``file`` run), each
a fresh Python that unpacks and compiles Ansible's module_utils. This applies the same
end state in one run: contents come rendered from the controller, each file is replaced
atomically (a temporary file in the same directory, its owner and mode set before the
rename, so a 0600 file is never readable by others, not even for an instant), and only
what differs is touched.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
import tempfile
from typing import NamedTuple

ATTRIBUTES = {
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "mode": {"type": "raw"},
}

ARGUMENT_SPEC = {
    "directories": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {"path": {"type": "path", "required": True}, **ATTRIBUTES},
    },
    "files": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "path": {"type": "path", "required": True},
            "content": {"type": "str", "required": True, "no_log": False},
            "validate": {"type": "str"},
            "force": {"type": "bool", "default": True},
            **ATTRIBUTES,
        },
    },
    "settings": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "path": {"type": "path", "required": True},
            "values": {"type": "dict", "required": True},
            "separator": {"type": "str", "default": " "},
            **ATTRIBUTES,
        },
    },
    "absent": {"type": "list", "elements": "path", "default": []},
    "test": {"type": "str"},
}

# What a new file gets when no mode is given (as ansible.builtin.copy: 0666 less the umask).
_DEFAULT_FILE_MODE = 0o666


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _file_args(entry: dict, path: str) -> dict:
    return {
        "path": path,
        "mode": entry.get("mode"),
        "owner": entry.get("owner"),
        "group": entry.get("group"),
        "secontext": None,  # SELinux contexts are left as they are
        "attributes": None,
    }


def _ids(module, entry: dict) -> tuple[int, int]:
    """uid and gid for ENTRY (-1 keeps the current one, as os.chown reads it)."""
    ids = []
    for kind, find, field in (("user", pwd.getpwnam, "pw_uid"), ("group", grp.getgrnam, "gr_gid")):
        name = entry.get("owner" if kind == "user" else "group")
        if name is None:
            ids.append(-1)
            continue
        try:
            ids.append(int(name) if name.isdigit() else getattr(find(name), field))
        except KeyError:
            module.fail_json(msg=f"no such {kind}: {name}")
    return ids[0], ids[1]


def _mode(module, entry: dict, path: str, fallback: int) -> int:
    """The numeric mode ENTRY asks for, or FALLBACK when it gives none."""
    mode = entry.get("mode")
    if mode is None:
        return fallback
    if isinstance(mode, int):
        return mode
    text = str(mode)
    try:
        return int(text, 8)
    except ValueError:
        module.fail_json(msg=f"{path}: mode must be octal, like '0644' (symbolic modes are not taken here): {text!r}")
    raise AssertionError("unreachable")


def _read(module, path: str) -> bytes | None:
    if not os.path.lexists(path):
        return None
    if os.path.isdir(path) or not os.path.isfile(path):
        module.fail_json(msg=f"{path} exists and is not a regular file")
    with open(path, "rb") as current:
        return current.read()


def _write(module, entry: dict, path: str, data: bytes, existing: bool) -> None:
    """Replace PATH by DATA atomically; a new file gets its owner and mode before it appears."""
    directory = os.path.dirname(path)
    if existing:
        stat = os.stat(path)
        mode, uid, gid = stat.st_mode & 0o7777, stat.st_uid, stat.st_gid
    else:
        mode, uid, gid = _DEFAULT_FILE_MODE & ~_umask(), -1, -1
    mode = _mode(module, entry, path, mode)
    wanted_uid, wanted_gid = _ids(module, entry)
    uid = wanted_uid if wanted_uid != -1 else uid
    gid = wanted_gid if wanted_gid != -1 else gid
    handle, temporary = tempfile.mkstemp(prefix=".golive-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as new:
            new.write(data)
            new.flush()
            os.fsync(new.fileno())
            if uid != -1 or gid != -1:
                os.fchown(new.fileno(), uid, gid)
            os.fchmod(new.fileno(), mode)
        if entry.get("validate"):
            _validate(module, entry["validate"], temporary, path)
        os.replace(temporary, path)
    except OSError as error:
        module.fail_json(msg=f"could not write {path}: {error}")
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _validate(module, command: str, temporary: str, path: str) -> None:
    """Run COMMAND (its %s is the new content's file) before the new content replaces PATH."""
    if "%s" not in command:
        module.fail_json(msg=f"{path}: validate must contain %s (the new content's file): {command!r}")
    argv = [temporary if word == "%s" else word.replace("%s", temporary) for word in shlex.split(command)]
    rc, out, err = module.run_command(argv, expand_user_and_vars=False, environ_update={"LANG": "C", "LC_ALL": "C"})
    if rc != 0:
        module.fail_json(
            msg=f"{path} was left as it was: the new content failed {command!r} (rc {rc})", stdout=out, stderr=err
        )


def _attributes(module, entry: dict, path: str, changed: bool, diffs: list[dict]) -> bool:
    """Set ENTRY's owner, group and mode on PATH where they differ; a diff of what changed."""
    seen: dict = {"before": {}, "after": {}}
    changed = module.set_fs_attributes_if_different(_file_args(entry, path), changed, seen, expand=False)
    if seen["before"] != seen["after"]:
        header = f"{path} (owner, group, mode)"
        diffs.append(
            {
                "before_header": header,
                "after_header": header,
                "before": "".join(f"{key}: {value}\n" for key, value in sorted(seen["before"].items())),
                "after": "".join(f"{key}: {value}\n" for key, value in sorted(seen["after"].items())),
            }
        )
    return changed


def _set_values(text: str, values: dict, separator: str) -> str:
    """TEXT with a KEY<separator>VALUE line for each of VALUES, as ansible.builtin.lineinfile leaves it.

    A key's line is the last one that sets it or has it commented out (``#KEY``); a key that
    has none is appended at the end.
    """
    tail = r"\s" if separator.isspace() else r"\s*" + re.escape(separator.strip())
    lines = text.splitlines(keepends=True)
    for key, value in values.items():
        pattern = re.compile(r"^#?\s*" + re.escape(key) + tail)
        line = f"{key}{separator}{value}\n"
        matches = [index for index, current in enumerate(lines) if pattern.search(current)]
        if matches:
            lines[matches[-1]] = line
            continue
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(line)
    return "".join(lines)


def _text(data: bytes | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", errors="replace")


class _Before(NamedTuple):
    """A path as it was before this run: what puts it back when the set's test fails."""

    path: str
    existed: bool
    content: bytes | None = None  # a file's; None for a directory
    attributes: tuple[int, int, int] | None = None  # mode, uid, gid


def _before(path: str, content: bytes | None, existed: bool = True) -> _Before:
    if not existed:
        return _Before(path, False)
    stat = os.stat(path)
    return _Before(path, True, content, (stat.st_mode & 0o7777, stat.st_uid, stat.st_gid))


def _apply_content(
    module,
    entry: dict,
    before: bytes | None,
    content: str,
    changed_paths: list[str],
    diffs: list[dict],
    undo: list[_Before],
) -> None:
    """ENTRY's file, BEFORE as read (None: absent), with CONTENT, and ENTRY's owner, group and mode.

    UNDO gets what puts the file back."""
    path = entry["path"]
    if before is not None and not entry.get("force", True):
        return  # written only while it does not exist
    data = content.encode("utf-8")
    changed = before != data
    snapshot = _before(path, before, existed=before is not None)
    if changed:
        diffs.append({"before_header": path, "after_header": path, "before": _text(before), "after": content})
        if not module.check_mode:
            if not os.path.isdir(os.path.dirname(path)):
                module.fail_json(msg=f"{path}: its directory does not exist")
            _write(module, entry, path, data, before is not None)
    if before is not None or not module.check_mode:
        changed = _attributes(module, entry, path, changed, diffs)
    if changed:
        changed_paths.append(path)
        undo.append(snapshot)


def _make_directories(path: str, undo: list[_Before]) -> None:
    """PATH with the parents it lacks; UNDO gets each directory made, outermost first."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for directory in reversed(missing):
        os.mkdir(directory)
        undo.append(_Before(directory, False))


def _put_back(module, undo: list[_Before]) -> list[str]:
    """Every path of UNDO as it was, newest first; the paths."""
    for item in reversed(undo):
        if not item.existed:
            if os.path.isdir(item.path) and not os.path.islink(item.path):
                os.rmdir(item.path)  # made by this run, and empty again once its new files are gone
            elif os.path.lexists(item.path):
                os.unlink(item.path)
            continue
        mode, uid, gid = item.attributes or (0, -1, -1)
        if item.content is not None:
            _write(module, {"mode": mode}, item.path, item.content, True)
        os.chown(item.path, uid, gid)
        os.chmod(item.path, mode)
    return [item.path for item in undo]


def _test(module, command: str, undo: list[_Before]) -> None:
    """Run the set's test COMMAND; when it fails, put back what this run changed and fail."""
    rc, out, err = module.run_command(shlex.split(command), environ_update={"LANG": "C", "LC_ALL": "C"})
    if rc == 0:
        return
    restored = _put_back(module, undo)
    module.fail_json(
        msg=f"the new files failed {command!r} (rc {rc}); what this run changed is back as it was",
        restored=restored,
        rc=rc,
        stdout=out,
        stderr=err,
    )


def apply(module) -> dict:
    """Bring every entry of MODULE's parameters to its state; the module's result."""
    params = module.params
    check = module.check_mode
    changed_paths: list[str] = []
    diffs: list[dict] = []

    # Every path, mode, owner and group is checked before anything is touched.
    entries = params["directories"] + params["files"] + params["settings"]
    for path in [entry["path"] for entry in entries] + params["absent"]:
        if not os.path.isabs(path):
            module.fail_json(msg=f"paths must be absolute: {path!r}")
    for entry in entries:
        _mode(module, entry, entry["path"], 0)
        _ids(module, entry)
    for entry in params["settings"]:
        if not os.path.isfile(entry["path"]):
            module.fail_json(msg=f"{entry['path']}: settings are set in a file that exists, and it does not")

    undo: list[_Before] = []
    for entry in params["directories"]:
        path = entry["path"]
        changed = False
        if os.path.lexists(path) and not os.path.isdir(path):
            module.fail_json(msg=f"{path} exists and is not a directory")
        existed = os.path.isdir(path)
        snapshot = _before(path, None) if existed else None
        if not os.path.isdir(path):
            changed = True
            diffs.append({"before_header": path, "after_header": path, "before": "absent\n", "after": "directory\n"})
            if not check:
                _make_directories(path, undo)
        if os.path.isdir(path):
            changed = _attributes(module, entry, path, changed, diffs)
        if changed:
            changed_paths.append(path)
            if snapshot is not None:
                undo.append(snapshot)

    for entry in params["files"]:
        _apply_content(module, entry, _read(module, entry["path"]), entry["content"], changed_paths, diffs, undo)

    for entry in params["settings"]:
        before = _read(module, entry["path"])  # it exists: checked above
        try:
            current = (before or b"").decode("utf-8")
        except UnicodeDecodeError:
            module.fail_json(msg=f"{entry['path']} is not UTF-8 text: its settings are left as they are")
        content = _set_values(current, {str(key): value for key, value in entry["values"].items()}, entry["separator"])
        _apply_content(module, entry, before, content, changed_paths, diffs, undo)

    if params["test"] and undo and not check:
        _test(module, params["test"], undo)

    for path in params["absent"]:
        if not os.path.lexists(path):
            continue
        changed_paths.append(path)
        diffs.append({"before_header": path, "after_header": path, "before": "present\n", "after": "absent\n"})
        if check:
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)

    result = {"changed": bool(changed_paths), "changed_paths": changed_paths}
    if module._diff:  # noqa: SLF001  (AnsibleModule's own flag for --diff)
        result["diff"] = diffs
    return result
