#!/usr/bin/env bash
# The rig's local registry, reachable by sandbox hosts as registry.golive.test:5000 (on
# the rig network) and by this machine as 127.0.0.1:5000 (for pushing).
#   registry.sh up               build/reuse the image, start/reuse the container
#   registry.sh push IMAGE...    push local images (e.g. golive-demo/app:v1)
#   registry.sh down             remove the container and its data volume
set -euo pipefail
. "$(dirname "$0")/lib.sh"
name=golive-registry
ip=10.213.7.5

up() {
  local hash
  hash=$(recipe_hash "$rig_top/tests/rig/registry" "$(image_recipe golive-rig/debian:13)")
  build_image golive-rig/registry:2 "$rig_top/tests/rig/registry" "$hash" --build-arg BASE=golive-rig/debian:13
  ensure_network
  if [ "$(docker inspect -f '{{.Image}}' $name 2>/dev/null)" != "$(docker image inspect -f '{{.Id}}' golive-rig/registry:2)" ]; then
    docker rm -f $name >/dev/null 2>&1 || true
    docker run -d --name $name --label golive.rig=registry --restart unless-stopped \
      --network "$rig_net" --ip $ip --network-alias registry.golive.test \
      -p 127.0.0.1:5000:5000 -v golive-registry-data:/var/lib/docker-registry \
      golive-rig/registry:2 >/dev/null
  else
    docker start $name >/dev/null
  fi
  for _ in $(seq 1 30); do
    python3 - <<'PY' && return 0
import urllib.request, sys
try:
    urllib.request.urlopen("http://127.0.0.1:5000/v2/", timeout=2)
except Exception:
    sys.exit(1)
PY
    sleep 1
  done
  die "registry does not answer on 127.0.0.1:5000"
}

push() {
  for img in "$@"; do
    docker tag "$img" "127.0.0.1:5000/$img"
    docker push -q "127.0.0.1:5000/$img" >/dev/null || die "push of $img failed"
    log "pushed $img (hosts pull registry.golive.test:5000/$img)"
  done
}

cmd=${1:-}; shift || true
case "$cmd" in
  up) up ;;
  push) push "$@" ;;
  # removing what is already gone is a no-op
  down) docker rm -f $name >/dev/null 2>&1 || true; docker volume rm golive-registry-data >/dev/null 2>&1 || true ;;
  *) die "usage: registry.sh up | push IMAGE... | down" ;;
esac
