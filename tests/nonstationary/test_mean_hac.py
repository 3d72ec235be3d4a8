"""mean_test options: Andrews bandwidth, VAR(1) prewhitening and fixed-b critical values.

References: R sandwich (``sandwich_andrews.{R,json}``: ``bwAndrews`` and
``kernHAC(adjust = FALSE)``), brute-force loops, and our simulation of the
Kiefer-Vogelsang fixed-b limit against their published polynomial critical values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import stattools as st
from stattools.core.exceptions import DataError
from stattools.nonstationary.lrv import (
    _fixed_b_draws,
    andrews_bandwidth,
    fixed_b_critical_value,
    fixed_b_pvalue,
    hac,
    kernel_weights,
    var1_prewhiten,
    weighted_omega,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "nonstationary" / "sandwich_andrews.json"
TOL = {
    "sandwich": dict(rtol=1e-8, atol=0.0),
    # simulated fixed-b quantiles (10,000 paths of length 1000) vs the Kiefer-Vogelsang
    # polynomial: 0.95-quantile MC sd ~0.025 at b = 0.5; the fit itself is approximate.
    "kv_quantile": 0.08,
}


def _reference() -> dict:
    with REF.open() as fh:
        return json.load(fh)


def _cases():
    return [
        pytest.param(c, id=f"{c['model']}-{c['kernel']}-pw{c['prewhite']}")
        for c in _reference()["cases"]
    ]


@pytest.mark.parametrize("case", _cases())
def test_andrews_bandwidth_and_se_equal_sandwich(case):
    ref = _reference()
    df = pd.DataFrame(ref["data"])
    formula, term = ("y ~ 1", "Intercept") if case["model"] == "mean" else ("y2 ~ x", "x")
    res = st.mean_test(
        formula,
        data=df,
        hypothesis=term,
        lags="andrews",
        kernel=case["kernel"],
        prewhite=bool(case["prewhite"]),
        critical_values="normal",
    )
    np.testing.assert_allclose(res.extra["bandwidth_scale"], case["bandwidth"], **TOL["sandwich"])
    se_ref = np.atleast_1d(case["se"])[-1]
    np.testing.assert_allclose(res.std_error, se_ref, **TOL["sandwich"])


def test_prewhitened_hac_equals_brute_force_loop():
    rng = np.random.default_rng(5)
    n = 150
    x = rng.normal(size=n)
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = 0.5 * e[i - 1] + rng.normal()
    df = pd.DataFrame({"y": 1 + 0.3 * x + e, "x": x})
    res = st.mean_test("y ~ x", data=df, lags=3, prewhite=True, critical_values="normal")
    # brute force: OLS, scores, VAR(1) by normal equations, Bartlett loop, recolour
    X = np.column_stack([np.ones(n), x])
    beta = np.linalg.solve(X.T @ X, X.T @ df["y"].to_numpy())
    u = X * (df["y"].to_numpy() - X @ beta)[:, None]
    a = np.linalg.solve(u[:-1].T @ u[:-1], u[:-1].T @ u[1:]).T
    r = u[1:] - u[:-1] @ a.T
    om = r.T @ r
    for k in range(1, 4):
        g = sum(np.outer(r[i + k], r[i]) for i in range(r.shape[0] - k))
        om = om + (1 - k / 4) * (g + g.T)
    d = np.linalg.inv(np.eye(2) - a)
    om = d @ om @ d.T
    bread = np.linalg.inv(X.T @ X)
    cov = bread @ om @ bread
    np.testing.assert_allclose(res.std_error, np.sqrt(cov[1, 1]), rtol=1e-10)
    assert res.extra["prewhite"] is True


@settings(max_examples=25, deadline=None)
@given(
    seed=hs.integers(0, 10_000),
    scale=hs.floats(1e-3, 1e3),
    lag=hs.integers(0, 12),
)
def test_andrews_scale_free_and_weighted_omega_matches_hac(seed, scale, lag):
    z = np.random.default_rng(seed).normal(size=(120, 2))
    z[:, 1] += 0.5 * np.roll(z[:, 0], 1)
    b1 = andrews_bandwidth(z, "bartlett")
    b2 = andrews_bandwidth(z * scale, "bartlett")
    assert np.isclose(b1, b2, rtol=1e-9)
    w = kernel_weights(lag + 1.0, "bartlett", 120)
    np.testing.assert_allclose(weighted_omega(z, w) / 120, hac(z, lag), rtol=1e-10)
    r, d = var1_prewhiten(z)
    assert r.shape == (119, 2) and np.all(np.isfinite(d))


def test_kiefer_vogelsang_polynomial_matches_simulated_limit():
    for b in (0.0, 0.05, 0.2, 0.5):
        d = _fixed_b_draws(b)  # |t| draws: the 0.9 quantile is the one-sided 0.95
        for level, q in ((0.95, 0.90), (0.975, 0.95)):
            sim = float(np.quantile(d, q))
            kv = fixed_b_critical_value(b, level)
            assert abs(sim - kv) < TOL["kv_quantile"], (b, level, sim, kv)


def test_fixed_b_pvalue_properties():
    # b -> 0 is the normal limit; p grows with b for a fixed statistic; one-sided halves
    assert abs(fixed_b_pvalue(1.96, 0.0) - 0.05) < 0.01
    p = [fixed_b_pvalue(2.2, b) for b in (0.01, 0.05, 0.2, 0.6)]
    assert all(a < b for a, b in zip(p, p[1:])), p
    two = fixed_b_pvalue(2.0, 0.1)
    assert np.isclose(fixed_b_pvalue(2.0, 0.1, "greater"), two / 2)
    assert np.isclose(fixed_b_pvalue(2.0, 0.1, "less"), 1 - two / 2)
    # at the KV critical value the tail is about 5 %
    cv = fixed_b_critical_value(0.1, 0.975)
    assert abs(fixed_b_pvalue(cv, 0.1) - 0.05) < 0.01


def test_default_uses_fixed_b_and_keeps_statsmodels_se():
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"y": rng.normal(size=300)})
    res = st.mean_test("y ~ 1", data=d, lags=6)
    normal = st.mean_test("y ~ 1", data=d, lags=6, critical_values="normal")
    assert res.extra["critical_values"] == "fixed-b"
    assert res.std_error == normal.std_error and res.statistic == normal.statistic
    assert np.isclose(res.extra["fixed_b"], 7 / 300)
    assert res.pvalue > normal.pvalue  # heavier-tailed reference distribution
    assert normal.pvalue == pytest.approx(normal.extra["pvalue_normal"])


def test_bad_options_raise():
    d = pd.DataFrame({"y": np.random.default_rng(0).normal(size=100), "g": ["a", "b"] * 50})
    with pytest.raises(DataError, match="lags"):
        st.mean_test("y ~ 1", data=d, lags="nw")
    with pytest.raises(DataError, match="fixed-b"):
        st.mean_test("y ~ 1", data=d, kernel="qs", critical_values="fixed-b")
    with pytest.raises(DataError, match="fixed-b"):
        st.mean_test("y ~ 1", data=d, prewhite=True, critical_values="fixed-b")
    with pytest.raises(DataError, match="critical_values"):
        st.mean_test("y ~ 1", data=d, critical_values="student")
    with pytest.raises(DataError, match="bartlett|kernels"):
        andrews_bandwidth(d["y"].to_numpy(), "truncated")
