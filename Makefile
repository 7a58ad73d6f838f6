# Convenience targets; each script sets up .venv on first use.
.PHONY: main test test-slow bench
main:   ## the headline sweep and its report
	scripts/main
test:   ## the default test suite (slow tests left out)
	scripts/test
test-slow:  ## the slow tests
	scripts/test -m slow
bench:  ## the benchmarks and their table
	scripts/bench
