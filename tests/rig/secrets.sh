#!/usr/bin/env bash
# Sandbox secrets: random per machine, kept in an Ansible Vault file under .rig/ (never
# committed), as a real inventory keeps them in a vault. Reused when present.
#   secrets.sh SECRETS_FILE VAULT_PASSWORD_FILE [HOST...]
# HOSTs are rig hosts whose data was made with the secrets of an earlier checkout (Docker
# keeps containers and volumes when .rig/ is gone): new secrets remove them, or their
# database would refuse the new password.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=$1 pass=$2
shift 2
[ -s "$pass" ] || { umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$pass"; }
[ -s "$out" ] && exit 0
umask 077
python3 - >"$out.plain" <<'PY'
import secrets
print("---")
print("vault_demo_secret_key: " + secrets.token_urlsafe(50))
print("vault_demo_db_password: " + secrets.token_hex(24))
print("vault_demo_redis_password: " + secrets.token_hex(24))
PY
"$rig_top/.venv/bin/ansible-vault" encrypt --vault-password-file "$pass" --output "$out" "$out.plain" >/dev/null
rm -f "$out.plain"
log "sandbox secrets written to $out (vault)"
for stale in "$@"; do
  if docker inspect "$stale" >/dev/null 2>&1; then
    log "$stale keeps data made with other secrets: removing it"
    "$(dirname "$0")/host.sh" down "$stale"
  fi
done
