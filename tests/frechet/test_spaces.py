"""Metric spaces: projections vs brute-force constrained least squares, distances vs direct
computations from samples, closed forms, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import optimize, stats

from stattools.core.exceptions import ApproximationWarning, DataError
from stattools.frechet import (
    SPD,
    Correlation,
    Euclidean,
    Laplacian,
    Sphere,
    Wasserstein,
    psd_project,
    weighted_pav,
)

TOL = {"projection": dict(atol=1e-8), "distance": dict(rtol=1e-10), "grid": dict(atol=2e-3)}


def _brute_isotonic(y, w):
    """min sum w (q - y)^2 s.t. q non-decreasing, as bounded least squares q = q1 + cumsum(d)."""
    m = y.size
    T = np.tril(np.ones((m, m)))  # q = T @ [q1, d2, ..., dm]
    sw = np.sqrt(w)
    lb = np.r_[-np.inf, np.zeros(m - 1)]
    res = optimize.lsq_linear(
        sw[:, None] * T, sw * y, bounds=(lb, np.inf), tol=1e-14, method="bvls"
    )
    return T @ res.x


@settings(deadline=None, max_examples=30)
@given(
    hst.lists(hst.floats(-5, 5), min_size=2, max_size=25),
    hst.integers(0, 2**31 - 1),
)
def test_weighted_pav_equals_bruteforce_qp(vals, seed):
    y = np.array(vals)
    w = np.random.default_rng(seed).uniform(0.1, 2.0, y.size)
    np.testing.assert_allclose(weighted_pav(y, w), _brute_isotonic(y, w), atol=1e-8)


def test_weighted_pav_equals_sklearn(rng):
    from sklearn.isotonic import IsotonicRegression

    y = rng.normal(size=60).cumsum() * 0.1 + rng.normal(size=60)
    w = rng.uniform(0.1, 3, 60)
    ref = IsotonicRegression().fit(np.arange(60), y, sample_weight=w).predict(np.arange(60))
    np.testing.assert_allclose(weighted_pav(y, w), ref, atol=1e-10)


def test_wasserstein_projection_is_not_sorting(rng):
    sp = Wasserstein(grid=np.array([0.05, 0.1, 0.5, 0.9]))
    a = np.array([0.0, 2.0, 1.0, 3.0])
    proj = sp.project(a)
    np.testing.assert_allclose(proj, _brute_isotonic(a, sp.qweights), **TOL["projection"])
    assert not np.allclose(proj, np.sort(a))


def test_wasserstein_bounds_clip_after_pav():
    sp = Wasserstein(n_grid=4, bounds=(0.0, 1.0))
    np.testing.assert_allclose(sp.project(np.array([-1.0, 0.5, 0.2, 2.0])), [0, 0.35, 0.35, 1])


def test_w2_equals_emd_from_samples(rng):
    ot = pytest.importorskip("ot")
    a, b = rng.normal(size=40), rng.gamma(2.0, size=40)
    sp = Wasserstein(n_grid=40, input="samples", quantile_method="inverted_cdf")
    d = sp.distance(a, b)
    np.testing.assert_allclose(d**2, ot.emd2_1d(a, b, metric="sqeuclidean"), **TOL["distance"])
    np.testing.assert_allclose(d**2, np.mean((np.sort(a) - np.sort(b)) ** 2), **TOL["distance"])


def test_w1_on_fine_grid_matches_scipy(rng):
    a, b = rng.normal(size=300), rng.normal(1, 2, size=500)
    sp = Wasserstein(n_grid=20000, input="samples", quantile_method="inverted_cdf")
    Q = sp.validate([a, b])
    w1 = float(np.abs(Q[0] - Q[1]) @ sp.qweights)
    np.testing.assert_allclose(w1, stats.wasserstein_distance(a, b), rtol=1e-3)


def test_w2_gaussian_closed_form():
    sp = Wasserstein(n_grid=2000)
    Q = np.stack([stats.norm(1, 2).ppf(sp.grid), stats.norm(-0.5, 1).ppf(sp.grid)])
    d2 = sp.dist2(sp.validate(Q)[:1], Q[1])[0]
    np.testing.assert_allclose(d2, 1.5**2 + 1.0**2, rtol=2e-3)


def test_densities_input_matches_quantiles():
    s = np.linspace(-8, 8, 4001)
    sp = Wasserstein(n_grid=50, input="densities", support=s)
    Q = sp.validate([stats.norm(0.3, 1.2).pdf(s)])
    np.testing.assert_allclose(Q[0], stats.norm(0.3, 1.2).ppf(sp.grid), atol=2e-3)
    with pytest.warns(ApproximationWarning, match="renormalised"):
        Q2 = sp.validate([2 * stats.norm(0.3, 1.2).pdf(s)])
    np.testing.assert_allclose(Q2, Q, atol=1e-10)


def test_wasserstein_bad_input():
    sp = Wasserstein(n_grid=3)
    with pytest.raises(DataError, match=r"decrease in rows 1 \(first positions: 1\)"):
        sp.validate([[0, 1, 2], [2, 1, 0]])
    with pytest.warns(ApproximationWarning, match="isotonic projection"):
        Q = Wasserstein(n_grid=3, monotone="project").validate([[0, 1, 2], [2, 1, 0]])
    np.testing.assert_allclose(Q[1], [1, 1, 1])
    with pytest.raises(DataError, match="3 values"):
        sp.validate([[0, 1, 2, 3]])
    with pytest.raises(DataError, match="same shape"):
        sp.validate([np.arange(3.0), np.arange(4.0)])
    with pytest.raises(DataError, match="NaN"):
        sp.validate([[0, np.nan, 1]])
    with pytest.raises(DataError, match="at least 2 values"):
        Wasserstein(input="samples").validate([np.array([1.0]), np.arange(5.0)])
    with pytest.raises(DataError, match="strictly increasing"):
        Wasserstein(grid=[0.2, 0.1, 0.5])
    with pytest.raises(DataError, match=r"\(0, 1\)"):
        Wasserstein(grid=[0.0, 0.5])
    with pytest.raises(DataError, match="negative"):
        Wasserstein(input="densities", support=[0, 1, 2]).validate([[0.5, -0.1, 0.5]])


# ------------------------------------------------------------------ matrices
def _sym(rng, p):
    A = rng.normal(size=(p, p))
    return (A + A.T) / 2


def test_psd_projection_moreau_and_bruteforce(rng):
    A = _sym(rng, 3)
    P, N = psd_project(A), psd_project(-A)
    np.testing.assert_allclose(A, P - N, atol=1e-12)
    assert abs(np.sum(P * N)) < 1e-10
    assert np.linalg.eigvalsh(P).min() > -1e-12 and np.linalg.eigvalsh(N).min() > -1e-12
    iu = np.triu_indices(3)

    def obj(v):  # S = L L' parametrises the PSD cone
        L = np.zeros((3, 3))
        L[np.tril_indices(3)] = v
        return np.sum((L @ L.T - A) ** 2)

    best = min(
        (
            optimize.minimize(obj, rng.normal(size=6), method="BFGS", options={"gtol": 1e-12})
            for _ in range(5)
        ),
        key=lambda r: r.fun,
    )
    L = np.zeros((3, 3))
    L[np.tril_indices(3)] = best.x
    np.testing.assert_allclose((L @ L.T)[iu], P[iu], atol=1e-5)


def test_spd_frobenius_mean_with_negative_weights_projects(rng):
    sp = SPD()
    Z = sp.validate([np.diag([1.0, 0.1]), np.diag([0.1, 1.0])])
    m = sp.weighted_mean(Z, np.array([2.0, -1.0]))
    np.testing.assert_allclose(m, np.diag([1.9, 0.0]), atol=1e-12)


def test_spd_log_cholesky_and_log_euclidean_closed_forms():
    S1, S2 = np.diag([1.0, 4.0]), np.diag([4.0, 1.0])
    for metric in ("log_cholesky", "log_euclidean"):
        sp = SPD(metric=metric)
        m = sp.to_element(sp.weighted_mean(sp.validate([S1, S2]), np.array([1.0, 1.0])))
        np.testing.assert_allclose(m, np.diag([2.0, 2.0]), atol=1e-12)  # geometric mean
        np.testing.assert_allclose(
            sp.distance(S1, S2),
            np.sqrt(2) * np.log(4) / (2 if metric == "log_cholesky" else 1),
            rtol=1e-12,
        )


def test_spd_power_and_cholesky_roundtrip(rng):
    A = rng.normal(size=(3, 5))
    S = A @ A.T / 5
    for sp in (SPD(metric="power", alpha=0.5), SPD(metric="cholesky"), SPD(metric="log_euclidean")):
        Z = sp.validate([S])
        np.testing.assert_allclose(sp.to_element(sp.weighted_mean(Z, np.ones(1))), S, atol=1e-10)
    sp = SPD(metric="power", alpha=0.5)
    d = sp.distance(np.eye(2), 4 * np.eye(2))
    np.testing.assert_allclose(d, np.sqrt(2) * (2 - 1) / 0.5, rtol=1e-12)


def test_spd_bad_input():
    with pytest.raises(DataError, match="not symmetric"):
        SPD().validate([np.array([[1.0, 0.5], [0.0, 1.0]])])
    with pytest.raises(DataError, match="not PSD"):
        SPD().validate([np.array([[1.0, 2.0], [2.0, 1.0]])])
    with pytest.raises(DataError, match="regularize"):
        SPD(metric="log_cholesky").validate([np.diag([1.0, 0.0])])
    Z = SPD(metric="log_cholesky", regularize=0.1).validate([np.diag([1.0, 0.0])])
    assert np.isfinite(Z).all()
    with pytest.raises(DataError, match="square"):
        SPD().validate([np.ones((2, 3))])
    with pytest.raises(DataError, match="metric"):
        SPD(metric="bogus")


def test_correlation_projection_vs_statsmodels(rng):
    from statsmodels.stats.correlation_tools import corr_nearest

    A = _sym(rng, 4) * 0.6
    np.fill_diagonal(A, 1.0)
    C = Correlation().project(A)
    assert np.linalg.eigvalsh(C).min() > -1e-9
    np.testing.assert_allclose(np.diag(C), 1.0)
    ref = corr_nearest(A, threshold=0.0, n_fact=1000)
    assert np.linalg.norm(C - A) <= np.linalg.norm(ref - A) + 1e-6
    np.testing.assert_allclose(C, ref, atol=1e-3)


def test_correlation_bad_input():
    with pytest.raises(DataError, match="unit diagonal"):
        Correlation().validate([np.diag([1.0, 2.0])])


def _laplacian(rng, p):
    W = np.triu(rng.uniform(0, 1, (p, p)), 1)
    W = W + W.T
    return np.diag(W.sum(1)) - W


def test_laplacian_projection_vs_trust_constr(rng):
    sp = Laplacian()
    Z = sp.validate([_laplacian(rng, 4) for _ in range(3)])
    A = np.tensordot(np.array([1.5, 1.0, -1.5]), Z, axes=1)
    A[0, 1] = A[1, 0] = 0.7  # force an infeasible positive weight
    P = sp.project(A)
    assert sp.validate([P]).shape == (1, 4, 4)
    iu, ju = np.triu_indices(4, 1)

    def build(x):
        L = np.zeros((4, 4))
        L[iu, ju] = -x
        L[ju, iu] = -x
        np.fill_diagonal(L, -L.sum(1))
        return L

    with warnings.catch_warnings():
        # scipy's quasi-Newton Hessian update warns "delta_grad == 0" near convergence
        warnings.filterwarnings("ignore", "delta_grad", UserWarning)
        res = optimize.minimize(
            lambda x: np.sum((build(x) - A) ** 2),
            np.ones(6),
            method="trust-constr",
            bounds=optimize.Bounds(0, np.inf),
            options={"gtol": 1e-12, "xtol": 1e-14, "maxiter": 5000},
        )
    np.testing.assert_allclose(P, build(res.x), atol=1e-5)
    assert np.sum((P - A) ** 2) <= res.fun + 1e-10


def test_laplacian_bad_input():
    with pytest.raises(DataError, match="row sums"):
        Laplacian().validate([np.array([[1.0, -0.5], [-0.5, 1.0]])])
    with pytest.raises(DataError, match="positive off-diagonal"):
        Laplacian().validate([np.array([[-1.0, 1.0], [1.0, -1.0]])])


# ------------------------------------------------------------------ sphere
def test_sphere_two_point_midpoint():
    sp = Sphere()
    a, b = np.array([1.0, 0, 0]), np.array([0.0, 0.6, 0.8])
    m = sp.weighted_mean(sp.validate([a, b]), np.array([1.0, 1.0]))
    theta = np.arccos(a @ b)
    np.testing.assert_allclose(np.arccos(m @ a), theta / 2, atol=1e-7)
    np.testing.assert_allclose(np.arccos(m @ b), theta / 2, atol=1e-7)


def test_sphere_mean_beats_dense_grid(rng):
    sp = Sphere()
    Y = rng.normal([1, 0.5, 0.3], 0.3, size=(12, 3))
    Z = sp.validate(Y / np.linalg.norm(Y, axis=1, keepdims=True))
    w = rng.uniform(0.2, 1, 12)
    m = sp.weighted_mean(Z, w)
    th, ph = np.meshgrid(np.linspace(0, np.pi, 400), np.linspace(0, 2 * np.pi, 800))
    G = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1).reshape(-1, 3)
    obj = (np.arccos(np.clip(G @ Z.T, -1, 1)) ** 2) @ w
    assert w @ sp.dist2(Z, m) <= obj.min() + 1e-12
    np.testing.assert_allclose(w @ sp.dist2(Z, m), obj.min(), rtol=1e-3)


def test_compositions_map_and_bad_input():
    C = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    U = Sphere.from_compositions(C)
    np.testing.assert_allclose(np.linalg.norm(U, axis=1), 1.0)
    np.testing.assert_allclose(Sphere.to_compositions(U), C, atol=1e-12)
    with pytest.raises(DataError, match="negative shares"):
        Sphere.from_compositions([[1.1, -0.1]])
    with pytest.raises(DataError, match="sum to 1"):
        Sphere(compositions=True).validate([[0.5, 0.6]])
    with pytest.raises(DataError, match="unit norm"):
        Sphere().validate([[1.0, 1.0]])
    np.testing.assert_allclose(Sphere(normalize=True).validate([[3.0, 4.0]]), [[0.6, 0.8]])


def test_sphere_positive_orthant_mean():
    sp = Sphere(positive_orthant=True)
    Z = sp.validate(np.array([[1.0, 0.0], [0.0, 1.0]]))
    m = sp.weighted_mean(Z, np.array([2.0, -1.0]))
    assert (m >= 0).all()
    np.testing.assert_allclose(m, [1.0, 0.0], atol=1e-8)


@settings(deadline=None, max_examples=20)
@given(hst.integers(0, 2**31 - 1))
def test_hilbert_weighted_mean_minimises_objective(seed):
    """Projection of the linear average beats random feasible points (negative weights)."""
    gen = np.random.default_rng(seed)
    sp = Wasserstein(n_grid=8)
    Q = np.sort(gen.normal(size=(6, 8)), axis=1)
    w = gen.normal(size=6)
    w[0] += abs(w.sum()) + 1
    m = sp.weighted_mean(Q, w)
    f = w @ sp.dist2(Q, m)
    for _ in range(20):
        cand = np.sort(m + gen.normal(0, 0.3, 8))
        assert w @ sp.dist2(Q, cand) >= f - 1e-10


def test_euclidean_weights_must_sum_positive():
    sp = Euclidean()
    with pytest.raises(DataError, match="positive"):
        sp.weighted_mean(sp.validate([1.0, 2.0]), np.array([1.0, -1.0]))


def test_sphere_non_unique_mean_warns():
    from stattools.core.exceptions import ConvergenceWarning

    sp = Sphere()
    Z = sp.validate(np.array([[1.0, 0.0], [-1.0, 0.0]]))
    with pytest.warns(ConvergenceWarning, match="not unique"):
        sp.weighted_mean(Z, np.array([1.0, 1.0]))


def test_nearest_correlation_higham_example():
    """Worked example of Higham (2002, IMA J. Numer. Anal. 22, 329-343), 4-digit values."""
    A = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    ref = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
    np.testing.assert_allclose(Correlation().project(A), ref, atol=5e-5)


def test_importing_the_family_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, stattools.frechet; "
        "print([m for m in ('matplotlib', 'sklearn', 'ot', 'pymc', 'arviz', 'dask') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
