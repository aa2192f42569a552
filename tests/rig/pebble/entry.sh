#!/usr/bin/env bash
# Runs pebble-challtestsrv (Pebble's only DNS: A records set over its management API on
# :8055, no default answer) and Pebble; when either exits, the other is stopped and the
# container exits non-zero, so a dead server is visible in `docker ps -a`.
set -euo pipefail
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap 'stop; exit 0' TERM INT
pebble-challtestsrv -defaultIPv4 "" -defaultIPv6 "" -dns01 127.0.0.1:8053 \
  -http01 "" -https01 "" -tlsalpn01 "" -management :8055 &
pids+=($!)
pebble -config /etc/pebble/pebble-config.json -dnsserver 127.0.0.1:8053 -strict=false &
pids+=($!)
rc=0; wait -n || rc=$?
echo "pebble-entry: a server exited (status $rc); stopping the other" >&2
stop
exit $((rc == 0 ? 1 : rc))
