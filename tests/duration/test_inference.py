"""Infinite-mean tests, tail index, Ljung-Box."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

import stattools as st
from stattools.core.exceptions import BoundaryWarning, NonStationaryWarning
from stattools.duration import kappa_exponential
from stattools.duration.inference import ljung_box

# the spec's table for Exp(1) errors (two decimals / three significant digits)
KAPPA_TABLE = [
    ((0.1, 0.8), 10.72),
    ((0.1, 0.9), 1.0),
    ((0.2, 0.805), 0.716),
    ((0.3, 0.71), 0.737),
    ((0.6, 0.42), 0.861),
]


@pytest.mark.parametrize("ab,kappa", KAPPA_TABLE)
def test_kappa_table(ab, kappa):
    assert kappa_exponential(*ab) == pytest.approx(kappa, abs=6e-3)


def test_kappa_no_root_when_nonstationary():
    gamma = integrate.quad(lambda u: math.log(0.15 * u + 0.9) * math.exp(-u), 0, np.inf)[0]
    assert gamma == pytest.approx(0.040, abs=1e-3)
    assert math.isnan(kappa_exponential(0.15, 0.9))


@pytest.mark.parametrize("alpha", [0.3, 0.7, 1.5])
def test_kappa_beta_zero_closed_form(alpha):
    # beta = 0: E (alpha eps)^k = alpha^k Gamma(k + 1) = 1
    ref = optimize.brentq(
        lambda k: k * math.log(alpha) + special.gammaln(k + 1),
        1e-6 if alpha > 1 else 1.0 + 1e-9,
        1.0 if alpha > 1 else 100.0,
    )
    assert kappa_exponential(alpha, 0.0) == pytest.approx(ref, rel=1e-8)


@pytest.fixture(scope="module")
def fit():
    sim = st.simulate_acd(window=6000.0, omega=0.05, alpha=0.1, beta=0.85, rng=21)
    return st.acd("duration ~ 1", data=sim)


def test_wald_statistic_by_hand(fit):
    p = fit.persistence
    V = fit.cov_params().to_numpy()
    g = np.array([0.0, 1.0, 1.0])
    t_ref = (fit.params.iloc[1] + fit.params.iloc[2] - 1) / math.sqrt(g @ V @ g)
    for alt, pv in [
        ("two-sided", 2 * stats.norm.sf(abs(t_ref))),
        ("less", stats.norm.cdf(t_ref)),
        ("greater", stats.norm.sf(t_ref)),
    ]:
        r = fit.test_infinite_mean(alternative=alt, method="wald")
        assert r.statistic == pytest.approx(t_ref, rel=1e-12)
        assert r.pvalue == pytest.approx(pv, rel=1e-10)
        assert r.estimate == pytest.approx(p.value) and r.extra["wald_chi2"] == pytest.approx(
            t_ref**2
        )
    assert st.infinite_mean_test(fit, "less", method="wald").statistic == pytest.approx(t_ref)


def test_qlr_by_hand(fit):
    from stattools.duration.engine import fit_engine

    m = fit._model
    restr = fit_engine(m.x, None, m.spec, m.dist, m.b, restricted=True)
    lr = 2 * (fit.llf - restr.llf)
    s2 = np.mean((fit.resid.to_numpy() - 1) ** 2)
    r = fit.test_infinite_mean(alternative="less", method="qlr")
    assert r.statistic == pytest.approx(-math.sqrt(lr / s2), rel=1e-8)
    assert r.pvalue == pytest.approx(stats.norm.cdf(r.statistic))
    assert r.extra["lr_scaled"] == pytest.approx(r.statistic**2)
    # the restricted fit really is the constrained maximum: brute-force 1-D profile check
    from stattools.duration.recursion import negloglik

    th = restr.theta
    for d in (-1e-3, 1e-3):
        alt = th + np.array([0.0, d, -d])
        assert (
            negloglik(alt, (), m.x, m.spec, m.dist, m.b, grad=False)[0] * m.x.size
            >= -restr.llf - 1e-6
        )
    # lr is the same number as method="lr"
    assert fit.test_infinite_mean(method="lr").extra["lr"] == pytest.approx(lr)


def test_wald_and_qlr_agree_asymptotically_far_from_boundary(fit):
    w = fit.test_infinite_mean(alternative="less", method="wald")
    q = fit.test_infinite_mean(alternative="less", method="qlr")
    assert w.pvalue < 0.05 and q.pvalue < 0.05
    assert q.statistic == pytest.approx(w.statistic, rel=0.35)


def test_bad_test_options(fit):
    with pytest.raises(ValueError, match="alternative"):
        fit.test_infinite_mean(alternative="bigger")
    with pytest.raises(ValueError, match="method"):
        fit.test_infinite_mean(method="score")


def test_tail_index_delta_method_by_brute_force(fit):
    k = fit.tail_index()
    a, b = fit.params["alpha[1]"], fit.params["beta[1]"]
    eps = fit.resid.to_numpy()
    # the root
    assert np.mean((a * eps + b) ** k.estimate) == pytest.approx(1.0, abs=1e-10)

    # derivative of the implicit root by finite differences
    def root(aa, bb):
        return optimize.brentq(lambda kk: np.mean((aa * eps + bb) ** kk) - 1, 1.0 + 1e-9, 200)

    h = 1e-6
    grad = np.array(
        [(root(a + h, b) - root(a - h, b)) / (2 * h), (root(a, b + h) - root(a, b - h)) / (2 * h)]
    )
    V = fit.cov_params().loc[["alpha[1]", "beta[1]"], ["alpha[1]", "beta[1]"]].to_numpy()
    A = a * eps + b
    Ak = A**k.estimate
    hk = np.mean(Ak * np.log(A))
    se = math.sqrt(grad @ V @ grad + np.var(Ak) / (fit.nobs * hk**2))
    assert k.std_error == pytest.approx(se, rel=1e-4)
    lo, hi = k.conf_int(0.9).iloc[0]
    assert lo < k.estimate < hi


def test_parametric_tail_index_equals_quadrature(fit):
    k = fit.tail_index(method="parametric")
    assert k.estimate == pytest.approx(
        kappa_exponential(fit.params["alpha[1]"], fit.params["beta[1]"]), rel=1e-10
    )


def test_tail_index_invalid_when_nonstationary(fit):
    # the same residuals with (alpha, beta) = (0.15, 0.9): E log A ~ +0.04 > 0
    params = fit.params.copy()
    params[["alpha[1]", "beta[1]"]] = [0.15, 0.9]
    res = dataclasses.replace(fit, params=params)
    assert res.gamma > 0
    for method in ("empirical", "parametric"):
        with pytest.warns(NonStationaryWarning):
            k = res.tail_index(method=method)
        assert not k.is_valid and "stationary" in k.reason
    assert "Strictly stationary: no" in res.summary().as_text()
    assert "mean duration is infinite" in res.summary().as_text()


def test_tail_index_needs_acd11():
    sim = st.simulate_acd(2000, omega=0.05, alpha=[0.1, 0.05], beta=0.8, rng=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = st.acd("duration ~ 1", data=sim, order=(2, 1))
    with pytest.raises(NotImplementedError):
        res.tail_index()
    assert np.isfinite(res.test_infinite_mean(method="wald").statistic)


def test_ljung_box_matches_statsmodels(fit):
    from statsmodels.stats.diagnostic import acorr_ljungbox

    e = fit.resid.to_numpy()
    for sq in (False, True):
        r = fit.ljung_box(12, squared=sq)
        ref = acorr_ljungbox(e**2 if sq else e, lags=[12])
        assert r.statistic == pytest.approx(float(ref["lb_stat"].iloc[0]), rel=1e-10)
        assert r.pvalue == pytest.approx(float(ref["lb_pvalue"].iloc[0]), rel=1e-8)
    with pytest.raises(ValueError, match="lags"):
        ljung_box(e, 0)


def test_boundary_warning_when_wald_and_qlr_disagree():
    sim = st.simulate_acd(window=3000.0, omega=0.05, alpha=0.1, beta=0.9, rng=5)
    res = st.acd("duration ~ 1", data=sim)
    p = res.persistence
    assert abs(p.value - 1) < 2 * p.se
    assert "can disagree sharply" in res.summary().as_text()
    w = res.test_infinite_mean(alternative="less", method="wald")
    q = res.test_infinite_mean(alternative="less", method="qlr")
    assert w.pvalue != q.pvalue
    level = 1 - (w.pvalue + q.pvalue) / 2  # a level between the two p-values
    with pytest.warns(BoundaryWarning, match="disagree"):
        r = res.test_infinite_mean(alternative="less", method="wald", level=level)
    assert any("disagree" in m for m in r.warnings)


@pytest.mark.numerics
def test_bootstrap_test_is_reproducible_and_matches_its_draws(n_jobs):
    sim = st.simulate_acd(window=1500.0, omega=0.05, alpha=0.1, beta=0.8, rng=8)
    res = st.acd("duration ~ 1", data=sim)
    b1 = res.test_infinite_mean(alternative="less", method="bootstrap", n_resamples=19, rng=5)
    b2 = st.infinite_mean_test(
        res, alternative="less", method="bootstrap", n_resamples=19, rng=5, n_jobs=n_jobs
    )
    np.testing.assert_array_equal(b1.null_distribution, b2.null_distribution)
    assert b1.statistic == pytest.approx(
        res.test_infinite_mean(alternative="less", method="wald").statistic
    )
    assert b1.seed == 5
    b3 = res.test_infinite_mean(alternative="less", n_resamples=19, rng=b1.seed)
    np.testing.assert_array_equal(b3.null_distribution, b1.null_distribution)
    d = b1.null_distribution[np.isfinite(b1.null_distribution)]
    assert d.size >= 15 and b1.n_resamples == 19
    assert b1.pvalue == pytest.approx((1 + np.sum(d <= b1.statistic)) / (1 + d.size))
    assert np.median(np.abs(d)) < 3  # draws are generated under H0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ex = st.acd("duration ~ z", data=sim.assign(z=np.arange(len(sim)) % 3 * 0.01))
    with pytest.raises(ValueError, match="regressors"):
        ex.test_infinite_mean()


def test_default_is_the_bootstrap_for_every_alternative():
    # regression (issue 12, item 1): the default for "greater" was the asymptotic Wald,
    # conservative at the boundary (0.003-0.03 at nominal 5%); now every alternative
    # uses the residual bootstrap, and the two-sided p-value is equal-tailed
    sim = st.simulate_acd(1000, omega=0.05, alpha=0.1, beta=0.9, rng=4)
    res = st.acd("duration ~ 1", data=sim)
    out = {
        a: res.test_infinite_mean(alternative=a, n_resamples=19, rng=2)
        for a in ("less", "greater", "two-sided")
    }
    for a, r in out.items():
        assert "bootstrap" in r.method, a
        assert r.n_resamples == 19
    d = out["less"].null_distribution
    np.testing.assert_array_equal(d, out["greater"].null_distribution)
    d = d[np.isfinite(d)]
    t = out["less"].statistic
    p_lo = (1 + np.sum(d <= t)) / (1 + d.size)
    p_hi = (1 + np.sum(d >= t)) / (1 + d.size)
    assert out["less"].pvalue == pytest.approx(p_lo)
    assert out["greater"].pvalue == pytest.approx(p_hi)
    assert out["two-sided"].pvalue == pytest.approx(min(1.0, 2 * min(p_lo, p_hi)))


def test_two_sided_bootstrap_pvalue_is_equal_tailed_not_symmetric():
    from stattools.duration.inference import _bootstrap_pvalue

    # draws centred at -1 (the shift of t under the null): t = -1 is the centre, so the
    # equal-tailed p-value is 1, whereas |t*| >= |t| would call it extreme-ish
    null = np.linspace(-3.0, 1.0, 401)
    assert _bootstrap_pvalue(-1.0, null, "two-sided") == pytest.approx(1.0)
    assert _bootstrap_pvalue(1.5, null, "two-sided") == pytest.approx(2 / 402)
    assert _bootstrap_pvalue(-3.5, null, "less") == pytest.approx(1 / 402)
    assert math.isnan(_bootstrap_pvalue(math.nan, null, "less"))
    assert math.isnan(_bootstrap_pvalue(0.0, np.empty(0), "less"))


def test_count_sampling_bootstrap_keeps_the_number_of_events(monkeypatch):
    # sampling="count": every bootstrap sample has exactly the observed number of events
    # (per group); "window" has a random number over the same T
    from stattools.duration import bootstrap as bs

    sizes = []
    orig = bs.fit_engine

    def spy(x, *a, **k):
        sizes.append(x.shape[0])
        return orig(x, *a, **k)

    monkeypatch.setattr(bs, "fit_engine", spy)
    sim = st.simulate_acd(600, omega=0.05, alpha=0.1, beta=0.9, rng=6)
    res = st.acd("duration ~ 1", data=sim)
    r = res.test_infinite_mean(alternative="less", n_resamples=5, rng=1, sampling="count")
    assert sizes == [600] * 5 and r.extra["sampling"] == "count"
    sizes.clear()
    w = res.test_infinite_mean(alternative="less", n_resamples=5, rng=1)
    assert len(sizes) == 5 and len(set(sizes)) > 1 and w.extra["sampling"] == "window"
    with pytest.raises(ValueError, match="sampling"):
        res.test_infinite_mean(n_resamples=5, sampling="events")
    x = bs.simulate_count(np.array([0.05, 0.1, 0.9]), 1, np.ones(10), 250, np.random.default_rng(0))
    assert x.shape == (250,) and np.all(x > 0)


def test_bootstrap_path_that_cannot_fill_the_window_fails_fast():
    # regression: a restricted fit with alpha ~ 0, beta ~ 1 makes psi creep up from a tiny
    # omega, so filling the window needed up to 5e7 simulated events (GBs of memory) per
    # draw; the bootstrap now caps a path at 100 x the observed number of events
    import time

    from stattools.duration.bootstrap import simulate_window

    g = np.random.default_rng(0)
    t0 = time.process_time()
    x = simulate_window(np.array([1e-9, 0.0, 1.0]), 1, np.ones(500), 1e6, g, max_events=50_000)
    assert x.size == 0
    assert time.process_time() - t0 < 2.0
    ok = simulate_window(np.array([0.05, 0.1, 0.9]), 1, np.ones(500), 200.0, g)
    assert ok.size > 0 and ok.sum() <= 200.0


def test_bootstrap_paths_start_at_the_data_level_when_restricted_omega_is_at_its_bound():
    # regression (issue 12, item 1): when the restricted fit puts omega at its bound
    # (here 1e-9 against a mean duration of ~40), every bootstrap path started at
    # psi = omega never filled the window: all draws failed and the p-value was NaN.
    # Paths now start at psi = b (the presample value); failures are counted by type.
    from stattools.duration import bootstrap as bs
    from stattools.duration.inference import _restricted

    sim = st.simulate_acd(400, omega=0.05, alpha=0.05, beta=0.95, rng=6)
    res = st.acd("duration ~ 1", data=sim)
    _, th, _ = _restricted(res)
    b = res._model.b
    assert th[0] < bs.OMEGA_AT_BOUND * b and bs.path_start(th, b) == b
    # the old start (psi = omega with a burn-in) cannot fill the window
    g = np.random.default_rng(0)
    pool = np.ones(400)
    assert bs.simulate_window(th, 1, pool, res.window, g, max_events=40_000).size == 0
    filled = bs.simulate_window(th, 1, pool, res.window, g, start=b)
    assert 50 < filled.size < 40_000 and filled.sum() <= res.window
    for sampling in ("window", "count"):
        with warnings.catch_warnings():  # the warning itself: the next test
            warnings.simplefilter("ignore", BoundaryWarning)
            r = res.test_infinite_mean(n_resamples=19, rng=2, sampling=sampling)
        kinds = [r.extra[f"failed_{k}"] for k in bs.FAILURES]
        assert sum(kinds) == r.extra["n_failed"] == 19 - r.null_distribution.size
        assert r.extra["failed_simulation"] <= 1 and r.null_distribution.size >= 15
        assert r.extra["failed_fraction"] == r.extra["n_failed"] / 19
        assert np.isfinite(r.pvalue)


def test_many_failed_bootstrap_draws_warn_with_their_types(monkeypatch):
    from stattools.core.exceptions import BoundaryWarning
    from stattools.duration import bootstrap as bs

    sim = st.simulate_acd(600, omega=0.05, alpha=0.1, beta=0.9, rng=6)
    res = st.acd("duration ~ 1", data=sim)
    orig = bs._one
    calls = iter(range(1000))
    # every third draw fails with "no standard error"
    monkeypatch.setattr(
        bs, "_one", lambda task: (math.nan, 3) if next(calls) % 3 == 0 else orig(task)
    )
    with pytest.warns(
        BoundaryWarning, match=r"3 of 9 bootstrap draws failed \(no standard error 3\)"
    ):
        r = res.test_infinite_mean(n_resamples=9, rng=1)
    assert r.extra["failed_no_standard_error"] == 3 and r.extra["n_failed"] == 3
    assert r.null_distribution.size == 6
