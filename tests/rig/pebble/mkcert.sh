#!/usr/bin/env bash
# pebble-mkcert DIR: a rig CA (DIR/ca.pem) and, signed by it, the certificate of Pebble's
# HTTPS listeners (DIR/cert.pem, DIR/key.pem) for acme.golive.test, localhost, 10.213.7.7.
set -euo pipefail
d=$1 tmp=$(mktemp -d)
mkdir -p "$d"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/O=golive rig/CN=golive rig Pebble listener CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -keyout "$tmp/ca.key" -out "$d/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/O=golive rig/CN=acme.golive.test" -keyout "$d/key.pem" -out "$tmp/cert.csr" 2>/dev/null
printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
  'extendedKeyUsage=serverAuth' \
  'subjectAltName=DNS:acme.golive.test,DNS:localhost,IP:10.213.7.7,IP:127.0.0.1' >"$tmp/ext"
openssl x509 -req -in "$tmp/cert.csr" -CA "$d/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 825 -extfile "$tmp/ext" -out "$d/cert.pem" 2>/dev/null
openssl verify -CAfile "$d/ca.pem" "$d/cert.pem" >/dev/null
chmod 0644 "$d/ca.pem" "$d/cert.pem"; chmod 0600 "$d/key.pem"
rm -rf "$tmp"  # the CA key is gone: nothing else can be signed with it
