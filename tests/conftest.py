"""Shared fixtures and options for the stattools test suite.

* ``rng`` - a seeded numpy Generator.
* matplotlib uses the Agg backend; figures are closed after each test.
* markers: ``slow`` (validity studies; they always run, with reduced repetitions unless
  ``--run-slow`` asks for the full count), ``mcmc``, ``dask``, ``needs_data``, ``numerics``
  (tests most sensitive to BLAS kernels, thread counts and ``n_jobs``: ``make test-matrix``
  runs them under several profiles).
* ``n_jobs`` fixture - the ``n_jobs`` a numerics test passes to the code under test:
  ``STATTOOLS_TEST_N_JOBS`` (default 2), so the matrix runs them with 1 and 2 workers.
* ``--order-seed=N`` shuffles the collected tests with seed N (printed in the header), to
  find tests that depend on each other's state.
"""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

# Property-based tests draw their examples at random on a developer's machine (and keep
# failures in the local example database); under ``make test`` (``STATTOOLS_FAST`` set, which
# is what ``.ci/run`` calls) or with ``CI`` set they are derandomised, so a clean clone runs
# the same examples on every machine and every run.
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, database=None)
    if os.environ.get("CI") or os.environ.get("STATTOOLS_FAST"):
        _hypothesis_settings.load_profile("ci")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass

# reference-generating scripts (R or Python) live beside their values; they are run by hand,
# never collected (their doctests/imports would run the scripts)
collect_ignore_glob = ["reference/*.py", "reference/*/*.py"]


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="run validity studies with their full number of repetitions",
    )

    parser.addoption(
        "--order-seed",
        action="store",
        type=int,
        default=None,
        help="run the tests in a random order drawn with this seed",
    )


def pytest_configure(config):
    if config.getoption("--run-slow"):
        os.environ["STATTOOLS_FULL_VALIDITY"] = "1"


def pytest_report_header(config):
    seed = config.getoption("--order-seed")
    if seed is not None:
        return f"stattools: random test order, --order-seed={seed}"
    return None


def pytest_collection_modifyitems(config, items):
    seed = config.getoption("--order-seed")
    if seed is not None:
        import random

        random.Random(seed).shuffle(items)


@pytest.fixture
def n_jobs() -> int:
    """Workers for numerics tests: STATTOOLS_TEST_N_JOBS (1 or 2 in the test matrix)."""
    return int(os.environ.get("STATTOOLS_TEST_N_JOBS", "2"))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
