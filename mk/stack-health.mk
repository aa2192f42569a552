# stack_health for real. Included by the main Makefile.

.PHONY: test-stack-health

# A demo stack shaped like the app role's (web-green, worker, beat, PostgreSQL, Redis from
# the demo images) on this machine's engine; every check passes, then each is broken on
# purpose, must fail, and is put back. Three Django boots and a dozen module runs: a few
# minutes, best not beside other engine tests on a small machine.
test-stack-health: venv demo-images collection-link
	$(BIN)/pytest -q tests/integration/test_stack_health.py
