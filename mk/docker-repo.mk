# The rig's stand-in of Docker's APT repository (download.docker.golive.test on golive-net),
# with key, fingerprint and .debs exported to .rig/docker-repo/; cached by recipe hash.
# venv: the Compose v2 binary of docker-compose-plugin comes from .venv/bin.
.PHONY: docker-repo docker-repo-check
docker-repo: images venv
	$(RIG)/docker-repo.sh up

# Client checks in throwaway containers, plus a systemd host (golive-drtest, 10.213.7.45).
docker-repo-check: docker-repo
	$(RIG)/docker-repo-check.sh --host 12 13
