# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mirror the files git knows into DEST, a real directory ending ansible_collections/NS/NAME.

ansible-test finds a collection from its path, and its --venv delegation runs from
os.getcwd(), which resolves symlinks: a symlink to the checkout is not enough. So
`make sanity` tests a mirror of exactly the files ansible-test would take from git
(tracked, and untracked but not ignored). DEST must not be inside a git work tree.
DEST/tests/output (ansible-test's venvs and results) is kept between runs; anything else
that is no longer in git's list goes.

Usage: python stage.py DEST  (from the checkout's top directory)
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys

KEEP = os.path.join("tests", "output")


def git_files() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    return {path for path in listed if path and os.path.lexists(path)}


def mirror(dest: str) -> int:
    wanted = git_files()
    copied = 0
    for path in sorted(wanted):
        target = os.path.join(dest, path)
        if os.path.islink(path) or os.path.islink(target):
            if os.path.islink(path) and os.path.islink(target) and os.readlink(path) == os.readlink(target):
                continue
            if os.path.lexists(target):
                os.unlink(target)
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            os.symlink(os.readlink(path), target)
        elif os.path.exists(target) and filecmp.cmp(path, target, shallow=False):
            shutil.copymode(path, target)
            continue
        else:
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            shutil.copy2(path, target)
        copied += 1
    for root, dirs, files in os.walk(dest, topdown=True):
        rel_root = os.path.relpath(root, dest)
        rel_root = "" if rel_root == "." else rel_root
        dirs[:] = [name for name in dirs if os.path.join(rel_root, name) != KEEP]
        for name in files:
            if os.path.join(rel_root, name) not in wanted:
                os.unlink(os.path.join(root, name))
    for root, _dirs, _files in os.walk(dest, topdown=False):
        rel_root = os.path.relpath(root, dest)
        if rel_root != "." and not (rel_root + os.sep).startswith(KEEP + os.sep) and not os.listdir(root):
            os.rmdir(root)
    return copied


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1].rstrip(os.sep).split(os.sep)[-3:-2] != ["ansible_collections"]:
        sys.exit("usage: stage.py DEST, DEST ending in ansible_collections/NAMESPACE/NAME")
    dest = os.path.abspath(sys.argv[1])
    os.makedirs(dest, exist_ok=True)
    print(f"stage: {mirror(dest)} file(s) updated in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
