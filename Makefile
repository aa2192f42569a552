# golive.stack: the two commands are `make demo` and `make test`; the rest are their pieces.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
RIG := tests/rig
PLAY := $(BIN)/ansible-playbook
SANDBOX := golive-sandbox
SANDBOX_IP := 10.213.7.10
SECRETS := .rig/sandbox-secrets.yml
VAULT_PASS := .rig/vault-pass
DEMO_ARGS := -i inventories/sandbox -e @$(SECRETS) --vault-password-file $(VAULT_PASS)

include mk/*.mk

.PHONY: help venv lock collection-link engine images registry rig sandbox secrets \
        demo demo-verify demo-awx demo-release demo-rollback demo-clean lint lint-yaml lint-ansible test static molecule \
        test-preflight test-layouts test-layouts-live test-multihost hardened-images test-collection test-awx test-hardening test-nginx test-fleet test-docker test-acme engine-scenarios molecule-rig molecule-scenario \
        background-checks

help:
	@echo "make demo        go-live of the demo app on a local sandbox host, then the report"
	@echo "make test        every check: lint, sanity, unit, preflight, collection, molecule"
	@echo "make demo-verify run verify.yml against the sandbox"
	@echo "make demo-release VERSION=v2   release the sandbox's app to another version (blue/green)"
	@echo "make demo-rollback             back to the release before the live one"
	@echo "make demo-clean  remove everything make demo created"

# --- toolchain -------------------------------------------------------------------------
$(VENV)/.stamp: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(VENV)/.stamp collection-link

lock: ## regenerate the full lock from requirements.in
	python3 -m venv /tmp/golive-lock && /tmp/golive-lock/bin/pip install -q -r requirements.in
	{ echo '# Full lock of the controller toolchain, generated from requirements.in by `make lock`.'; \
	  /tmp/golive-lock/bin/pip freeze --exclude-editable; } > requirements.txt

collection-link: ## make the checkout importable as golive.stack
	@mkdir -p .rig/collections/ansible_collections/golive
	@ln -sfn $(CURDIR) .rig/collections/ansible_collections/golive/stack

# --- test rig --------------------------------------------------------------------------
engine: venv
	$(RIG)/engine.sh

images: engine
	$(RIG)/images.sh 12 13

registry: images
	$(RIG)/registry.sh up

# The demo images are built on the Debian 13 base image.
demo-images: images

rig: registry demo-images
	$(RIG)/registry.sh push golive-demo/app:v1 golive-demo/app:v2 golive-demo/app:broken golive-demo/app:badmigrate golive-demo/app:v3 golive-demo/postgres:17 golive-demo/redis:8

secrets: venv
	$(RIG)/secrets.sh $(SECRETS) $(VAULT_PASS) $(SANDBOX)

sandbox: rig secrets
	$(RIG)/host.sh up $(SANDBOX) $(SANDBOX_IP) 12

# --- the main job ----------------------------------------------------------------------
demo: sandbox
	@rm -f reports/sandbox-golive.md
	@# A failed check still shows the report (verify writes it before it fails the play).
	$(PLAY) $(DEMO_ARGS) playbooks/golive.yml || { rc=$$?; test ! -f reports/sandbox-golive.md || cat reports/sandbox-golive.md; exit $$rc; }
	@echo
	@cat reports/sandbox-golive.md
	@echo
	@echo "Demo app:   https://demo.golive.test/  (resolve it to $(SANDBOX_IP):"
	@echo "            curl -k --resolve demo.golive.test:443:$(SANDBOX_IP) https://demo.golive.test/)"
	@echo "Host:       $(SANDBOX) at $(SANDBOX_IP)"
	@echo "SSH:        ssh -i .rig/ssh/id_ed25519 -o UserKnownHostsFile=.rig/known_hosts deploy@$(SANDBOX_IP)"
	@echo "Report:     reports/sandbox-golive.md"

demo-verify: venv
	$(PLAY) $(DEMO_ARGS) playbooks/verify.yml

# A day-2 release of the running sandbox to another tag of the demo image (v1, v2, v3 are
# in the rig registry): blue/green, the release phase first. The other images stay as the
# inventory pins them.
demo-release: venv
	@[[ "$(VERSION)" =~ ^[A-Za-z0-9_.-]+$$ ]] || { echo "usage: make demo-release VERSION=v2" >&2; exit 2; }
	$(PLAY) $(DEMO_ARGS) playbooks/deploy.yml -e "$$($(BIN)/python $(RIG)/demo_images.py $(VERSION))"

# A playbook of this checkout run against the sandbox as an AWX job template runs it
# (ansible-runner: project directory, inventory, extra vars, no prompts), e.g. JOB=verify.
demo-awx: venv
	@[[ "$(JOB)" =~ ^(deploy|rollback|backup|restore|verify|drill)$$ ]] || { echo "usage: make demo-awx JOB=verify|backup|..." >&2; exit 2; }
	$(BIN)/python tests/awx/run_job.py playbooks/$(JOB).yml $(DEMO_ARGS)

# Back to the release before the live one; ARGS passes more, e.g. ARGS='-e app_rollback_migrate=true'.
demo-rollback: venv
	$(PLAY) $(DEMO_ARGS) playbooks/rollback.yml $(ARGS)

# Removes what make demo started and wrote; the cached images and the venv stay (they are
# shared with make test and rebuilt only when their recipe changes).
demo-clean:
	$(RIG)/host.sh down $(SANDBOX)
	$(RIG)/registry.sh down
	rm -f $(SECRETS) $(VAULT_PASS) .rig/known_hosts reports/sandbox-golive.*

# --- checks ----------------------------------------------------------------------------
lint-yaml: venv
	$(BIN)/yamllint --strict .

lint-ansible: venv
	$(BIN)/ansible-lint --offline --profile production

lint: lint-python lint-yaml lint-ansible

# The host scenarios never meet (own host names and addresses), and much of their time
# is spent waiting (bans, timers, retries, package installs, ACME validations): they run
# at most three at a time (the sub-make below shares this make's job slots). The default
# scenario is the longest, so its rig is built first, alone (on a cold machine that is
# image builds, which other work would only slow down), and it is then the first goal:
# it starts at once and the other scenarios and the static checks fill the slots it
# leaves free. Each scenario prints when it starts and ends (`make test: ...` lines).
test:
	$(MAKE) venv
	$(MAKE) -j2 molecule-rig
	$(MAKE) --output-sync=target -j3 molecule-scenario background-checks
	@echo "make test: all checks passed"

# The rest of make test, beside the default scenario and in the job slots it leaves: its
# processes at niceness 10 and the hosts it starts at a quarter of the default CPU weight
# (GOLIVE_HOST_CPU_SHARES, read by tests/rig/host.sh), so on a busy machine the longest
# scenario keeps its pace and these take the time it leaves idle. The five layouts' go-lives
# come first: after the default scenario they are the longest, and the most CPU-bound, so
# they run beside the hardening scenario (mostly waiting for bans and timers) and never
# at the run's tail.
background-checks:
	GOLIVE_HOST_CPU_SHARES=256 nice -n 10 $(MAKE) test-layouts-live test-hardening test-fleet engine-scenarios test-nginx static

STAMP = @echo "make test: $@ $(1) at $$(date -u +%H:%M:%S)"

# The docker and acme scenarios (the engine-side rig pieces first), then the Django
# modules, the site probes and the stack's health checks against PostgreSQL and the demo
# images, and build.yml against the rig registry.
engine-scenarios: images docker-repo pebble sslyze rig
	$(call STAMP,starts)
	$(MAKE) test-docker test-acme test-django-modules test-stack-health test-image-build
	$(call STAMP,ends)

# Everything that needs no Docker engine; fills the job slots the scenarios leave free.
static: lint unit sanity test-preflight test-layouts test-collection test-awx

# Job runs through ansible-runner as AWX makes them, on a local connection (no host).
test-awx: venv
	$(BIN)/pytest -q tests/integration/test_awx_runner.py

test-preflight: venv
	$(BIN)/pytest -q -n 2 tests/integration/test_preflight.py

# The example inventories of the runbook layouts (inventories/examples/) through the same
# preflight, at an address where no host runs: each passes every input check and renders a
# release with its runbook's services, one bad variant of each is refused.
test-layouts: venv
	$(BIN)/pytest -q -n 2 tests/integration/test_layouts.py

test-collection: venv
	tests/collection/build_install.sh

# harden.yml on fresh Debian 12 and 13 hosts at once (Molecule): lockout inputs refused,
# converge, idempotence, testinfra, check mode, ssh-audit, probes and an attacker from
# another host, a real lockout reverted by the host.
test-hardening: venv images
	$(call STAMP,starts)
	cd $(CURDIR) && $(BIN)/molecule test -s hardening
	$(call STAMP,ends)

# The nginx role on fresh Debian 12 and 13 hosts (check mode, converge, idempotence,
# TLS and headers probed from outside, a refused upstream switch rolled back).
test-nginx: images
	$(call STAMP,starts)
	tests/integration/nginx/run.sh 12 13
	$(call STAMP,ends)

molecule-rig: rig secrets offsite backup-keys mailrelay

molecule: molecule-rig
	$(MAKE) molecule-scenario

# The default scenario alone, its rig already up (make test builds that first, so this
# goal starts the moment the parallel phase does).
molecule-scenario:
	$(call STAMP,starts)
	cd $(CURDIR) && $(BIN)/molecule test -s default
	$(call STAMP,ends)

# A fleet (Molecule): a load balancer, two web hosts, a worker host with the one beat and a
# managed PostgreSQL and Redis; golive.yml, then a rolling release under load through the
# load balancer. Its app hosts start already hardened (hardened-images).
test-fleet: venv rig secrets hardened-images
	$(call STAMP,starts)
	cd $(CURDIR) && $(BIN)/molecule test -s fleet
	$(call STAMP,ends)

# Each runbook layout's example inventory (inventories/examples/) taken live by golive.yml on
# a fresh rig host of its own (started already hardened), all five at once, with stand-in apps
# shaped like each runbook's (pushed to the rig registry here; RotaCC's is built from its
# source by build.yml).
test-layouts-live: venv rig mailrelay hardened-images
	$(call STAMP,starts)
	$(RIG)/registry.sh push opensesa/web:1.0.0 construbot/django:1.0.0 azionelab/backend:1.0.0
	cd $(CURDIR) && $(BIN)/pytest -v -s --durations=10 tests/integration/test_layouts_live.py
	$(call STAMP,ends)

# Sandbox hosts already through harden.yml (golive-rig/hardened:12 and :13), cached by a
# hash of their recipe: the fleet's app hosts and the layouts' hosts start from them, as
# servers hardened before the go-live (tests/rig/hardened.sh).
hardened-images: venv images
	$(RIG)/hardened.sh 12 13

# The scenarios with many hosts (both are in make test too), one after the other.
test-multihost: venv molecule-rig
	$(MAKE) test-fleet test-layouts-live

docs: venv ## docs/roles.md from the roles' argument specs
	$(BIN)/python tests/unit/roles/role_specs.py

# The docker role on fresh Debian 12 and 13 hosts: Docker's repository path against the
# rig's signed stand-in repository, and the air-gapped path.
test-docker: venv images docker-repo
	cd $(CURDIR) && $(BIN)/molecule test -s docker

# The nginx role's default TLS mode, ACME, against the rig's Pebble on fresh Debian 12
# and 13 hosts: issuance, a forced renewal served without Ansible, sslyze from outside.
test-acme: venv images pebble sslyze
	cd $(CURDIR) && GOLIVE_SSLYZE=$(SSLYZE) $(BIN)/molecule test -s acme
