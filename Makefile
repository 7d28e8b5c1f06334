# matref: `make test` and `make book` set up everything they need in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BROWSER_STAMP := $(VENV)/.browser-installed
# One BLAS thread per process: the machines have 2 cores and the tests parallelise across identities.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: test-package test-mutants bench-diagnose prove stress-derive compare-sympy bench-derive cheatsheet bench-book test test-adapters verify book book-ci serve test-book test-browser bench bench-testing bench-reliability sweep clean help

help:
	@echo "make test    create .venv, install matref with its test extras, run every test (re-verifies the catalog)"
	@echo "make book    build the handbook into _build/html (cached execution: fast when nothing changed)"
	@echo "make serve   build, then serve the handbook on http://127.0.0.1:$(PORT)"
	@echo "make book-ci build the handbook from scratch, every cell executed (what CI runs)"
	@echo "make test-book     slow handbook tests: a broken catalog must fail the build, naming the identity"
	@echo "make test-browser  open built pages in headless Chromium and check the formulas are typeset"
	@echo "make test-adapters  install CPU torch and jax into .venv and test matref.testing on them"
	@echo "make test-mutants   mutation testing on every catalog entry (make test does every third)"
	@echo "make test-package   build the wheel from a clean checkout, install it alone in a fresh venv, run it there"
	@echo "make verify  re-prove every identity from the command line"
	@echo "make bench-derive  matref derive on the catalog: time per derivation + proof, size against the catalog's form"
	@echo "make bench-diagnose  the diagnosis of 60+ wrong textbook and student claims: named right, wrong, none"
	@echo "make prove  the exact proof (SymPy) of every identity: how many proved exactly, refuted (errata), left"
	@echo "make stress-derive  matref derive on every catalog expression and symbol: derived, refused, bugs (target 0)"
	@echo "make compare-sympy  matref derive beside SymPy's MatrixSymbol.diff on the catalog's gradients"
	@echo "make cheatsheet  every identity, both layouts, conditions and sources as a printable PDF (_build/matref-cheatsheet.pdf)"
	@echo "make bench-book  the built handbook in Chromium: load time, px per identity, clipped formulas"
	@echo "make bench   matref.testing against the floor, torch gradcheck and jax check_grads (n = 4..512); the catalog's proofs up to n = 512; catalog load time"
	@echo "make sweep   every identity and a table of true and wrong claims under SEEDS seeds (default 100)"
	@echo "make bench-reliability  the catalog over 1000 seeds at sizes up to 12, and the wide mutant set: false failures, separation, kill rate"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n 2 -q

# Mutation testing on every catalog entry (make test does every third): each wrong variant of
# every formula must be refuted.
test-mutants: $(VENV)/.test-installed
	MATREF_ALL_MUTANTS=1 $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider tests/test_mutate.py

# The wheel from a clean checkout (git archive HEAD), installed alone in a fresh venv outside the
# repository: licence, py.typed, no SymPy, matref verify and check work there.
test-package: $(VENV)/.test-installed
	MATREF_PACKAGE_TESTS=1 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_package.py

verify: $(VENV)/.test-installed
	$(BIN)/matref verify --trials 10

# torch 2.13.0 is the CPU build (a wheel on these machines' disk); a bare range would take a CUDA build.
ADAPTERS_STAMP := $(VENV)/.adapters-installed
$(ADAPTERS_STAMP): pyproject.toml $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'torch==2.13.0'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,adapters]'
	@touch $@

test-adapters: $(ADAPTERS_STAMP)
	MATREF_REQUIRE_ADAPTERS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_adapters.py

# matref derive on the catalog: time of a derivation plus its proof, size against the catalog's form.
bench-derive: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_derive.py

# the diagnosis of wrong claims: errata of published tables and classic student mistakes
bench-diagnose: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_diagnose.py

# the exact proof (SymPy, exact rational values) of every identity of the catalog
prove: $(VENV)/.test-installed
	$(BIN)/matref verify --method exact --seed 1

# matref derive on every catalog expression and each of its symbols: derived, refused, bugs (target 0).
stress-derive: $(VENV)/.test-installed
	$(BIN)/python benchmarks/stress_derive.py

# matref derive beside SymPy's MatrixSymbol.diff on the catalog's gradients (SymPy as a peer).
compare-sympy: $(VENV)/.test-installed
	$(BIN)/python benchmarks/compare_sympy.py

bench: bench-testing bench-derive
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_verify.py

bench-testing: $(ADAPTERS_STAMP)
	$(BIN)/python benchmarks/bench_testing.py

# No flakes: false failures (target 0), worst true ratio vs smallest refuted ratio, wide mutant kill rate.
RELIABILITY_SEEDS ?= 1000
bench-reliability: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_reliability.py --seeds $(RELIABILITY_SEEDS) --mutant-seeds 5 --max-size 12 --jobs 2

# Soundness at scale: no identity may fail or stay undecided, no claim may get a false verdict.
SEEDS ?= 100
sweep: $(VENV)/.test-installed
	$(BIN)/python tools/sweep.py --seeds $(SEEDS)
	$(BIN)/python tools/sweep_claims.py --seeds $(SEEDS)

# -- the handbook (Sphinx + myst-nb; configuration in conf/, sources in book/) ---------------------
PORT        ?= 8000
BOOK_OUT    := _build/html
SPHINX      := $(BIN)/sphinx-build -j 2 -W --keep-going -c conf -d _build/doctrees
BOOK_STAMP  := $(VENV)/.book-installed

$(BOOK_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[book]'
	@touch $@

# Pages whose proofs are unchanged come from the execution cache (_build/.jupyter_cache).
book: $(BOOK_STAMP)
	$(SPHINX) book $(BOOK_OUT)
	@echo "The handbook is in $(BOOK_OUT)/index.html"

# CI: no cache, no previous output: every cell runs again and every page is read again.
book-ci: $(BOOK_STAMP)
	rm -rf $(BOOK_OUT) _build/doctrees _build/jupyter_execute
	$(SPHINX) -E -D nb_execution_mode=force book $(BOOK_OUT)

serve: book
	@echo "Serving $(BOOK_OUT) on http://127.0.0.1:$(PORT) (Ctrl-C stops)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory $(BOOK_OUT)

# The slow tests check the book in $(BOOK_OUT) as it is (CI builds it with `make book-ci` first);
# when there is none they build it with `make book`.
$(BOOK_OUT)/index.html:
	$(MAKE) book

# Builds a deliberately broken copy of the catalog (must fail, naming the identity), and checks the
# anchors, search index and bundled MathJax of the built book.
test-book: $(BOOK_STAMP) $(BOOK_OUT)/index.html $(VENV)/.test-installed
	MATREF_BOOK_TESTS=1 MATREF_BOOK_HTML=$(BOOK_OUT) $(BIN)/python -m pytest -q -rs -p no:cacheprovider tests/test_book.py

# Chromium comes from Debian: installed here with apt-get when running as root, otherwise the
# browser test is skipped with a message saying how to install it.
$(BROWSER_STAMP): pyproject.toml $(BOOK_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[book,browser]'
	@touch $@

test-browser: $(BROWSER_STAMP) $(BOOK_OUT)/index.html $(VENV)/.test-installed
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser test"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	      echo "apt-get could not install chromium: the browser test will be skipped"; \
	  else \
	    echo "chromium is not installed and this is not root: the browser test will be skipped (sudo apt-get install chromium)"; \
	  fi
	MATREF_BOOK_TESTS=1 MATREF_BOOK_HTML=$(BOOK_OUT) $(BIN)/python -m pytest -n 2 -q -rs -p no:cacheprovider tests/test_browser.py tests/test_search_browser.py

# The handbook in Chromium: load time, first paint, px per identity, clipped formulas (after `make book`).
bench-book: $(BROWSER_STAMP) $(BOOK_OUT)/index.html
	$(BIN)/python benchmarks/bench_book.py

# Every identity, both layouts, conditions and sources, as a printable PDF: the quick reference
# printed by headless Chromium through the book's print stylesheet.
CHEATSHEET := _build/matref-cheatsheet.pdf
cheatsheet: $(BOOK_OUT)/index.html
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
	  --disable-component-update --disable-sync --no-pdf-header-footer --virtual-time-budget=20000 \
	  --user-data-dir=$$(mktemp -d) --print-to-pdf=$(CHEATSHEET) \
	  file://$(abspath $(BOOK_OUT))/identities/quick-reference.html
	@echo "The cheat sheet is in $(CHEATSHEET)"

clean:
	rm -rf _build .pytest_cache
