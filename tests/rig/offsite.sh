#!/usr/bin/env bash
# The rig's off-site backup target: a restic repository over SFTP at 10.213.7.8 on golive-net,
# reached by sandbox hosts as sftp:restic@offsite.golive.test:/srv/restic/golive.
#   offsite.sh up                 build/reuse the image, start/reuse the container, make sure
#                                 the repository exists, export to .rig/offsite/:
#                                 id_ed25519{,.pub} (the client key, made once), password (the
#                                 repository password, made once, 0600), known_hosts (the
#                                 container's host key for offsite.golive.test and 10.213.7.8),
#                                 repository (the restic repository string)
#   offsite.sh down               remove the container (and the repository data with it)
#   offsite.sh snapshots [ARGS]   print `restic snapshots --json [ARGS]` of the repository,
#                                 run inside the container: the controller needs no restic
# The repository lives in the container only: a container recreated for a new image starts
# with an empty repository, initialised again with the same password.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
name=golive-offsite
ip=10.213.7.8
alias=offsite.golive.test
image=golive-rig/offsite:1
ctx="$rig_top/tests/rig/offsite"
out="$rig_state/offsite"
repo=/srv/restic/golive
repository="sftp:restic@$alias:$repo"

# restic ARGS...: restic on the repository inside the container, as restic, password on stdin.
in_restic() {
  docker exec -i -u restic "$name" restic --no-cache -r "$repo" --password-file /dev/stdin "$@" <"$out/password"
}

# write FILE: stdin into FILE, swapped in whole.
write() { cat >"$1.new"; mv -f "$1.new" "$1"; }

# The client key pair and the repository password: made once, kept across containers.
ensure_secrets() {
  mkdir -p "$out"; chmod 0700 "$out"
  [ -f "$out/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C golive-rig-offsite -f "$out/id_ed25519"
  if [ ! -s "$out/password" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n' | write "$out/password")
  fi
  chmod 0600 "$out/password"
}

up() {
  local hash hostkey ok=no
  hash=$(recipe_hash "$ctx" "$(image_recipe golive-rig/debian:13)")
  build_image "$image" "$ctx" "$hash" --build-arg BASE=golive-rig/debian:13
  ensure_secrets
  rig_service $name "$image" $ip $alias --restart unless-stopped  # a new container: the repository starts empty
  docker exec -i $name install -m 0600 -o restic -g restic /dev/stdin /home/restic/.ssh/authorized_keys \
    <"$out/id_ed25519.pub"
  if ! docker exec $name test -f "$repo/config"; then
    log "restic init $repo"
    in_restic init --repository-version 2 >/dev/null || die "restic init of $repo failed"
  elif ! in_restic --no-lock cat config >/dev/null 2>&1; then
    log "$out/password does not open $repo (rig data only): initialising it again"
    docker exec $name rm -rf "$repo"
    in_restic init --repository-version 2 >/dev/null || die "restic init of $repo failed"
  fi
  hostkey=$(docker exec $name cat /etc/ssh/ssh_host_ed25519_key.pub)
  echo "$alias,$ip ${hostkey% *}" | write "$out/known_hosts"
  echo "$repository" | write "$out/repository"
  # The rig's hosts resolve the name by the network alias (Docker's DNS on golive-net).
  docker exec $name getent hosts $alias | grep -q "^$ip " || die "$alias does not resolve to $ip on $rig_net"
  # The exports work: key login, the pinned host key, SFTP to the repository.
  for _ in $(seq 1 30); do
    if echo "ls $repo/config" | sftp -q -b - -i "$out/id_ed25519" -o IdentitiesOnly=yes \
         -o UserKnownHostsFile="$out/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes \
         -o ConnectTimeout=3 "restic@$ip" >/dev/null 2>&1; then ok=yes; break; fi
    [ "$(docker inspect -f '{{.State.Running}}' $name)" = true ] || break
    sleep 0.5
  done
  [ $ok = yes ] || { docker logs --tail 20 $name >&2; die "SFTP as restic@$ip to $repo failed"; }
  echo "offsite: $repository (at $ip), key $out/id_ed25519, password $out/password, known_hosts $out/known_hosts"
}

running() { [ "$(docker inspect -f '{{.State.Running}}' $name 2>/dev/null)" = true ] || die "$name is not running: offsite.sh up"; }

cmd=${1:-}; shift || true  # no argument: the usage message below
case "$cmd" in
  up) up ;;
  down) docker rm -f $name >/dev/null 2>&1 || true ;;  # removing what is already gone is a no-op
  snapshots) running; [ -s "$out/password" ] || die "$out/password missing: offsite.sh up"; in_restic snapshots --json "$@" ;;
  *) die "usage: offsite.sh up | down | snapshots [RESTIC ARGS]" ;;
esac
