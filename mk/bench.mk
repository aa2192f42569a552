# Benchmarks. Included by the main Makefile.
.PHONY: bench-hardening
bench-hardening: venv engine images ## Lynis index of a bare and a hardened rig host, converge and re-run times
	benchmarks/hardening.sh $(BENCH_DEBIAN)

.PHONY: bench-backup bench-backup-clean
bench-backup: venv engine demo-images ## golive-pg-backup dump, verify and drill against plain pg_dump -Fc on a >= 1 GiB pgbench database (BENCH_RUNS, BENCH_SCALE, BENCH_AGE=0); keeps the database container for the next run
	$(BIN)/python benchmarks/backup.py

bench-backup-clean: ## remove bench-backup's database container and volume (same as BENCH_CLEAN=1)
	BENCH_CLEAN=1 python3 benchmarks/backup.py

.PHONY: bench-release
bench-release: sandbox ## requests lost under steady HTTPS load while releasing v1 -> v2 -> v1: golive.stack's deploy against `docker compose pull && up -d` (needs a live `make demo`; BENCH_METHODS, BENCH_RATE, BENCH_SETTLE)
	$(BIN)/python benchmarks/release.py

.PHONY: bench-cpu
bench-cpu: venv ## CPU time of make GOALS (default: test) by part: each scenario's hosts, the controller; with the machine's speed reference
	$(BIN)/python benchmarks/cpu_budget.py $(or $(GOALS),test)

.PHONY: bench-golive
bench-golive: sandbox $(if $(findstring @hardened,$(REVS)),hardened-images) ## CPU time of one go-live and its re-run, on the host and on the controller, for each of REVS (default HEAD; REV@hardened on a host already through harden.yml)
	$(BIN)/python benchmarks/golive_cost.py $(or $(REVS),HEAD)
