#!/usr/bin/env bash
# The hardening roles on fresh sandbox hosts: prepare (a cloud-init sshd
# drop-in that enables passwords), converge, idempotence (second run
# changed=0), check mode on the converged host (changed=0), verify; then the
# hosts are removed.
#   tests/integration/hardening/run.sh [12] [13]     (default: 12 13)
#   KEEP=1 keeps the hosts afterwards.
#   SLOT=b|c runs a second copy beside the first (hosts golive-hard12b... at
#   10.213.7.36/37 or .38/39), for work in parallel; CI uses the default slot.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
cd "$top"   # ansible.cfg there makes golive.stack importable
slot=${SLOT:-}
case "$slot" in
  '') base=31 ;; b) base=36 ;; c) base=38 ;;
  *) echo "SLOT must be empty, b or c" >&2; exit 2 ;;
esac
declare -A name=([12]=golive-hard12$slot [13]=golive-hard13$slot)
declare -A ip=([12]=10.213.7.$base [13]=10.213.7.$((base + 1)))
export HARD12_NAME=${name[12]} HARD12_IP=${ip[12]} HARD13_NAME=${name[13]} HARD13_IP=${ip[13]}
[ $# -gt 0 ] || set -- 12 13
playbook() { .venv/bin/ansible-playbook -i "$here/inventory.yml" "$@"; }

# Each host's verify uses the other rig host as its attacker: start both.
for v in 12 13; do tests/rig/host.sh down "${name[$v]}"; done
for v in 12 13; do tests/rig/host.sh up "${name[$v]}" "${ip[$v]}" "$v"; done

status=0
for v in "$@"; do
  log=$top/.rig/hardening$slot-$v
  playbook "$here/prepare.yml" --limit "hard$v" >"$log.prepare.log" 2>&1 \
    || { echo "hard$v: prepare FAILED"; status=1; continue; }
  start=$(date +%s)
  playbook "$here/converge.yml" --limit "hard$v" >"$log.converge.log" 2>&1 \
    || { echo "hard$v: converge FAILED (see $log.converge.log)"; status=1; continue; }
  mid=$(date +%s)
  playbook "$here/converge.yml" --limit "hard$v" >"$log.idempotence.log" 2>&1 \
    || { echo "hard$v: second converge FAILED"; status=1; continue; }
  end=$(date +%s)
  if grep -qE "^hard$v +: .* changed=0 " "$log.idempotence.log"; then
    idem=ok
  else
    idem=FAILED; status=1
    grep -B3 '^changed:' "$log.idempotence.log" || true
  fi
  if playbook "$here/converge.yml" --limit "hard$v" --check \
      >"$log.check.log" 2>&1 \
      && grep -qE "^hard$v +: .* changed=0 " "$log.check.log"; then
    check=ok
  else
    check=FAILED; status=1
    grep -B3 -E '^(changed|fatal|failed):' "$log.check.log" || true
  fi
  if playbook "$here/verify.yml" --limit "hard$v" >"$log.verify.log" 2>&1; then
    verify=ok
  else
    verify=FAILED; status=1
  fi
  echo "Debian $v: converge $((mid - start))s, second run $((end - mid))s," \
    "idempotence $idem, check mode $check, verify $verify (logs: $log.*.log)"
done

rm -f "$top/.rig/hardening-image$slot.tar"
[ -n "${KEEP:-}" ] || tests/rig/host.sh down "${name[12]}" "${name[13]}"
exit $status
