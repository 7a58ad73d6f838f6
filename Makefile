# Convenience targets; each script sets up .venv on first use.
.PHONY: main test bench
main:   ## the headline sweep and its report
	scripts/main
test:   ## the whole test suite
	scripts/test
bench:  ## the benchmarks and their table
	scripts/bench
