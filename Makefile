# stattools: two commands do all the set-up.
#   make demo        - venv (Python >= 3.12), locked install with all extras, execute every
#                      vignette and build the documentation site: build/html/index.html
#                      (STATTOOLS_DOCS_FAST=1: API and data pages only, no vignette runs)
#   make test        - the same set-up, then the whole test suite
#   make test-matrix - the numerics-sensitive tests (marker `numerics`) under BLAS threads 1/2,
#                      n_jobs 1/2, in a random order whose seed is printed
#   make lock        - re-resolve requirements/lock.txt from pyproject.toml (uv)
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stattools-installed
LOCK := requirements/lock.txt
EXTRAS := dev,dask,bayes,ot,docs,sklearn,netcdf
export PYTENSOR_FLAGS ?= base_compiledir=$(CURDIR)/.cache/pytensor
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
export MPLBACKEND ?= Agg
PYTEST_ARGS ?=

.PHONY: demo test test-matrix venv lint lock bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml $(LOCK) tools/find_python.sh
	@set -e; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
	  rm -rf $(VENV); \
	  interp="$$(bash tools/find_python.sh)"; \
	  echo "creating $(VENV) with: $$interp"; \
	  $$interp -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet "$$(grep -E '^uv==' $(LOCK))"
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r $(LOCK)
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e ".[$(EXTRAS)]"
	$(PY) tools/check_env.py
	@touch $(STAMP)

test: $(STAMP)
	@mkdir -p .cache/pytensor .cache/numba
	STATTOOLS_FAST=1 $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Numerics-sensitive tests under several machine profiles (BLAS threads x n_jobs), in a
# random order. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the machine sets them.
test-matrix: $(STAMP)
	@mkdir -p .cache/pytensor .cache/numba
	@set -e; seed=$${STATTOOLS_ORDER_SEED:-$$(( RANDOM * 32768 + RANDOM ))}; \
	echo "test-matrix: random test order seed $$seed (rerun with STATTOOLS_ORDER_SEED=$$seed)"; \
	for t in 1 2; do for j in 1 2; do \
	  echo "== OPENBLAS_NUM_THREADS=$$t STATTOOLS_TEST_N_JOBS=$$j"; \
	  OPENBLAS_NUM_THREADS=$$t STATTOOLS_TEST_N_JOBS=$$j STATTOOLS_FAST=1 \
	    $(PY) -m pytest -m numerics -q -p no:cacheprovider --order-seed=$$seed $(PYTEST_ARGS); \
	done; done

lock:
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.12 --no-header \
	  $(foreach e,$(subst $(comma), ,$(EXTRAS)),--extra $(e)) -o $(LOCK)

comma := ,

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
