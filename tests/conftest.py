"""Shared fixtures and options for the stattools test suite.

* ``rng`` - a seeded numpy Generator.
* matplotlib uses the Agg backend; figures are closed after each test.
* markers: ``slow`` (validity studies; they always run, with reduced repetitions unless
  ``--run-slow`` asks for the full count), ``mcmc``, ``dask``, ``needs_data``.
"""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="run validity studies with their full number of repetitions",
    )


def pytest_configure(config):
    if config.getoption("--run-slow"):
        os.environ["STATTOOLS_FULL_VALIDITY"] = "1"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
