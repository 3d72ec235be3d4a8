"""Weighted (covariate-shift) Learn-then-Test and RCPS: every weighted quantity against a
direct computation written out here, exact reduction to the unweighted procedures, bad
input and the infeasibility flag (issue 15, item 4 with weights)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy.stats import binom

import stattools as st
from stattools.conformal.highprob import check_shift_weights


def _data(n=400, G=21, seed=0, theta=2.0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=n)
    w = theta * np.exp(theta * x) / math.expm1(theta)
    s = np.abs(rng.normal(size=n) * (0.2 + x))
    grid = np.linspace(0.0, 3.0, G)
    L = (s[:, None] > grid).astype(float)
    return L, w, theta * math.exp(theta) / math.expm1(theta), grid


def _h1(a, b):
    t1 = a * math.log(a / b) if a > 0 else 0.0
    t2 = (1 - a) * math.log((1 - a) / (1 - b)) if a < 1 else -math.inf
    return t1 + t2


def _hb_direct(zbar, n, a, factor=math.e):
    hoeff = math.exp(-n * _h1(min(zbar, a), a))
    bent = factor * binom.cdf(math.ceil(n * zbar - 1e-9), n, a)
    return min(hoeff, bent, 1.0)


def _wsr_logk_direct(z, R, delta):
    """max_t log prod_{i<=t} (1 - nu_i (z_i - R)) with the predictable bets written out."""
    n = z.size
    mu_prev, sig_prev = 0.5, 0.25
    s_sum, s_sq = 0.0, 0.0
    logk, best = 0.0, -math.inf
    for i in range(n):
        nu = min(1.0, math.sqrt(2.0 * math.log(1.0 / delta) / (n * sig_prev)))
        f = 1.0 - nu * (z[i] - R)
        logk += math.log(f) if f > 0 else -math.inf
        best = max(best, logk)
        s_sum += z[i]
        mu = (0.5 + s_sum) / (i + 2)
        s_sq += (z[i] - mu) ** 2
        sig_prev = (0.25 + s_sq) / (i + 2)
        mu_prev = mu
    del mu_prev
    return best


@pytest.mark.parametrize("kind", ["hb", "bentkus", "hoeffding"])
def test_weighted_hb_pvalues_equal_direct_formula(kind):
    L, w, bw, grid = _data()
    a = 0.1 / bw
    res = st.ltt(L, 0.1, delta=0.1, lambdas=grid, pvalues=kind, weights=w, weight_bound=bw)
    n = L.shape[0]
    for g in range(grid.size):
        zbar = float(np.mean(w * L[:, g]) / bw)
        if kind == "hoeffding":
            ref = min(math.exp(-n * _h1(min(zbar, a), a)), 1.0)
        elif kind == "bentkus":
            ref = min(math.e * binom.cdf(math.ceil(n * zbar - 1e-9), n, a), 1.0)
        else:
            ref = _hb_direct(zbar, n, a)
        assert res.grid_pvalues[g] == pytest.approx(ref, rel=1e-10, abs=1e-300)
        # risk_hat is the importance-weighted mean of the losses
        assert res.risk_hat[g] == pytest.approx(np.mean(w * L[:, g]), rel=1e-12)
    assert res.weighted and res.weight_bound == bw
    assert res.ess == pytest.approx(w.sum() ** 2 / (w**2).sum())


def test_weighted_wsr_pvalues_equal_direct_loop():
    L, w, bw, grid = _data(n=150, G=9, seed=3)
    res = st.ltt(L, 0.2, delta=0.1, lambdas=grid, pvalues="wsr", weights=w, weight_bound=bw)
    for g in range(grid.size):
        z = w * L[:, g] / bw
        ref = min(1.0, math.exp(-_wsr_logk_direct(z, 0.2 / bw, 0.1)))
        assert res.grid_pvalues[g] == pytest.approx(ref, rel=1e-9)
    # and at least one p-value is informative (the check is not vacuous)
    assert res.grid_pvalues.min() < 0.1 < res.grid_pvalues.max()


def test_weighted_rcps_ucbs_equal_direct_computation():
    L, w, bw, grid = _data(n=1000, seed=1)
    n, d = L.shape[0], 0.1
    zbar = (w[:, None] * L).mean(axis=0) / bw
    r = st.rcps(L, 0.15, delta=d, lambdas=grid, ucb="hoeffding", weights=w, weight_bound=bw)
    np.testing.assert_allclose(r.ucb, bw * (zbar + math.sqrt(math.log(1 / d) / (2 * n))))
    Z = w[:, None] * L / bw
    var = Z.var(axis=0, ddof=1)
    bern = zbar + np.sqrt(2 * var * math.log(2 / d) / n) + 7 * math.log(2 / d) / (3 * (n - 1))
    r = st.rcps(L, 0.15, delta=d, lambdas=grid, ucb="bernstein", weights=w, weight_bound=bw)
    np.testing.assert_allclose(r.ucb, bw * bern, rtol=1e-12)
    # HB: the UCB inverts the HB p-value, p(UCB - eps) > delta >= p(UCB + eps)
    r = st.rcps(L, 0.15, delta=d, lambdas=grid, ucb="hb", weights=w, weight_bound=bw)
    for g in range(grid.size):
        u = r.ucb[g] / bw
        if u < 1 - 1e-6:
            assert _hb_direct(zbar[g], n, u - 1e-7) > d >= _hb_direct(zbar[g], n, u + 1e-7)
    # the valid set is the top run of UCBs below the target
    below = r.ucb < 0.15
    assert r.valid.tolist() == [bool(below[j:].all()) for j in range(grid.size)]
    # WSR: the UCB is where the direct capital reaches 1/delta
    r = st.rcps(L[:200], 0.15, delta=d, lambdas=grid, ucb="wsr", weights=w[:200], weight_bound=bw)
    for g in (5, 10, 15):
        z = w[:200] * L[:200, g] / bw
        u = r.ucb[g] / bw
        # the capital grows with R: below the UCB it stays under 1/delta
        assert _wsr_logk_direct(z, u - 1e-7, d) < math.log(1 / d)
        assert _wsr_logk_direct(z, u + 1e-7, d) >= math.log(1 / d) - 1e-12


@pytest.mark.parametrize(
    "kw",
    [
        {"pvalues": "hb"},
        {"pvalues": "wsr"},
        {"pvalues": "bentkus", "binary": True},
        {"pvalues": "hoeffding", "fwer": "holm"},
        {"pvalues": "hb", "fwer": "bonferroni", "start": "smallest", "select": "largest"},
    ],
)
def test_unit_weights_reduce_exactly_to_unweighted_ltt(kw):
    L, _, _, grid = _data(seed=4)
    a = st.ltt(L, 0.1, delta=0.1, lambdas=grid, **kw)
    b = st.ltt(L, 0.1, delta=0.1, lambdas=grid, weights=np.ones(L.shape[0]), weight_bound=1, **kw)
    np.testing.assert_array_equal(a.grid_pvalues, b.grid_pvalues)
    np.testing.assert_array_equal(a.risk_hat, b.risk_hat)
    np.testing.assert_array_equal(a.valid, b.valid)
    assert a.lambda_hat == b.lambda_hat and a.valid.any()


@pytest.mark.parametrize("ucb", ["hb", "hoeffding", "bernstein", "wsr"])
def test_unit_weights_reduce_exactly_to_unweighted_rcps(ucb):
    L, _, _, grid = _data(seed=5)
    a = st.rcps(L, 0.2, delta=0.1, lambdas=grid, ucb=ucb, bound=2.0)
    b = st.rcps(
        L, 0.2, delta=0.1, lambdas=grid, ucb=ucb, bound=2.0, weights=np.ones(400), weight_bound=1
    )
    np.testing.assert_array_equal(a.ucb, b.ucb)
    assert a.lambda_hat == b.lambda_hat and a.feasible


def test_weights_change_the_answer_under_shift():
    L, w, bw, grid = _data(n=3000, seed=6)
    plain = st.rcps(L, 0.1, delta=0.1, lambdas=grid)
    shifted = st.rcps(L, 0.1, delta=0.1, lambdas=grid, weights=w, weight_bound=bw)
    assert shifted.lambda_hat > plain.lambda_hat
    assert "Weight bound B_w" in str(shifted.summary())
    assert shifted.glance()["weighted"].iloc[0]


def test_bad_weights_raise_naming_the_argument():
    L, w, bw, grid = _data(n=100)
    cases = [
        ({"weights": w[:50], "weight_bound": bw}, "weights"),
        ({"weights": -w, "weight_bound": bw}, "weights"),
        ({"weights": np.r_[np.nan, w[1:]], "weight_bound": bw}, "weights"),
        ({"weights": w}, "weight_bound"),
        ({"weights": w, "weight_bound": 0.5}, "weight_bound"),
        ({"weights": w, "weight_bound": "2"}, "weight_bound"),
        ({"weights": w, "weight_bound": 1.5}, "exceed weight_bound"),
        ({"weight_bound": 2.0}, "weight_bound"),
        ({"weights": st.weights.decay(0.9), "weight_bound": 2.0}, "weights"),
    ]
    for kw, msg in cases:
        with pytest.raises(st.DataError, match=msg):
            st.ltt(L, 0.1, delta=0.1, lambdas=grid, **kw)
        with pytest.raises(st.DataError, match=msg):
            st.rcps(L, 0.1, delta=0.1, lambdas=grid, **kw)


def test_unnormalised_weights_raise():
    """A multiple of the ratio (mean 2) is caught by the Hoeffding check at level 1e-6;
    the normalised ratio on the same points passes."""
    L, w, bw, grid = _data(n=2000)
    with pytest.raises(st.DataError, match="normalised likelihood ratio"):
        st.rcps(L, 0.1, delta=0.1, lambdas=grid, weights=2 * w, weight_bound=2 * bw)
    assert st.rcps(L, 0.1, delta=0.1, lambdas=grid, weights=w, weight_bound=bw).feasible


def test_weight_bound_infeasible_warns_and_flags():
    # (1 - alpha / B_w)^n > delta with zero losses: nothing can be certified
    L = np.zeros((30, 5))
    grid = np.arange(5.0)
    w = np.ones(30)
    for fn, kw in ((st.ltt, {"pvalues": "hb"}), (st.rcps, {"ucb": "hb"})):
        with pytest.warns(st.InfeasibleRiskWarning, match="weight_bound=4 makes every lambda"):
            r = fn(L, 0.1, delta=0.1, lambdas=grid, weights=w, weight_bound=4.0, **kw)
        assert r.bound_infeasible and not r.feasible and r.lambda_hat == 4.0
        assert "weight bound alone" in str(r.summary())
        # the same data without the loose bound is feasible
        ok = fn(L, 0.1, delta=0.1, lambdas=grid, weights=w, weight_bound=1.0, **kw)
        assert ok.feasible and not ok.bound_infeasible


def test_data_infeasible_is_not_blamed_on_the_bound():
    L = np.ones((2000, 3))
    with pytest.warns(st.InfeasibleRiskWarning, match="no lambda on the grid is valid"):
        r = st.ltt(L, 0.1, delta=0.1, lambdas=[0, 1, 2], weights=np.ones(2000), weight_bound=2)
    assert not r.feasible and not r.bound_infeasible


@settings(max_examples=40, deadline=None)
@given(
    n=hst.integers(20, 200),
    seed=hst.integers(0, 10_000),
    c=hst.floats(1.0, 1.1),
    kind=hst.sampled_from(["hb", "bentkus", "hoeffding", "wsr"]),
)
def test_property_constant_weights_rescale_the_target(n, seed, c, kind):
    """w = c everywhere with B_w = c: w L / B_w = L exactly, so the weighted p-values are the
    unweighted ones at target alpha / c and the weighted UCB is c times the unweighted one
    (c within the normalisation check)."""
    rng = np.random.default_rng(seed)
    L = np.sort(rng.uniform(size=(n, 6)), axis=1)[:, ::-1]
    grid = np.arange(6.0)
    if abs(c - 1) > c * math.sqrt(math.log(2e6) / (2 * n)):
        c = 1.0
    wkw = {"weights": np.full(n, c), "weight_bound": c}
    ucb = "hb" if kind == "bentkus" else kind
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.InfeasibleRiskWarning)
        a = st.rcps(L, 0.5, delta=0.2, lambdas=grid, ucb=ucb)
        b = st.rcps(L, 0.5, delta=0.2, lambdas=grid, ucb=ucb, **wkw)
        p1 = st.ltt(L, 0.5 / c, delta=0.2, lambdas=grid, pvalues=kind).grid_pvalues
        p2 = st.ltt(L, 0.5, delta=0.2, lambdas=grid, pvalues=kind, **wkw).grid_pvalues
    np.testing.assert_allclose(b.ucb, c * a.ucb, rtol=1e-14)
    np.testing.assert_array_equal(p1, p2)
    assert np.all((p2 >= 0) & (p2 <= 1))


@settings(max_examples=40, deadline=None)
@given(n=hst.integers(30, 300), seed=hst.integers(0, 10_000), extra=hst.floats(1.0, 3.0))
def test_property_looser_bound_is_more_conservative(n, seed, extra):
    """For the Hoeffding UCB, ``B_w (zbar + c) = mean(w L) + B_w c`` grows with ``B_w``:
    a looser weight bound never gives a smaller lambda_hat."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 1.5, size=n)
    w = w / w.mean()
    L = np.sort(rng.uniform(size=(n, 8)), axis=1)[:, ::-1] * 0.5
    grid = np.arange(8.0)
    bw = float(w.max())
    kw = dict(delta=0.1, lambdas=grid, ucb="hoeffding", weights=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.InfeasibleRiskWarning)
        tight = st.rcps(L, 0.4, weight_bound=bw, **kw)
        loose = st.rcps(L, 0.4, weight_bound=bw * extra, **kw)
    assert np.all(loose.ucb >= tight.ucb - 1e-12)
    assert loose.lambda_hat >= tight.lambda_hat
    np.testing.assert_allclose(tight.risk_hat, (w[:, None] * L).mean(axis=0), rtol=1e-12)


def test_check_shift_weights_returns_none_without_weights():
    assert check_shift_weights(None, None, 5) == (None, 1.0)
