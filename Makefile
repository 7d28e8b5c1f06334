# matref: `make test` and `make book` set up everything they need in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One BLAS thread per process: the machines have 2 cores and the tests parallelise across identities.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: test verify book serve bench clean help

help:
	@echo "make test    create .venv, install matref with its test extras, run every test (re-verifies the catalog)"
	@echo "make book    build the handbook into _build/html"
	@echo "make verify  re-prove every identity from the command line"
	@echo "make bench   speed of the numerical proofs"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n 2 -q

verify: $(VENV)/.test-installed
	$(BIN)/matref verify --trials 10

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_verify.py

book:
	@echo "make book: the handbook is not built yet (issue 3); nothing to do."

clean:
	rm -rf _build .pytest_cache
