# Attackers' tools that judge the hosts from outside, each in its own venv (sslyze pins a
# cryptography older than the one the controller's Ansible uses).
SSLYZE := $(CURDIR)/.rig/tools/sslyze/bin/sslyze

.PHONY: sslyze
sslyze: $(SSLYZE)

$(SSLYZE):
	python3 -m venv $(CURDIR)/.rig/tools/sslyze
	$(CURDIR)/.rig/tools/sslyze/bin/pip install -q --disable-pip-version-check sslyze==6.3.0
	touch $@
