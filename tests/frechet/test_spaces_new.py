"""The spaces added for issue 14: correlation matrices under the power metric
(:class:`PowerCorrelation`), directed networks (:class:`DirectedLaplacian`) and densities
under the Fisher-Rao metric (:class:`FisherRao`).

References: R frechet 0.3.0 ``GloCorReg``/``LocCorReg``/``dist4cov`` and R frechesTest
0.1.0 (``frechet_corr_power.json``, ``frechet_directed_network.json`` beside their
scripts in ``tests/reference/frechet/``); a bounded least-squares solver for the directed
projection; a brute-force jump statistic with explicit loops; for Fisher-Rao (no R
implementation) the Bhattacharyya coefficient of normal densities and the geodesic midpoint. Hypothesis property tests
check the metric axioms and the projection's optimality certificate.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import optimize

import stattools as st
from stattools.core.exceptions import DataError
from stattools.frechet import (
    Correlation,
    DirectedLaplacian,
    FisherRao,
    PowerCorrelation,
    frechet_anova,
    frechet_changepoint,
    frechet_jump,
    frechet_regression,
    project_directed_laplacian,
)
from stattools.frechet._common import kernel_constant, resolve_space

REF = Path(__file__).resolve().parents[1] / "reference" / "frechet"
TOL = {
    # R's nearPD stops at conv.tol = 1e-7 and floors eigenvalues at 1e-8 relative: where
    # the nearest-correlation step is active the agreement is ~5e-8
    "r_corr": dict(atol=1e-6),
    "r_exact": dict(atol=1e-10),  # computations without an iterative step in R
    "r_jump": dict(rtol=1e-8),
    "osqp": dict(atol=1e-7),  # OSQP eps 1e-8 with polishing
    "projection": dict(atol=1e-9),
    "brute": dict(rtol=1e-9, atol=1e-12),
}


@pytest.fixture(scope="module")
def corr_ref():
    return json.loads((REF / "frechet_corr_power.json").read_text())


@pytest.fixture(scope="module")
def net_ref():
    return json.loads((REF / "frechet_directed_network.json").read_text())


def _corr(gen, p=3, m=15, rho=0.3):
    S = np.full((p, p), rho) + (1 - rho) * np.eye(p)
    return np.corrcoef(gen.standard_normal((m, p)) @ np.linalg.cholesky(S).T, rowvar=False)


# ============================================================================ R: correlation
@pytest.mark.parametrize("key", ["alpha_0.5", "alpha_1", "alpha_2"])
def test_power_correlation_mean_equals_r_glocorreg_at_xbar(corr_ref, key):
    r = corr_ref["results"][key]
    M = np.array(corr_ref["data"]["M"])
    got = PowerCorrelation(alpha=r["alpha"]).frechet_mean(M)
    np.testing.assert_allclose(got, np.array(r["mean"]), **TOL["r_corr"])


@pytest.mark.parametrize("key", ["alpha_0.5", "alpha_1", "alpha_2"])
def test_power_correlation_global_regression_equals_r(corr_ref, key):
    r, d = corr_ref["results"][key], corr_ref["data"]
    x, M = np.array(d["x"]), np.array(d["M"])
    fit = frechet_regression(y=M, x=x, space=PowerCorrelation(r["alpha"]), method="global")
    pred = np.stack(fit.predict(np.array(d["xOut"])).to_list())
    # xOut = -1.5 and 2.5 extrapolate: the nearest-correlation step is active there
    np.testing.assert_allclose(pred, np.array(r["global_predict"]), **TOL["r_corr"])
    np.testing.assert_allclose(
        fit.fittedvalues[:5], np.array(r["global_fit_first5"]), **TOL["r_corr"]
    )
    # R's residuals are Frobenius distances between correlation matrices
    fro = np.sqrt(((fit.fittedvalues - M) ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose(fro, np.array(r["global_residuals"]), **TOL["r_corr"])


@pytest.mark.parametrize("key", ["alpha_0.5", "alpha_1", "alpha_2"])
def test_power_correlation_local_regression_equals_r(corr_ref, key):
    r, d = corr_ref["results"][key], corr_ref["data"]
    x, M = np.array(d["x"]), np.array(d["M"])
    fit = frechet_regression(y=M, x=x, space=PowerCorrelation(r["alpha"]), bandwidth=0.2)
    pred = np.stack(fit.predict(np.array(d["xOutLoc"])).to_list())
    np.testing.assert_allclose(pred, np.array(r["local_predict"]), **TOL["r_corr"])
    np.testing.assert_allclose(
        fit.fittedvalues[:5], np.array(r["local_fit_first5"]), **TOL["r_corr"]
    )


@pytest.mark.parametrize("key", ["alpha_0.5", "alpha_1", "alpha_2"])
def test_power_correlation_distance_equals_r_dist4cov(corr_ref, key):
    r = corr_ref["results"][key]
    M = np.array(corr_ref["data"]["M"])
    d = PowerCorrelation(r["alpha"]).distance(M[0], M[1])
    np.testing.assert_allclose(d, r["dist_1_2"], rtol=1e-10)


def test_power_correlation_jump_equals_r_frechestest(corr_ref):
    j = corr_ref["jump"]
    res = frechet_jump(
        y=np.array(j["M"]),
        x=np.array(j["x"]),
        cutoff=j["cutoff"],
        space=PowerCorrelation(j["alpha"]),
        bandwidth=j["h_frechet"],
        undersmooth=j["undersmooth"],
        variance="frechestest",
        density_at_cutoff=j["f_X_hat_c"],
    )
    np.testing.assert_allclose(res.statistic, j["Tn"], **TOL["r_jump"])
    np.testing.assert_allclose(res.pvalue, j["p_value"], **TOL["r_jump"])
    np.testing.assert_allclose(
        [res.var_left, res.var_right], [j["V_hat_minus"], j["V_hat_plus"]], **TOL["r_jump"]
    )
    np.testing.assert_allclose(res.extra["var_pooled"], j["V_hat_pooled"], **TOL["r_jump"])
    np.testing.assert_allclose(res.mean_right, np.array(j["l_hat_plus"]), **TOL["r_corr"])
    np.testing.assert_allclose(res.mean_left, np.array(j["l_hat_minus"]), **TOL["r_corr"])


# ============================================================================ R: networks
@pytest.mark.parametrize("W", ["W_1", "W_0.4"])
def test_directed_projection_equals_r_frechestest_osqp(net_ref, W):
    T = np.array(net_ref["projection"]["targets"])
    R = np.array(net_ref["projection"]["results"][W])
    got = project_directed_laplacian(T, max_weight=float(W.split("_")[1]))
    np.testing.assert_allclose(got, R, **TOL["osqp"])


def test_directed_jump_means_equal_r_and_r_variance_uses_trace_of_square(net_ref):
    """R frechesTest's one-sided means equal ours; its variances use ``tr((A - B)^2)``.

    frechesTest measures networks with ``frechet::dist4cov``, i.e. ``sqrt(tr((A - B)^2))``:
    the Frobenius norm only for symmetric ``A - B``. For directed Laplacians it is not a
    metric (``tr(D^2) = <D, D'>`` can be negative, R then gets NaN), so R's V_hat and T_n
    are not the Fréchet variances; ours use ``‖A - B‖_F`` (the metric of R's own
    projection). Replacing our distance by R's reproduces R's V_hat+ exactly.
    """
    j = net_ref["jump"]
    x, Y = np.array(j["x"]), np.array(j["Y"])
    kw = dict(cutoff=0.5, bandwidth=0.3, undersmooth=0.9, variance="frechestest")
    res = frechet_jump(
        y=Y, x=x, space=DirectedLaplacian(max_weight=2.0), density_at_cutoff=j["f_X_hat_c"], **kw
    )
    np.testing.assert_allclose(res.mean_right, np.array(j["l_hat_plus"]), **TOL["osqp"])
    np.testing.assert_allclose(res.mean_left, np.array(j["l_hat_minus"]), **TOL["osqp"])

    class TraceOfSquare(DirectedLaplacian):  # R's dist4cov on asymmetric matrices
        def dist2(self, Z, z):
            D = Z - z
            return np.einsum("nij,nji->n", D, D)

        def dist2_pairs(self, Z1, Z2):
            D = Z1 - Z2
            return np.einsum("nij,nji->n", D, D)

    r_like = frechet_jump(y=Y, x=x, space=TraceOfSquare(max_weight=2.0), **kw)
    np.testing.assert_allclose(r_like.var_right, j["V_hat_plus"], **TOL["r_jump"])
    np.testing.assert_allclose(
        r_like.extra["sigma2_right"], j["sigma_V_sq_hat_plus"], **TOL["r_jump"]
    )
    assert abs(res.var_right - j["V_hat_plus"]) > 1.0  # the Frobenius variance differs


# ============================================================================ brute force
def _brute_directed(B, W=None):
    """Row-wise bounded least squares with scipy (x_j = L_ij, L_ii = -sum_j x_j)."""
    p = B.shape[0]
    out = np.zeros_like(B)
    for i in range(p):
        b, d = np.delete(B[i], i), B[i, i]
        M = np.vstack([np.eye(p - 1), -np.ones((1, p - 1))])
        lb = -np.inf if W is None else -W
        r = optimize.lsq_linear(M, np.r_[b, d], bounds=(lb, 0.0), method="bvls", tol=1e-15)
        out[i, np.arange(p) != i] = r.x
        out[i, i] = -r.x.sum()
    return out


@settings(deadline=None, max_examples=40)
@given(
    hst.integers(2, 7),
    hst.sampled_from([None, 0.2, 1.0, 5.0]),
    hst.floats(0.05, 5.0),
    hst.integers(0, 2**31 - 1),
)
def test_directed_projection_equals_bounded_least_squares(p, W, scale, seed):
    B = np.random.default_rng(seed).normal(size=(p, p)) * scale
    np.testing.assert_allclose(
        project_directed_laplacian(B, W), _brute_directed(B, W), **TOL["projection"]
    )


def _brute_jump_frechestest(Y, x, c, h, proj, d2, f_hat):
    """T_n of the frechesTest statistic by explicit loops (spec section 2)."""
    n = x.size

    def weights(side):
        s = np.zeros(n)
        idx = [i for i in range(n) if (x[i] >= c if side > 0 else x[i] < c)]
        t = np.array([(x[i] - c) / h for i in idx])
        k = np.where(np.abs(t) <= 1, 0.75 * (1 - t**2), 0.0)
        S0, S1, S2 = k.sum(), (k * t).sum(), (k * t * t).sum()
        for j, i in enumerate(idx):
            s[i] = k[j] * (S2 - S1 * t[j]) / (S0 * S2 - S1**2)
        return s

    def mean_var(s):
        a = sum(s[i] * Y[i] for i in range(n) if s[i] != 0) / s.sum()
        m = proj(a)
        dd = np.array([d2(Y[i], m) if s[i] != 0 else 0.0 for i in range(n)])
        return m, float(s @ dd), dd

    sp_, sm = weights(1), weights(-1)
    _, Vp, dp = mean_var(sp_)
    _, Vm, dm = mean_var(sm)
    _, Vpool, _ = mean_var((sp_ + sm) / 2)

    def sig2(s, dd, V):
        a = np.abs(s)
        return float(a @ (dd - V) ** 2 / a.sum())

    s2p, s2m = sig2(sp_, dp, Vp), sig2(sm, dm, Vm)
    SK = kernel_constant("epanechnikov")
    lam = np.abs(sp_).sum() / (np.abs(sp_).sum() + np.abs(sm).sum())
    Fn = Vpool - (Vp + Vm) / 2
    T1 = n * h * (Vp - Vm) ** 2 / (SK * (s2p + s2m) / f_hat)
    T2 = n * h * Fn**2 / (lam * (1 - lam) * (s2p + s2m) * SK / f_hat)
    return T1 + T2


@pytest.mark.parametrize("space_name", ["directed", "corr"])
def test_jump_statistic_equals_brute_force(space_name):
    gen = np.random.default_rng(3)
    n = 120
    x = gen.uniform(0, 1, n)
    if space_name == "directed":
        W = gen.uniform(0, 1, (n, 4, 4)) * (1 + 0.4 * (x >= 0.5))[:, None, None]
        Y = DirectedLaplacian.from_adjacency(W)
        sp = DirectedLaplacian()

        def proj(a):
            return _brute_directed(a)

        def d2(a, b):
            return float(((a - b) ** 2).sum())

        Ychart = Y
    else:
        Y = np.stack([_corr(gen, rho=0.2 + 0.3 * (xi >= 0.5)) for xi in x])
        sp = PowerCorrelation(alpha=0.5)
        Ychart = sp.validate(Y)
        proj = sp.project

        def d2(a, b):
            return float(((a - b) ** 2).sum()) / 0.25

    res = frechet_jump(
        y=Y, x=x, cutoff=0.5, space=sp, bandwidth=0.4, undersmooth=1.0,
        variance="frechestest", density_at_cutoff=1.0,
    )  # fmt: skip
    ref = _brute_jump_frechestest(Ychart, x, 0.5, 0.4, proj, d2, 1.0)
    np.testing.assert_allclose(res.statistic, ref, **TOL["brute"])


# ============================================================================ metric axioms
def _rand_corr(seed: int, p: int) -> np.ndarray:
    g = np.random.default_rng(seed)
    X = g.normal(size=(p + g.integers(0, 4), p))
    C = np.corrcoef(X, rowvar=False)
    return (C + C.T) / 2


def _rand_dirlap(seed: int, p: int) -> np.ndarray:
    g = np.random.default_rng(seed)
    W = g.uniform(0, 2, (p, p)) * (g.uniform(size=(p, p)) < 0.7)
    return DirectedLaplacian.from_adjacency(W)


FR_X = np.linspace(-6, 6, 121)


def _rand_density(seed: int, p: int) -> np.ndarray:
    g = np.random.default_rng(seed)
    f = sum(
        g.uniform(0.1, 1) * np.exp(-0.5 * ((FR_X - g.normal(0, 2)) / g.uniform(0.5, 2)) ** 2)
        for _ in range(p)
    )
    return f / (f @ FisherRao(FR_X).qweights)


SPACE_MAKERS = {
    "corr": (lambda a: PowerCorrelation(alpha=a), _rand_corr),
    "directed": (lambda a: DirectedLaplacian(), _rand_dirlap),
    "fisher_rao": (lambda a: FisherRao(FR_X), _rand_density),
}


@settings(deadline=None, max_examples=40)
@given(
    hst.sampled_from(sorted(SPACE_MAKERS)),
    hst.floats(0.1, 3.0),
    hst.integers(2, 5),
    hst.tuples(*[hst.integers(0, 2**31 - 1)] * 3),
)
def test_metric_axioms(kind, alpha, p, seeds):
    make, draw = SPACE_MAKERS[kind]
    sp = make(alpha)
    a, b, c = (draw(s, p) for s in seeds)
    dab, dba = sp.distance(a, b), sp.distance(b, a)
    assert dab == pytest.approx(dba, rel=1e-9, abs=1e-12)  # symmetry
    assert sp.distance(a, a) == pytest.approx(0.0, abs=1e-7)  # identity
    assert dab <= sp.distance(a, c) + sp.distance(c, b) + 1e-9  # triangle inequality
    if np.abs(a - b).max() > 1e-6:  # distinct elements are at positive distance
        assert dab > 0


@settings(deadline=None, max_examples=40)
@given(hst.integers(2, 6), hst.sampled_from([None, 0.5, 2.0]), hst.integers(0, 2**31 - 1))
def test_directed_projection_is_feasible_idempotent_and_optimal(p, W, seed):
    g = np.random.default_rng(seed)
    B = g.normal(size=(p, p)) * 2
    P = project_directed_laplacian(B, W)
    sp = DirectedLaplacian(max_weight=W)
    sp.validate(P[None])  # feasible
    np.testing.assert_allclose(project_directed_laplacian(P, W), P, atol=1e-12)  # idempotent
    # variational inequality of the projection onto a convex set: <B - P, L - P> <= 0
    for _ in range(5):
        Wl = g.uniform(0, 1.0 if W is None else W, (p, p))
        L = DirectedLaplacian.from_adjacency(Wl)
        assert float(((B - P) * (L - P)).sum()) <= 1e-9


@settings(deadline=None, max_examples=25)
@given(hst.floats(0.3, 2.5), hst.integers(2, 5), hst.integers(0, 2**31 - 1))
def test_power_correlation_mean_is_a_correlation_matrix(alpha, p, seed):
    g = np.random.default_rng(seed)
    Y = np.stack([_rand_corr(int(s), p) for s in g.integers(0, 2**31, 6)])
    w = g.uniform(0.2, 1.0, 6)
    w[g.integers(0, 6)] = -0.5  # a negative weight, as local-linear weights have
    sp = PowerCorrelation(alpha=alpha)
    C = sp.frechet_mean(Y, weights=w)
    np.testing.assert_allclose(np.diag(C), 1.0, atol=1e-9)
    assert np.linalg.eigvalsh(C)[0] >= -1e-9
    np.testing.assert_allclose(C, C.T, atol=1e-12)


def test_power_correlation_flags_a_slow_nearest_correlation_step():
    # an extrapolated average far from the correlation matrices (alpha = 0.1): the
    # alternating projections need thousands of iterations; a low cap is flagged
    g = np.random.default_rng(4)
    Y = np.stack([_rand_corr(int(s), 5) for s in g.integers(0, 2**31, 6)])
    w = g.normal(size=6)
    w[0] = abs(w).sum() + 0.1
    with pytest.warns(st.ConvergenceWarning, match="max_iter"):
        PowerCorrelation(alpha=0.1, max_iter=50).frechet_mean(Y, weights=w)


# ============================================================================ usable everywhere
@pytest.fixture(scope="module")
def corr_data():
    gen = np.random.default_rng(11)
    n = 80
    x = gen.uniform(0, 1, n)
    Y = np.stack([_corr(gen, rho=0.1 + 0.5 * xi) for xi in x])
    return x, Y


@pytest.fixture(scope="module")
def net_data():
    gen = np.random.default_rng(12)
    n = 80
    x = gen.uniform(0, 1, n)
    W = gen.uniform(0, 1, (n, 4, 4)) * (1 + 0.5 * x)[:, None, None]
    return x, DirectedLaplacian.from_adjacency(W)


@pytest.fixture(scope="module")
def fr_data():
    gen = np.random.default_rng(13)
    n = 80
    x = gen.uniform(0, 1, n)
    mu = 0.8 * x + gen.normal(0, 0.3, n)
    f = np.exp(-0.5 * (FR_X[None, :] - mu[:, None]) ** 2)
    return x, f / (f @ FisherRao(FR_X).qweights)[:, None]


@pytest.mark.parametrize("which", ["corr", "net", "fisher_rao"])
def test_new_spaces_work_in_every_entry_point(which, corr_data, net_data, fr_data):
    x, Y = {"corr": corr_data, "net": net_data, "fisher_rao": fr_data}[which]
    sp = {"corr": PowerCorrelation(0.5), "net": DirectedLaplacian(), "fisher_rao": FisherRao(FR_X)}[
        which
    ]
    m = sp.frechet_mean(Y)
    v = sp.frechet_variance(Y)
    assert np.shape(m) == Y.shape[1:] and v > 0
    glo = frechet_regression(y=Y, x=x, space=sp, method="global")
    loc = frechet_regression(y=Y, x=x, space=sp, bandwidth=0.3)
    assert 0 < glo.r2 < 1 and np.isfinite(loc.resid).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.StattoolsWarning)  # small-sample notes at n = 80
        jt = frechet_jump(y=Y, x=x, cutoff=0.5, space=sp, bandwidth=0.4)
    assert jt.is_valid and 0 <= jt.pvalue <= 1
    g = (x > 0.5).astype(int)
    an = frechet_anova(y=Y, groups=g, space=sp, method="permutation", n_resamples=49, rng=0)
    assert 0 < an.pvalue <= 1
    cp = frechet_changepoint(Y[np.argsort(x)], space=sp, n_resamples=19, rng=0)
    assert 0 < cp.pvalue <= 1
    jt.summary().as_text()
    glo.summary().as_text()
    import matplotlib.pyplot as plt

    plt.close(jt.plot())
    plt.close(loc.plot())
    pred = loc.predict(np.array([0.25, 0.75]))
    assert len(pred) == 2
    if which == "fisher_rao":  # densities come back as one column per support point
        assert list(pred.columns[:1]) == [f"f({FR_X[0]:.4g})"]
        np.testing.assert_allclose(pred.to_numpy() @ FisherRao(FR_X).qweights, 1.0, atol=1e-9)


def test_space_names_resolve():
    assert isinstance(resolve_space("correlation_power"), PowerCorrelation)
    assert isinstance(resolve_space("directed_laplacian"), DirectedLaplacian)
    assert st.spaces.PowerCorrelation is PowerCorrelation
    assert st.spaces.DirectedLaplacian is DirectedLaplacian


def test_alpha_one_equals_frobenius_correlation(corr_data):
    x, Y = corr_data
    a = frechet_regression(y=Y, x=x, space=PowerCorrelation(alpha=1.0), method="global")
    b = frechet_regression(y=Y, x=x, space=Correlation(), method="global")
    x0 = np.array([-0.5, 0.3, 1.6])  # extrapolation: the projection is active
    np.testing.assert_allclose(
        np.stack(a.predict(x0).to_list()), np.stack(b.predict(x0).to_list()), atol=1e-9
    )


def test_directed_mean_of_symmetric_laplacians_equals_undirected_space(net_data):
    from stattools.frechet import Laplacian

    gen = np.random.default_rng(5)
    W = gen.uniform(0, 1, (30, 4, 4))
    W = W + np.swapaxes(W, 1, 2)
    L = DirectedLaplacian.from_adjacency(W)
    w = gen.normal(size=30)
    w[0] = np.abs(w).sum()
    np.testing.assert_allclose(
        DirectedLaplacian().frechet_mean(L, w), Laplacian().frechet_mean(L, w), atol=1e-9
    )


# ============================================================================ bad input
def test_power_correlation_rejects_bad_input():
    with pytest.raises(DataError, match="alpha"):
        PowerCorrelation(alpha=0)
    with pytest.raises(DataError, match="alpha"):
        PowerCorrelation(alpha=float("nan"))
    sp = PowerCorrelation()
    with pytest.raises(DataError, match="unit diagonal"):
        sp.validate([2 * np.eye(2)])
    with pytest.raises(DataError, match="not PSD"):
        sp.validate([np.array([[1.0, 2.0], [2.0, 1.0]])])
    with pytest.raises(DataError, match="symmetric"):
        sp.validate([np.array([[1.0, 0.5], [0.1, 1.0]])])


def test_laplacian_entry_checks_name_the_rows():
    sym = st.frechet.Laplacian(max_weight=1.0)
    ok = np.array([[1.0, -1.0], [-1.0, 1.0]])
    with pytest.raises(DataError, match=r"row sums are not 0 in rows .*1"):
        sym.validate([ok, np.array([[1.0, 0.0], [0.0, 1.0]])])
    with pytest.raises(DataError, match=r"exceed max_weight in rows .*0"):
        sym.validate([2 * ok, ok])
    with pytest.raises(DataError, match="from_adjacency"):
        DirectedLaplacian().validate([np.array([[0.0, 1.0], [1.0, 0.0]])])


def test_directed_laplacian_rejects_bad_input():
    sp = DirectedLaplacian(max_weight=1.0)
    with pytest.raises(DataError, match="row sums"):
        sp.validate([np.array([[1.0, 0.0], [0.0, 0.0]])])
    with pytest.raises(DataError, match="positive off-diagonal"):
        sp.validate([np.array([[-1.0, 1.0], [0.0, 0.0]])])
    with pytest.raises(DataError, match="max_weight"):
        sp.validate([np.array([[2.0, -2.0], [0.0, 0.0]])])
    with pytest.raises(DataError, match="max_weight"):
        DirectedLaplacian(max_weight=-1)
    with pytest.raises(DataError, match="non-negative"):
        DirectedLaplacian.from_adjacency([[0.0, -1.0], [0.0, 0.0]])
    with pytest.raises(DataError, match="A contains NaN"):
        project_directed_laplacian(np.full((2, 2), np.nan))
    # an asymmetric Laplacian is accepted (it is the point of the space)
    L = DirectedLaplacian.from_adjacency([[0.0, 1.0], [0.0, 0.0]])
    assert sp.validate([L]).shape == (1, 2, 2)


# ============================================================================ Fisher-Rao
@pytest.mark.parametrize(
    ("m1", "s1", "m2", "s2"), [(-1, 1, 1, 1), (0, 0.5, 0.7, 1.5), (2, 1, 2, 2)]
)
def test_fisher_rao_distance_equals_bhattacharyya_closed_form(m1, s1, m2, s2):
    from scipy import stats

    x = np.linspace(-12, 12, 4001)
    sp = FisherRao(x)
    f, g = stats.norm.pdf(x, m1, s1), stats.norm.pdf(x, m2, s2)
    bc = np.sqrt(2 * s1 * s2 / (s1**2 + s2**2)) * np.exp(-((m1 - m2) ** 2) / (4 * (s1**2 + s2**2)))
    assert sp.distance(f, g) == pytest.approx(np.arccos(bc), abs=1e-6)


def test_fisher_rao_mean_of_two_is_the_geodesic_midpoint():
    from scipy import stats

    x = np.linspace(-10, 10, 2001)
    sp = FisherRao(x)
    f, g = stats.norm.pdf(x, -1, 1), stats.norm.pdf(x, 2, 1.5)
    m = sp.frechet_mean([f, g])
    mid = np.sqrt(f) + np.sqrt(g)  # the great-circle midpoint of sqrt f and sqrt g
    mid = mid**2 / (mid**2 @ sp.qweights)
    np.testing.assert_allclose(m, mid, atol=1e-7)
    assert m @ sp.qweights == pytest.approx(1.0, abs=1e-12)
    d_half = sp.distance(f, g) / 2
    assert sp.distance(f, m) == pytest.approx(d_half, abs=1e-6)


def test_fisher_rao_rejects_bad_input_and_renormalises():
    sp = FisherRao(np.linspace(0, 1, 11))
    with pytest.raises(DataError, match="support"):
        FisherRao([0.0, 1.0])
    with pytest.raises(DataError, match="negative"):
        sp.validate([np.r_[-1.0, np.ones(10)]])
    with pytest.raises(DataError, match="11 values"):
        sp.validate([np.ones(5)])
    with pytest.raises(DataError, match="zero"):
        sp.validate([np.zeros(11)])
    with pytest.warns(st.ApproximationWarning, match="renormalised"):
        Z = sp.validate([2 * np.ones(11)])
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0)
