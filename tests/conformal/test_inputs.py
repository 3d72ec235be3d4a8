"""Bad input: clear errors naming the argument; numerical trouble: warnings and flags."""

from __future__ import annotations

import numpy as np
import pytest

import stattools as st

GRID = np.linspace(0.0, 1.0, 6)


def _table(n=20):
    s = np.random.default_rng(0).uniform(size=n)
    return (s[:, None] > GRID[None, :]).astype(float)


@pytest.mark.parametrize("w", [np.full(20, 1.5), np.r_[-0.1, np.ones(19)]])
def test_weights_outside_unit_interval(w):
    with pytest.raises(st.DataError, match=r"weights must (lie in \[0, 1\]|be >= 0)"):
        st.crc(_table(), 0.1, weights=w, lambdas=GRID)


def test_nan_weights_and_wrong_shape():
    w = np.ones(20)
    w[3] = np.nan
    with pytest.raises(st.DataError, match="weights contain NaN"):
        st.crc(_table(), 0.1, weights=w, lambdas=GRID)
    with pytest.raises(st.DataError, match="20 entries per row"):
        st.crc(_table(), 0.1, weights=np.ones(19), lambdas=GRID)
    with pytest.raises(st.DataError, match="one entry per weight-matrix row"):
        st.crc(_table(), 0.1, weights=np.ones((3, 20)), test_weights=[1.0, 1.0], lambdas=GRID)


def test_negative_likelihood_ratio():
    lr = st.weights.likelihood_ratio(ratio=lambda x: x[:, 0] - 0.5)
    x = np.linspace(0, 1, 20)[:, None]
    with pytest.raises(st.DataError, match="negative values.*likelihood ratios"):
        st.crc(scores=np.arange(20.0), target_risk=0.2, weights=lr, X=x, X_test=x[:2])


def test_nan_losses_and_shape_mismatch():
    t = _table()
    t[2, 3] = np.nan
    with pytest.raises(st.DataError, match="losses contain NaN"):
        st.crc(t, 0.1, lambdas=GRID)
    with pytest.raises(st.DataError, match="one column per lambda"):
        st.crc(_table(), 0.1, lambdas=GRID[:4])
    with pytest.raises(st.DataError, match="scores contains NaN"):
        st.crc(scores=[1.0, np.nan], target_risk=0.1)
    with pytest.raises(st.DataError, match="labels must have the shape"):
        st.losses.fnr(np.full((3, 2), 0.5), np.ones((3, 3)))


def test_non_monotone_losses_raise_or_enforce():
    t = _table()
    t[0] = [1, 0, 1, 0, 0, 0]
    with pytest.raises(st.DataError, match="nonincreasing in lambda.*monotone='enforce'"):
        st.crc(t, 0.2, lambdas=GRID)
    with pytest.warns(st.NonMonotoneLossWarning, match="1 calibration row"):
        res = st.crc(t, 0.2, lambdas=GRID, monotone="enforce")
    env = t.copy()
    env[0] = [1, 1, 1, 0, 0, 0]
    assert res.lambda_hat == st.crc(env, 0.2, lambdas=GRID).lambda_hat
    # a user callable is checked the same way
    with pytest.raises(st.DataError, match="nonincreasing"):
        st.crc(lambda lam: np.tile(lam, (20, 1)), 0.2, lambdas=GRID)


def test_losses_above_bound_raise_or_clip():
    t = _table() * 1.5
    with pytest.raises(st.DataError, match=r"losses must lie in \[0, bound=1\].*clip=True"):
        st.crc(t, 0.2, lambdas=GRID)
    with pytest.warns(st.BoundViolationWarning, match="clipped"):
        res = st.crc(t, 0.2, lambdas=GRID, clip=True)
    assert res.n_clipped == int((t > 1).sum())
    assert res.lambda_hat == st.crc(np.minimum(t, 1), 0.2, lambdas=GRID).lambda_hat
    assert "clipped" in res.summary().as_text()
    # a larger bound makes them valid
    assert st.crc(t, 0.2, lambdas=GRID, bound=1.5).bound == 1.5


@pytest.mark.parametrize("alpha", [0.0, -0.1, 1.0, 2.0, "a"])
def test_target_risk_outside_zero_bound(alpha):
    with pytest.raises(st.DataError, match="target_risk"):
        st.crc(_table(), alpha, lambdas=GRID)


def test_target_risk_relative_to_bound():
    r = np.random.default_rng(0).normal(size=50)
    h = st.losses.interval_hinge(r, bound=2.0)
    with pytest.warns(st.BoundViolationWarning, match="exceed the bound B = 2"):
        assert st.crc(h, 1.5).bound == 2.0
    with pytest.raises(st.DataError, match="bound=2"):
        st.crc(h, 2.0)


def test_argument_errors():
    with pytest.raises(st.DataError, match="not both"):
        st.crc(_table(), 0.1, scores=np.ones(3), lambdas=GRID)
    with pytest.raises(st.DataError, match="need lambdas="):
        st.crc(_table(), 0.1)
    with pytest.raises(st.DataError, match="needs losses"):
        st.crc(target_risk=0.1)
    with pytest.raises(st.DataError, match="strictly increasing"):
        st.crc(_table(), 0.1, lambdas=GRID[::-1])
    with pytest.raises(st.DataError, match="monotone"):
        st.crc(_table(), 0.1, lambdas=GRID, monotone="maybe")
    with pytest.raises(st.DataError, match="bound= .*y_range"):
        st.losses.interval_hinge([0.1, 0.2])
    with pytest.raises(st.DataError, match="rho"):
        st.weights.decay(1.5)
    with pytest.raises(st.DataError, match="bandwidth"):
        st.weights.kernel(0.0)
    with pytest.raises(st.DataError, match="after the test time"):
        st.weights.decay(0.9).weights(3, time=[0.0, 1.0, 5.0], test_time=2.0)


def test_fnr_rows_without_labels_warn():
    p = np.full((4, 2), 0.5)
    y = np.array([[1, 0], [0, 0], [1, 1], [0, 1]])
    with pytest.warns(st.StattoolsWarning, match="1 calibration row"):
        res = st.crc(st.losses.fnr(p, y), 0.45)
    assert any("no true label" in w for w in res.warnings)
