#!/usr/bin/env bash
# Integration test of golive.stack.nginx on rig hosts, probed from outside the host.
#   tests/integration/nginx/run.sh [12] [13]     (default: 12 13)
# Starts golive-nginx12 (10.213.7.41) / golive-nginx13 (10.213.7.42), converges twice
# (the second run must change nothing), probes TLS, redirects and headers with curl and
# openssl, drives the upstream entry point (switch, refused switch, role rerun), and
# removes the hosts at the end (KEEP=1 keeps them).
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=tests/integration/nginx
rig=tests/rig
key=.rig/ssh/id_ed25519
known=.rig/known_hosts
domain=demo.golive.test
fails=0

declare -A ip=([12]=10.213.7.41 [13]=10.213.7.42) inv_host=([12]=n12 [13]=n13)
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(12 13)

pass() { printf '  ok    %s\n' "$1"; }
fail() { printf '  FAIL  %s\n' "$1"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }
refused() { local what=$1; shift; if "$@" >/dev/null 2>&1; then fail "$what"; else pass "$what"; fi; }
play() { .venv/bin/ansible-playbook -i "$here/inventory.yml" -l "$1" "${@:2}"; }
# The recap's changed count, only for a run that failed nothing (empty otherwise). Callers
# add `|| true` for pipefail: a failed run then yields "", which the check rejects.
changed_count() { sed -n 's/.*changed=\([0-9]*\) *unreachable=0 *failed=0 .*/\1/p' | tail -1; }
on_host() { ssh -q -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes \
  -o BatchMode=yes "deploy@$1" "${@:2}"; }

cleanup() {
  if [ "${KEEP:-0}" != 1 ]; then
    for v in "${versions[@]}"; do "$rig/host.sh" down "golive-nginx$v"; done
  fi
}
trap cleanup EXIT

for v in "${versions[@]}"; do
  h=${ip[$v]} n=${inv_host[$v]}
  res=(--resolve "$domain:443:$h" --resolve "www.$domain:443:$h"
       --resolve "$domain:80:$h" --resolve "www.$domain:80:$h")
  echo "== Debian $v ($h)"
  "$rig/host.sh" down "golive-nginx$v"   # a fresh host every run
  "$rig/host.sh" up "golive-nginx$v" "$h" "$v"

  check "check mode on a fresh host" play "$n" "$here/converge.yml" --check
  check "converge" play "$n" "$here/converge.yml"
  second=$(play "$n" "$here/converge.yml" | changed_count || true)
  check "idempotent (second run changed=$second)" test "$second" = 0
  third=$(play "$n" "$here/converge.yml" --check | changed_count || true)
  check "check mode after converge (changed=$third)" test "$third" = 0

  headers=$(curl -sk "${res[@]}" "https://$domain/" -D - -o /tmp/nginx-it-body.$$)
  check "placeholder answers 503" grep -q '^HTTP/2 503' <<<"$headers"
  check "maintenance page" grep -q 'under maintenance' /tmp/nginx-it-body.$$
  rm -f /tmp/nginx-it-body.$$
  check "Retry-After" grep -qi '^retry-after: 120' <<<"$headers"
  check "HSTS" grep -qi '^strict-transport-security: max-age=63072000; includeSubDomains' <<<"$headers"
  check "nosniff" grep -qi '^x-content-type-options: nosniff' <<<"$headers"
  check "Referrer-Policy" grep -qi '^referrer-policy: strict-origin-when-cross-origin' <<<"$headers"
  check "X-Frame-Options DENY" grep -qi '^x-frame-options: DENY' <<<"$headers"

  loc=$(curl -s "${res[@]}" "http://$domain/x?a=1" -o /dev/null -w '%{http_code} %{redirect_url}')
  check "http -> https 308 ($loc)" test "$loc" = "308 https://$domain/x?a=1"
  loc=$(curl -s "${res[@]}" "http://www.$domain/x" -o /dev/null -w '%{http_code} %{redirect_url}')
  check "http alias -> https alias 308 ($loc)" test "$loc" = "308 https://www.$domain/x"
  loc=$(curl -sk "${res[@]}" "https://www.$domain/x?y" -o /dev/null -w '%{http_code} %{redirect_url}')
  check "https alias -> canonical 308 ($loc)" test "$loc" = "308 https://$domain/x?y"

  rc=0; curl -s -H 'Host: unknown.test' "http://$h/" -o /dev/null || rc=$?
  check "unknown Host on 80: closed without a reply (curl exit $rc, 52 expected)" test "$rc" = 52
  refused "unknown SNI on 443: handshake rejected" \
    curl -sk --resolve "unknown.test:443:$h" https://unknown.test/ -o /dev/null
  refused "no SNI on 443: handshake rejected" curl -sk "https://$h/" -o /dev/null
  for p in tls1 tls1_1; do
    # SECLEVEL=0: the local OpenSSL would otherwise refuse these protocols itself.
    refused "$p refused" openssl s_client -connect "$h:443" -servername "$domain" "-$p" \
      -cipher DEFAULT@SECLEVEL=0 </dev/null
  done
  for p in tls1_2 tls1_3; do
    check "$p accepted" openssl s_client -connect "$h:443" -servername "$domain" "-$p" </dev/null
  done
  refused "TLS 1.2 CBC suites refused" openssl s_client -connect "$h:443" -servername "$domain" \
    -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0' </dev/null
  check "HTTP/2" test "$(curl -sk "${res[@]}" "https://$domain/" -o /dev/null -w '%{http_version}')" = 2
  check "certificate names" bash -c "openssl s_client -connect $h:443 -servername $domain </dev/null \
    2>/dev/null | openssl x509 -noout -ext subjectAltName | grep -q 'DNS:$domain, DNS:www.$domain'"

  # The upstream entry point, as the app role calls it.
  on_host "$h" 'mkdir -p /tmp/app && echo "release 8001" >/tmp/app/index.html &&
    sudo systemd-run --unit golive-it-app8001 -p WorkingDirectory=/tmp/app \
      python3 -m http.server 8001 --bind 127.0.0.1' >/dev/null 2>&1 || true
  sleep 1
  check "switch to 127.0.0.1:8001" play "$n" "$here/upstream.yml" -e '{"servers": ["127.0.0.1:8001"]}'
  check "site proxies to the release" bash -c \
    "curl -sk ${res[*]} https://$domain/ | grep -q 'release 8001'"
  # A load balancer in front (nginx_trusted_proxies: the controller's address on the rig
  # network): its X-Forwarded-For names the client; anyone else's is ignored.
  # The `|| true`s below keep pipefail from ending the script: a request that failed or a
  # line not found leaves $line empty, which the check after it rejects.
  curl -sk "${res[@]}" -H 'X-Forwarded-For: 198.51.100.7' "https://$domain/via-lb" -o /dev/null
  line=$(on_host "$h" "sudo grep -h 'GET /via-lb ' /var/log/nginx/access.log" | tail -1 || true)
  check "client address from the load balancer's X-Forwarded-For (${line%% *})" \
    bash -c '[[ "$1" == "198.51.100.7 "* ]]' _ "$line"
  docker run --rm --network golive-net --add-host "$domain:$h" --entrypoint python3 "golive-rig/host:$v" -c "
import http.client, ssl
c = http.client.HTTPSConnection('$domain', context=ssl._create_unverified_context())
c.request('GET', '/not-via-lb', headers={'X-Forwarded-For': '198.51.100.8'})
c.getresponse().read()" >/dev/null 2>&1 || true
  line=$(on_host "$h" "sudo grep -h 'GET /not-via-lb ' /var/log/nginx/access.log" | tail -1 || true)
  check "another client's X-Forwarded-For ignored (${line%% *})" \
    bash -c '[[ "$1" =~ ^10\.213\.7\.[0-9]+\  ]] && [[ ! "$1" =~ ^10\.213\.7\.1\  ]]' _ "$line"
  same=$(play "$n" "$here/upstream.yml" -e '{"servers": ["127.0.0.1:8001"]}' | changed_count || true)
  check "same switch again changes nothing (changed=$same)" test "$same" = 0
  before=$(on_host "$h" md5sum /etc/nginx/golive/upstreams/demo.conf)
  refused "refused switch (bad port) fails" \
    play "$n" "$here/upstream.yml" -e '{"servers": ["127.0.0.1:99999"]}'
  check "previous upstream file is back" test "$(on_host "$h" md5sum /etc/nginx/golive/upstreams/demo.conf)" = "$before"
  check "no backup file left" test "$(on_host "$h" ls /etc/nginx/golive/upstreams)" = demo.conf
  check "site still served by the release" bash -c \
    "curl -sk ${res[*]} https://$domain/ | grep -q 'release 8001'"
  rerun=$(play "$n" "$here/converge.yml" | changed_count || true)
  check "role rerun changes nothing (changed=$rerun)" test "$rerun" = 0
  check "role rerun keeps the app's upstream" bash -c \
    "curl -sk ${res[*]} https://$domain/ | grep -q 'release 8001'"

  # The provided mode: the operator's certificate and key, converged twice.
  prov=$(mktemp -d)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain,DNS:www.$domain" \
    -keyout "$prov/key.pem" -out "$prov/cert.pem" 2>/dev/null
  provided=(-e nginx_tls_mode=provided -e "nginx_tls_certificate_src=$prov/cert.pem" -e "nginx_tls_key_src=$prov/key.pem")
  check "provided: converge" play "$n" "$here/converge.yml" "${provided[@]}"
  again=$(play "$n" "$here/converge.yml" "${provided[@]}" | changed_count || true)
  check "provided: idempotent (second run changed=$again)" test "$again" = 0
  want=$(openssl x509 -in "$prov/cert.pem" -noout -fingerprint -sha256)
  got=$(openssl s_client -connect "$h:443" -servername "$domain" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)
  check "provided: nginx serves the operator's certificate" test "$got" = "$want"
  rm -rf "$prov"
done

echo "== $fails failure(s)"
[ "$fails" = 0 ]
