#!/usr/bin/env bash
# Test keys of the backup scenarios, made once per machine and reused:
#   .rig/backup/age-identity   an age identity (AGE-SECRET-KEY-1...), mode 0600
#   .rig/backup/age-recipient  its public key (age1...)
# age-keygen comes from Debian's age package, installed on the build machine if missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out="$rig_state/backup"
mkdir -p "$out"
chmod 700 "$out"
if [ -s "$out/age-identity" ] && [ -s "$out/age-recipient" ]; then
  exit 0
fi
need_packages age-keygen:age
umask 077
age-keygen 2>/dev/null | grep '^AGE-SECRET-KEY-1' >"$out/age-identity.tmp"
age-keygen -y "$out/age-identity.tmp" >"$out/age-recipient"
mv "$out/age-identity.tmp" "$out/age-identity"
log "age test keys written to $out"
