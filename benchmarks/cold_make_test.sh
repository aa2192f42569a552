#!/usr/bin/env bash
# How long `make test` takes on a cold machine: no venv, no Docker engine, no images.
# DESTRUCTIVE for this machine's Docker state: removes every container, volume and image,
# the docker.io/containerd/runc/debootstrap packages, /var/lib/docker, the docker bridges
# and the iptables rules, as a fresh build machine has none of them. Then it runs
# `make test` in a fresh clone of HEAD (through benchmarks/cpu_budget.py, whose tables it
# copies here) and writes benchmarks/results/cold_make_test-*.json.
#   benchmarks/cold_make_test.sh --yes-wipe-docker
set -uo pipefail
[ "${1:-}" = --yes-wipe-docker ] || { sed -n '2,7p' "$0"; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
results="$top/benchmarks/results"
work=$(mktemp -d /tmp/golive-cold.XXXXXX)

if docker info >/dev/null 2>&1; then
  docker ps -aq | xargs -r docker rm -f -v >/dev/null
  docker volume ls -q | xargs -r docker volume rm >/dev/null
  kill "$(cat /var/run/docker.pid)"
  for _ in $(seq 1 30); do pgrep -x dockerd >/dev/null || break; sleep 1; done
fi
pkill -x containerd || true  # not running is the state we want
for dev in $(ip -o link show type bridge | awk -F': ' '{print $2}' | grep -E '^(docker0|br-)'); do
  ip link delete "$dev"
done
iptables -t nat -F && iptables -t nat -X && iptables -F && iptables -X && iptables -P FORWARD ACCEPT
grep -o ' /var/lib/docker[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq docker.io containerd runc debootstrap >/dev/null
apt-get clean
rm -rf /var/lib/docker /var/lib/containerd /run/docker /var/run/docker.sock "$HOME/.docker/cli-plugins" \
  "$HOME/.ansible/test" /tmp/golive-stack-sanity "$HOME/.cache/pip"

mkdir -p "$results"
git clone -q "$top" "$work/main"
cd "$work/main" || exit 1
commit=$(git rev-parse --short HEAD)
start=$(date +%s)
# through the CPU budget (benchmarks/cpu_budget.py: make test, and where its CPU time went)
python3 benchmarks/cpu_budget.py test >"$work/make-test.log" 2>&1
rc=$?
for table in benchmarks/results/cpu_budget-*; do  # none when make failed before the budget wrote them
  [ ! -e "$table" ] || cp "$table" "$results/"
done
seconds=$(( $(date +%s) - start ))

out="$results/cold_make_test-$(date -u +%Y%m%dT%H%M%SZ).json"
printf '{"commit": "%s", "exit": %s, "seconds": %s, "log": "%s"}\n' "$commit" "$rc" "$seconds" "$work/make-test.log" >"$out"
printf '%-10s %-6s %-10s %s\n' commit exit seconds log
printf '%-10s %-6s %-10s %s\n' "$commit" "$rc" "$seconds" "$work/make-test.log"
echo "written to $out"
exit "$rc"
