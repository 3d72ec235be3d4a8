"""The generics adapt statsmodels results (reference: statsmodels' own attributes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

import stattools as st
from stattools.core.formula import Design


def _fit(rng):
    n = 80
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    df["y"] = 1 + 2 * df["x"] - df["z"] + rng.normal(size=n)
    d = Design.from_formula("y ~ x + z", df)
    return sm.OLS(d.y["y"], d.X).fit(), df


def test_tidy_matches_statsmodels(rng):
    fit, _ = _fit(rng)
    t = st.tidy(fit, level=0.9)
    np.testing.assert_allclose(t["estimate"], fit.params)
    np.testing.assert_allclose(t["std_error"], fit.bse)
    np.testing.assert_allclose(t["p_value"], fit.pvalues)
    np.testing.assert_allclose(t[["conf_low", "conf_high"]], fit.conf_int(alpha=0.1))
    assert t["term"].tolist() == ["Intercept", "x", "z"]


def test_other_generics(rng):
    fit, df = _fit(rng)
    np.testing.assert_allclose(st.coef(fit), fit.params)
    np.testing.assert_allclose(st.vcov(fit), fit.cov_params())
    np.testing.assert_allclose(st.confint(fit), fit.conf_int())
    assert st.nobs(fit) == 80
    g = st.glance(fit)
    assert g["rsquared"].iloc[0] == fit.rsquared and g["method"].iloc[0] == "OLS"
    np.testing.assert_allclose(st.residuals(fit), fit.resid)
    s = st.summary(fit)
    assert "Intercept" in s.as_latex() and "Intercept" in s.as_markdown()
    np.testing.assert_allclose(s.tables["Coefficients"]["P>|t|"], fit.pvalues)
    cmp = st.compare(fit, fit, names=["a", "b"])
    assert cmp.tables["Estimates"].shape == (3, 2)
