"""Shared calling conventions of the public R-style functions (conventions §4-§5)."""

from __future__ import annotations

import inspect

import pytest

import stattools as st

FORMULA_FIRST = [
    "acd",
    "conformal_regression",
    "conformal_sequential",
    "mean_test",
    "cusum_test",
    "trend",
    "weighted_test",
    "frechet_regression",
    "frechet_jump",
    "frechet_anova",
    "dpmm",
]


@pytest.mark.parametrize("name", FORMULA_FIRST)
def test_formula_then_data_positional_or_keyword(name):
    params = list(inspect.signature(getattr(st, name)).parameters.values())
    assert params[0].name == "formula"
    assert params[1].name == "data"
    assert params[1].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


@pytest.mark.parametrize("name", sorted(st.api.EXPORTS))
def test_shared_keyword_names(name):
    obj = getattr(st, name)
    if not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
        return
    names = set(inspect.signature(obj).parameters)
    # naming rules: rng (never seed/random_state), level (never confidence_level)
    assert not names & {"seed", "random_state", "confidence_level", "conf_level"}, name
