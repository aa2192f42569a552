# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""file_set on a real directory: the end state, a second run that changes nothing, check
mode that writes nothing, a secret file that is never readable by others, removals, and
the refusals (a path of another type, a mode that is not octal)."""

from __future__ import annotations

import getpass
import grp
import os
import stat

import pytest

from ansible_collections.golive.stack.plugins.modules import file_set

ME = getpass.getuser()
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def mode_of(path) -> str:
    return oct(stat.S_IMODE(os.lstat(path).st_mode))


def test_the_set_is_applied_once_and_a_second_run_changes_nothing(run_module, tmp_path):
    args = {
        "directories": [
            {"path": str(tmp_path / "lib"), "owner": ME, "group": MY_GROUP, "mode": "0755"},
            {"path": str(tmp_path / "private" / "dumps"), "mode": "0700"},
        ],
        "files": [
            {"path": str(tmp_path / "lib" / "tool.py"), "content": "print('hi')\n", "mode": "0644"},
            {"path": str(tmp_path / "private" / "settings.json"), "content": '{"password": "x"}\n', "mode": "0600"},
        ],
        "absent": [str(tmp_path / "old.env"), str(tmp_path / "never-there")],
    }
    (tmp_path / "old.env").write_text("gone soon\n")

    result, _table = run_module(file_set.main, args)
    assert result["changed"] is True
    assert result["changed_paths"] == [
        str(tmp_path / "lib"),
        str(tmp_path / "private" / "dumps"),
        str(tmp_path / "lib" / "tool.py"),
        str(tmp_path / "private" / "settings.json"),
        str(tmp_path / "old.env"),
    ]
    assert mode_of(tmp_path / "lib") == "0o755"
    assert mode_of(tmp_path / "private" / "dumps") == "0o700"
    assert (tmp_path / "lib" / "tool.py").read_text() == "print('hi')\n"
    assert mode_of(tmp_path / "private" / "settings.json") == "0o600"
    assert not (tmp_path / "old.env").exists()
    assert "diff" not in result  # only in diff mode

    again, _table = run_module(file_set.main, args)
    assert again == {"changed": False, "changed_paths": [], "failed": False}


def test_same_content_keeps_the_file_and_only_its_mode_is_set(run_module, tmp_path):
    target = tmp_path / "banner"
    target.write_text("Authorised use only\n")
    target.chmod(0o600)
    inode = target.stat().st_ino

    result, _table = run_module(
        file_set.main, {"files": [{"path": str(target), "content": "Authorised use only\n", "mode": "0644"}]}
    )
    assert result["changed_paths"] == [str(target)]
    assert mode_of(target) == "0o644"
    assert target.stat().st_ino == inode


def test_new_content_replaces_the_file_and_keeps_its_mode_when_none_is_given(run_module, tmp_path):
    target = tmp_path / "jail.local"
    target.write_text("old\n")
    target.chmod(0o640)
    inode = target.stat().st_ino

    result, _table = run_module(file_set.main, {"files": [{"path": str(target), "content": "new\n"}]})
    assert result["changed_paths"] == [str(target)]
    assert target.read_text() == "new\n"
    assert mode_of(target) == "0o640"
    assert target.stat().st_ino != inode, "replaced by a rename, never rewritten in place"
    assert sorted(os.listdir(tmp_path)) == ["jail.local"], "no temporary file is left"


def test_a_secret_file_has_its_mode_before_it_appears(run_module, tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(source, destination):
        seen.append((destination, mode_of(source)))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    old_umask = os.umask(0)  # the laxest umask: mode 0666 unless the module sets it first
    try:
        run_module(file_set.main, {"files": [{"path": str(tmp_path / "key"), "content": "s3cret\n", "mode": "0600"}]})
    finally:
        os.umask(old_umask)
    assert seen == [(str(tmp_path / "key"), "0o600")]


def test_check_mode_reports_and_writes_nothing(run_module, tmp_path):
    (tmp_path / "old.env").write_text("x\n")
    (tmp_path / "same").write_text("same\n")
    (tmp_path / "same").chmod(0o644)
    args = {
        "directories": [{"path": str(tmp_path / "new-dir"), "mode": "0700"}],
        "files": [
            {"path": str(tmp_path / "new-dir" / "file"), "content": "x\n"},
            {"path": str(tmp_path / "same"), "content": "same\n", "mode": "0644"},
        ],
        "absent": [str(tmp_path / "old.env")],
        "_ansible_check_mode": True,
        "_ansible_diff": True,
    }
    result, _table = run_module(file_set.main, args)
    assert result["changed_paths"] == [
        str(tmp_path / "new-dir"),
        str(tmp_path / "new-dir" / "file"),
        str(tmp_path / "old.env"),
    ]
    assert sorted(os.listdir(tmp_path)) == ["old.env", "same"]
    assert [(d["before"], d["after"]) for d in result["diff"]] == [
        ("absent\n", "directory\n"),
        ("", "x\n"),
        ("present\n", "absent\n"),
    ]


def test_a_directory_is_removed_with_its_content(run_module, tmp_path):
    (tmp_path / "old" / "sub").mkdir(parents=True)
    (tmp_path / "old" / "sub" / "f").write_text("x")
    result, _table = run_module(file_set.main, {"absent": [str(tmp_path / "old")]})
    assert result["changed_paths"] == [str(tmp_path / "old")]
    assert not (tmp_path / "old").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({"files": [{"path": "DIR", "content": "x"}]}, "exists and is not a regular file"),
        ({"directories": [{"path": "DIR/file"}]}, "exists and is not a directory"),
        ({"files": [{"path": "DIR/missing/file", "content": "x"}]}, "its directory does not exist"),
        ({"files": [{"path": "DIR/file", "content": "y", "mode": "u+rw"}]}, "mode must be octal"),
        ({"files": [{"path": "DIR/file", "content": "y", "owner": "no-such-user-here"}]}, "no such user"),
        ({"directories": [{"path": "DIR/new", "group": "no-such-group-here"}]}, "no such group"),
        ({"directories": [{"path": "DIR/new"}], "absent": ["relative/path"]}, "paths must be absolute"),
    ],
    ids=[
        "file-over-directory",
        "directory-over-file",
        "no-directory",
        "symbolic-mode",
        "unknown-owner",
        "unknown-group",
        "relative",
    ],
)
def test_what_cannot_be_done_fails_clearly_and_changes_nothing(run_module, tmp_path, args, says):
    (tmp_path / "file").write_text("x")
    for entries in args.values():
        for entry in entries:
            if isinstance(entry, dict):
                entry["path"] = entry["path"].replace("DIR", str(tmp_path))
    result, _table = run_module(file_set.main, args)
    assert result["failed"] is True
    assert says in result["msg"]
    assert (tmp_path / "file").read_text() == "x"
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_diff_mode_shows_a_mode_that_changed(run_module, tmp_path):
    (tmp_path / "dumps").mkdir(mode=0o755)
    (tmp_path / "dumps").chmod(0o755)
    result, _table = run_module(
        file_set.main, {"directories": [{"path": str(tmp_path / "dumps"), "mode": "0700"}], "_ansible_diff": True}
    )
    assert result["changed_paths"] == [str(tmp_path / "dumps")]
    assert [(d["before"], d["after"]) for d in result["diff"]] == [("mode: 0755\n", "mode: 0700\n")]
    assert mode_of(tmp_path / "dumps") == "0o700"


def test_new_content_that_fails_validation_leaves_the_file_as_it_was(run_module, tmp_path):
    target = tmp_path / "settings.json"
    target.write_text('{"ok": true}\n')
    check = "python3 -c 'import json, sys; json.load(open(sys.argv[1]))' %s"

    def run(content):
        args = {"files": [{"path": str(target), "content": content, "validate": check}]}
        return run_module(file_set.main, args, real_commands=True)[0]

    refused = run("{not json\n")
    assert refused["failed"] is True
    assert "was left as it was" in refused["msg"]
    assert target.read_text() == '{"ok": true}\n'
    assert sorted(os.listdir(tmp_path)) == ["settings.json"], "the refused content is not left behind"

    accepted = run('{"ok": false}\n')
    assert accepted["changed_paths"] == [str(target)]
    assert target.read_text() == '{"ok": false}\n'


LOGIN_DEFS = """# /etc/login.defs, shortened
MAIL_DIR\t\t/var/mail
#PASS_MAX_DAYS\t99999
PASS_MAX_DAYS\t99999
UMASK\t\t022
# UMASK is also in pam
#UMASK 077
ENCRYPT_METHOD SHA512"""  # no newline at the end, as an edited file may be

USBGUARD = (
    "RuleFile=/etc/usbguard/rules.conf\n"
    "ImplicitPolicyTarget=allow\n"
    "#IPCAllowedUsers=root\n"
    "IPCAllowedGroups=root plugdev\n"
)


@pytest.mark.parametrize(
    ("text", "values", "separator"),
    [
        (LOGIN_DEFS, {"UMASK": "027", "PASS_MAX_DAYS": 365, "SHA_CRYPT_MIN_ROUNDS": 65536}, "\t"),
        (USBGUARD, {"ImplicitPolicyTarget": "block", "IPCAllowedUsers": "root", "IPCAllowedGroups": "root"}, "="),
        ("", {"A": True}, " "),
    ],
    ids=["login.defs", "usbguard", "empty-file"],
)
def test_settings_end_as_lineinfile_leaves_them(run_module, tmp_path, text, values, separator):
    """The same file edited by lineinfile (one run per key, the roles' old tasks) and by file_set."""
    from ansible.modules import lineinfile

    by_lineinfile, by_file_set = tmp_path / "lineinfile", tmp_path / "file_set"
    by_lineinfile.write_text(text)
    by_file_set.write_text(text)
    tail = r"\s" if separator.isspace() else "="
    for key, value in values.items():
        args = {"path": str(by_lineinfile), "regexp": rf"^#?\s*{key}{tail}", "line": f"{key}{separator}{value}"}
        run_module(lineinfile.main, args)
    args = {"settings": [{"path": str(by_file_set), "values": values, "separator": separator, "mode": "0600"}]}

    result, _table = run_module(file_set.main, args)
    assert result["changed_paths"] == [str(by_file_set)]
    assert by_file_set.read_text() == by_lineinfile.read_text()
    assert mode_of(by_file_set) == "0o600"
    again, _table = run_module(file_set.main, args)
    assert again["changed"] is False


def test_settings_need_the_file_and_check_mode_writes_nothing(run_module, tmp_path):
    missing = {"settings": [{"path": str(tmp_path / "nope.conf"), "values": {"A": 1}}]}
    result, _table = run_module(file_set.main, missing)
    assert result["failed"] is True and "settings are set in a file that exists" in result["msg"]

    (tmp_path / "daemon.conf").write_text("A=0\n")
    args = {
        "settings": [{"path": str(tmp_path / "daemon.conf"), "values": {"A": 1}, "separator": "="}],
        "_ansible_check_mode": True,
        "_ansible_diff": True,
    }
    result, _table = run_module(file_set.main, args)
    assert result["changed_paths"] == [str(tmp_path / "daemon.conf")]
    assert [(d["before"], d["after"]) for d in result["diff"]] == [("A=0\n", "A=1\n")]
    assert (tmp_path / "daemon.conf").read_text() == "A=0\n"


def test_a_set_that_fails_its_test_is_put_back_whole(run_module, tmp_path):
    """The nginx role's transaction: write every file, test them together, or put everything back."""
    conf = tmp_path / "conf.d"
    conf.mkdir()
    (conf / "site.conf").write_text("old site\n")
    (conf / "site.conf").chmod(0o640)
    (conf / "headers.conf").write_text("same\n")
    check = "python3 -c 'import pathlib, sys; sys.exit(\"broken\" in pathlib.Path(sys.argv[1]).read_text())' " + str(
        conf / "site.conf"
    )
    args = {
        "directories": [{"path": str(tmp_path / "snippets" / "tls"), "mode": "0755"}],
        "files": [
            {"path": str(conf / "site.conf"), "content": "broken site\n", "mode": "0644"},
            {"path": str(conf / "headers.conf"), "content": "same\n"},
            {"path": str(tmp_path / "snippets" / "tls" / "params.conf"), "content": "new\n"},
        ],
        "test": check,
    }

    refused, _table = run_module(file_set.main, args, real_commands=True)
    assert refused["failed"] is True and refused["rc"] == 1
    assert "what this run changed is back as it was" in refused["msg"]
    assert refused["restored"] == [
        str(tmp_path / "snippets"),
        str(tmp_path / "snippets" / "tls"),
        str(conf / "site.conf"),
        str(tmp_path / "snippets" / "tls" / "params.conf"),
    ]
    assert (conf / "site.conf").read_text() == "old site\n" and mode_of(conf / "site.conf") == "0o640"
    assert sorted(os.listdir(tmp_path)) == ["conf.d"], "the directories this run made are gone again"
    assert sorted(os.listdir(conf)) == ["headers.conf", "site.conf"], "no temporary file is left"

    args["files"][0]["content"] = "good site\n"
    accepted, _table = run_module(file_set.main, args, real_commands=True)
    assert accepted["changed"] is True and (conf / "site.conf").read_text() == "good site\n"
    # nothing changes: the test is not run (a failing one would fail the task)
    again, _table = run_module(file_set.main, {**args, "test": "false"}, real_commands=True)
    assert again == {"changed": False, "changed_paths": [], "failed": False}


def test_a_file_without_force_is_written_only_while_it_does_not_exist(run_module, tmp_path):
    kept = tmp_path / "upstream.conf"
    kept.write_text("server 127.0.0.1:8001;\n")
    args = {
        "files": [
            {"path": str(kept), "content": "placeholder\n", "force": False},
            {"path": str(tmp_path / "new.conf"), "content": "placeholder\n", "force": False},
        ]
    }
    result, _table = run_module(file_set.main, args)
    assert result["changed_paths"] == [str(tmp_path / "new.conf")]
    assert kept.read_text() == "server 127.0.0.1:8001;\n"
    assert (tmp_path / "new.conf").read_text() == "placeholder\n"
