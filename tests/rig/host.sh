#!/usr/bin/env bash
# Sandbox hosts: containers that boot systemd, reached over SSH as the deploy user.
#   host.sh up NAME IP [DEBIAN_VERSION [IMAGE]]   start (or reuse) a host; prints nothing else
#     IMAGE: host (default), a bare server; hardened, one already through harden.yml
#     (golive-rig/hardened, made by tests/rig/hardened.sh)
#   host.sh down NAME...                  remove hosts and their anonymous volumes
# GOLIVE_HOST_CPU_SHARES (optional) gives a new host that CPU weight (docker run
# --cpu-shares, 1024 by default): make test starts the hosts of the scenarios beside the
# default one lighter, so the longest scenario keeps its pace on a busy machine.
# Each host makes its own SSH host keys at first boot; its public key is read over the
# rig's own channel (docker exec) into .rig/known_hosts, as an operator would pin a new
# server's key from the cloud console. The deploy user gets the rig's key (.rig/ssh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

key="$rig_state/ssh/id_ed25519"
known="$rig_state/known_hosts"

ensure_key() {
  [ -f "$key" ] && return 0
  mkdir -p "$(dirname "$key")"; chmod 0700 "$(dirname "$key")"
  ssh-keygen -q -t ed25519 -N '' -C golive-rig-deploy -f "$key"
}

up() {
  local name=$1 ip=$2 ver=${3:-12} kind=${4:-host} image id state
  case "$kind" in host|hardened) ;; *) die "host.sh: no host image $kind (host or hardened)";; esac
  image="golive-rig/$kind:$ver"
  id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null) || die "$image missing: run tests/rig/${kind/host/images}.sh $ver"
  ensure_key; ensure_network
  state=$(docker inspect -f '{{.State.Status}} {{.Image}}' "$name" 2>/dev/null || true)  # empty: no such host yet
  if [ -n "$state" ] && [ "${state#* }" != "$id" ]; then
    log "$name runs an older image: recreating"; down "$name"; state=""
  fi
  if [ -z "$state" ]; then
    log "starting $name ($image) at $ip"
    docker run -d --name "$name" --hostname "$name" --label golive.rig=host \
      --network "$rig_net" --ip "$ip" ${GOLIVE_HOST_CPU_SHARES:+--cpu-shares "$GOLIVE_HOST_CPU_SHARES"} \
      --cap-add ALL --cap-drop SYS_RESOURCE \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
      -v /var/lib/docker \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp:exec \
      "$image" >/dev/null
  elif [ "${state%% *}" != running ]; then
    docker start "$name" >/dev/null
  fi
  # systemd up (degraded is tolerated only while booting; we wait for a settled state)
  local s=""
  for _ in $(seq 1 60); do
    s=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
    case "$s" in running|degraded) break ;; esac
    sleep 1
  done
  case "$s" in running|degraded) ;; *) die "$name: systemd did not come up ($s)";; esac
  docker exec -i "$name" sh -c 'install -m 0600 -o deploy -g deploy /dev/stdin /home/deploy/.ssh/authorized_keys' <"$key.pub"
  local hostkey=""
  for _ in $(seq 1 30); do
    hostkey=$(docker exec "$name" cat /etc/ssh/ssh_host_ed25519_key.pub 2>/dev/null || true)
    [ -n "$hostkey" ] && docker exec "$name" systemctl is-active -q ssh.service ssh.socket 2>/dev/null && break
    hostkey=""; sleep 1
  done
  [ -n "$hostkey" ] || die "$name: sshd did not start"
  touch "$known"
  ssh-keygen -R "$ip" -f "$known" >/dev/null 2>&1 || true  # no old key for this address is fine
  echo "$ip ${hostkey% *}" >>"$known"
  rm -f "$known.old"
  ssh -q -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes -o BatchMode=yes \
    -o ConnectTimeout=5 "deploy@$ip" true || die "$name: SSH as deploy@$ip failed"
  log "$name ready: ssh -i $key -o UserKnownHostsFile=$known deploy@$ip"
}

down() {
  for name in "$@"; do
    docker rm -f -v "$name" >/dev/null 2>&1 || true  # removing an absent host is a no-op
  done
}

cmd=${1:-}; shift || true
case "$cmd" in
  up) [ $# -ge 2 ] || die "usage: host.sh up NAME IP [12|13 [host|hardened]]"; up "$@" ;;
  down) down "$@" ;;
  *) die "usage: host.sh up NAME IP [12|13 [host|hardened]] | down NAME..." ;;
esac
