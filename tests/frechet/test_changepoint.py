"""Fréchet change-point test: the fast scan equals brute force; location, seeds, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stattools.core.exceptions import DataError
from stattools.frechet import (
    SPD,
    FrechetChangePointResult,
    Sphere,
    Wasserstein,
    frechet_changepoint,
)
from stattools.frechet.changepoint import _path_generic, changepoint_path

TOL = {"scan": dict(rtol=1e-9, atol=1e-12)}


def _brute(Z, sp, t):
    """T_n(t/n) written out from the definition with explicit loops."""
    n = Z.shape[0]
    a, b = Z[:t], Z[t:]
    m1, m2 = sp.weighted_mean(a, np.ones(t)), sp.weighted_mean(b, np.ones(n - t))
    V1 = np.mean([sp.dist2(z[None], m1)[0] for z in a])
    V2 = np.mean([sp.dist2(z[None], m2)[0] for z in b])
    V1c = np.mean([sp.dist2(z[None], m2)[0] for z in a])
    V2c = np.mean([sp.dist2(z[None], m1)[0] for z in b])
    mp = sp.weighted_mean(Z, np.ones(n))
    d = np.array([sp.dist2(z[None], mp)[0] for z in Z])
    u = t / n
    return u * (1 - u) / d.var() * ((V1 - V2) ** 2 + (V1c - V1 + V2c - V2) ** 2)


def test_euclidean_scan_by_hand():
    gen = np.random.default_rng(0)
    y = np.r_[gen.normal(0, 1, 30), gen.normal(1, 1, 20)]
    from stattools.frechet import Euclidean

    sp = Euclidean()
    Z = sp.validate(y)
    ts = np.arange(5, 46)
    path = changepoint_path(Z, sp, ts)
    t = 30
    a, b = y[:t], y[t:]
    V1, V2 = a.var(), b.var()
    V1c, V2c = np.mean((a - b.mean()) ** 2), np.mean((b - a.mean()) ** 2)
    u = t / 50
    T = u * (1 - u) / np.var((y - y.mean()) ** 2) * ((V1 - V2) ** 2 + (V1c - V1 + V2c - V2) ** 2)
    np.testing.assert_allclose(path[ts == t][0], T, **TOL["scan"])


@pytest.mark.parametrize(
    "space", [Wasserstein(n_grid=8), SPD(), SPD(metric="log_cholesky"), SPD(metric="power")]
)
def test_fast_scan_equals_brute_force(space):
    gen = np.random.default_rng(1)
    n = 24
    if isinstance(space, Wasserstein):
        Y = np.sort(gen.normal(size=(n, 8)), axis=1) * np.r_[np.ones(12), 2 * np.ones(12)][:, None]
    else:
        A = gen.normal(size=(n, 2, 3))
        Y = A @ A.transpose(0, 2, 1) / 3 + 0.2 * np.eye(2)
    Z = space.validate(Y)
    ts = np.arange(3, 22)
    fast = changepoint_path(Z, space, ts)
    np.testing.assert_allclose(fast, _path_generic(Z, space, ts), **TOL["scan"])
    for t in (3, 12, 21):
        np.testing.assert_allclose(fast[ts == t][0], _brute(Z, space, t), **TOL["scan"])


def test_location_pvalue_seed_and_plot():
    sp = Wasserstein(n_grid=20)
    gen = np.random.default_rng(2)
    n = 120
    mu = gen.normal(0, 0.3, n)
    sd = np.r_[np.ones(70), 1.8 * np.ones(50)]
    Q = mu[:, None] + sd[:, None] * stats.norm.ppf(sp.grid)
    s = pd.Series(list(Q), index=pd.RangeIndex(1900, 1900 + n))
    res = frechet_changepoint(s, space=sp, n_resamples=99)
    assert isinstance(res, FrechetChangePointResult)
    assert abs(res.location - 1970) <= 2 and res.pvalue == pytest.approx(0.01)
    again = frechet_changepoint(s, space=sp, n_resamples=99, rng=res.seed)
    np.testing.assert_array_equal(again.null_distribution, res.null_distribution)
    text = res.summary().as_text()
    assert "Seed" in text and "Estimated change" in text and "NaN" not in text
    assert len(res.plot().axes) == 1 and res.plot(kind="null") is not None
    null = frechet_changepoint(Q[:70], space=sp, n_resamples=99, rng=3)
    assert null.pvalue > 0.05


def test_sphere_sequence_generic_path():
    gen = np.random.default_rng(4)
    ang = np.r_[gen.normal(0.2, 0.05, 30), gen.normal(0.6, 0.05, 30)]
    Y = np.c_[np.cos(ang), np.sin(ang)]
    res = frechet_changepoint(Y, space=Sphere(), n_resamples=19, rng=0)
    assert res.location == 30 and res.pvalue == pytest.approx(0.05)


def test_changepoint_bad_input():
    with pytest.raises(DataError, match="at least 4"):
        frechet_changepoint([1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="trim"):
        frechet_changepoint(np.arange(20.0), trim=0.6)
    res = frechet_changepoint(np.r_[np.zeros(10), np.ones(10)] * 0 + 1.0, n_resamples=9)
    assert not res.is_valid and "degenerate" in res.reason
