"""AgACI and EnbPI in ``st.conformal_sequential``, with long-run diagnostics.

References:
* AgACI: MAPIE 1.6 has ACI (``TimeSeriesRegressor.adapt_conformal_inference``) but no
  aggregation, so AgACI is checked against a brute-force loop written here (independent
  code: per-expert loops, sorted residuals, opera's BOA transcribed scalar by scalar) to
  1e-10, by long-run coverage on a simulated series with a variance shift, and its BOA
  against opera 1.2.0's own R code (``tests/reference/conformal/opera_boa.R``/``.json``)
  to 1e-12.
* EnbPI: MAPIE's ``TimeSeriesRegressor(method="enbpi", agg_function="mean")`` with a
  symmetric absolute score, fed our bootstrap indices through a fixed splitter; its
  ``update(ensemble=True)`` is the sliding residual update. Residuals, predictions and
  half-widths agree to 1e-9.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import stattools as st
from stattools.conformal.enbpi import enbpi_ensemble, walk_enbpi
from stattools.conformal.online import BOA
from stattools.core.exceptions import DataError

ALPHA = 0.1


def _shift_series(T: int, seed: int, shift_at: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=T)
    sd = np.ones(T) * 0.5
    if shift_at is not None:
        sd[shift_at:] = 1.5
    return pd.DataFrame({"x": x, "y": 1.0 + x + sd * rng.normal(size=T)})


# ----------------------------------------------------------------------------- AgACI
def _boa_loop(experts, y, tau):
    """opera's BOA (R/BOA.R, gradient trick, uniform prior), one scalar at a time."""
    T, K = experts.shape
    eta, Rreg, V, Bm = [1.0] * K, [0.0] * K, [0.0] * K, [2.0**-20] * K
    out = []
    for t in range(T):
        aux = [math.log(eta[k]) + math.log(1 / K) + eta[k] * Rreg[k] for k in range(K)]
        w = [math.exp(a - max(aux)) for a in aux]
        pred = sum(w[k] * experts[t, k] for k in range(K)) / sum(w)
        out.append(pred)
        g = (1.0 if y[t] < pred else 0.0) - tau
        for k in range(K):
            r = g * pred - g * experts[t, k]
            Bm[k] = max(Bm[k], abs(r))
            B2 = 2.0 ** math.ceil(math.log2(Bm[k]))
            V[k] += r * r
            eta[k] = min(1 / B2, math.sqrt(math.log(K) / V[k])) if V[k] > 0 else 1 / B2
            Rreg[k] += 0.5 * (r - eta[k] * r * r + B2 * (eta[k] * r > 0.5))
    return np.array(out)


def _agaci_brute(df, warmup, gammas):
    """AgACI written out: fixed OLS on the non-calibration rows before warmup."""
    T = len(df)
    X = np.column_stack([np.ones(T), df["x"]])
    y = df["y"].to_numpy()
    idx = np.arange(T)
    is_cal = idx % 2 == 1
    train = idx[:warmup][~is_cal[:warmup]]
    beta = np.linalg.lstsq(X[train], y[train], rcond=None)[0]
    pred = X @ beta
    K = len(gammas)
    a = [ALPHA] * K
    H = []
    for t in range(warmup, T):
        r = np.sort(np.abs(y[:t][is_cal[:t]] - pred[:t][is_cal[:t]]))
        n = r.size
        h = []
        for k in range(K):
            if a[k] >= 1:
                h.append(0.0)
            elif a[k] <= 0 or math.ceil((n + 1) * (1 - a[k]) - 1e-9) > n:
                h.append(math.inf)
            else:
                h.append(r[math.ceil((n + 1) * (1 - a[k]) - 1e-9) - 1])
        H.append([r[-1] if math.isinf(v) else v for v in h])
        for k in range(K):
            a[k] += gammas[k] * (ALPHA - float(abs(y[t] - pred[t]) > h[k]))
    H = np.array(H)
    yt = y[warmup:]
    lo = _boa_loop(pred[warmup:, None] - H, yt, ALPHA / 2)
    hi = _boa_loop(pred[warmup:, None] + H, yt, 1 - ALPHA / 2)
    return ((yt < lo) | (yt > hi)).astype(float), hi - lo, H


@pytest.mark.parametrize("gammas", [[0.005, 0.02, 0.1], [0.05, 0.2]])
def test_agaci_equals_brute_force_loop(gammas):
    df = _shift_series(400, 1, shift_at=250)
    run = st.conformal_sequential(
        "y ~ x",
        data=df,
        method="agaci",
        gammas=gammas,
        target_risk=ALPHA,
        warmup=60,
        refit_every=None,
        compare=False,
    )
    miss, width, H = _agaci_brute(df, 60, gammas)
    assert run.methods == ["AgACI"]
    if max(gammas) >= 0.1:  # the infinite-bound substitution is exercised
        assert (H == H.max(axis=1, keepdims=True)).any()
    np.testing.assert_array_equal(run.frame["loss"].to_numpy(), miss)
    np.testing.assert_allclose(run.frame["size"].to_numpy(), width, rtol=0, atol=1e-10)


def test_agaci_long_run_coverage_under_variance_shift():
    df = _shift_series(3000, 7, shift_at=1500)
    kw = dict(data=df, target_risk=ALPHA, warmup=200, refit_every=None, compare=False)
    ag = st.conformal_sequential("y ~ x", method="agaci", **kw)
    aci = st.conformal_sequential("y ~ x", method="aci", gamma=0.01, **kw)
    lr = ag.long_run()
    # measured 0.1007 (AgACI) and 0.1014 (ACI, whose bound is (1 + gamma)/(gamma T) = 0.036)
    assert abs(lr.loc["AgACI", "long_run_risk"] - ALPHA) < 0.02
    assert abs(aci.long_run().loc["ACI", "long_run_risk"] - ALPHA) < 0.036
    # after the variance triples the aggregated width follows (measured: late miscoverage
    # 0.092, late/early mean width 3.25)
    fr = ag.frame
    late = fr[fr["step"] >= 2000]
    assert abs(late["loss"].mean() - ALPHA) < 0.03
    assert late["size"].mean() > 1.8 * fr[fr["step"] < 1500]["size"].mean()
    np.testing.assert_allclose(ag.running("coverage").iloc[-1, 0], 1 - fr["loss"].mean())


def test_boa_equals_opera_r_code():
    ref = json.loads((Path(__file__).parents[1] / "reference/conformal/opera_boa.json").read_text())
    E, y = np.array(ref["experts"]), np.array(ref["y"])
    for tau in (0.05, 0.95):
        e = -E if tau > 0.5 else E
        boa = BOA(E.shape[1], tau)
        W, P = [], []
        for t in range(y.size):
            W.append(boa.weights())
            P.append(W[-1] @ e[t])
            boa.update(e[t], y[t])
        np.testing.assert_allclose(P, ref[f"pred_{tau}"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(W, ref[f"weights_{tau}"], rtol=0, atol=1e-12)
    # the weights moved away from uniform (the check is not vacuous)
    assert np.max(np.abs(np.array(W[-1]) - 0.25)) > 0.2


# ----------------------------------------------------------------------------- EnbPI
@settings(max_examples=25, deadline=None)
@given(hs.integers(0, 10_000), hs.integers(5, 15), hs.integers(15, 40))
def test_enbpi_ensemble_equals_loop(seed, B, n):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n + 5), rng.normal(size=n + 5)])
    y = X[:, 1] + rng.normal(size=n + 5)
    boots = rng.integers(0, n, size=(B, n))
    resid, pred, kept = enbpi_ensemble("ols", X, y, n, boots)
    fits = [np.linalg.lstsq(X[b], y[b], rcond=None)[0] for b in boots]
    loo = {}
    for i in range(n):
        out = [f for f, b in zip(fits, boots) if i not in b]
        if out:
            loo[i] = np.mean([X @ f for f in out], axis=0)
    assert sorted(loo) == list(np.flatnonzero(kept))
    if loo:
        want = np.abs(y[list(loo)] - np.array([loo[i][i] for i in loo]))
        np.testing.assert_allclose(resid, want, atol=1e-9)
        np.testing.assert_allclose(pred, np.mean(list(loo.values()), axis=0), atol=1e-9)


def _elec2():
    d = st.datasets.load_dataset("elec2")
    periods = np.round(d["period"] * 47).astype(int)
    keep = (np.arange(len(d)) >= 17_760) & periods.between(18, 23)
    return d[keep].reset_index(drop=True)


def _mapie_enbpi_half_widths(X, y, n, stop, boots):
    from mapie.conformity_scores import AbsoluteConformityScore
    from mapie.regression import TimeSeriesRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import BaseCrossValidator

    class Fixed(BaseCrossValidator):
        def split(self, X, y=None, groups=None):
            for b in boots:
                yield b, np.setdiff1d(np.arange(n), b)

        def get_n_splits(self, *a, **k):
            return len(boots)

    m = TimeSeriesRegressor(
        LinearRegression(),
        method="enbpi",
        cv=Fixed(),
        agg_function="mean",
        conformity_score=AbsoluteConformityScore(sym=True),
    )
    m.fit(X[:n], y[:n])
    hw = []
    for t in range(n, stop):
        _, pis = m.predict(X[t : t + 1], ensemble=True, confidence_level=1 - ALPHA)
        hw.append((pis[0, 1, 0] - pis[0, 0, 0]) / 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MAPIE's notice that update() changed
            m.update(X[t : t + 1], y[t : t + 1], ensemble=True)
    return np.array(hw)


@pytest.mark.needs_data
def test_enbpi_equals_mapie_on_elec2():
    pytest.importorskip("mapie")
    from sklearn.linear_model import LinearRegression

    d = _elec2()
    X = np.column_stack(
        [np.ones(len(d)), d[["nswprice", "vicprice", "nswdemand", "vicdemand"]].to_numpy()]
    )
    y = d["transfer"].to_numpy()
    rows, info = walk_enbpi(LinearRegression(), X, y, ALPHA, 300, 450, 20, np.random.default_rng(0))
    hw = _mapie_enbpi_half_widths(X, y, 300, 450, info["boots"])
    # all 3144 steps agree to 5.8e-16 (run by hand; 150 here to keep the test fast)
    np.testing.assert_allclose(rows["lambda_hat"], hw, rtol=0, atol=1e-9)


def test_enbpi_equals_mapie_with_the_same_bootstrap_samples():
    mapie = pytest.importorskip("mapie")
    from mapie.conformity_scores import AbsoluteConformityScore
    from mapie.regression import TimeSeriesRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import BaseCrossValidator

    assert mapie.__version__.startswith("1.")
    df = _shift_series(260, 3, shift_at=200)
    X = np.column_stack([np.ones(len(df)), df["x"]])
    y = df["y"].to_numpy()
    n, stop = 150, 220
    rows, info = walk_enbpi(LinearRegression(), X, y, ALPHA, n, stop, 20, np.random.default_rng(4))
    boots = info["boots"]
    assert info["n_dropped"] == 0

    class Fixed(BaseCrossValidator):
        def split(self, X, y=None, groups=None):
            for b in boots:
                yield b, np.setdiff1d(np.arange(n), b)

        def get_n_splits(self, *a, **k):
            return len(boots)

    m = TimeSeriesRegressor(
        LinearRegression(),
        method="enbpi",
        cv=Fixed(),
        agg_function="mean",
        conformity_score=AbsoluteConformityScore(sym=True),
    )
    m.fit(X[:n], y[:n])
    np.testing.assert_allclose(m.conformity_scores_, info["residuals"], atol=1e-9)
    hw = []
    for t in range(n, stop):
        yp, pis = m.predict(X[t : t + 1], ensemble=True, confidence_level=1 - ALPHA)
        assert abs(yp[0] - info["pred"][t]) < 1e-9
        hw.append((pis[0, 1, 0] - pis[0, 0, 0]) / 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MAPIE's notice that update() changed
            m.update(X[t : t + 1], y[t : t + 1], ensemble=True)
    np.testing.assert_allclose(rows["lambda_hat"], hw, rtol=0, atol=1e-9)


def test_enbpi_seed_on_record_and_coverage():
    df = _shift_series(2500, 11)
    kw = dict(data=df, method="enbpi", target_risk=ALPHA, warmup=500, compare=False)
    run = st.conformal_sequential("y ~ x", rng=2024, **kw)
    assert run.seed == 2024
    assert "Seed" in run.summary().as_text()
    again = st.conformal_sequential("y ~ x", rng=run.seed, **kw)
    pd.testing.assert_frame_equal(run.frame, again.frame)
    fresh = st.conformal_sequential("y ~ x", **kw)
    assert isinstance(fresh.seed, int)
    pd.testing.assert_frame_equal(
        st.conformal_sequential("y ~ x", rng=fresh.seed, **kw).frame, fresh.frame
    )
    # iid series: long-run coverage within 0.025 of 0.9 (measured 0.8975); binomial sd 0.007
    assert abs(run.long_run().loc["EnbPI", "long_run_coverage"] - (1 - ALPHA)) < 0.025


def test_enbpi_batch_slides_every_batch_steps():
    df = _shift_series(400, 5)
    run = st.conformal_sequential(
        "y ~ x", data=df, method="enbpi", batch=10, warmup=200, compare=False, rng=1
    )
    lam = run.frame["lambda_hat"].to_numpy()
    # constant within each batch of 10 steps
    assert np.all(lam.reshape(-1, 10) == lam.reshape(-1, 10)[:, :1])


# ----------------------------------------------------------------------------- diagnostics
def test_long_run_diagnostics_table_and_running_width():
    df = _shift_series(500, 2)
    run = st.conformal_sequential(
        "y ~ x",
        data=df,
        method="agaci",
        warmup=100,
        refit_every=None,
        target_risk=ALPHA,
        lambdas=np.linspace(0, 5, 101),
    )
    assert run.methods == ["CRC", "AgACI"]
    lr = run.long_run()
    assert list(lr.columns) == [
        "long_run_risk",
        "long_run_coverage",
        "max_dev_2nd_half",
        "mean_width_finite",
        "share_infinite",
    ]
    for m in run.methods:
        sub = run.frame[run.frame["method"] == m]
        assert lr.loc[m, "long_run_risk"] == pytest.approx(sub["loss"].mean())
        assert run.running("width")[m].iloc[-1] == pytest.approx(sub["size"].mean())


def test_bad_input_names_the_argument():
    df = _shift_series(200, 0)
    with pytest.raises(DataError, match="gammas"):
        st.conformal_sequential("y ~ x", data=df, method="agaci", gammas=[0.1, -1])
    with pytest.raises(DataError, match="gammas"):
        st.conformal_sequential("y ~ x", data=df, method="agaci", gammas=[])
    with pytest.raises(DataError, match="n_bootstrap"):
        st.conformal_sequential("y ~ x", data=df, method="enbpi", n_bootstrap=1)
    with pytest.raises(DataError, match="regression task"):
        st.conformal_sequential(
            X=np.zeros((200, 2)),
            labels=np.zeros((200, 3), int),
            method="enbpi",
            model=object(),
        )
    hinge = st.conformal_sequential(
        "y ~ x", data=df, method="rrc", bound=5.0, warmup=100, refit_every=None, compare=False
    )
    with pytest.raises(DataError, match="miscoverage"):
        hinge.running("coverage")


# ----------------------------------------------------------------------------- ELEC2
@pytest.mark.needs_data
def test_elec2_long_run_coverage_of_the_online_methods():
    d = _elec2()
    f = "transfer ~ nswprice + vicprice + nswdemand + vicdemand"
    kw = dict(data=d, target_risk=ALPHA, warmup=300, refit_every=None, compare=False)
    cov = {}
    for m in ("aci", "agaci", "enbpi"):
        run = st.conformal_sequential(f, method=m, rng=0, **kw)
        cov[m] = run.long_run().iloc[0]
    # measured (fixed OLS fitted before step 300, 3144 steps): coverage / mean width
    # ACI 0.912 / 0.484, AgACI 0.928 / 0.475, EnbPI 0.891 / 0.462.
    # ACI (gamma = 0.005) has the deterministic bound (1 + gamma) / (gamma T) = 0.064.
    assert abs(cov["aci"]["long_run_coverage"] - 0.9) < 1.005 / (0.005 * 3144)
    # AgACI has no such bound; it is conservative here but narrower than ACI
    assert 0.9 <= cov["agaci"]["long_run_coverage"] < 0.95
    assert cov["agaci"]["mean_width_finite"] < cov["aci"]["mean_width_finite"]
    assert abs(cov["enbpi"]["long_run_coverage"] - 0.9) < 0.03
