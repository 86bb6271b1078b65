# Developer shortcuts.  PY is the bin/ folder of the venv with the package installed
# (pip install '.[test]'); CI itself runs .ci/run, not this file.
PY ?= .venv/bin
# `make bench BENCH_K="pubsub or order_book"` times a subset (pytest -k) and
# merges its groups into the existing RESULTS.md instead of rewriting it.
# `hbconn bench [-k EXPR]` does the same from the installed command.
BENCH_K ?=
RESULTS := benchmarks/RESULTS.md
CHART := benchmarks/results.png

.PHONY: bench peers

bench:
	@json=$$(mktemp -t hbconn-bench.XXXXXX) && \
	$(PY)/pytest benchmarks --benchmark-enable --benchmark-only --benchmark-json=$$json \
		$(if $(BENCH_K),-k '$(BENCH_K)') && \
	$(PY)/python benchmarks/report.py $$json -o $(RESULTS) $(if $(BENCH_K),--merge) && \
	$(PY)/python benchmarks/chart.py $$json -o $(CHART) --merge $(RESULTS); \
	status=$$?; rm -f $$json; exit $$status

# build (or check) the benchmark peers cache benchmarks/.peers/
peers:
	$(PY)/python benchmarks/peers/build_peers.py

# ---- the development loop (README, Development; the same tools as .pre-commit-config.yaml) ----
.PHONY: dev test lint fix typecheck wheel

# the development set-up: an editable install whose extensions are built in place
dev:
	python3 -m venv .venv && $(PY)/pip install -e '.[dev]'

# what CI runs: every test, and every benchmark of ours once as a smoke pass
# (peer sides are left out: they need `make bench` or HBCONN_BENCH_PEERS=1)
test:
	$(PY)/pytest

# every Cython source, wherever it lives (the core and the venues' payload parsers)
CYTHON_SOURCES = $(shell find hummingbot_conn -name '*.pyx' -o -name '*.pxd' | sort)

lint:
	$(PY)/ruff check .
	PATH="$(abspath $(PY)):$$PATH" $(PY)/cython-lint $(CYTHON_SOURCES)

# ruff's automatic fixes over the whole tree (review the diff before committing it)
fix:
	$(PY)/ruff check --fix .

# the whole package at the strictness stated in pyproject.toml ([tool.mypy])
typecheck:
	$(PY)/mypy

# the manylinux wheel (python -m build + auditwheel repair) into wheelhouse/, installed in
# a fresh venv without a compiler and checked with tests/unit (what CI does per Python)
wheel:
	rm -rf build/wheel-check && .ci/wheel-check $(PY)/python build/wheel-check
	mkdir -p wheelhouse && cp build/wheel-check/wheelhouse/*.whl wheelhouse/

# ---- the API reference (README, Documentation; sources and settings in docs/api/) ----
.PHONY: apidocs

# HTML from the docstrings of the package installed in $(PY)'s venv (autodoc
# imports it: the compiled core must be built).  -W: any warning fails the
# build (bad markup, a missing import); -n: so does a cross-reference to one
# of our names that does not resolve; -E: every page is read again, so a
# warning is never hidden by the previous build's cache.
apidocs:
	$(PY)/sphinx-build -W --keep-going -n -E -b html docs/api build/apidocs
	@echo "API reference: build/apidocs/index.html"
