# stattools: two commands do all the set-up.
#   make demo   - venv (Python >= 3.12), install with dev extras, execute every vignette,
#                 write HTML vignettes and exported tables under build/ with build/index.html
#   make test   - the same set-up, then the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stattools-installed
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/.cache/pytensor
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
export MPLBACKEND ?= Agg
PYTEST_ARGS ?=

.PHONY: demo test venv lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml tools/find_python.sh
	@set -e; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
	  rm -rf $(VENV); \
	  interp="$$(bash tools/find_python.sh)"; \
	  echo "creating $(VENV) with: $$interp"; \
	  $$interp -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,dask]"
	$(PY) tools/check_env.py
	@touch $(STAMP)

test: $(STAMP)
	@mkdir -p .cache/pytensor .cache/numba
	STATTOOLS_FAST=1 $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

demo: $(STAMP)
	@mkdir -p .cache/pytensor .cache/numba build
	$(PY) tools/build_docs.py

lint: $(STAMP)
	$(VENV)/bin/ruff check stattools tests benchmarks vignettes tools
	$(VENV)/bin/ruff format --check stattools tests benchmarks vignettes tools

bench: $(STAMP)
	$(PY) -m benchmarks all

clean:
	rm -rf build dist .cache *.egg-info
