"""One contract test for every public result class (conventions §10)."""

from __future__ import annotations

import dataclasses
import importlib
import pickle
import pkgutil

import numpy as np
import pandas as pd
import pytest

import stattools
from stattools.core.results import TIDY_COLUMNS, ResultBase, TestResult, result_classes
from stattools.core.summary import Summary
from tests._examples import load_all


def _import_all_modules() -> None:
    for mod in pkgutil.walk_packages(stattools.__path__, "stattools."):
        if mod.name.startswith("stattools._data"):
            continue
        importlib.import_module(mod.name)


_import_all_modules()
EXAMPLES = load_all()
CASES = [
    pytest.param(fn, id=f"{cls.__name__}-{i}")
    for cls, fns in EXAMPLES.items()
    for i, fn in enumerate(fns)
]


def test_every_public_result_class_has_an_example():
    missing = [f"{c.__module__}.{c.__name__}" for c in result_classes() if c not in EXAMPLES]
    assert not missing, f"register a factory in tests/<family>/examples.py for: {missing}"


@pytest.mark.parametrize("factory", CASES)
def test_protocol(factory, tmp_path):
    res = factory()
    assert isinstance(res, ResultBase | TestResult)

    params, bse = res.params, res.bse
    assert isinstance(params, pd.Series) and isinstance(bse, pd.Series)
    assert list(bse.index) == list(params.index)

    ci = res.conf_int(0.9)
    assert list(ci.columns) == ["lower", "upper"]
    assert list(ci.index) == list(params.index)
    assert ci.attrs["level"] == 0.9 and "kind" in ci.attrs
    ok = np.isfinite(ci["lower"]) & np.isfinite(ci["upper"])
    assert (ci.loc[ok, "lower"] <= ci.loc[ok, "upper"]).all()

    s = res.summary()
    assert isinstance(s, Summary)
    for text in (
        s.as_text(),
        s.as_html(),
        s.as_latex(),
        s.as_markdown(),
        s.as_csv(),
        str(res),
        res._repr_html_(),
    ):
        assert isinstance(text, str) and len(text) > 20
    for ext in ("txt", "html", "tex", "md", "csv"):
        assert s.save(tmp_path / f"summary.{ext}").stat().st_size > 0

    tidy = res.tidy()
    assert list(tidy.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    glance = res.glance()
    assert isinstance(glance, pd.DataFrame) and len(glance) == 1
    assert {"nobs", "method"} <= set(glance.columns)

    fig = res.plot()
    assert fig is not None

    assert isinstance(res.warnings, tuple)
    clone = pickle.loads(pickle.dumps(res))
    assert type(clone) is type(res)
    pd.testing.assert_series_equal(clone.params, res.params)

    with pytest.raises((AttributeError, dataclasses.FrozenInstanceError)):
        res.params = None  # results are immutable


def test_no_member_raises_attribute_error():
    for fns in EXAMPLES.values():
        res = fns[0]()
        for name in (
            "params",
            "bse",
            "nobs",
            "warnings",
            "converged" if isinstance(res, ResultBase) else "is_valid",
        ):
            getattr(res, name)
