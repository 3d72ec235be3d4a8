"""Weighted jackknife+, CV+ and J+aB (issue 15): brute force, properties and bad input.

The reference is a plain per-test-point loop written from the definition: every
leave-out model refitted here with numpy least squares, the values ``mu_{-i}(x) -/+ R_i``
with normalised weights ``w_i / (sum w + w_test)`` and the test mass at ``-/+inf``, and
the lower/upper ``(1 - alpha)``-quantiles found by scanning the candidate values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.conformal.cross import cross_conformal, plus_interval
from stattools.conformal.weighted_cross import weighted_plus_interval
from stattools.core.exceptions import ArgumentTypeError, InfeasibleRiskWarning, MissingDataWarning

LEVEL = 0.8
TOL = {"interval": dict(rtol=0, atol=1e-8)}  # numpy lstsq vs statsmodels OLS refits


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(15)
    n = 60
    df = pd.DataFrame({"x": rng.normal(size=n)})
    df["y"] = 1.0 + 2.0 * df["x"] + (0.5 + np.abs(df["x"])) * rng.normal(size=n)
    df["t"] = np.arange(n, dtype=float)
    test = pd.DataFrame({"x": np.r_[rng.normal(0.8, 1.0, size=7), 3.5]})
    test["t"] = float(n) + np.arange(len(test))
    return df, test


def _ols(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _brute_mu(df, test, method, resamples=None):
    """``mu[j, i] = mu_{-i}(x_j)`` and ``mu_{-i}(x_i)`` by refitting every model here."""
    X = np.c_[np.ones(len(df)), df["x"]]
    Xt = np.c_[np.ones(len(test)), test["x"]]
    y = df["y"].to_numpy()
    n = len(y)
    mu = np.empty((len(test), n))
    own = np.empty(n)
    for i in range(n):
        if method == "jackknife+":
            keep = np.arange(n) != i
            b = [_ols(X[keep], y[keep])]
        elif method == "cv+":
            fold = np.repeat(np.arange(5), n // 5)  # n = 60: five contiguous folds of 12
            keep = fold != fold[i]
            b = [_ols(X[keep], y[keep])]
        else:
            b = [_ols(X[r], y[r]) for r in resamples if i not in set(r.tolist())]
        mu[:, i] = np.mean([Xt @ bb for bb in b], axis=0)
        own[i] = np.mean([X[i] @ bb for bb in b])
    return mu, np.abs(y - own)


def _brute_interval(v_lo, v_hi, w, w_test, level):
    """Weighted lower/upper quantiles with the test mass at -/+inf, by scanning."""
    total = w.sum() + w_test
    p = w / total
    need = level - 1e-12
    up = np.inf
    for v in np.sort(v_hi):
        if p[v_hi <= v].sum() >= need:
            up = v
            break
    lo = -np.inf
    for v in np.sort(v_lo)[::-1]:
        if p[v_lo >= v].sum() >= need:
            lo = v
            break
    return lo, up


def _resamples(n, b=25, seed=4):
    g = np.random.default_rng(seed)
    return [g.integers(0, n, n) for _ in range(b)]


def _weight_cases(df, test):
    n = len(df)
    ratio = lambda x: np.exp(x[:, 0] - 0.5)  # noqa: E731
    inf_ratio = lambda x: np.where(x[:, 0] > 3.0, np.inf, np.exp(x[:, 0]))  # noqa: E731
    return {
        "fixed decay": (
            0.95 ** (n - np.arange(n)),
            dict(weights=st.weights.decay(0.95)),
            lambda xt: (0.95 ** (n - np.arange(n)), np.ones(len(xt))),
        ),
        "fixed vector": (
            None,
            dict(weights=np.where(np.arange(n) < n // 2, 0.1, 1.0)),
            lambda xt: (np.where(np.arange(n) < n // 2, 0.1, 1.0), np.ones(len(xt))),
        ),
        "covariate shift": (
            None,
            dict(weights=st.weights.likelihood_ratio(ratio=ratio)),
            lambda xt: (ratio(df[["x"]].to_numpy()), ratio(xt[:, None])),
        ),
        "infinite test weight": (
            None,
            dict(weights=st.weights.likelihood_ratio(ratio=inf_ratio)),
            lambda xt: (inf_ratio(df[["x"]].to_numpy()), inf_ratio(xt[:, None])),
        ),
        "decay with time": (
            None,
            dict(weights=st.weights.decay(0.97), time="t"),
            lambda xt: (
                0.97 ** (test["t"].to_numpy()[:, None] - df["t"].to_numpy()[None, :]),
                np.ones(len(xt)),
            ),
        ),
    }


@pytest.mark.parametrize("method", ["jackknife+", "cv+", "jab+"])
@pytest.mark.parametrize(
    "case",
    ["fixed decay", "fixed vector", "covariate shift", "infinite test weight", "decay with time"],
)
def test_weighted_intervals_equal_brute_force(data, method, case):
    df, test = data
    res = _resamples(len(df)) if method == "jab+" else None
    mu, r = _brute_mu(df, test, method, res)
    _, kw, wfun = _weight_cases(df, test)[case]
    fit = cross_conformal("y ~ x", df, method=method, level=LEVEL, resamples=res, **kw)
    w, wt = wfun(test["x"].to_numpy())
    brute = []
    for j in range(len(test)):
        wj = w if w.ndim == 1 else w[j]
        if np.isinf(wt[j]):
            brute.append((-np.inf, np.inf))
        else:
            brute.append(_brute_interval(mu[j] - r, mu[j] + r, wj, wt[j], LEVEL))
    brute_unb = np.array([not (np.isfinite(lo) and np.isfinite(up)) for lo, up in brute])
    if brute_unb.any():  # per-test weights: predict() warns, the column flags the rows
        with pytest.warns(InfeasibleRiskWarning, match="unbounded"):
            pred = fit.predict(test)
    else:
        pred = fit.predict(test)
    for j, (lo, up) in enumerate(brute):
        np.testing.assert_allclose(pred["lower"].iloc[j], lo, **TOL["interval"])
        np.testing.assert_allclose(pred["upper"].iloc[j], up, **TOL["interval"])
    np.testing.assert_array_equal(pred["unbounded"].to_numpy(), brute_unb)
    expect_inf = case == "infinite test weight"
    if expect_inf:  # x = 3.5 has w(x) = inf
        assert pred["unbounded"].iloc[-1] and not pred["unbounded"].iloc[:-1].any()
    assert not brute_unb[:-1].all()
    # the weights move the interval away from the unweighted one
    plain = cross_conformal("y ~ x", df, method=method, level=LEVEL, resamples=res).predict(test)
    ends = np.r_[pred["lower"][:-1], pred["upper"][:-1]]
    assert not np.allclose(ends, np.r_[plain["lower"][:-1], plain["upper"][:-1]])


@pytest.mark.parametrize("method", ["jackknife+", "cv+", "jab+"])
def test_unit_and_constant_weights_reproduce_unweighted_exactly(data, method):
    df, test = data
    kw = dict(
        method=method, level=LEVEL, resamples=_resamples(len(df)) if method == "jab+" else None
    )
    plain = cross_conformal("y ~ x", df, **kw).predict(test)
    for w in (
        st.weights.decay(1.0),
        np.ones(len(df)),
        st.weights.uniform(),
        st.weights.likelihood_ratio(ratio=lambda x: np.full(len(x), 7.3)),
    ):
        got = cross_conformal("y ~ x", df, weights=w, **kw).predict(test)
        np.testing.assert_array_equal(got["lower"], plain["lower"])
        np.testing.assert_array_equal(got["upper"], plain["upper"])
        assert not got["unbounded"].any()


def test_kernel_weights_per_test_and_summary(data):
    df, test = data
    fit = st.conformal_regression(
        "y ~ x", df, method="cv+", level=LEVEL, weights=st.weights.kernel(0.7)
    )
    X = fit.design.transform(test)
    mu, _ = fit._mu(X.to_numpy(dtype=float))
    xt = test["x"].to_numpy()
    W = np.exp(-0.5 * ((xt[:, None] - df["x"].to_numpy()[None, :]) / 0.7) ** 2)
    with pytest.warns(InfeasibleRiskWarning, match="1 of 8 interval"):
        pred = fit.predict(test)  # x = 3.5 has almost no similar training points
    for j in range(len(test)):
        lo, up = _brute_interval(mu[j] - fit.resid, mu[j] + fit.resid, W[j], 1.0, LEVEL)
        assert (pred["lower"].iloc[j], pred["upper"].iloc[j]) == (lo, up)
    assert pred["unbounded"].tolist() == [False] * 7 + [True]
    text = fit.summary().as_text()
    assert "heuristic" in text and "kernel" in text
    assert st.glance(fit)["guarantee"].iloc[0] == "heuristic"


def test_fixed_weights_too_small_warn_and_flag(data):
    df, test = data
    with pytest.warns(InfeasibleRiskWarning, match="every interval is unbounded"):
        fit = st.conformal_regression(
            "y ~ x", df, method="jackknife+", level=0.9, weights=np.full(len(df), 0.05)
        )
    assert fit.unbounded and fit.warnings
    pred = fit.predict(test)  # already reported at fit time: no second warning
    assert pred["unbounded"].all() and np.isinf(pred["upper"]).all()
    assert fit.evaluate(df)["infinite share"].iloc[0] == 1.0
    assert "unbounded" in fit.summary().as_text()


def test_weighted_jab_seed_reproduces(data):
    df, test = data
    w = st.weights.decay(0.97)
    # rng=None draws a fresh seed: with 60 resamples of 60 rows the chance that some row is
    # in every resample (an error) is about 60 * 0.634^60 < 1e-10, so the test cannot flake
    a = st.conformal_regression("y ~ x", df, method="jab+", level=LEVEL, weights=w, n_resamples=60)
    b = st.conformal_regression(
        "y ~ x", df, method="jab+", level=LEVEL, weights=w, n_resamples=60, rng=a.seed
    )
    pd.testing.assert_frame_equal(a.predict(test), b.predict(test))
    assert "Seed" in a.summary().as_text() and "non-exchangeable" in a.summary().as_text()


@pytest.mark.parametrize(
    ("weights", "exc", "match"),
    [
        (np.r_[-1.0, np.ones(59)], st.DataError, "weights must be >= 0"),
        (np.r_[np.nan, np.ones(59)], st.DataError, "weights contain NaN"),
        (np.ones(59), st.DataError, "weights must have one entry per training row"),
        (np.zeros(60), st.DataError, "weights: the weights are all zero"),
        (np.full(60, 2.0), st.DataError, "weights must lie in"),
        ("decay", ArgumentTypeError, "weights must be None"),
        (np.ones((3, 60)), st.DataError, "weights must have one entry per training row"),
    ],
)
def test_bad_weights(data, weights, exc, match):
    df, _ = data
    with pytest.raises(exc, match=match):
        st.conformal_regression("y ~ x", df, method="cv+", level=LEVEL, weights=weights)


def test_bad_weight_schemes(data):
    df, test = data
    zero = st.weights.likelihood_ratio(ratio=lambda x: np.zeros(len(x)))
    with pytest.raises(st.DataError, match="weights: the training weights are all zero"):
        st.conformal_regression("y ~ x", df, method="cv+", level=LEVEL, weights=zero)
    neg = st.weights.likelihood_ratio(ratio=lambda x: x[:, 0])
    with pytest.raises(st.DataError, match="negative"):
        st.conformal_regression("y ~ x", df, method="cv+", level=LEVEL, weights=neg)
    with pytest.raises(st.DataError, match="time column 'tt'"):
        st.conformal_regression(
            "y ~ x", df, method="cv+", level=LEVEL, weights=st.weights.decay(0.9), time="tt"
        )
    fit = st.conformal_regression(
        "y ~ x", df, method="cv+", level=LEVEL, weights=st.weights.decay(0.9), time="t"
    )
    with pytest.raises(st.DataError, match="time column 't' is not in newdata"):
        fit.predict(test.drop(columns="t"))


_w = hst.floats(0.01, 10.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    n=hst.integers(5, 40),
    m=hst.integers(1, 4),
    level=hst.sampled_from([0.5, 0.8, 0.9, 0.95]),
    scale=hst.floats(1e-3, 1e3),
    seed=hst.integers(0, 2**16),
    w_test=_w,
)
def test_weighted_quantile_properties(n, m, level, scale, seed, w_test):
    g = np.random.default_rng(seed)
    mu = g.normal(size=(m, n))
    r = g.exponential(size=n)
    w = g.uniform(0.01, 10.0, size=n)
    wt = np.full(m, w_test)
    lo, up, unb = weighted_plus_interval(mu, r, level, w, wt)
    # scale invariance: w and w_test times a constant give the same interval
    lo2, up2, unb2 = weighted_plus_interval(mu, r, level, scale * w, scale * wt)
    np.testing.assert_array_equal(lo, lo2)
    np.testing.assert_array_equal(up, up2)
    np.testing.assert_array_equal(unb, unb2)
    # all-equal weights (test weight included) = the unweighted "+" interval
    c = float(w[0])
    lo3, up3, _ = weighted_plus_interval(mu, r, level, np.full(n, c), np.full(m, c))
    plo, pup = plus_interval(mu, r, level)
    np.testing.assert_array_equal(lo3, plo)
    np.testing.assert_array_equal(up3, pup)
    # ends are attained values or infinite; lower <= upper when level >= 0.5
    assert np.all(lo <= up)
    for j in range(m):
        assert np.isinf(up[j]) or up[j] in set((mu[j] + r).tolist())
        assert np.isinf(lo[j]) or lo[j] in set((mu[j] - r).tolist())
    # monotone in the test weight: a heavier test point never shrinks the interval
    lo4, up4, _ = weighted_plus_interval(mu, r, level, w, 2.0 * wt)
    assert np.all(lo4 <= lo) and np.all(up4 >= up)


def test_weighted_result_contract(data):
    df, test = data
    ratio = st.weights.likelihood_ratio(ratio=lambda x: np.exp(0.5 * x[:, 0]))
    fit = st.conformal_regression("y ~ x", df, method="jackknife+", level=LEVEL, weights=ratio)
    assert fit.guarantee == "covariate shift"
    text = fit.summary().as_text()
    assert "covariate shift" in text and "JAW" in text
    assert st.glance(fit)["guarantee"].iloc[0] == "covariate shift"
    assert list(st.augment(fit).columns) == [".fitted", ".resid", ".lower", ".upper"]
    assert not st.tidy(fit).empty
    ev = fit.evaluate(df)
    assert list(ev.columns) == ["coverage", "mean_width", "n", "infinite share"]
    assert 0.6 < ev["coverage"].iloc[0] <= 1.0
    fit.plot()


def test_weights_follow_rows_dropped_by_na_action(data):
    df, test = data
    dirty = df.copy()
    dirty.loc[[3, 10], "x"] = np.nan
    w = np.linspace(0.1, 1.0, len(df))
    kw = dict(method="cv+", level=LEVEL)
    with pytest.warns(MissingDataWarning, match="dropped 2 row"):
        a = st.conformal_regression("y ~ x", dirty, na_action="drop", weights=w, **kw)
    keep = dirty["x"].notna().to_numpy()
    b = st.conformal_regression("y ~ x", dirty[keep], weights=w[keep], **kw)
    pd.testing.assert_frame_equal(a.predict(test), b.predict(test))


def test_raw_ratio_function_is_refused_with_a_hint(data):
    df, _ = data
    with pytest.raises(ArgumentTypeError, match=r"likelihood_ratio\(ratio=f\)"):
        st.conformal_regression(
            "y ~ x", df, method="jackknife+", level=LEVEL, weights=lambda x: np.exp(x[:, 0])
        )
