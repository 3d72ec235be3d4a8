"""Real datasets shipped with stattools (``datasets/`` in the repository, ``stattools._data``
once installed), plus proxies for statsmodels' bundled sets.

Each dataset is ``<name>.csv`` (or ``.csv.gz``) with ``<name>.json`` metadata: title,
description, source, licence, citation, variables (with units), row count and sha256.

Examples
--------
>>> import stattools as st
>>> "galaxies" in set(st.datasets.list_datasets()["name"])
True
>>> st.datasets.load_dataset("galaxies").shape
(82, 2)
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from .core.exceptions import ArgumentTypeError, ColumnError

__all__ = ["list_datasets", "load_dataset", "describe"]

# statsmodels' bundled data sets are proxied, not copied: name -> (module, description)
_STATSMODELS = {
    "nile": ("nile", "Annual flow of the river Nile at Aswan, 1871-1970 (statsmodels)"),
    "co2": ("co2", "Weekly atmospheric CO2 at Mauna Loa, 1958-2001 (statsmodels)"),
    "macrodata": ("macrodata", "US macroeconomic data, 1959Q1-2009Q3 (statsmodels)"),
}


def _root():
    return resources.files("stattools._data")


@lru_cache(maxsize=1)
def _metadata() -> dict[str, dict[str, Any]]:
    out = {}
    for entry in _root().iterdir():
        if entry.name.endswith(".json"):
            meta = json.loads(entry.read_text(encoding="utf-8"))
            out[entry.name[:-5]] = meta
    return dict(sorted(out.items()))


def _unknown(name: str) -> ColumnError:
    names = [*_metadata(), *_STATSMODELS]
    close = difflib.get_close_matches(str(name), names, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return ColumnError(
        f"unknown dataset {name!r}.{hint} See st.datasets.list_datasets() for the "
        f"{len(names)} available names."
    )


def _check_name(name: Any) -> None:
    if not isinstance(name, str):
        raise ArgumentTypeError(f"name must be a dataset name (str), got {type(name).__name__}.")


def list_datasets() -> pd.DataFrame:
    """All available datasets: name, title, rows, columns, licence and origin."""
    rows = [
        {
            "name": k,
            "title": m.get("title", ""),
            "rows": m.get("rows"),
            "columns": len(m.get("variables", {})),
            "licence": m.get("licence", ""),
            "origin": "stattools",
        }
        for k, m in _metadata().items()
    ]
    rows += [
        {
            "name": k,
            "title": d,
            "rows": None,
            "columns": None,
            "licence": "see statsmodels",
            "origin": "statsmodels",
        }
        for k, (_, d) in _STATSMODELS.items()
    ]
    # counts are integers; proxied statsmodels sets have none recorded (<NA>, not NaN)
    return pd.DataFrame(rows).astype({"rows": "Int64", "columns": "Int64"})


def describe(name: str) -> dict[str, Any]:
    """The metadata of one dataset (title, description, source, licence, variables, ...)."""
    _check_name(name)
    meta = _metadata()
    if name in meta:
        return dict(meta[name])
    if name in _STATSMODELS:
        mod, desc = _STATSMODELS[name]
        return {
            "name": name,
            "title": desc,
            "source": f"statsmodels.datasets.{mod}",
            "licence": "see the statsmodels documentation of this dataset",
        }
    raise _unknown(name)


def load_dataset(name: str) -> pd.DataFrame:
    """Load a dataset as a DataFrame.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.

    Raises
    ------
    ColumnError
        Unknown name (a ``KeyError``; the message suggests close matches).
    ArgumentTypeError
        ``name`` is not a string.
    """
    _check_name(name)
    meta = _metadata()
    if name in meta:
        fname = meta[name].get("file", f"{name}.csv")
        with resources.as_file(_root() / fname) as path:
            df = pd.read_csv(path, **meta[name].get("read_csv", {}))
        for col in meta[name].get("parse_dates", []):
            df[col] = pd.to_datetime(df[col])
        return df
    if name in _STATSMODELS:
        import importlib

        mod = importlib.import_module(f"statsmodels.datasets.{_STATSMODELS[name][0]}")
        return mod.load_pandas().data
    raise _unknown(name)
