"""Numerical core of st.crc: closed forms, brute force, MAPIE, exact == grid, vectorised == loop."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.conformal import solver

TOL = {"lambda": dict(rtol=0, atol=1e-12), "hinge": dict(rtol=1e-9, atol=1e-9)}


def _multilabel(n, k, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=(n, k))
    y = (rng.uniform(size=(n, k)) < p).astype(int)
    y[y.sum(1) == 0, rng.integers(0, k)] = 1
    return p, y


def _brute(loss, w, w_test, alpha, candidates):
    """Smallest candidate lambda whose weighted bound is <= alpha (definition ★)."""
    L = loss.values(candidates)
    n_w = w.sum()
    bound = (w @ L + w_test * loss.bound) / (n_w + w_test)
    ok = np.flatnonzero(bound <= alpha + 1e-12)
    return candidates[ok[0]] if ok.size else loss.lambda_max


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("n,alpha", [(99, 0.1), (50, 0.07), (1000, 0.013), (19, 0.05)])
def test_split_conformal_is_the_order_statistic(n, alpha):
    s = np.random.default_rng(n).normal(size=n)
    k = math.ceil((n + 1) * (1 - alpha))
    res = st.split_conformal(s, level=1 - alpha)
    assert res.lambda_hat == np.sort(s)[k - 1]
    assert res.feasible and res.method == "split conformal"


def test_split_conformal_infinite_when_alpha_below_one_over_n_plus_one():
    s = np.arange(9.0)  # n = 9, 1/(n+1) = 0.1
    with pytest.warns(st.InfeasibleRiskWarning, match=r"N_w = 9.*B/alpha - 1 = 19"):
        res = st.split_conformal(s, level=0.95)
    assert res.lambda_hat == math.inf and not res.feasible
    assert "infeasible" in res.warnings[0]


def test_split_conformal_equals_crc_with_miscoverage_loss():
    rng = np.random.default_rng(3)
    s = rng.exponential(size=300)
    w = rng.uniform(size=300)
    grid = np.r_[-1.0, np.sort(s)]  # every breakpoint is a grid point
    for weights in (None, w):
        a = st.split_conformal(s, level=0.9, weights=weights).lambda_hat
        b = st.crc(st.losses.miscoverage(s), 0.1, weights=weights).lambda_hat
        c = st.crc((s[:, None] > grid[None, :]).astype(float), 0.1, weights=weights, lambdas=grid)
        assert a == b == c.lambda_hat


def test_weighted_split_conformal_matches_weighted_quantile_of_conformalinference():
    # R conformalInference::weighted.quantile: append +inf with the test weight, normalise,
    # and take the first value whose cumulative weight reaches 1 - alpha.
    rng = np.random.default_rng(4)
    s = rng.normal(size=200)
    w = rng.uniform(size=200)
    for w_test in (0.3, 1.0, 2.5):
        v = np.r_[s, np.inf]
        ww = np.r_[w, w_test]
        o = np.argsort(v)
        cum = np.cumsum(ww[o]) / ww.sum()
        ref = v[o][np.flatnonzero(cum >= 0.9 - 1e-12)[0]]
        ours = st.crc(scores=s, target_risk=0.1, weights=w, test_weights=w_test).lambda_hat
        assert ours == ref


def test_brute_force_definition_step_and_hinge():
    rng = np.random.default_rng(5)
    p, y = _multilabel(150, 6, 5)
    loss = st.losses.fnr(p, y)
    w = rng.uniform(size=150)
    cand = np.unique(np.r_[0.0, loss.loc])
    assert st.crc(loss, 0.15, weights=w).lambda_hat == _brute(loss, w, 1.0, 0.15, cand)
    r = rng.normal(size=200)
    h = st.losses.interval_hinge(r, bound=1.5)
    with pytest.warns(st.BoundViolationWarning, match="27 of 200 calibration residual"):
        lam = st.crc(h, 0.08, weights=w[:1].repeat(200)).lambda_hat
    # the bound at lambda_hat equals alpha exactly (continuous, strictly decreasing there)
    b = (h.values([lam]).ravel().sum() * w[0] + 1.5) / (200 * w[0] + 1)
    np.testing.assert_allclose(b, 0.08, **TOL["hinge"])
    b_left = (h.values([lam - 1e-6]).ravel().sum() * w[0] + 1.5) / (200 * w[0] + 1)
    assert b_left > 0.08


def test_lambda_min_branch_and_unit_snapping():
    # target so large that lambda_min is feasible: the explicit branch returns lambda_min
    p, y = _multilabel(50, 3, 6)
    p[:40][y[:40] == 1] = 1.0  # 40 rows fully covered already at lambda = 0
    assert st.crc(st.losses.fnr(p, y), 0.25).lambda_hat == 0.0
    assert st.crc(st.losses.fnr(p, y), 0.15).lambda_hat > 0.0
    grid = np.linspace(0.0, 1.0, 5)
    assert st.crc(np.zeros((10, 5)), 0.1, lambdas=grid).lambda_hat == 0.0
    # 1 - 0.9 is not 0.1 in floating point; with unit weights the threshold snaps
    s = np.arange(1.0, 10.0)
    assert st.crc(scores=s, target_risk=1 - 0.9).feasible


# ----------------------------------------------------------------------------- MAPIE
def test_unit_weight_fnr_equals_mapie_crc_on_the_same_grid():
    mapie_rc = pytest.importorskip("mapie.risk_control")
    p, y = _multilabel(300, 7, 7)
    tau = np.arange(0, 1, 0.01)
    for target in (0.83, 0.905):
        ctrl = mapie_rc.MultiLabelClassificationController(
            predict_function=lambda X: p[X[:, 0].astype(int)],
            risk="recall",
            method="crc",
            target_level=target,
            predict_params=tau,
        )
        ctrl.calibrate(np.arange(len(p), dtype=float)[:, None], y)
        lam_grid = 1.0 - tau[::-1]
        loss = st.losses.fnr(p, y)
        ours = st.crc(loss.values(lam_grid), 1 - target, lambdas=lam_grid)
        np.testing.assert_allclose(1.0 - ours.lambda_hat, ctrl.best_predict_param[0], atol=1e-12)
        # the exact (grid-free) answer is below the grid answer, by less than one grid step
        exact = st.crc(loss, 1 - target).lambda_hat
        assert ours.lambda_hat - 0.01 - 1e-12 <= exact <= ours.lambda_hat + 1e-12


# ----------------------------------------------------------------------------- properties
@settings(deadline=None, max_examples=25)
@given(
    n=hst.integers(1, 40),
    k=hst.integers(1, 5),
    alpha=hst.floats(0.02, 0.6),
    seed=hst.integers(0, 10_000),
    weighted=hst.booleans(),
)
def test_exact_equals_grid_containing_every_breakpoint(n, k, alpha, seed, weighted):
    p, y = _multilabel(n, k, seed)
    p = np.round(p, 2)  # ties between breakpoints
    loss = st.losses.fnr(p, y)
    rng = np.random.default_rng(seed)
    w = rng.uniform(size=n) if weighted else np.ones(n)
    grid = np.unique(np.r_[0.0, loss.loc, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.StattoolsWarning)
        a = st.crc(loss, alpha, weights=w)
        b = st.crc(loss.values(grid), alpha, weights=w, lambdas=grid)
    assert a.lambda_hat == b.lambda_hat
    assert a.feasible == b.feasible


@settings(deadline=None, max_examples=25)
@given(n=hst.integers(2, 60), alpha=hst.floats(0.02, 0.5), seed=hst.integers(0, 10_000))
def test_hinge_exact_equals_fine_grid(n, alpha, seed):
    rng = np.random.default_rng(seed)
    r = rng.normal(size=n)
    loss = st.losses.interval_hinge(r, bound=1.0)
    grid = np.linspace(0.0, np.abs(r).max() + 1e-9, 20_001)
    w = rng.uniform(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.StattoolsWarning)
        a = st.crc(loss, alpha, weights=w)
        b = st.crc(loss.values(grid), alpha, weights=w, lambdas=grid)
    if a.feasible:
        # the grid answer is the exact one rounded up to the grid
        step = grid[1] - grid[0]
        assert a.lambda_hat <= b.lambda_hat + 1e-9 <= a.lambda_hat + step + 2e-9
    else:
        assert not b.feasible


@settings(deadline=None, max_examples=40)
@given(
    n=hst.integers(1, 30),
    m=hst.integers(1, 8),
    kind=hst.sampled_from(["step", "hinge", "grid", "scores"]),
    alpha=hst.sampled_from([0.3, 0.7]),  # walks up from lambda_min / down from lambda_max
    seed=hst.integers(0, 10_000),
)
def test_per_test_matrix_equals_loop(n, m, kind, alpha, seed):
    rng = np.random.default_rng(seed)
    W = rng.uniform(size=(m, n))
    W[0] = 0.0 if m > 1 else W[0]  # an all-zero row is infeasible: lambda_max explicitly
    p, y = _multilabel(n, 3, seed)
    if kind == "step":
        args = (st.losses.fnr(p, y),)
        kw: dict = {}
    elif kind == "hinge":
        args = (st.losses.interval_hinge(rng.normal(size=n), bound=2.0),)
        kw = {}
    elif kind == "grid":
        grid = np.linspace(0, 1, 11)
        args = (st.losses.fnr(p, y).values(grid),)
        kw = {"lambdas": grid}
    else:
        args = ()
        kw = {"scores": rng.normal(size=n)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.StattoolsWarning)
        vec = st.crc(*args, target_risk=alpha, weights=W, **kw)
        loop = [st.crc(*args, target_risk=alpha, weights=W[j], **kw) for j in range(m)]
    np.testing.assert_allclose(vec.lambda_hat, [r.lambda_hat for r in loop], **TOL["hinge"])
    np.testing.assert_array_equal(vec.feasible, [r.feasible for r in loop])
    np.testing.assert_allclose(vec.n_w, [r.n_w for r in loop])


def test_shared_weights_with_many_test_weights_equals_loop():
    rng = np.random.default_rng(9)
    s = rng.normal(size=100)
    w = rng.uniform(0, 3, size=100)
    wt = rng.uniform(0.1, 3, size=7)
    vec = st.crc(
        scores=s,
        target_risk=0.1,
        weights=st.weights.likelihood_ratio(ratio=lambda x: np.interp(x[:, 0], [0, 1], [0.1, 3.0])),
        X=w[:, None] / 3,
        X_test=wt[:, None] / 3,
    )
    loop = [
        st.crc(
            scores=s,
            target_risk=0.1,
            weights=np.interp(w / 3, [0, 1], [0.1, 3.0]) / 3.0,
            test_weights=np.interp(t / 3, [0, 1], [0.1, 3.0]) / 3.0,
        ).lambda_hat
        for t in wt
    ]
    np.testing.assert_allclose(vec.lambda_hat, loop)  # invariant to the scale of the ratio


def test_infinite_test_weight_gives_lambda_max():
    s = np.arange(20.0)
    sol = solver.solve(st.losses.miscoverage(s), np.ones(20), np.array([1.0, np.inf]), 0.2)
    assert sol.lambda_hat[1] == math.inf and not sol.feasible[1]


# ----------------------------------------------------------------------------- feasibility
def test_infeasible_reports_n_w_and_needed_n_w():
    # rho = 0.95, calibration every 2nd step: N_w < rho^2 / (1 - rho^2) = 9.26 < 19
    w = 0.95 ** (2 * np.arange(400, 0, -1))
    s = np.random.default_rng(1).normal(size=400)
    with pytest.warns(st.InfeasibleRiskWarning) as rec:
        res = st.crc(scores=s, target_risk=0.05, weights=w)
    msg = str(rec[0].message)
    assert f"N_w = {w.sum():.4g}" in msg and "N_w >= B/alpha - 1 = 19" in msg
    assert res.lambda_hat == math.inf and not res.feasible
    assert res.n_w < 0.95**2 / (1 - 0.95**2)
    np.testing.assert_allclose(res.min_target_risk, 1 / (w.sum() + 1))
    with pytest.raises(st.DataError, match="infeasible"):
        st.crc(scores=s, target_risk=0.05, weights=w, on_infeasible="raise")


def test_feasible_exactly_at_needed_n_w():
    s = np.arange(19.0)  # N_w = 19 = 1/0.05 - 1
    assert st.crc(scores=s, target_risk=0.05).feasible
    with pytest.warns(st.InfeasibleRiskWarning):
        assert not st.crc(scores=s[:18], target_risk=0.05).feasible


def test_per_test_infeasible_rows_warn_once_with_count():
    p, y = _multilabel(100, 3, 2)
    W = np.ones((4, 100))
    W[1] = 0.0
    W[3, 3:] = 0.0
    with pytest.warns(st.InfeasibleRiskWarning, match="for 2 of 4 test points"):
        res = st.crc(st.losses.fnr(p, y), 0.2, weights=W)
    np.testing.assert_array_equal(res.feasible, [True, False, True, False])
    assert res.lambda_hat[1] == 1.0 == res.lambda_hat[3]


def test_small_ess_warns():
    w = np.r_[np.full(200, 1e-3), 1.0, 1.0]
    s = np.random.default_rng(0).normal(size=202)
    # N_w = 2.2 < 9: infeasible has priority; make it feasible with a large target
    with pytest.warns(st.SmallSampleWarning, match="effective sample size"):
        st.crc(scores=s, target_risk=0.35, weights=w)
