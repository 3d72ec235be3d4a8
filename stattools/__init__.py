"""stattools: R-like, formula-driven statistics for Python.

Five method families share one result protocol:

* ``st.acd`` - ACD duration models and tests for infinite-mean durations
* ``st.crc`` - conformal risk control, exchangeable and weighted
* ``st.cusum_test``, ``st.mean_test``, ``st.trend`` - inference under non-stationarity
* ``st.frechet_regression``, ``st.frechet_jump`` - Fréchet regression on metric spaces
* ``st.dpmm`` - Dirichlet-process mixtures and mixing-measure distances

Public names are resolved lazily, so ``import stattools`` does not import pymc, arviz,
matplotlib or any family until it is used.

Examples
--------
>>> import stattools as st
>>> st.datasets.load_dataset("faithful").columns.tolist()
['eruptions', 'waiting']
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from .api import EXPORTS as _EXPORTS
from .core.exceptions import *  # noqa: F403 - the warning/error registry is public
from .core.exceptions import __all__ as _exc_all

__version__ = "0.1.0"

logging.getLogger("stattools").addHandler(logging.NullHandler())

__all__ = ["__version__", *_exc_all, *_EXPORTS]


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'stattools' has no attribute {name!r}")
    if target.endswith(":"):
        value = importlib.import_module(target[:-1])
    else:
        value = getattr(importlib.import_module(target), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
