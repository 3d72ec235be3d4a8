"""Fréchet mean/variance helpers, histogram input and densities, against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from stattools.core.exceptions import DataError
from stattools.frechet import (
    SPD,
    Correlation,
    Euclidean,
    Laplacian,
    Sphere,
    Wasserstein,
    frechet_jump,
    frechet_regression,
)

TOL = {"exact": dict(rtol=1e-10, atol=1e-12), "grid": dict(atol=2e-2)}


def test_frechet_mean_and_variance_euclidean_and_weights():
    gen = np.random.default_rng(0)
    y = gen.normal(size=(40, 3))
    w = gen.uniform(0.5, 2, 40)
    sp = Euclidean()
    np.testing.assert_allclose(sp.frechet_mean(y), y.mean(axis=0), **TOL["exact"])
    np.testing.assert_allclose(sp.frechet_variance(y), y.var(axis=0).sum(), **TOL["exact"])
    mw = (w[:, None] * y).sum(axis=0) / w.sum()
    np.testing.assert_allclose(sp.frechet_mean(y, weights=w), mw, **TOL["exact"])
    vw = w @ ((y - mw) ** 2).sum(axis=1) / w.sum()
    np.testing.assert_allclose(sp.frechet_variance(y, weights=w), vw, **TOL["exact"])
    with pytest.raises(DataError, match="weights"):
        sp.frechet_mean(y, weights=np.ones(3))


def test_frechet_mean_and_variance_wasserstein_closed_form():
    gen = np.random.default_rng(1)
    sp = Wasserstein(n_grid=400)
    m, s = gen.normal(0, 1, 50), gen.uniform(0.5, 2, 50)
    Q = m[:, None] + s[:, None] * stats.norm.ppf(sp.grid)[None, :]
    mean = sp.frechet_mean(Q)
    np.testing.assert_allclose(mean, Q.mean(axis=0), **TOL["exact"])  # already monotone
    brute = np.mean([((q - mean) ** 2) @ sp.qweights for q in Q])
    np.testing.assert_allclose(sp.frechet_variance(Q), brute, **TOL["exact"])
    # W2^2(N(m1, s1), N(m2, s2)) = (m1 - m2)^2 + (s1 - s2)^2, up to the grid's tail error
    closed = np.var(m) + np.var(s)
    assert abs(sp.frechet_variance(Q) - closed) < 0.02 * closed


def test_frechet_mean_matrices_and_sphere():
    gen = np.random.default_rng(2)
    A = gen.normal(size=(10, 3, 5))
    S = A @ A.transpose(0, 2, 1) / 5 + 0.1 * np.eye(3)
    np.testing.assert_allclose(SPD().frechet_mean(S), S.mean(axis=0), **TOL["exact"])
    L = np.linalg.cholesky(S)
    d = np.arange(3)
    logd = np.log(L[:, d, d]).mean(axis=0)
    Lm = np.tril(L, -1).mean(axis=0)
    Lm[d, d] = np.exp(logd)
    np.testing.assert_allclose(
        SPD(metric="log_cholesky").frechet_mean(S), Lm @ Lm.T, **TOL["exact"]
    )
    C = np.array([np.eye(3), [[1, 0.5, 0.2], [0.5, 1, 0.1], [0.2, 0.1, 1]]])
    np.testing.assert_allclose(Correlation().frechet_mean(C), C.mean(axis=0), **TOL["exact"])
    W = np.array([[[1.0, -1.0], [-1.0, 1.0]], [[3.0, -3.0], [-3.0, 3.0]]])
    np.testing.assert_allclose(Laplacian().frechet_mean(W), W.mean(axis=0), **TOL["exact"])
    # sphere: the geodesic midpoint of two points, variance (theta / 2)^2
    th = 1.0
    Y = np.array([[1.0, 0.0, 0.0], [np.cos(th), np.sin(th), 0.0]])
    sp = Sphere()
    np.testing.assert_allclose(sp.frechet_mean(Y), [np.cos(th / 2), np.sin(th / 2), 0.0], atol=1e-8)
    np.testing.assert_allclose(sp.frechet_variance(Y), (th / 2) ** 2, atol=1e-10)


def test_histograms_give_exact_quantiles():
    sp = Wasserstein(grid=[0.1, 0.25, 0.5, 0.75, 0.9])
    # half the mass uniform on [0, 1], half on [1, 3]
    Q = sp.from_histogram([[5, 5], [0, 2]], [0.0, 1.0, 3.0])
    np.testing.assert_allclose(Q[0], [0.2, 0.5, 1.0, 2.0, 2.6], **TOL["exact"])
    np.testing.assert_allclose(Q[1], [1.2, 1.5, 2.0, 2.5, 2.8], **TOL["exact"])  # empty bin
    # against the quantiles of a large sample drawn from the histogram distribution
    gen = np.random.default_rng(3)
    counts = np.array([3.0, 10.0, 4.0, 1.0])
    breaks = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    binid = gen.choice(4, size=400_000, p=counts / counts.sum())
    draws = gen.uniform(breaks[binid], breaks[binid + 1])
    np.testing.assert_allclose(
        sp.from_histogram(counts, breaks)[0], np.quantile(draws, sp.grid), atol=0.01
    )
    with pytest.raises(DataError, match="breaks"):
        sp.from_histogram([[1, 2]], [0.0, 1.0])
    with pytest.raises(DataError, match="non-negative"):
        sp.from_histogram([[1, -2]], [0.0, 1.0, 2.0])
    with pytest.raises(DataError, match="empty"):
        sp.from_histogram([[0, 0]], [0.0, 1.0, 2.0])


def test_density_of_quantile_functions():
    sp = Wasserstein(n_grid=1000)
    xs, f = sp.to_density(stats.norm.ppf(sp.grid))
    central = np.abs(xs) < 2
    np.testing.assert_allclose(f[central], stats.norm.pdf(xs[central]), atol=0.01)
    xs, f = Wasserstein(n_grid=50).to_density(2 + 3 * Wasserstein(n_grid=50).grid)
    np.testing.assert_allclose(f, 1 / 3, rtol=1e-10)  # U(2, 5)
    with pytest.raises(DataError, match="constant"):
        Wasserstein(n_grid=5).to_density(np.ones(5))


def test_predict_and_plot_densities():
    gen = np.random.default_rng(4)
    sp = Wasserstein(n_grid=50)
    x = gen.uniform(-1, 1, 200)
    Q = (x + 0.5 * (x >= 0))[:, None] + (1 + 0.2 * x)[:, None] * stats.norm.ppf(sp.grid)
    Q = Q + gen.normal(0, 0.1, (200, 1))
    fit = frechet_regression(y=Q, x=x, space=sp, bandwidth=0.4)
    dens = fit.predict([0.0, 0.5], kind="density")
    assert list(dens.columns) == ["support", "density"] and dens.index.nunique() == 2
    for _, part in dens.groupby(level=0):
        area = np.trapezoid(part["density"], part["support"])
        np.testing.assert_allclose(area, sp.grid[-1] - sp.grid[0], rtol=1e-10)
    assert len(fit.plot(kind="density").axes) == 1
    jt = frechet_jump(y=Q, x=x, cutoff=0.0, space=sp, bandwidth=0.5)
    assert len(jt.plot(kind="density").axes[0].lines) == 2
    scalar = frechet_regression(y=x**2, x=x, bandwidth=0.4)
    with pytest.raises(DataError, match="Wasserstein"):
        scalar.predict([0.0], kind="density")


def _wls_2d(X, Y, x0, h, sd):
    from stattools.frechet._common import kernel_values

    U = (X - x0) / sd
    k = kernel_values(U[:, 0] / h, "epanechnikov") * kernel_values(U[:, 1] / h, "epanechnikov")
    A = np.c_[np.ones(len(X)), X - x0] * np.sqrt(k)[:, None]
    return np.linalg.lstsq(A, Y * np.sqrt(k).reshape(-1, *[1] * (Y.ndim - 1)), rcond=None)[0][0]


def test_local_regression_with_two_predictors_equals_wls():
    gen = np.random.default_rng(5)
    n = 150
    X = np.c_[gen.uniform(0, 1, n), gen.uniform(-3, 3, n)]
    y = np.sin(3 * X[:, 0]) + 0.3 * X[:, 1] + gen.normal(0, 0.2, n)
    fit = frechet_regression(y=y, x=X, bandwidth=0.8)
    sd = X.std(axis=0, ddof=1)
    x0 = np.array([[0.4, 0.5], [0.7, -1.0]])
    pred = fit.predict(x0).to_numpy()
    for j in range(2):
        np.testing.assert_allclose(pred[j], _wls_2d(X, y, x0[j], 0.8, sd), **TOL["exact"])
    # distributions: the Fréchet fit is the weighted PAV of the same least-squares fit
    sp = Wasserstein(n_grid=6)
    Q = np.sort(gen.normal(size=(n, 6)), axis=1) * (1 + X[:, :1]) + X[:, 1:]
    qfit = frechet_regression(y=Q, x=X, space=sp, bandwidth=0.8)
    ref = sp.project(_wls_2d(X, Q, x0[0], 0.8, sd))
    np.testing.assert_allclose(qfit.predict(x0[:1]).to_numpy()[0], ref, **TOL["exact"])
    cv = frechet_regression(y=y, x=X)
    from stattools.frechet.local2d import CANDIDATES_2D

    assert cv.bandwidth in CANDIDATES_2D and cv.bandwidth_rule == "cv"
    assert 0.5 < cv.r2 < 1


def test_bootstrap_bands_equal_a_manual_bootstrap():
    from stattools.core.resampling import draw_chunks
    from stattools.frechet import confidence_bands

    gen = np.random.default_rng(6)
    x = gen.uniform(0, 1, 120)
    y = np.sin(3 * x) + gen.normal(0, 0.2, 120)
    fit = frechet_regression(y=y, x=x, bandwidth=0.3)
    x0 = np.array([0.25, 0.5])
    band = confidence_bands(fit, x0, n_resamples=40, rng=3)
    # the same resamples through the public API: refit at the same h, predict at x0
    xs, ys = np.sort(x), y[np.argsort(x)]
    boot = []
    for size, seed in draw_chunks(3, 40, chunk=32):
        g = np.random.default_rng(seed)
        for _ in range(size):
            idx = np.sort(g.integers(0, 120, 120))
            boot.append(frechet_regression(y=ys[idx], x=xs[idx], bandwidth=0.3).predict(x0))
    boot = np.array(boot)
    np.testing.assert_allclose(band.lower, np.quantile(boot, 0.025, axis=0), rtol=1e-10)
    np.testing.assert_allclose(band.upper, np.quantile(boot, 0.975, axis=0), rtol=1e-10)
    # bootstrap-t sup band: each resample studentised by its own HC0 standard error of the
    # local-linear intercept, here from statsmodels' kernel-weighted least squares at x0
    import statsmodels.api as sm

    def hc0(xs_, ys_):
        out = []
        for c0 in x0:
            u = xs_ - c0
            k = np.clip(0.75 * (1 - (u / 0.3) ** 2), 0, None)
            on = k > 0
            X = sm.add_constant(u[on])
            out.append(sm.WLS(ys_[on], X, weights=k[on]).fit(cov_type="HC0").bse[0])
        return np.array(out)

    tstar = []
    for size, seed in draw_chunks(3, 40, chunk=32):
        g = np.random.default_rng(seed)
        for _ in range(size):
            idx = np.sort(g.integers(0, 120, 120))
            tstar.append(hc0(xs[idx], ys[idx]))
    est = fit.predict(x0).to_numpy()
    c = np.quantile((np.abs(boot - est) / np.array(tstar)).max(axis=1), 0.95)
    np.testing.assert_allclose(band.attrs["critical_value"], c, rtol=1e-9)
    se = hc0(xs, ys)
    np.testing.assert_allclose(band.upper_simultaneous - band.estimate, c * se, rtol=1e-9)
    assert band.attrs["seed"] == 3 and band.attrs["n_resamples"] == 40


def test_bands_for_distributions_are_monotone_in_the_level():
    from stattools.frechet import confidence_bands

    gen = np.random.default_rng(7)
    sp = Wasserstein(n_grid=20)
    x = gen.uniform(0, 1, 150)
    Q = x[:, None] + (1 + 0.5 * x)[:, None] * stats.norm.ppf(sp.grid) + gen.normal(0, 0.2, (150, 1))
    fit = frechet_regression(y=Q, x=x, space=sp, bandwidth=0.3)
    band = confidence_bands(fit, [0.5], n_resamples=60, rng=0)
    assert len(band) == 20 and np.allclose(band.coordinate, sp.grid)
    assert (np.diff(band.lower) >= 0).all() and (np.diff(band.upper) >= 0).all()
    assert ((band.lower <= band.estimate) & (band.estimate <= band.upper)).all()
    glob = frechet_regression(y=Q, x=x, space=sp, method="global")
    with pytest.raises(DataError, match="local"):
        confidence_bands(glob, [0.5])
