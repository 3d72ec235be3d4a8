"""Lazy imports of heavy optional modules (pymc, arviz, matplotlib, dask, sklearn, POT).

``import stattools`` must stay fast, so these are imported inside functions only.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .exceptions import MissingDependencyError

__all__ = ["lazy_import", "pyplot"]

# module -> extra of stattools that installs it
_EXTRAS = {
    "pymc": "bayes",
    "pytensor": "bayes",
    "arviz": "bayes",
    "ot": "ot",
    "dask": "dask",
    "distributed": "dask",
    "sklearn": "sklearn",
    "h5netcdf": "netcdf",
}


def lazy_import(name: str) -> ModuleType:
    """Import ``name`` on first use, with an install hint if it is missing.

    Parameters
    ----------
    name : str
        Dotted module name, e.g. ``"pymc"`` or ``"matplotlib.pyplot"``.

    Returns
    -------
    module

    Raises
    ------
    MissingDependencyError
        If the module is not installed.

    Examples
    --------
    >>> np = lazy_import("numpy")
    >>> np.__name__
    'numpy'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        top = name.split(".")[0]
        extra = _EXTRAS.get(top)
        hint = f'pip install "stattools[{extra}]"' if extra else f"pip install {top}"
        raise MissingDependencyError(
            f"this feature needs the optional package {top!r}: {hint}"
        ) from exc


def pyplot() -> ModuleType:
    """Return ``matplotlib.pyplot``, imported lazily."""
    return lazy_import("matplotlib.pyplot")
