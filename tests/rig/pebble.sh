#!/usr/bin/env bash
# The rig's ACME server: Pebble 2.4 (Debian's package) at 10.213.7.7 on golive-net, reached by
# sandbox hosts as https://acme.golive.test:14000/dir; it validates HTTP-01 on port 80.
#   pebble.sh up            build/reuse the image, start/reuse the container, export to
#                           .rig/pebble/: ca.pem (trust for Pebble's own HTTPS listeners),
#                           directory (the URL), issuer-root.pem, issuer-intermediate.pem
#   pebble.sh down          remove the container
#   pebble.sh add-a NAME IP set the A record Pebble resolves NAME to (replaces earlier ones)
#   pebble.sh clear-a NAME  remove NAME's A records (Pebble then cannot resolve it)
#   pebble.sh roots         print the PEM of Pebble's current issuing root
#   pebble.sh intermediates print the PEM of the intermediate that signs issued certificates
# Pebble makes a new issuing root and intermediate on every start, and pebble-challtestsrv
# keeps A records in memory only: after a restart, trust the newly exported roots and set
# the A records again. Names without an A record do not resolve (no default answer).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
name=golive-pebble
ip=10.213.7.7
image=golive-rig/pebble:1
ctx="$rig_top/tests/rig/pebble"
out="$rig_state/pebble"
directory=https://acme.golive.test:14000/dir

# get URL [CAFILE]: print the body; CAFILE checks the server (by IP SAN), none means plain HTTP.
get() {
  python3 - "$@" <<'PY'
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2]) if len(sys.argv) > 2 else None
with urllib.request.urlopen(sys.argv[1], timeout=3, context=ctx) as r:
    sys.stdout.write(r.read().decode())
PY
}

# mgmt PATH JSON: POST to pebble-challtestsrv's management API.
mgmt() {
  python3 - "http://$ip:8055/$1" "$2" <<'PY' || die "pebble-challtestsrv: POST $1 failed"
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
urllib.request.urlopen(req, timeout=5).read()
PY
}

up() {
  local hash tmp
  hash=$(recipe_hash "$ctx" "$(image_recipe golive-rig/debian:12)")
  build_image "$image" "$ctx" "$hash" --build-arg BASE=golive-rig/debian:12
  # No restart policy: a crashed server stays visible (docker ps -a, docker logs).
  rig_service $name "$image" $ip acme.golive.test
  tmp="$out.new"; rm -rf "$tmp"; mkdir -p "$tmp"
  docker exec $name cat /etc/pebble/ca.pem >"$tmp/ca.pem"
  echo "$directory" >"$tmp/directory"
  local ok=no
  for _ in $(seq 1 30); do
    if get "https://$ip:14000/dir" "$tmp/ca.pem" >/dev/null 2>&1 \
       && get "https://$ip:15000/roots/0" "$tmp/ca.pem" >"$tmp/issuer-root.pem" 2>/dev/null \
       && get "https://$ip:15000/intermediates/0" "$tmp/ca.pem" >"$tmp/issuer-intermediate.pem" 2>/dev/null \
       && timeout 2 bash -c "exec 3<>/dev/tcp/$ip/8055" 2>/dev/null; then ok=yes; break; fi
    [ "$(docker inspect -f '{{.State.Running}}' $name)" = true ] || break
    sleep 0.5
  done
  [ $ok = yes ] || { docker logs --tail 20 $name >&2; die "$name does not answer on https://$ip:14000/dir"; }
  grep -q 'BEGIN CERTIFICATE' "$tmp/issuer-root.pem" || die "no issuing root from https://$ip:15000/roots/0"
  rm -rf "$out"; mv "$tmp" "$out"
  echo "pebble: $directory (at $ip), listener CA $out/ca.pem, issuing root $(openssl x509 -noout -subject -in "$out/issuer-root.pem" | sed 's/^subject=//')"
}

running() { [ "$(docker inspect -f '{{.State.Running}}' $name 2>/dev/null)" = true ] || die "$name is not running: pebble.sh up"; }

cmd=${1:-}; shift || true
case "$cmd" in
  up) up ;;
  down) docker rm -f $name >/dev/null 2>&1 || true ;;  # removing what is already gone is a no-op
  add-a)
    [ $# -eq 2 ] || die "usage: pebble.sh add-a NAME IP"; running
    mgmt clear-a "{\"host\":\"$1\"}"
    mgmt add-a "{\"host\":\"$1\",\"addresses\":[\"$2\"]}" ;;
  clear-a) [ $# -eq 1 ] || die "usage: pebble.sh clear-a NAME"; running; mgmt clear-a "{\"host\":\"$1\"}" ;;
  roots) running; get "https://$ip:15000/roots/0" "$out/ca.pem" ;;
  intermediates) running; get "https://$ip:15000/intermediates/0" "$out/ca.pem" ;;
  *) die "usage: pebble.sh up | down | add-a NAME IP | clear-a NAME | roots | intermediates" ;;
esac
