#!/usr/bin/env bash
# Check the rig's Docker APT repository stand-in (docker-repo.sh up first) from clients.
#   docker-repo-check.sh [12] [13]        throwaway golive-rig/debian:N containers: key from
#       /gpg, deb822 source, signed update without warnings, both versions listed, docker.io
#       replaced by a pinned install of the older set, then upgraded to the newer set
#   docker-repo-check.sh --host [12] [13] also on a systemd host (host.sh): install, the engine
#       starts, `docker run` of a loaded image works; the host is removed afterwards
set -euo pipefail
. "$(dirname "$0")/lib.sh"
declare -A codename=([12]=bookworm [13]=trixie)
with_host=no
[ "${1:-}" = --host ] && { with_host=yes; shift; }
versions=("$@"); [ ${#versions[@]} -gt 0 ] || versions=(12 13)

# The client side, run inside the container: SUITE N.
client=$(cat <<'SH'
set -euo pipefail
suite=$1 n=$2 tag="~debian.$2~$1"
export DEBIAN_FRONTEND=noninteractive
step() { echo "check[$suite]: $*"; }
base=http://download.docker.golive.test/linux/debian
install -d -m 0755 /etc/apt/keyrings
# Via /tmp: apt-helper downloads as _apt, who may not write /etc/apt/keyrings.
/usr/lib/apt/apt-helper download-file "$base/gpg" /tmp/docker.asc >/dev/null
install -m 0644 /tmp/docker.asc /etc/apt/keyrings/docker.asc
printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: stable\nSigned-By: /etc/apt/keyrings/docker.asc\n" \
  "$base" "$suite" >/etc/apt/sources.list.d/docker.sources
apt-get update >/tmp/update.log 2>&1 || { cat /tmp/update.log; exit 1; }
if grep -E "^(W|E|Err):" /tmp/update.log; then echo "apt-get update warned"; exit 1; fi
grep -q "download.docker.golive.test.*InRelease" /tmp/update.log
step "signed update ok, no warnings"
pol=$(apt-cache policy docker-ce)
for v in 28.0.0 28.0.1; do grep -qF "5:$v-1$tag" <<<"$pol" || { echo "$pol"; exit 1; }; done
step "apt-cache policy docker-ce lists 5:28.0.0-1$tag and 5:28.0.1-1$tag"
if [ "${3:-}" = docker.io ]; then
  apt-get install -y -qq docker.io >/dev/null 2>&1
  step "docker.io $(dpkg-query -W -f="\${Version}" docker.io) installed first"
fi
apt-get install -y -qq docker-ce=5:28.0.0-1$tag docker-ce-cli=5:28.0.0-1$tag containerd.io=1.7.25-1 \
  docker-buildx-plugin=0.21.0-1$tag docker-compose-plugin=2.33.0-1$tag >/tmp/install.log 2>&1 \
  || { cat /tmp/install.log; exit 1; }
for p in docker.io containerd runc docker-cli; do
  if dpkg-query -W -f="\${Status}" "$p" 2>/dev/null | grep -q "ok installed"; then echo "$p still installed"; exit 1; fi
done
[ "$(cat /usr/share/doc/docker-ce/golive-standin-version)" = "5:28.0.0-1$tag" ]
[ "$(cat /usr/share/doc/containerd.io/golive-standin-version)" = 1.7.25-1 ]
getent group docker >/dev/null
step "pinned install of the 28.0.0 set ok ($(dockerd --version)); Debian packages gone, group docker exists"
bx=$(docker buildx version); dc=$(docker compose version)
step "plugins: $bx / $dc"
/usr/libexec/docker/cli-plugins/docker-buildx docker-cli-plugin-metadata | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"Version\"] == \"v0.21.0\", d"
apt-get install -y -qq docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin >/tmp/upgrade.log 2>&1 \
  || { cat /tmp/upgrade.log; exit 1; }
for p in docker-ce docker-ce-cli; do [ "$(cat /usr/share/doc/$p/golive-standin-version)" = "5:28.0.1-1$tag" ]; done
[ "$(cat /usr/share/doc/containerd.io/golive-standin-version)" = 1.7.26-1 ]
[ "$(cat /usr/share/doc/docker-compose-plugin/golive-standin-version)" = "2.33.1-1$tag" ]
step "upgrade to the 28.0.1 set ok"
SH
)

for v in "${versions[@]}"; do
  suite=${codename[$v]}
  docker run --rm -i --network "$rig_net" "golive-rig/debian:$v" bash -s "$suite" "$v" docker.io <<<"$client"
done

[ "$with_host" = yes ] || exit 0
for v in "${versions[@]}"; do
  suite=${codename[$v]} name=golive-drtest
  "$(dirname "$0")/host.sh" up $name 10.213.7.45 "$v"
  trap '"$(dirname "$0")/host.sh" down golive-drtest' EXIT
  docker exec -i $name bash -s "$suite" "$v" <<<"$client"
  docker exec $name bash -c 'for _ in $(seq 1 30); do systemctl is-active -q docker.service docker.socket containerd.service && exit 0; sleep 1; done; systemctl status docker --no-pager; exit 1'
  docker save "golive-rig/debian:$v" | docker exec -i $name docker load -q >/dev/null
  docker exec $name docker run --rm "golive-rig/debian:$v" sh -c 'echo hello from a container' | grep -q hello
  docker exec $name systemctl is-enabled -q docker.service docker.socket containerd.service
  echo "check[$suite]: systemd host: docker.service/socket and containerd active and enabled, docker run --rm ok"
  "$(dirname "$0")/host.sh" down $name
  trap - EXIT
done
