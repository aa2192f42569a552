#!/usr/bin/env bash
# The rig's SMTP relay: Postfix at 10.213.7.9 on golive-net, alias smtp.golive.test.
#   mailrelay.sh up     build/reuse the image, start/reuse the container, wait until port 587
#                       offers STARTTLS, export the CA that signed its certificate to
#                       .rig/mailrelay/ca.pem
#   mailrelay.sh down   remove the container
# Port 587 offers STARTTLS; port 25 offers no TLS (the relay verify must refuse).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
name=golive-mailrelay
ip=10.213.7.9
alias=smtp.golive.test
image=golive-rig/mailrelay:1
ctx="$rig_top/tests/rig/mailrelay"
out="$rig_state/mailrelay"

up() {
  local hash ok=no
  hash=$(recipe_hash "$ctx" "$(image_recipe golive-rig/debian:13)")
  build_image "$image" "$ctx" "$hash" --build-arg BASE=golive-rig/debian:13
  rig_service $name "$image" $ip $alias --restart unless-stopped
  mkdir -p "$out"
  docker cp -q "$name:/etc/golive-relay/ca.pem" "$out/ca.pem.new" && mv -f "$out/ca.pem.new" "$out/ca.pem"
  # Both listeners answer as intended: STARTTLS with a certificate the CA validates for
  # the name on 587, none offered on 25.
  for _ in $(seq 1 40); do
    if timeout 5 openssl s_client -starttls smtp -connect "$ip:587" -servername $alias \
         -verify_hostname $alias -CAfile "$out/ca.pem" -verify_return_error </dev/null >/dev/null 2>&1; then
      ok=yes; break
    fi
    [ "$(docker inspect -f '{{.State.Running}}' $name)" = true ] || break
    sleep 0.5
  done
  [ $ok = yes ] || { docker logs --tail 20 $name >&2; die "STARTTLS on $ip:587 did not validate against $out/ca.pem"; }
  if printf 'EHLO probe\r\nQUIT\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/$ip/25; cat >&3; cat <&3" | grep -qi starttls; then
    die "port 25 of $name offers STARTTLS; it must not"
  fi
  echo "mailrelay: $alias at $ip, STARTTLS on 587 (CA $out/ca.pem), no TLS on 25"
}

cmd=${1:-}; shift || true  # no argument: the usage message below
case "$cmd" in
  up) up ;;
  down) docker rm -f $name >/dev/null 2>&1 || true ;;  # removing what is already gone is a no-op
  *) die "usage: mailrelay.sh up | down" ;;
esac
