"""nexCP weights in the online methods (ACI, AgACI, EnbPI): the weighted half-widths against
a plain loop written out here, exact reduction to the unweighted methods, the ACI
deterministic bound with weights, and bad input (issue 15: "every new method accepts
calibration weights")."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.conformal.enbpi import enbpi_ensemble
from stattools.conformal.online_weights import resolve_online_weights, weighted_half_widths

T, WARMUP = 260, 100


def _stream(seed=0, T=T):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=T)
    sig = 1.0 + 2.0 * np.arange(T) / (T - 1)
    return pd.DataFrame({"x": x, "y": x + sig * rng.normal(size=T)})


def _brute_quantile(r, w, a):
    """min{r_k : sum_{r_i <= r_k} w_i >= (1 - a)(sum w + 1)}, inf if none (by definition)."""
    if a >= 1:
        return 0.0
    if a <= 0:
        return math.inf
    need = (1 - a) * (w.sum() + 1.0)
    cands = sorted(set(r.tolist()))
    for c in cands:
        if w[r <= c].sum() >= need - 1e-9:
            return c
    return math.inf


@settings(max_examples=60, deadline=None)
@given(
    n=hst.integers(0, 40),
    seed=hst.integers(0, 10_000),
    alphas=hst.lists(hst.floats(-0.2, 1.2), min_size=1, max_size=5),
    ties=hst.booleans(),
)
def test_property_weighted_half_widths_equal_definition(n, seed, alphas, ties):
    rng = np.random.default_rng(seed)
    r = rng.exponential(size=n)
    if ties:
        r = np.round(r, 1)
    w = rng.uniform(size=n) * (rng.uniform(size=n) > 0.2)
    got = weighted_half_widths(r, w, alphas)
    ref = [_brute_quantile(r, w, a) if n else (0.0 if a >= 1 else math.inf) for a in alphas]
    assert got.tolist() == ref


def _ols_pred(df, train):
    X = np.column_stack([np.ones(len(df)), df["x"].to_numpy()])
    beta = np.linalg.lstsq(X[train], df["y"].to_numpy()[train], rcond=None)[0]
    return X @ beta


def test_weighted_aci_equals_plain_loop():
    df = _stream(1)
    rho, gamma, alpha = 0.98, 0.02, 0.1
    run = st.conformal_sequential(
        "y ~ x", data=df, method="aci", warmup=WARMUP, refit_every=None, compare=False,
        gamma=gamma, target_risk=alpha, weights=st.weights.decay(rho),
    )  # fmt: skip
    idx = np.arange(T)
    is_cal = idx % 2 == 1
    pred = _ols_pred(df, idx[:WARMUP][~is_cal[:WARMUP]])
    y = df["y"].to_numpy()
    a_t, lam = alpha, []
    for t in range(WARMUP, T):
        cal = idx[:t][is_cal[:t]]
        r = np.abs(y[cal] - pred[cal])
        q = _brute_quantile(r, rho ** (t - cal).astype(float), a_t)
        lam.append(q)
        a_t += gamma * (alpha - float(abs(y[t] - pred[t]) > q))
    np.testing.assert_allclose(run.frame["lambda_hat"].to_numpy(), lam, rtol=1e-10)
    w_last = rho ** (T - 1 - idx[: T - 1][is_cal[: T - 1]])
    assert run.frame["n_w"].iloc[-1] == pytest.approx(w_last.sum())
    assert run.weights_name == f"decay(rho={rho:g})"
    assert "nexCP weights (decay(rho=0.98))" in str(run.summary())
    # the weights matter: the unweighted run differs
    plain = st.conformal_sequential(
        "y ~ x", data=df, method="aci", warmup=WARMUP, refit_every=None, compare=False,
        gamma=gamma, target_risk=alpha,
    )  # fmt: skip
    assert not np.allclose(plain.frame["lambda_hat"], run.frame["lambda_hat"])


@pytest.mark.parametrize("method", ["aci", "agaci", "enbpi"])
def test_uniform_weights_reduce_exactly(method):
    df = _stream(2)
    kw = dict(data=df, method=method, warmup=WARMUP, refit_every=None, compare=False)
    if method == "enbpi":
        kw["rng"] = 3
    base = st.conformal_sequential("y ~ x", **kw)
    for w in (st.weights.uniform(), np.ones(T), lambda lag: np.ones_like(lag)):
        other = st.conformal_sequential("y ~ x", weights=w, **kw)
        np.testing.assert_array_equal(
            base.frame["lambda_hat"].to_numpy(), other.frame["lambda_hat"].to_numpy()
        )
        np.testing.assert_array_equal(base.frame["loss"].to_numpy(), other.frame["loss"].to_numpy())


def test_lag_window_equals_sliding_window_loop():
    """An array of W ones is a sliding window over the last W steps (calibration rows)."""
    df = _stream(4)
    W, gamma, alpha = 60, 0.01, 0.1
    run = st.conformal_sequential(
        "y ~ x", data=df, method="aci", warmup=WARMUP, refit_every=None, compare=False,
        gamma=gamma, target_risk=alpha, weights=np.ones(W),
    )  # fmt: skip
    idx = np.arange(T)
    is_cal = idx % 2 == 1
    pred = _ols_pred(df, idx[:WARMUP][~is_cal[:WARMUP]])
    y = df["y"].to_numpy()
    a_t, lam = alpha, []
    for t in range(WARMUP, T):
        cal = idx[max(0, t - W) : t][is_cal[max(0, t - W) : t]]
        r = np.sort(np.abs(y[cal] - pred[cal]))
        k = math.ceil((r.size + 1) * (1 - a_t) - 1e-9)
        q = 0.0 if a_t >= 1 else (math.inf if a_t <= 0 or k > r.size else r[k - 1])
        lam.append(q)
        a_t += gamma * (alpha - float(abs(y[t] - pred[t]) > q))
    # (OLS here and in the package differ in the last bit)
    np.testing.assert_allclose(run.frame["lambda_hat"].to_numpy(), lam, rtol=1e-12)
    assert run.frame["n_w"].iloc[0] == W // 2


def test_weighted_enbpi_equals_plain_loop():
    df = _stream(5)
    rho, alpha, B = 0.99, 0.1, 10
    run = st.conformal_sequential(
        "y ~ x", data=df, method="enbpi", warmup=WARMUP, compare=False, n_bootstrap=B,
        batch=2, rng=7, weights=st.weights.decay(rho), target_risk=alpha,
    )  # fmt: skip
    X = np.column_stack([np.ones(T), df["x"].to_numpy()])
    y = df["y"].to_numpy()
    boots = np.random.default_rng(np.random.SeedSequence(7)).integers(0, WARMUP, (B, WARMUP))
    resid, pred, kept = enbpi_ensemble("ols", X, y, WARMUP, boots)
    items = list(zip(np.flatnonzero(kept).tolist(), resid.tolist(), strict=True))
    pending, lam = [], []
    for t in range(WARMUP, T):
        r = np.array([e for _, e in items])
        w = np.array([rho ** (t - s) for s, _ in items])
        lam.append(_brute_quantile(r, w, alpha))
        pending.append((t, abs(y[t] - pred[t])))
        if len(pending) == 2:
            items = items[2:] + pending
            pending = []
    np.testing.assert_allclose(run.frame["lambda_hat"].to_numpy(), lam, rtol=1e-12)
    assert run.seed == 7


def test_weighted_agaci_runs_and_differs():
    df = _stream(6)
    kw = dict(data=df, method="agaci", warmup=WARMUP, refit_every=None, compare=False)
    a = st.conformal_sequential("y ~ x", **kw)
    b = st.conformal_sequential("y ~ x", weights=st.weights.decay(0.97), **kw)
    assert not np.allclose(a.frame["lambda_hat"], b.frame["lambda_hat"])
    assert np.isfinite(b.frame["lambda_hat"]).all()
    assert (b.frame["ess"] < a.frame["ess"]).all()


def test_weighted_aci_keeps_its_deterministic_bound():
    """|mean err - alpha| <= (max(alpha, 1 - alpha) + gamma) / (gamma T) for any weights."""
    df = _stream(7, T=600)
    gamma, alpha = 0.05, 0.1
    for w in (st.weights.decay(0.9), np.ones(10), lambda lag: 1.0 / lag):
        run = st.conformal_sequential(
            "y ~ x", data=df, method="aci", warmup=100, refit_every=None, compare=False,
            gamma=gamma, target_risk=alpha, weights=w,
        )  # fmt: skip
        err = run.frame["loss"].mean()
        assert abs(err - alpha) <= (max(alpha, 1 - alpha) + gamma) / (gamma * 500) + 1e-12


def test_bad_online_weights():
    df = _stream(8)
    kw = dict(data=df, warmup=WARMUP, refit_every=None, compare=False)
    with pytest.raises(st.NotSupportedError, match="rolling risk control"):
        st.conformal_sequential(
            "y ~ x", method="rrc", loss="hinge", bound=4.0, weights=st.weights.decay(0.9), **kw
        )
    bad = [
        (np.array([0.5, 1.5]), "weights"),
        (np.array([[1.0]]), "weights"),
        ("decay", "weights"),
        (st.weights.kernel(1.0), "weights"),
        (st.weights.likelihood_ratio(ratio=lambda x: np.ones(len(x))), "weights"),
        (lambda lag: 2.0 * np.ones_like(lag), r"\[0, 1\]"),
        (lambda lag: np.ones(3), "one weight per lag"),
    ]
    for w, msg in bad:
        with pytest.raises(st.DataError, match=msg):
            st.conformal_sequential("y ~ x", method="aci", weights=w, **kw)
    assert resolve_online_weights(None) is None
