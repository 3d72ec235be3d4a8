"""Validity of CRC and non-X CRC by simulation (fixed seeds, exact binomial bands).

A loss in [0, 1] is turned into a Bernoulli draw with the same mean (1{U < L} with U
uniform), so every study is a count with an exact binomial band.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

import stattools as st
from tests._helpers import assert_in_band, n_reps

# declared allowances (frozen): the drift study compares methods, it has no exact rate
TOL = {"drift_nonx_slack": 0.05}

pytestmark = pytest.mark.slow


def _fnr_data(rng, n, k=5):
    logits = rng.normal(size=(n, k))
    p = 1 / (1 + np.exp(-logits))
    y = (rng.uniform(size=(n, k)) < p).astype(int)
    y[y.sum(1) == 0, rng.integers(0, k)] = 1
    # a noisy score of the truth
    f = np.clip(p + 0.15 * rng.normal(size=(n, k)), 0, 1)
    return f, y


def _fnr_at(f, y, lam):
    sets = f >= 1 - lam - 1e-12
    return 1 - (sets & (y == 1)).sum(1) / y.sum(1)


def test_split_conformal_coverage_is_exact():
    reps, n, alpha = n_reps(20_000, 4_000), 99, 0.1
    rng = np.random.default_rng(101)
    covered = 0
    for _ in range(reps):
        s = np.abs(rng.standard_t(3, size=n + 1))
        lam = st.split_conformal(s[:n], level=1 - alpha).lambda_hat
        covered += s[n] <= lam
    p = math.ceil((n + 1) * (1 - alpha)) / (n + 1)
    assert_in_band(int(covered), reps, p)


@pytest.mark.parametrize("weights", [None, "decay"])
def test_crc_fnr_risk_at_most_target_under_exchangeability(weights):
    reps, n, alpha = n_reps(10_000, 3_000), 60, 0.2
    rng = np.random.default_rng(202 if weights is None else 203)
    w = None if weights is None else st.weights.decay(0.97)
    hits = 0
    for _ in range(reps):
        f, y = _fnr_data(rng, n + 1)
        lam = st.crc(st.losses.fnr(f[:n], y[:n]), alpha, weights=w).lambda_hat
        hits += rng.uniform() < _fnr_at(f[n:], y[n:], lam)[0]
    assert_in_band(int(hits), reps, alpha, side="upper")
    if weights is None:
        # CRC is also tight: E L >= alpha - 2B/(n+1) (no fixed-lambda jumps: continuous f)
        assert_in_band(int(hits), reps, alpha - 2 / (n + 1), side="lower")


def test_interval_hinge_risk_at_most_target():
    reps, n, alpha = n_reps(10_000, 3_000), 80, 0.1
    rng = np.random.default_rng(303)
    hits = 0
    for _ in range(reps):
        r = rng.normal(size=n + 1)
        with warnings.catch_warnings():  # the loss min(1, .) is capped on purpose here
            warnings.simplefilter("ignore", st.BoundViolationWarning)
            lam = st.crc(st.losses.interval_hinge(r[:n], bound=1.0), alpha).lambda_hat
        hits += rng.uniform() < min(1.0, max(abs(r[n]) - lam, 0.0))
    assert_in_band(int(hits), reps, alpha, side="upper")
    assert_in_band(int(hits), reps, alpha - 2 / (n + 1), side="lower")


def test_covariate_shift_with_known_likelihood_ratio_covers():
    # X ~ N(0, 1) for calibration, N(1, 1) at test; Y = X + heteroscedastic noise
    reps, n, alpha = n_reps(10_000, 3_000), 150, 0.1
    rng = np.random.default_rng(404)
    lr = st.weights.likelihood_ratio(ratio=lambda x: np.exp(x[:, 0] - 0.5))
    covered = 0
    for _ in range(reps):
        x = rng.normal(size=n)
        s = np.abs((0.5 + np.abs(x)) * rng.normal(size=n))
        xt = rng.normal(1.0, 1.0, size=1)
        st_ = abs((0.5 + abs(xt[0])) * rng.normal())
        with warnings.catch_warnings():
            # a test point far in the tail has a large w(x): infeasible, infinite interval
            warnings.simplefilter("ignore", st.InfeasibleRiskWarning)
            warnings.simplefilter("ignore", st.SmallSampleWarning)
            lam = st.crc(
                scores=s, target_risk=alpha, weights=lr, X=x[:, None], X_test=xt[:, None]
            ).lambda_hat
        covered += st_ <= float(np.atleast_1d(lam)[0])
    assert_in_band(int(covered), reps, 1 - alpha, side="lower")


def test_non_x_crc_nearer_the_target_under_drift():
    # scores whose scale drifts upwards: CRC pools old, small scores and under-covers
    reps, T, alpha = n_reps(6_000, 2_000), 300, 0.1
    rng = np.random.default_rng(505)
    sigma = 1.0 + 2.0 * np.arange(T + 1) / T
    miss = {"CRC": 0, "non-X CRC": 0}
    wts = {"CRC": None, "non-X CRC": st.weights.decay(0.97)}
    for _ in range(reps):
        s = np.abs(sigma * rng.normal(size=T + 1))
        for name, w in wts.items():
            lam = st.crc(scores=s[:T], target_risk=alpha, weights=w).lambda_hat
            miss[name] += s[T] > lam
    # non-X CRC is within its declared slack of the target ...
    assert_in_band(miss["non-X CRC"], reps, alpha, side="upper", slack=TOL["drift_nonx_slack"])
    # ... CRC is significantly above the target, and farther from it than non-X CRC
    assert miss["CRC"] > stats.binom.isf(5e-4, reps, alpha)
    assert abs(miss["non-X CRC"] / reps - alpha) < abs(miss["CRC"] / reps - alpha)
