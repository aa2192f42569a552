#!/usr/bin/env bash
# Build (or reuse) the rig's images: Debian 12/13 bases from the Debian mirror with
# debootstrap, and the sandbox host image (systemd + sshd + a nested Docker engine's
# prerequisites) on each. Usage: images.sh [12] [13]   (default: both)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

declare -A codename=([12]=bookworm [13]=trixie)

base_image() {
  local ver=$1 suite=${codename[$1]} mirror hash ref root
  mirror=$(debian_mirror)
  # The recipe is the debootstrap call itself; edits elsewhere in this script do not rebuild.
  hash=$(recipe_hash "debootstrap --variant=minbase --include=python3,ca-certificates $suite $mirror")
  ref="golive-rig/debian:$ver"
  if [ "$(image_recipe "$ref")" = "$hash" ]; then log "$ref cached ($hash)"; return 0; fi
  log "debootstrap $suite from $mirror (about 40 s)"
  root=$(mktemp -d "$rig_state/rootfs.XXXXXX")
  debootstrap --variant=minbase --include=python3,ca-certificates "$suite" "$root" "$mirror" \
    >"$rig_state/debootstrap-$suite.log" 2>&1 || die "debootstrap failed, see $rig_state/debootstrap-$suite.log"
  rm -rf "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | docker import --change "LABEL golive.recipe=$hash" --change 'CMD ["/bin/bash"]' - "$ref" >/dev/null
  rm -rf "$root"
}

host_image() {
  local ver=$1 hash
  hash=$(recipe_hash "$rig_top/tests/rig/host" "$(image_recipe "golive-rig/debian:$ver")")
  build_image "golive-rig/host:$ver" "$rig_top/tests/rig/host" "$hash" --build-arg "BASE=golive-rig/debian:$ver"
}

need_packages debootstrap:debootstrap
versions=("$@"); [ ${#versions[@]} -gt 0 ] || versions=(12 13)
for v in "${versions[@]}"; do base_image "$v"; host_image "$v"; done
