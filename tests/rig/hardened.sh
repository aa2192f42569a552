#!/usr/bin/env bash
# Build (or reuse) the rig's hardened host images, golive-rig/hardened:12 and :13: a
# sandbox host (golive-rig/host) taken through playbooks/harden.yml on the sandbox's
# settings (inventories/sandbox with tests/rig/hardened/hosts.yml), shut down cleanly and
# committed. A host started from one
# is a server an infra team hardened before the app's go-live: golive.yml on it re-runs the
# hardening (its checks and its idempotent writes) and takes the app live. The multi-host
# tests start their app hosts from these; the scenarios that test a go-live or the
# hardening itself from a bare host (default, hardening, docker, nginx, acme) never do.
#   hardened.sh [12] [13]   (default: both; both are built in one run when either is stale)
# Cached by a hash of the recipe: the roles and plugins harden.yml runs, the playbook, the
# inventory and its settings, this script, and the host images' own recipes. The
# multi-host goals run side by side (make -j): a lock keeps two builds from racing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

declare -A prep_ip=([12]=10.213.7.81 [13]=10.213.7.82)
inventory="$rig_top/tests/rig/hardened/hosts.yml"

recipe() {
  recipe_hash "$rig_top"/roles/{preflight,base,sshd,ufw,fail2ban,docker} "$rig_top/plugins" \
    "$rig_top/playbooks/harden.yml" "$rig_top/tests/rig/hardened" "$rig_top/inventories/sandbox" \
    "$rig_top/tests/rig/hardened.sh" "$(image_recipe golive-rig/host:12)" "$(image_recipe golive-rig/host:13)"
}

build() {
  local hash=$1 ver name limit=()
  for ver in "${versions[@]}"; do
    name=golive-prep$ver
    limit+=("$name")
    "$rig_top/tests/rig/host.sh" down "$name"
    "$rig_top/tests/rig/host.sh" up "$name" "${prep_ip[$ver]}" "$ver"
  done
  log "harden.yml on ${limit[*]} (a few minutes)"
  (IFS=,; "$rig_top/.venv/bin/ansible-playbook" -i "$rig_top/inventories/sandbox" -i "$inventory" --limit "${limit[*]}" \
    "$rig_top/playbooks/harden.yml") >"$rig_state/hardened.log" 2>&1 \
    || { "$rig_top/tests/rig/host.sh" down "${limit[@]}"; die "harden.yml failed, see $rig_state/hardened.log"; }
  for ver in "${versions[@]}"; do
    name=golive-prep$ver
    # What a host must make for itself at its first boot, as from the bare image: its own
    # SSH host keys (rig-hostkeys.service), and package lists as stale as a cloud image's
    # (tests/rig/host/Dockerfile says why).
    docker exec "$name" sh -c 'rm -f /etc/ssh/ssh_host_* && touch -d @0 /var/lib/apt/lists'
    docker stop -t 60 "$name" >/dev/null
    docker commit --change "LABEL golive.recipe=$hash" "$name" "golive-rig/hardened:$ver" >/dev/null
    # Its pinned host key stays in .rig/known_hosts: host.sh up replaces it if the address is used again.
    "$rig_top/tests/rig/host.sh" down "$name"
    log "golive-rig/hardened:$ver built ($hash)"
  done
}

versions=("$@"); [ ${#versions[@]} -gt 0 ] || versions=(12 13)
exec 9>"$rig_state/hardened.lock"
flock 9
hash=$(recipe)
stale=()
for ver in "${versions[@]}"; do
  if [ "$(image_recipe "golive-rig/hardened:$ver")" = "$hash" ]; then log "golive-rig/hardened:$ver cached ($hash)"
  else stale+=("$ver"); fi
done
[ ${#stale[@]} -eq 0 ] || { versions=("${stale[@]}"); build "$hash"; }
