# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py script ansible-test downloads to bootstrap pip.

`make sanity` installs it as ~/.ansible/test/cache/get_pip_<version>.py, where
ansible-test looks before downloading (the download host is not reachable here). Like
get-pip, it installs pip with the arguments it is given: pip comes from the Python's own
ensurepip, then upgrades itself to the pinned version from the package index.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip's own options, which pip install does not know
GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")


def main() -> int:
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
    return subprocess.run([sys.executable, "-m", "pip", "install", *args], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
