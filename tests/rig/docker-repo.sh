#!/usr/bin/env bash
# The rig's stand-in of Docker's APT repository (download.docker.com/linux/debian), reached
# by sandbox hosts as http://download.docker.golive.test/linux/debian on the rig network.
#   docker-repo.sh up     build/reuse the image, start/reuse the container, export to
#                         .rig/docker-repo/: fingerprint, gpg (armored key), debs/<suite>/<set>/
#   docker-repo.sh down   remove the container
set -euo pipefail
. "$(dirname "$0")/lib.sh"
name=golive-docker-repo
ip=10.213.7.6
image=golive-rig/docker-repo:1
ctx="$rig_top/tests/rig/docker-repo"
out="$rig_state/docker-repo"
url=http://download.docker.golive.test/linux/debian

up() {
  local compose="$rig_top/.venv/bin/docker-compose" hash id
  [ -x "$compose" ] || die "$compose missing: run 'make venv' first"
  # The Compose v2 binary goes into docker-compose-plugin; it is part of the recipe.
  cmp -s "$compose" "$ctx/docker-compose" || install -m 0755 "$compose" "$ctx/docker-compose"
  hash=$(recipe_hash "$ctx" "$(image_recipe golive-rig/debian:12)" "$(image_recipe golive-rig/debian:13)")
  build_image "$image" "$ctx" "$hash" --build-arg BASE12=golive-rig/debian:12 --build-arg BASE13=golive-rig/debian:13
  id=$(docker image inspect -f '{{.Id}}' "$image")
  rig_service $name "$image" $ip download.docker.golive.test --restart unless-stopped
  wait_http "http://$ip/linux/debian/gpg" || die "$name does not answer on http://$ip/"
  # no image-id yet (first export) reads as empty, which differs from $id
  if [ "$(cat "$out/image-id" 2>/dev/null || true)" != "$id" ] || [ ! -d "$out/debs" ]; then
    export_repo "$id"
  fi
  local suites sets
  suites=$(find "$out/debs" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | paste -sd, -)
  sets=$(find "$out/debs" -mindepth 2 -maxdepth 2 -printf '%f\n' | sort -u | paste -sd, -)
  echo "docker-repo: $url (at $ip) suites $suites, versions (docker-ce) $sets, key $(cat "$out/fingerprint")"
}

wait_http() {
  local _
  for _ in $(seq 1 30); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null && return 0
    sleep 1
  done
  return 1
}

# Key, fingerprint and every .deb (symlinks resolved) into a fresh dir, swapped in whole.
export_repo() {
  local tmp="$out.new"
  rm -rf "$tmp"; mkdir -p "$tmp"
  docker exec $name cat /srv/fingerprint >"$tmp/fingerprint"
  docker exec $name cat /srv/www/linux/debian/gpg >"$tmp/gpg"
  docker exec $name tar -C /srv -chf - debs | tar -C "$tmp" -xf -
  grep -qxE '[0-9A-F]{40}' "$tmp/fingerprint" || die "bad fingerprint exported: $(cat "$tmp/fingerprint")"
  echo "$1" >"$tmp/image-id"
  rm -rf "$out"; mv "$tmp" "$out"
  log "exported key and debs to $out"
}

cmd=${1:-}; shift || true  # no argument: the usage message below
case "$cmd" in
  up) up ;;
  down) docker rm -f $name >/dev/null 2>&1 || true ;;  # removing what is already gone is a no-op
  *) die "usage: docker-repo.sh up | down" ;;
esac
