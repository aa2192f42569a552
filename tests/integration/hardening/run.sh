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
ops_pw=$(sed -n 's/^ *hardening_ops_password: *//p' "$here/inventory.yml")

# Each host's verify uses the other rig host as its attacker: start both.
for v in 12 13; do tests/rig/host.sh down "${name[$v]}"; done
for v in 12 13; do tests/rig/host.sh up "${name[$v]}" "${ip[$v]}" "$v"; done

# refused WHAT MESSAGE ARGS...: the hardening playbook, given ARGS, must stop in
# its preflight with MESSAGE (results as JSON: one line per message).
refused() {
  local what=$1 msg=$2; shift 2
  echo "== $what" >>"$log.lockout.log"
  if ANSIBLE_CALLBACK_RESULT_FORMAT=json playbook "$here/converge.yml" --limit "hard$v" "$@" \
      >>"$log.lockout.log" 2>&1; then
    echo "hard$v: lockout case '$what' was NOT refused"; return 1
  fi
  grep -qF -- "$msg" "$log.lockout.log" \
    || { echo "hard$v: lockout case '$what' failed without saying: $msg"; return 1; }
}

# failed_tasks LOG: what went wrong, for the CI log.
failed_tasks() { grep -B3 -E '^(fatal|failed):' "$1" | tail -40 || true; }

# A password login as "ops" (lockout case) needs sshpass on the controller.
command -v sshpass >/dev/null || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq sshpass >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq sshpass >/dev/null; }
}

status=0
for v in "$@"; do
  log=$top/.rig/hardening$slot-$v
  rm -f "$log".*.log
  playbook "$here/prepare.yml" --limit "hard$v" >"$log.prepare.log" 2>&1 \
    || { echo "hard$v: prepare FAILED"; failed_tasks "$log.prepare.log"; status=1; continue; }

  # Lockout guards: each refused before anything changes.
  lockout=ok
  refused "user not allowed" "refusing a lockout: Ansible connects as 'deploy'" \
    -e '{"sshd_allow_users": ["admin"]}' || lockout=FAILED
  refused "user in no allowed group" "sshd will let in only members of admins" \
    -e '{"sshd_allow_groups": ["admins"]}' || lockout=FAILED
  refused "no key while passwords go off" "'ops' has no authorized SSH key" \
    -e ansible_user=ops -e "ansible_password=$ops_pw" -e "ansible_become_password=$ops_pw" \
    -e ansible_host_key_checking=false \
    || lockout=FAILED
  refused "SSH port not allowed by ufw" "but ufw allows SSH on 2222" \
    -e ufw_ssh_port=2222 || lockout=FAILED
  refused "controller outside the SSH admin networks" "ufw will allow SSH only from 192.0.2.0/24" \
    -e '{"ufw_ssh_from": ["192.0.2.0/24"]}' || lockout=FAILED
  playbook "$here/untouched.yml" --limit "hard$v" >>"$log.lockout.log" 2>&1 \
    || { lockout=FAILED; echo "hard$v: a refused run changed the host"; failed_tasks "$log.lockout.log"; }
  [ "$lockout" = ok ] || status=1

  start=$(date +%s)
  playbook "$here/converge.yml" --limit "hard$v" >"$log.converge.log" 2>&1 \
    || { echo "hard$v: converge FAILED (see $log.converge.log)"; failed_tasks "$log.converge.log"; status=1; continue; }
  mid=$(date +%s)
  playbook "$here/converge.yml" --limit "hard$v" >"$log.idempotence.log" 2>&1 \
    || { echo "hard$v: second converge FAILED"; failed_tasks "$log.idempotence.log"; status=1; continue; }
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
    verify=FAILED; status=1; failed_tasks "$log.verify.log"
  fi

  # A change that locks the deploy user out is applied on purpose: the run
  # must fail and the host must put the previous configuration back itself.
  revert=ok
  if playbook "$here/revert_break.yml" --limit "hard$v" >"$log.revert.log" 2>&1; then
    revert=FAILED; echo "hard$v: the lockout change was not detected"
  elif ! grep -q "Log in afresh under the new configuration" "$log.revert.log"; then
    revert=FAILED; echo "hard$v: the lockout run failed elsewhere"; failed_tasks "$log.revert.log"
  elif ! playbook "$here/revert_check.yml" --limit "hard$v" >>"$log.revert.log" 2>&1; then
    revert=FAILED; failed_tasks "$log.revert.log"
  fi
  [ "$revert" = ok ] || status=1

  echo "Debian $v: lockout guards $lockout, converge $((mid - start))s, second run $((end - mid))s," \
    "idempotence $idem, check mode $check, verify $verify, automatic revert $revert" \
    "(logs: $log.*.log)"
done

rm -f "$top/.rig/hardening-image$slot.tar"
[ -n "${KEEP:-}" ] || tests/rig/host.sh down "${name[12]}" "${name[13]}"
exit $status
