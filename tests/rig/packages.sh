#!/usr/bin/env bash
# packages.sh CMD:PACKAGE...: install each PACKAGE on this machine unless its command CMD is
# there (lib.sh's need_packages, which waits for the other installs of the rig); prints
# "installed" when it installed anything.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
for item in "$@"; do
  command -v "${item%%:*}" >/dev/null 2>&1 && continue
  need_packages "$@"
  echo installed
  exit 0
done
