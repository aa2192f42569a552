# shellcheck shell=bash
# Shared helpers of the test rig (sourced, not run).
# Images are cached by a hash of their recipe: an image is rebuilt only when the label
# golive.recipe on the existing image differs from the hash of what would build it now.
rig_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rig_state="$rig_top/.rig"
rig_net=golive-net
rig_subnet=10.213.7.0/24
mkdir -p "$rig_state"

log() { echo "rig: $*" >&2; }
die() { echo "rig: ERROR: $*" >&2; exit 1; }

# The Debian mirror this machine itself uses (never a hard-coded host).
# need_packages CMD:PACKAGE...: install each PACKAGE from the Debian mirror on this machine
# unless its command CMD is already there. The rig's scripts run side by side (make -j), and
# two apt-get runs at once fail on dpkg's lock: every install takes the rig's own lock
# (flock) and waits up to 10 minutes for dpkg's lock besides, for any other apt user.
need_packages() {
  local item missing=()
  for item in "$@"; do command -v "${item%%:*}" >/dev/null 2>&1 || missing+=("${item#*:}"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing ${missing[*]} (Debian packages) on this machine"
  DEBIAN_FRONTEND=noninteractive flock /var/lock/golive-rig-apt.lock sh -c '
    apt="apt-get -o DPkg::Lock::Timeout=600 -y -qq"
    $apt install "$@" >/dev/null 2>&1 || { $apt update && $apt install "$@" >/dev/null; }' sh "${missing[@]}"
}

debian_mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  [ -n "$uri" ] || uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources*"
  echo "$uri"
}

# Hash of files/dirs and extra strings: the recipe of an image.
recipe_hash() {
  local inputs=() extra=()
  for a in "$@"; do if [ -e "$a" ]; then inputs+=("$a"); else extra+=("$a"); fi; done
  { [ ${#inputs[@]} -eq 0 ] || find "${inputs[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | awk '{print $1}'
    printf '%s\n' "${extra[@]}"; } | sha256sum | cut -c1-16
}

image_recipe() { docker image inspect -f '{{ index .Config.Labels "golive.recipe" }}' "$1" 2>/dev/null || true; }

# build_image NAME:TAG CONTEXT_DIR HASH [docker build args...]
build_image() {
  local ref=$1 ctx=$2 hash=$3; shift 3
  if [ "$(image_recipe "$ref")" = "$hash" ]; then log "$ref cached ($hash)"; return 0; fi
  log "building $ref ($hash)"
  # The legacy builder needs no buildx plugin and no registry; its deprecation notice is noise.
  DOCKER_BUILDKIT=0 docker build -q --label "golive.recipe=$hash" -t "$ref" "$@" "$ctx" \
    2> >(grep -v -e DEPRECATED -e BuildKit -e 'environment-variable' -e '^[[:space:]]*$' >&2) >/dev/null \
    || die "docker build of $ref failed"
}

ensure_network() {
  local id dev
  docker network inspect "$rig_net" >/dev/null 2>&1 || \
    docker network create --subnet "$rig_subnet" "$rig_net" >/dev/null
  # A bridge left over from an engine whose state was wiped still holds the rig subnet and
  # its route would win: remove any rig-subnet bridge that is not this network's own.
  id=$(docker network inspect -f '{{.Id}}' "$rig_net")
  for dev in $(ip -o -4 addr show to "${rig_subnet%.*}.1/24" | awk '{print $2}'); do
    [ "$dev" = "br-${id:0:12}" ] || { log "removing stale bridge $dev"; ip link delete "$dev"; }
  done
}

# rig_service NAME IMAGE IP ALIAS [docker run options...]: the rig's service container NAME
# runs IMAGE as it is now, at IP on the rig network, resolvable there as ALIAS, labelled
# golive.rig=<NAME without golive->. A container of an older image is replaced (it loses
# what it held), a stopped one is started, a running one is left alone.
rig_service() {
  local name=$1 image=$2 ip=$3 alias=$4 id running; shift 4
  id=$(docker image inspect -f '{{.Id}}' "$image")
  ensure_network
  running=$(docker inspect -f '{{.Image}}' "$name" 2>/dev/null || true)  # empty: no container yet
  if [ "$running" != "$id" ]; then
    if [ -n "$running" ]; then log "$name ran an older image: replacing it"; docker rm -f "$name" >/dev/null; fi
    docker run -d --name "$name" --label "golive.rig=${name#golive-}" "$@" \
      --network "$rig_net" --ip "$ip" --network-alias "$alias" "$image" >/dev/null
  else
    docker start "$name" >/dev/null
  fi
}
