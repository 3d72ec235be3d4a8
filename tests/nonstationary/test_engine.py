"""The multiplier engine and numerical cores: identities, loops vs vectorised, invariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import stattools as st
from stattools.core.resampling import draw_chunks
from stattools.nonstationary.lrv import autocovariances, hac, local_lrv, select_block
from stattools.nonstationary.multipliers import (
    CHUNK,
    ARMultiplier,
    BlockMultiplier,
    MovingAverageMultiplier,
    _bridge_kernel,
    get_multiplier,
    multipliers,
)
from stattools.nonstationary.multipliers import centring as _centring
from stattools.nonstationary.smoothing import local_linear_fit, local_linear_weights
from stattools.nonstationary.windows import EWMA, MovingSums, PartialSums

trend_module = __import__("stattools.nonstationary.trend", fromlist=["trend"])


@pytest.mark.parametrize("kind", ["flat", "bartlett", "parzen", "block", "ar"])
def test_multiplier_autocorrelation_matches_theory(kind):
    v = multipliers(400, 3000, kind=kind, block=4, rng=11)
    scheme = get_multiplier(kind, 4)
    for k in (0, 1, 3, 6):
        emp = np.mean(v[: 400 - k] * v[k:])
        assert emp == pytest.approx(float(scheme.autocorrelation(np.array([k]))[0]), abs=0.03)


def test_effective_block_is_sum_of_autocorrelations():
    assert MovingAverageMultiplier(5, "flat").effective_block == pytest.approx(5.0)
    assert BlockMultiplier(5).effective_block == pytest.approx(5.0)
    assert ARMultiplier(5).effective_block == pytest.approx(5.0, rel=1e-6)


def test_multipliers_are_chunked_by_seed():
    v = multipliers(50, 300, kind="ar", block=3, rng=5)
    size, seed = draw_chunks(5, 300, chunk=CHUNK)[1]
    again = ARMultiplier(3).draw(50, size, np.random.default_rng(seed))
    np.testing.assert_array_equal(v[:, CHUNK : 2 * CHUNK], again)


@settings(deadline=None, max_examples=25)
@given(n=hs.integers(5, 60), length=hs.integers(1, 7), seed=hs.integers(0, 10**6))
def test_flat_cumsum_equals_direct_moving_average(n, length, seed):
    scheme = MovingAverageMultiplier(length, "flat")
    v = scheme.draw(n, 3, np.random.default_rng(seed))
    z = np.random.default_rng(seed).standard_normal((n + length - 1, 3))
    direct = np.array([z[i : i + length].sum(axis=0) for i in range(n)]) / np.sqrt(length)
    np.testing.assert_allclose(v, direct, atol=1e-12)


@settings(deadline=None, max_examples=25)
@given(
    n=hs.integers(6, 40),
    seed=hs.integers(0, 10**6),
    center=hs.sampled_from(["sequential", "global", "changepoint"]),
)
def test_bridge_kernel_equals_loop(n, seed, center):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n) + np.r_[np.zeros(n // 2), np.ones(n - n // 2)]
    v = rng.normal(size=(n, 2))
    k_hat = n // 2
    yc, c, d = _centring(y, center, k_hat)
    fast = _bridge_kernel(v, yc, c, d)
    for b in range(2):
        s = []
        for k in range(1, n):
            if center == "sequential":
                m1, m2 = y[:k].mean(), y[k:].mean()
                val = (1 - k / n) * np.sum(v[:k, b] * (y[:k] - m1)) - (k / n) * np.sum(
                    v[k:, b] * (y[k:] - m2)
                )
            else:
                e = y - y.mean()
                if center == "changepoint":
                    e = np.r_[y[:k_hat] - y[:k_hat].mean(), y[k_hat:] - y[k_hat:].mean()]
                val = np.sum(v[:k, b] * e[:k]) - (k / n) * np.sum(v[:, b] * e)
            s.append(val / np.sqrt(n))
        s = np.array(s)
        assert fast[0, b] == pytest.approx(np.abs(s).max(), rel=1e-9, abs=1e-12)
        assert fast[1, b] == pytest.approx(np.mean(s**2), rel=1e-9, abs=1e-12)


@settings(deadline=None, max_examples=20)
@given(n=hs.integers(3, 80), maxlag=hs.integers(0, 100), seed=hs.integers(0, 10**6))
def test_autocovariances_fft_equals_direct(n, maxlag, seed):
    x = np.random.default_rng(seed).normal(size=(n, 2))
    g = autocovariances(x, maxlag)
    for k in range(g.shape[0]):
        np.testing.assert_allclose(g[k], x[k:].T @ x[: n - k], atol=1e-9)
    big = autocovariances(np.random.default_rng(seed).normal(size=200), 150)
    x1 = np.random.default_rng(seed).normal(size=200)
    assert big[149, 0, 0] == pytest.approx(x1[149:] @ x1[:51], abs=1e-9)


@settings(deadline=None, max_examples=20)
@given(n=hs.integers(20, 80), seed=hs.integers(0, 10**6), a=hs.floats(-3, 3), b=hs.floats(-3, 3))
def test_local_linear_reproduces_lines(n, seed, a, b):
    u = np.sort(np.random.default_rng(seed).uniform(size=n))
    u = (u - u[0]) / (u[-1] - u[0])
    y = a + b * u
    np.testing.assert_allclose(local_linear_fit(y, u, 0.45), y, atol=1e-8)
    w = local_linear_weights(u, np.array([0.5]), 0.45)
    assert w.sum() == pytest.approx(1.0)


def test_functionals_agree_with_direct_sums():
    x = np.random.default_rng(3).normal(size=(30, 2))
    n = 30
    ps = PartialSums().apply(x)
    k = 7
    assert ps[k - 1, 0] == pytest.approx((x[:k, 0].sum() - k / n * x[:, 0].sum()) / np.sqrt(n))
    ms = MovingSums(0.2).apply(x)
    m = 6
    assert ms[0, 1] == pytest.approx((x[:m, 1].sum() - m / n * x[:, 1].sum()) / np.sqrt(m))
    ew = EWMA(0.3).apply(x)
    z = 0.0
    for i in range(n):
        z = 0.7 * z + 0.3 * x[i, 0]
    assert ew[-1, 0] == pytest.approx(z / np.sqrt(0.3))


def test_hac_lag_zero_is_mean_square():
    e = np.random.default_rng(0).normal(size=100)
    assert hac(e, 0)[0, 0] == pytest.approx(np.mean(e**2))


def test_local_lrv_tracks_a_variance_change():
    rng = np.random.default_rng(1)
    y = rng.normal(size=3000) * np.r_[np.ones(1500), 3 * np.ones(1500)]
    s2 = local_lrv(y)
    assert np.mean(s2[100:1100]) == pytest.approx(1.0, rel=0.3)
    assert np.mean(s2[1900:2900]) == pytest.approx(9.0, rel=0.3)
    assert np.mean(s2[1900:2900]) > 4 * np.mean(s2[100:1100])


@settings(deadline=None, max_examples=30)
@given(
    n=hs.integers(5, 60),
    seed=hs.integers(0, 10**6),
    shift=hs.floats(-5, 5),
    scale=hs.floats(0.1, 10),
)
def test_ar1_coefficient_equals_brute_force_and_is_invariant(n, seed, shift, scale):
    e = np.random.default_rng(seed).normal(size=n)
    d = [e[i] - e[i - 1] for i in range(1, n)]
    num = sum(d[i] * d[i - 1] for i in range(1, len(d)))
    brute = float(np.clip(1 + 2 * num / sum(x * x for x in d), -0.97, 0.97))
    rho = trend_module.ar1_coefficient(e)
    assert rho == pytest.approx(brute, abs=1e-12)
    assert trend_module.ar1_coefficient(shift + scale * e) == pytest.approx(rho, abs=1e-9)


def test_ar1_coefficient_closed_form_and_bounds():
    # (gamma_1 - gamma_2) / (gamma_0 - gamma_1): AR(1) gives rho, MA(1) theta/(1 + theta^2 - theta)
    from scipy import signal

    z = np.random.default_rng(3).normal(size=200_000)
    assert trend_module.ar1_coefficient(signal.lfilter([1.0], [1.0, -0.6], z)) == pytest.approx(
        0.6, abs=0.01
    )
    th = 0.5
    assert trend_module.ar1_coefficient(z[1:] + th * z[:-1]) == pytest.approx(
        th / (1 + th**2 - th), abs=0.01
    )
    assert trend_module.ar1_coefficient(np.cumsum(np.cumsum(z[:2000]))) == 0.97  # clipped
    assert trend_module.ar1_coefficient(np.ones(10)) == 0.0


def test_prewhitened_local_lrv_removes_the_dependence_bias():
    # AR(1), rho = 0.6, unit marginal variance: true long-run variance (1 + rho)/(1 - rho) = 4.
    # Block differences alone are biased down by (10/3) rho/(1 - rho)^2 / m (about 15 %
    # at n = 1000, m = 20); prewhitening leaves a few per cent.
    from scipy import signal

    t = np.arange(1000.0)
    means = {True: [], False: []}
    for r in range(12):
        z = np.random.default_rng([7, r]).normal(size=1000)
        y = 0.002 * t + signal.lfilter([1.0], [1.0, -0.6], z) * np.sqrt(1 - 0.36)
        df = pd.DataFrame({"t": t, "y": y})
        for pw in (True, False):
            fit = st.trend("y ~ t", data=df, bandwidth=0.2, n_resamples=19, rng=1, prewhiten=pw)
            means[pw].append(np.mean(fit.lrv))
    assert np.mean(means[True]) == pytest.approx(4.0, rel=0.06)
    assert np.mean(means[False]) < 0.92 * 4.0
    # paired: the recoloured LRV exceeds the plain one by about the predicted bias (~17 %)
    assert np.mean(np.divide(means[True], means[False])) == pytest.approx(1.17, abs=0.06)
    assert fit.extra["prewhiten_rho"] == 0.0  # prewhiten=False reports no coefficient


@pytest.mark.parametrize("b", [19, 99, 199, 2000])
def test_mc_quantile_is_the_exact_order_statistic(b):
    x = np.random.default_rng(b).normal(size=b)
    k = int(np.ceil(0.95 * (b + 1) - 1e-9))
    assert trend_module._mc_quantile(x, 0.95) == np.sort(x)[k - 1]
    assert trend_module._mc_quantile(x[:5], 0.95) == np.max(x[:5])  # too few draws


def test_band_crossing_agrees_with_the_shape_test_pvalue():
    # the fit leaves the simultaneous band exactly when p <= 1 - level
    t = np.arange(300.0)
    for slope, seed in ((0.0, 1), (0.002, 2), (0.004, 3), (0.01, 4)):
        z = np.random.default_rng(seed).normal(0, 0.5, 300)
        d = pd.DataFrame({"t": t, "y": slope * t + z})
        fit = st.trend("y ~ t", data=d, bandwidth=0.2, n_resamples=199, rng=seed)
        res = fit.test_shape("constant")
        assert (res.pvalue <= 0.05) == (res.statistic > fit.crit)


def test_select_block_floor_and_plugin():
    rng = np.random.default_rng(2)
    iid = select_block(rng.normal(size=1000))
    assert iid["block"] == pytest.approx(1.5 * 1000 ** (1 / 3))
    e = np.zeros(2000)
    z = rng.normal(size=2000)
    for i in range(1, 2000):
        e[i] = 0.9 * e[i - 1] + z[i]
    dep = select_block(e)
    assert dep["block"] >= dep["floor"] and dep["plugin"] > iid["plugin"]


@pytest.mark.numerics
def test_results_do_not_depend_on_n_jobs(n_jobs):
    # contract: bit-identical for any n_jobs (parallel_map pins BLAS to one thread everywhere)
    y = np.random.default_rng(4).normal(size=300)
    df = pd.DataFrame({"y": y, "t": np.arange(300.0)})
    a = st.cusum_test("y ~ 1", data=df, n_resamples=300, rng=9)
    b = st.cusum_test("y ~ 1", data=df, n_resamples=300, rng=9, n_jobs=n_jobs)
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    ta = st.trend("y ~ t", data=df, bandwidth=0.2, n_resamples=300, rng=3)
    tb = st.trend("y ~ t", data=df, bandwidth=0.2, n_resamples=300, rng=3, n_jobs=n_jobs)
    assert ta.crit == tb.crit


@pytest.mark.parametrize("taper", ["flat", "bartlett", "parzen"])
@pytest.mark.parametrize("block", [1, 2, 5, 6.6])
def test_moving_average_draws_equal_direct_convolution(taper, block):
    from scipy import signal

    scheme = MovingAverageMultiplier(block, taper)
    v = scheme.draw(40, 3, np.random.default_rng(1))
    c = scheme.taps
    z = np.random.default_rng(1).standard_normal((40 + c.size - 1, 3))
    ref = signal.convolve(z, c[:, None], mode="valid") if c.size > 1 else z
    np.testing.assert_allclose(v, ref, atol=1e-12)


@pytest.mark.parametrize("center", ["global", "sequential"])
def test_block_fast_path_equals_expanded_multipliers(center):
    from functools import partial

    from stattools.nonstationary.multipliers import bridge_draws as _bridge_draws
    from stattools.nonstationary.multipliers import resample

    y = np.random.default_rng(3).normal(size=250)
    res = st.cusum_test(
        "y ~ 1", data=pd.DataFrame({"y": y}), n_resamples=300, rng=4, block=6,
        multiplier="block", center=center, lags=0, method="multiplier",
    )  # fmt: skip
    from stattools.nonstationary._common import scaled

    yc, c, d = _centring(scaled(y, "y"), center, res.k_hat)  # the test works on scaled data
    slow = resample(partial(_bridge_draws, y=yc, c=c, d=d, row=0), 250, 300, BlockMultiplier(6), 4)
    np.testing.assert_allclose(res.null_distribution * res.sigma, slow, rtol=1e-12)
