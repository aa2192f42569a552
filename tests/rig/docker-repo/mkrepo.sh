#!/usr/bin/env bash
# Index and sign the pool under /srv/www/linux/debian like Docker's repository: per suite
# dists/<suite>/{Release,InRelease,Release.gpg} and stable/binary-amd64/Packages{,.gz}.
# The signing key is made here (no passphrase) and only its public half stays in the image.
set -euo pipefail
top=/srv/www/linux/debian
export GNUPGHOME=/tmp/gnupg
mkdir -m 0700 "$GNUPGHOME"
gpg -q --batch --passphrase '' --quick-gen-key 'golive rig Docker repository stand-in <docker-repo@golive.test>' ed25519 sign never
fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" {print $10; exit}')
gpg -q --batch --armor --export "$fpr" >"$top/gpg"
echo "$fpr" >/srv/fingerprint
cd "$top"
for p in pool/*/; do
  suite=$(basename "$p"); d=dists/$suite
  mkdir -p "$d/stable/binary-amd64"
  apt-ftparchive packages "pool/$suite" >"$d/stable/binary-amd64/Packages"
  gzip -9nk "$d/stable/binary-amd64/Packages"
  apt-ftparchive -o APT::FTPArchive::Release::Origin=Docker -o APT::FTPArchive::Release::Label=Docker \
    -o "APT::FTPArchive::Release::Suite=$suite" -o "APT::FTPArchive::Release::Codename=$suite" \
    -o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=stable \
    -o 'APT::FTPArchive::Release::Description=Docker CE stand-in (golive test rig)' \
    release "$d" >/tmp/Release
  mv /tmp/Release "$d/Release"
  gpg -q --batch --yes -u "$fpr" --digest-algo SHA512 --clearsign -o "$d/InRelease" "$d/Release"
  gpg -q --batch --yes -u "$fpr" --digest-algo SHA512 -abs -o "$d/Release.gpg" "$d/Release"
done
gpgconf --kill all
rm -rf "$GNUPGHOME"
find "$top/dists" -type f | sort
