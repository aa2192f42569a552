#!/usr/bin/env bash
# Build (or reuse) the demo images the sandbox runs, from Debian 13 packages only:
#   golive-demo/app:v1, golive-demo/app:v2   (tests/fixtures/demo_app; v2 adds one migration)
#   golive-demo/postgres:17, golive-demo/redis:8
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
# The hash covers what the build reads: the Dockerfile dir and the context (for the app:
# src/, overlays/ and .dockerignore, so editing the README rebuilds nothing).
demo_build() {
  local ref=$1 dir=$2 ctx=$3 hash inputs; shift 3
  inputs=("$ctx")
  if [ -d "$ctx/src" ]; then inputs=("$ctx/src" "$ctx/overlays" "$ctx/.dockerignore"); fi
  hash=$(recipe_hash "$dir" "${inputs[@]}" "$base_recipe" "$ref" "$@")
  build_image "$ref" "$ctx" "$hash" -f "$dir/Dockerfile" --build-arg "BASE=$base" "$@"
}

start=$SECONDS
demo_build "golive-demo/postgres:$pg_major" "$fixtures/images/postgres" "$fixtures/images/postgres" \
  --build-arg "PG_MAJOR=$pg_major"
demo_build "golive-demo/redis:$redis_major" "$fixtures/images/redis" "$fixtures/images/redis" \
  --build-arg "REDIS_MAJOR=$redis_major"
for version in v1 v2; do
  demo_build "golive-demo/app:$version" "$fixtures/images/app" "$fixtures/demo_app" \
    --build-arg "VERSION=$version"
done

# The tags promise these majors: fail if Debian moved on.
got=$(docker run --rm --entrypoint redis-server "golive-demo/redis:$redis_major" --version)
[[ $got == *" v=$redis_major."* ]] || die "golive-demo/redis:$redis_major runs: $got"
got=$(docker run --rm --entrypoint postgres "golive-demo/postgres:$pg_major" --version)
[[ $got == *" $pg_major."* ]] || die "golive-demo/postgres:$pg_major runs: $got"
log "demo images ready ($((SECONDS - start)) s)"
