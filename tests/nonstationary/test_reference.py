"""Reference checks against statsmodels, arch and scipy, computed live."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import stattools as st
from stattools.nonstationary.lrv import auto_lags, hac, politis_white
from stattools.nonstationary.smoothing import jackknife_weights, local_linear_weights

pytestmark = pytest.mark.numerics  # make test-matrix runs it under several profiles

TOL = {"se": dict(rtol=1e-10), "lrv": dict(rtol=1e-10), "cusum": dict(rtol=1e-12)}


def _ar1(n: int, rho: float, rng: np.random.Generator, scale=None) -> np.ndarray:
    z = rng.normal(size=n) * (1.0 if scale is None else scale)
    e = np.empty(n)
    e[0] = z[0]
    for i in range(1, n):
        e[i] = rho * e[i - 1] + z[i]
    return e


@pytest.mark.parametrize("lags", [0, 3, 11])
@pytest.mark.parametrize("correction", [False, True])
def test_mean_se_equals_statsmodels_hac(lags, correction):
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(lags)
    y = 1 + _ar1(400, 0.5, rng, np.linspace(0.5, 2, 400))
    res = st.mean_test(
        "y ~ 1",
        data=pd.DataFrame({"y": y}),
        lags=lags,
        correction=correction,
        critical_values="normal",  # statsmodels' N(0, 1) p-value (default is fixed-b)
    )
    ref = sm.OLS(y, np.ones((400, 1))).fit(
        cov_type="HAC",
        cov_kwds={"maxlags": lags, "kernel": "bartlett", "use_correction": correction},
    )
    np.testing.assert_allclose(res.std_error, ref.bse[0], **TOL["se"])
    np.testing.assert_allclose(res.estimate, ref.params[0], rtol=1e-12)
    np.testing.assert_allclose(res.statistic, ref.tvalues[0], **TOL["se"])
    np.testing.assert_allclose(res.pvalue, ref.pvalues[0], rtol=1e-8)


def test_regression_contrast_se_equals_statsmodels_hac():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(1)
    n = 300
    era = np.where(np.arange(n) < 120, "pre", "post")
    x = rng.normal(size=n)
    y = 0.3 * x + (era == "post") * 0.5 + _ar1(n, 0.4, rng, np.where(era == "pre", 2.0, 0.5))
    df = pd.DataFrame({"y": y, "x": x, "era": era})
    res = st.mean_test("y ~ x + C(era)", data=df, hypothesis="C(era)[T.pre]", lags=5)
    d = st.Design.from_formula("y ~ x + C(era)", df)
    ref = sm.OLS(y, d.X).fit(cov_type="HAC", cov_kwds={"maxlags": 5})
    np.testing.assert_allclose(res.std_error, ref.bse["C(era)[T.pre]"], **TOL["se"])
    wald = st.mean_test("y ~ x + C(era)", data=df, lags=5)
    c = np.eye(3)[1:]
    ref_w = ref.wald_test(c, scalar=True)
    np.testing.assert_allclose(wald.statistic, ref_w.statistic, rtol=1e-10)
    assert wald.df == 2


def test_auto_lags_and_lrv_equal_arch():
    kern = pytest.importorskip("arch.covariance.kernel")
    rng = np.random.default_rng(2)
    e = _ar1(600, 0.6, rng)
    for name, cls in [
        ("bartlett", kern.Bartlett),
        ("parzen", kern.Parzen),
        ("qs", kern.QuadraticSpectral),
    ]:
        assert auto_lags(e, name) == cls(e, force_int=True).bandwidth
        bw = 7.0
        ref = cls(e, bandwidth=bw).cov.long_run[0, 0]
        np.testing.assert_allclose(hac(e - e.mean(), bw, name)[0, 0], ref, **TOL["lrv"])
    res = st.mean_test("y ~ 1", data=pd.DataFrame({"y": e}))
    assert res.lags == kern.Bartlett(e, force_int=True).bandwidth


@pytest.mark.parametrize("n", [60, 800, 5000])
@pytest.mark.parametrize("rho", [0.0, 0.7, 0.97])
def test_politis_white_equals_arch(n, rho):
    boot = pytest.importorskip("arch.bootstrap")
    e = _ar1(n, rho, np.random.default_rng(n))
    ref = boot.optimal_block_length(e).to_numpy()[0]
    np.testing.assert_allclose(politis_white(e), ref, rtol=1e-10)


def test_classical_cusum_equals_statsmodels():
    diag = pytest.importorskip("statsmodels.stats.diagnostic")
    y = np.random.default_rng(4).normal(size=250) + np.r_[np.zeros(150), 0.4 * np.ones(100)]
    res = st.cusum_test("y ~ 1", data=pd.DataFrame({"y": y}), method="classical", lags=0)
    sup_b, pval, _ = diag.breaks_cusumolsresid(y - y.mean(), ddof=1)
    np.testing.assert_allclose(res.statistic, sup_b, **TOL["cusum"])
    np.testing.assert_allclose(res.pvalue, pval, **TOL["cusum"])
    np.testing.assert_allclose(res.pvalue, stats.kstwobign.sf(sup_b), rtol=1e-12)
    assert res.critical_values["5%"] == pytest.approx(stats.kstwobign.ppf(0.95))


def test_cusum_bootstrap_critical_value_is_kolmogorov_for_iid():
    n, b = 1000, 3000
    y = np.random.default_rng(5).normal(size=n)
    res = st.cusum_test(
        "y ~ 1", data=pd.DataFrame({"y": y}), n_resamples=b, rng=6, block=1,
        multiplier="flat", center="global", lags=0, method="multiplier",
    )  # fmt: skip
    # seeded simulation of the discrete maximum of a Gaussian bridge (Siegmund's correction)
    z = np.random.default_rng(7).normal(size=(n, 3000))
    c = np.cumsum(z, axis=0)
    c = c - np.arange(1, n + 1)[:, None] / n * c[-1]
    discrete = np.quantile(np.abs(c[:-1]).max(axis=0) / np.sqrt(n), 0.95)
    assert stats.kstwobign.ppf(0.95) == pytest.approx(1.3581, abs=1e-4)
    assert discrete == pytest.approx(1.358 - 0.583 / np.sqrt(n), abs=0.04)
    # Monte Carlo sd of a 95 % quantile from 3000 draws is about 0.012
    assert res.critical_values["5%"] == pytest.approx(discrete, abs=0.05)
    assert res.critical_values["5%"] == pytest.approx(stats.kstwobign.ppf(0.95), abs=0.06)


def test_local_linear_weights_equal_brute_force_wls():
    rng = np.random.default_rng(8)
    u = np.sort(rng.uniform(size=120))
    y = np.cos(3 * u) + rng.normal(0, 0.1, 120)
    at = np.array([0.05, 0.3, 0.77])
    h = 0.2
    fast = local_linear_weights(u, at, h) @ y
    for j, a in enumerate(at):
        k = np.clip(1 - ((u - a) / h) ** 2, 0, None) * 0.75
        X = np.column_stack([np.ones_like(u), u - a])
        beta = np.linalg.solve(X.T @ (k[:, None] * X), X.T @ (k * y))
        assert fast[j] == pytest.approx(beta[0], rel=1e-10)
    jk = jackknife_weights(u, at, h) @ y
    half = local_linear_weights(u, at, h / np.sqrt(2)) @ y
    np.testing.assert_allclose(jk, 2 * half - fast, rtol=1e-12)
