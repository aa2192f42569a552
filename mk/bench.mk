# Benchmarks. Included by the main Makefile.
.PHONY: bench-hardening
bench-hardening: venv engine images ## Lynis index of a bare and a hardened rig host, converge and re-run times
	benchmarks/hardening.sh $(BENCH_DEBIAN)
