#!/usr/bin/env bash
# The collection as users get it: build the artifact, install it into a fresh path, and
# check that its module docs render and its playbooks parse from the installed copy.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$top/.venv/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An empty config: nothing of the checkout (its ansible.cfg, its collection link) applies.
: >"$work/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_CONFIG="$work/ansible.cfg" ANSIBLE_NOCOLOR=1
cd "$top"
"$bin/ansible-galaxy" collection build --force --output-path "$work/dist" . >/dev/null
artifact=$(ls "$work"/dist/golive-stack-*.tar.gz)
echo "built $(basename "$artifact") ($(du -k "$artifact" | cut -f1) KiB)"
# --no-deps: Galaxy is unreachable here; the dependencies come with the ansible package.
"$bin/ansible-galaxy" collection install --force --no-deps -p "$work/collections" "$artifact" >/dev/null
cd "$work"
for module in django_migrate django_check http_probe; do
  "$bin/ansible-doc" -t module "golive.stack.$module" | grep -q "^> MODULE golive.stack.$module" \
    || { echo "ansible-doc golive.stack.$module shows no docs" >&2; exit 1; }
  echo "ansible-doc golive.stack.$module: ok"
done
for playbook in golive deploy rollback backup restore verify; do
  "$bin/ansible-playbook" -i localhost, --syntax-check "golive.stack.$playbook" >/dev/null
  echo "ansible-playbook golive.stack.$playbook --syntax-check: ok"
done
