# Demo app images (golive-demo/app:v1, v2, v3, broken, badmigrate, postgres:17, redis:8), built from
# Debian 13 packages by tests/rig/app-images.sh; cached by recipe hash.
# Assumes the engine is up and golive-rig/debian:13 exists.
.PHONY: demo-images
demo-images:
	tests/rig/app-images.sh
