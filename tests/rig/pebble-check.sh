#!/usr/bin/env bash
# End-to-end check of the rig's ACME server (pebble.sh up first): on a throwaway systemd host
# (golive-acmetest, 10.213.7.47) nginx serves a webroot, Debian's certbot obtains a certificate
# for test.golive.test + www.test.golive.test by real HTTP-01 validation, the chain nginx
# then serves verifies against Pebble's current issuing root, and a forced renewal gets a
# new serial. The host and the A records are removed afterwards.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rig="$(dirname "$0")"
host=golive-acmetest hip=10.213.7.47
names=(test.golive.test www.test.golive.test)
out="$rig_state/pebble"
if [ ! -s "$out/ca.pem" ] || [ ! -s "$out/directory" ]; then die "$out missing: run pebble.sh up first"; fi
t0=$SECONDS
step() { echo "pebble-check [$((SECONDS - t0))s]: $*"; }
cleanup() {
  "$rig/host.sh" down $host
  for n in "${names[@]}"; do "$rig/pebble.sh" clear-a "$n" 2>/dev/null || true; done
}
trap cleanup EXIT

"$rig/host.sh" up $host $hip 12
step "host $host up at $hip"
docker exec -i $host install -D -m 0644 /dev/stdin /usr/local/share/golive-rig/pebble-ca.pem <"$out/ca.pem"
docker exec -i $host install -D -m 0644 /dev/stdin /usr/local/share/golive-rig/pebble-root.pem <"$out/issuer-root.pem"
docker exec $host bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx certbot >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }'
step "installed nginx $(docker exec $host dpkg-query -W -f='${Version}' nginx), $(docker exec $host certbot --version 2>&1)"

# Port 80: the ACME challenge webroot; 443 comes later, with the issued certificate.
docker exec -i $host bash -c 'install -d /var/www/acme && cat >/etc/nginx/sites-available/default && systemctl reload nginx' <<'NGINX'
server {
    listen 80 default_server;
    server_name test.golive.test www.test.golive.test;
    location ^~ /.well-known/acme-challenge/ { root /var/www/acme; default_type text/plain; }
    location / { return 404; }
}
NGINX
# A reload returns before the new workers serve: wait until a probe file answers from here.
docker exec $host bash -c 'install -D -m 0644 /dev/null /var/www/acme/.well-known/acme-challenge/probe && echo golive >/var/www/acme/.well-known/acme-challenge/probe'
python3 - "http://$hip/.well-known/acme-challenge/probe" <<'PY' || die "nginx on $hip does not serve the webroot"
import sys, time, urllib.request
for _ in range(40):
    try:
        if urllib.request.urlopen(sys.argv[1], timeout=2).read() == b"golive\n":
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.25)
sys.exit(1)
PY
docker exec $host rm /var/www/acme/.well-known/acme-challenge/probe
for n in "${names[@]}"; do "$rig/pebble.sh" add-a "$n" $hip; done
step "nginx serves /var/www/acme; A records ${names[*]} -> $hip set in pebble-challtestsrv"

certbot=(env REQUESTS_CA_BUNDLE=/usr/local/share/golive-rig/pebble-ca.pem certbot)
docker exec $host "${certbot[@]}" certonly --webroot -w /var/www/acme --server "$(cat "$out/directory")" \
  --agree-tos --register-unsafely-without-email --non-interactive -d test.golive.test -d www.test.golive.test
live=/etc/letsencrypt/live/test.golive.test
show() { docker exec $host openssl x509 -in $live/cert.pem -noout -serial -issuer -enddate -ext subjectAltName; }
show
serial1=$(docker exec $host openssl x509 -in $live/cert.pem -noout -serial)
docker exec $host openssl x509 -in $live/cert.pem -noout -ext subjectAltName | grep -q 'DNS:test.golive.test, DNS:www.test.golive.test' \
  || docker exec $host openssl x509 -in $live/cert.pem -noout -ext subjectAltName | grep -q 'DNS:www.test.golive.test, DNS:test.golive.test' \
  || die "issued certificate lacks the SANs"
docker exec $host openssl verify -CAfile /usr/local/share/golive-rig/pebble-root.pem -untrusted $live/chain.pem $live/cert.pem
step "issued: $serial1"

# The served chain verifies against the exported issuing root (what the nginx role's tests do).
docker exec -i $host bash -c 'cat >>/etc/nginx/sites-available/default && nginx -t -q && systemctl reload nginx' <<NGINX
server {
    listen 443 ssl;
    server_name test.golive.test;
    ssl_certificate $live/fullchain.pem;
    ssl_certificate_key $live/privkey.pem;
    location / { return 200 "ok\n"; }
}
NGINX
# A reload returns before the new workers listen on 443: retry briefly.
verified=no
for _ in $(seq 1 20); do
  res=$(openssl s_client -connect $hip:443 -servername test.golive.test -verify_hostname test.golive.test \
    -CAfile "$out/issuer-root.pem" -verify_return_error </dev/null 2>&1 || true)
  grep -q 'Verify return code: 0 (ok)' <<<"$res" && { verified=yes; break; }
  sleep 0.5
done
[ $verified = yes ] || { echo "$res" | tail -5 >&2; die "the chain served on $hip:443 does not verify against $out/issuer-root.pem"; }
step "nginx on $hip:443 serves a chain that verifies against $out/issuer-root.pem"

# Without a TTY, `certbot renew` first sleeps a random 0-480 s unless told not to.
docker exec $host "${certbot[@]}" renew --force-renewal --non-interactive --no-random-sleep-on-renew
serial2=$(docker exec $host openssl x509 -in $live/cert.pem -noout -serial)
[ "$serial1" != "$serial2" ] || die "serial unchanged after renewal ($serial1)"
hits=$(docker exec $host grep -c '^10\.213\.7\.7 .*"GET /\.well-known/acme-challenge/[^ ]* HTTP/1\.1" 200' /var/log/nginx/access.log)
# Pebble 2.4.0 fetches each challenge 3 times ("Starting 3 validations"): 12 here.
[ "$hits" -ge 4 ] || die "expected 4 validation requests from Pebble in nginx's access log, found $hits"
step "renewed: $serial1 -> $serial2 ($hits HTTP-01 validations from 10.213.7.7 in nginx's access log)"
