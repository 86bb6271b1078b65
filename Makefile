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
# (peer benchmarks skip: they need `make bench` or HBCONN_BENCH_PEERS=1)
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
