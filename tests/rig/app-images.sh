#!/usr/bin/env bash
# Build (or reuse) the demo images the sandbox runs, from Debian 13 packages only:
#   golive-demo/app:v1, golive-demo/app:v2   (tests/fixtures/demo_app; v2 adds one migration)
#   golive-demo/app:broken      v2 whose /healthz always answers 503 (never becomes healthy)
#   golive-demo/app:badmigrate  v2 plus a migration notes.0003 that always fails
#   golive-demo/app:v3          v2 plus notes.0003_note_author, a NOT NULL column v2's code
#                               cannot insert into (backward_compatible = False)
#   golive-demo/postgres:17, golive-demo/redis:8
#   Stand-ins shaped like the example inventories' apps (tests/fixtures/demo_app/layouts/):
#   opensesa/web:1.0.0, construbot/django:1.0.0, azionelab/backend:1.0.0
# Each image is cached by the hash of its recipe (Dockerfile dir, build context, build
# args, base image recipe): a second run rebuilds nothing. Needs the engine up and
# golive-rig/debian:13 built (tests/rig/engine.sh, tests/rig/images.sh 13).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fixtures="$rig_top/tests/fixtures"
base=golive-rig/debian:13
pg_major=17
redis_major=8

base_recipe=$(image_recipe "$base")
[ -n "$base_recipe" ] || die "$base is missing: run tests/rig/images.sh 13 first"

# demo_build REF DOCKERFILE_DIR CONTEXT [build args...]
# The hash covers what the build reads: the Dockerfile dir and the context.
demo_build() {
  local ref=$1 dir=$2 ctx=$3 hash; shift 3
  hash=$(recipe_hash "$dir" "$ctx" "$base_recipe" "$ref" "$@")
  build_image "$ref" "$ctx" "$hash" -f "$dir/Dockerfile" --build-arg "BASE=$base" "$@"
}

# app_build VERSION [OVERLAY...]: golive-demo/app:VERSION, src/ with overlays/OVERLAY/ laid
# over it in the order given. The hash covers the Dockerfile dir, src/, .dockerignore and
# the overlays this image uses (contents, and file names, so a renamed migration counts),
# in order: editing the README or another version's overlay rebuilds nothing.
app_build() {
  local version=$1 ctx="$fixtures/demo_app" dir="$fixtures/images/app" overlay hash names
  local inputs=(src .dockerignore); shift
  for overlay in "$@"; do
    [ -d "$ctx/overlays/$overlay" ] || die "golive-demo/app:$version: no overlay $overlay"
    inputs+=("overlays/$overlay")
  done
  names=$(cd "$ctx" && find "${inputs[@]}" -type f | LC_ALL=C sort | sha256sum | cut -c1-16)
  hash=$(recipe_hash "$dir" "${inputs[@]/#/$ctx/}" "$base_recipe" "golive-demo/app:$version" \
    "VERSION=$version" "OVERLAYS=$*" "files=$names")
  build_image "golive-demo/app:$version" "$ctx" "$hash" -f "$dir/Dockerfile" \
    --build-arg "BASE=$base" --build-arg "VERSION=$version" --build-arg "OVERLAYS=$*"
}

# standin_build REF LAYOUT SETTINGS: a stand-in app image, src/ with layouts/LAYOUT/ laid
# over it, built by layouts/Dockerfile with SETTINGS as its DJANGO_SETTINGS_MODULE; the
# tag is its version. The hash covers that Dockerfile, src/, .dockerignore and this
# layout (contents and file names): editing another layout rebuilds nothing. The
# golive-demo/app images' recipe does not include layouts/.
standin_build() {
  local ref=$1 layout=$2 settings=$3 ctx="$fixtures/demo_app" names hash
  local inputs=(layouts/Dockerfile src .dockerignore "layouts/$layout")
  [ -d "$ctx/layouts/$layout" ] || die "$ref: no layout $layout"
  names=$(cd "$ctx" && find "${inputs[@]}" -type f | LC_ALL=C sort | sha256sum | cut -c1-16)
  hash=$(recipe_hash "${inputs[@]/#/$ctx/}" "$base_recipe" "$ref" "LAYOUT=$layout" "SETTINGS=$settings" \
    "files=$names")
  build_image "$ref" "$ctx" "$hash" -f "$ctx/layouts/Dockerfile" --build-arg "BASE=$base" \
    --build-arg "LAYOUT=$layout" --build-arg "VERSION=${ref##*:}" --build-arg "SETTINGS=$settings"
}

start=$SECONDS
demo_build "golive-demo/postgres:$pg_major" "$fixtures/images/postgres" "$fixtures/images/postgres" \
  --build-arg "PG_MAJOR=$pg_major"
demo_build "golive-demo/redis:$redis_major" "$fixtures/images/redis" "$fixtures/images/redis" \
  --build-arg "REDIS_MAJOR=$redis_major"
app_build v1
app_build v2 v2
app_build broken v2 broken
app_build badmigrate v2 badmigrate
app_build v3 v2 v3
standin_build opensesa/web:1.0.0 opensesa opensesa.settings
standin_build construbot/django:1.0.0 construbot construbot.config.settings.production
standin_build azionelab/backend:1.0.0 azionelab azionelab.settings

# The tags promise these majors: fail if Debian moved on.
got=$(docker run --rm --entrypoint redis-server "golive-demo/redis:$redis_major" --version)
[[ $got == *" v=$redis_major."* ]] || die "golive-demo/redis:$redis_major runs: $got"
got=$(docker run --rm --entrypoint postgres "golive-demo/postgres:$pg_major" --version)
[[ $got == *" $pg_major."* ]] || die "golive-demo/postgres:$pg_major runs: $got"
log "demo images ready ($((SECONDS - start)) s)"
