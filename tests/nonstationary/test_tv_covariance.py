"""Break-adaptive local long-run covariance of tv_regression (issue 13): reduction to the
fixed window, brute-force one-sided averages and noise, the change scan, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.core.exceptions import DataError
from stattools.nonstationary.tv_covariance import (
    adaptive_local_lrv,
    block_difference_acf,
    block_outer,
    log_lrv_variance,
    one_sided_weights,
    scan_critical_value,
    variance_changes,
)
from stattools.nonstationary.tvreg import local_lrv_matrix

TOL = {
    "exact": dict(rtol=1e-12, atol=1e-14),  # same arithmetic, different code path
    "mc_var": 0.15,  # noise formula vs 1500 simulated series (MC error of the variance ~4 %)
}


def _ma1(n: int, p: int, seed: int) -> np.ndarray:
    e = np.random.default_rng(seed).normal(size=(n + 1, p))
    return e[1:] + 0.5 * e[:-1]


# ------------------------------------------------------------ reduction to the old estimator
@pytest.mark.parametrize("prewhiten", [True, False])
def test_no_change_reduces_to_fixed_window(prewhiten):
    """Without a declared change the adaptive estimate IS the fixed-window one (bit for
    bit); adaptive=False always is."""
    n = 600
    u = np.linspace(0, 1, n)
    s = _ma1(n, 2, 3)
    old, a_old = local_lrv_matrix(s, u, 9, 0.28, prewhiten=prewhiten)
    new, a_new, changes = adaptive_local_lrv(s, u, 9, 0.28, prewhiten=prewhiten)
    assert changes.size == 0
    np.testing.assert_array_equal(new, old)
    np.testing.assert_array_equal(a_new, a_old)
    s[300:] *= 3.0  # a clear change: adaptive moves, fixed does not
    old, _ = local_lrv_matrix(s, u, 9, 0.28, prewhiten=prewhiten)
    off, _, none = adaptive_local_lrv(s, u, 9, 0.28, prewhiten=prewhiten, adaptive=False)
    np.testing.assert_array_equal(off, old)
    assert none.size == 0
    new, _, changes = adaptive_local_lrv(s, u, 9, 0.28, prewhiten=prewhiten)
    assert changes.size == 1 and abs(changes[0] - 0.5) < 0.05
    assert not np.allclose(new, old)


def test_tv_regression_fixed_window_and_point_estimates():
    """The default ``lrv_window="fixed"`` keeps the calibrated standard errors; the
    adaptive window only changes the bands' SEs, never the point estimates or the
    bandwidth, and reports the change it declared."""
    rng = np.random.default_rng(11)
    n = 400
    u = np.linspace(0, 1, n)
    x = rng.normal(size=n)
    e = rng.normal(size=n) * np.where(u < 0.5, 1.0, 3.0)
    df = pd.DataFrame({"x": x, "y": 1 + u + (1 + u) * x + e})
    new = st.tv_regression("y ~ x", df, bandwidth=0.2, n_resamples=99, rng=1, lrv_window="adaptive")
    old = st.tv_regression("y ~ x", df, bandwidth=0.2, n_resamples=99, rng=1)
    assert old.extra["lrv_window"] == "fixed"
    same = st.tv_regression("y ~ x", df, bandwidth=0.2, n_resamples=99, rng=1, lrv_window="fixed")
    np.testing.assert_array_equal(same.se, old.se)
    np.testing.assert_array_equal(new.estimate, old.estimate)
    assert new.bandwidth == old.bandwidth
    assert old.extra["lrv_changes_u"].size == 0
    assert new.extra["lrv_window"] == "adaptive" and new.extra["lrv_changes_u"].size == 1
    assert abs(new.extra["lrv_changes"][0] - (n - 1) / 2) < 0.05 * n  # in time units
    after = (new.grid_u > 0.55) & (new.grid_u < 0.7)
    assert np.all(new.se[after] > old.se[after])  # the fixed window mixes in the calm half
    with pytest.raises(DataError, match="lrv_window"):
        st.tv_regression("y ~ x", df, lrv_window="local")


# ------------------------------------------------------------ brute force
def test_block_outer_and_one_sided_averages_brute_force():
    """Block differences, one-sided kernel averages and their noise formula re-computed by
    explicit loops."""
    n, m, tau = 120, 4, 0.3
    u = np.linspace(0, 1, n)
    s = _ma1(n, 2, 5)
    outer, pos, _, _ = block_outer(s, u, m, prewhiten=False)
    rows = []
    for j in range(m, n - m + 1):
        q = s[j - m : j].sum(axis=0) - s[j : j + m].sum(axis=0)
        rows.append(np.outer(q, q).ravel() / (2 * m))
    np.testing.assert_allclose(outer, np.array(rows), **TOL["exact"])
    np.testing.assert_allclose(pos, (np.arange(m, n - m + 1) - 0.5) / (n - 1), **TOL["exact"])
    at = np.array([0.2, 0.5, 0.9])
    for side in ("left", "right"):
        w = one_sided_weights(pos, at, tau, side)
        for g, v in enumerate(at):
            num, den = np.zeros(4), 0.0
            for j, x in enumerate(pos):
                d = (x - v) / tau
                if abs(d) < 1 and ((x <= v) if side == "left" else (x >= v)):
                    num += 0.75 * (1 - d * d) * outer[j]
                    den += 0.75 * (1 - d * d)
            np.testing.assert_allclose(w[g] @ outer / w[g].sum(), num / den, **TOL["exact"])
    # noise: 2 sum_jk c_j c_k rho(j - k)^2 by a double loop
    acf = block_difference_acf(m)
    w = one_sided_weights(pos, at, tau, "left")
    c = w / w.sum(axis=1, keepdims=True)
    for g in range(at.size):
        tot = 0.0
        for j in range(pos.size):
            for k in range(pos.size):
                d = abs(j - k)
                tot += c[g, j] * c[g, k] * (acf[d] ** 2 if d < acf.size else 0.0)
        assert log_lrv_variance(w[g : g + 1], acf)[0] == pytest.approx(2 * tot, rel=1e-12)


def test_block_difference_acf_closed_form():
    for m in (1, 3, 10):
        d = np.arange(2 * m)
        closed = np.where(d <= m, 1 - 1.5 * d / m, -(1 - d / (2 * m)))
        np.testing.assert_allclose(block_difference_acf(m), closed, atol=1e-15)
    assert block_difference_acf(2, order=2)[0] == 1.0


def test_noise_formula_matches_simulation():
    """The studentising variance of log L equals the simulated one for white scores."""
    n, m, tau = 1000, 10, 0.25
    u = np.linspace(0, 1, n)
    rng = np.random.default_rng(8)
    at = np.array([0.5])
    logs = []
    for _ in range(1500):
        outer, pos, _, _ = block_outer(rng.normal(size=(n, 1)), u, m, prewhiten=False)
        w = one_sided_weights(pos, at, tau, "left")
        logs.append(np.log(w[0] @ outer[:, 0] / w[0].sum()))
    formula = log_lrv_variance(w, block_difference_acf(m))[0]
    assert np.var(logs) == pytest.approx(formula, rel=TOL["mc_var"])


# ------------------------------------------------------------ the change scan
def test_scan_critical_value_is_deterministic_and_sized():
    """The Monte Carlo critical value is reproducible, and on fresh white-noise series the
    scan declares a change at about its nominal rate (5 % at level 0.95)."""
    c1 = scan_critical_value(500, 8, 0.3, 200, False, 1, 0.95)
    scan_critical_value.cache_clear()
    assert scan_critical_value(500, 8, 0.3, 200, False, 1, 0.95) == c1
    u = np.linspace(0, 1, 500)
    at = np.linspace(0, 1, 200)
    acf = block_difference_acf(8)
    rng = np.random.default_rng(21)
    fired = 0
    for _ in range(200):
        outer, pos, _, _ = block_outer(rng.normal(size=(500, 1)), u, 8, prewhiten=False)
        fired += variance_changes(outer, pos, at, 0.3, acf, c1)[0].size > 0
    assert fired <= 22  # binomial(200, 0.05) upper 99.9 % point is 22


def test_scan_finds_two_changes_and_segments():
    n = 3000
    u = np.linspace(0, 1, n)
    sd = np.select([u < 0.3, u < 0.7], [1.0, 3.0], 1.0)
    s = np.random.default_rng(2).normal(size=(n, 1)) * sd[:, None]
    lam, _, changes = adaptive_local_lrv(s, u, 14, 0.2)
    np.testing.assert_allclose(changes, [0.3, 0.7], atol=0.03)
    # just inside each segment the estimate is that segment's variance (one-sided window)
    for v, truth in ((0.33, 9.0), (0.67, 9.0), (0.27, 1.0), (0.73, 1.0)):
        assert lam[int(v * (n - 1)), 0, 0] == pytest.approx(truth, rel=0.35)


# ------------------------------------------------------------ properties
@settings(max_examples=25, deadline=None)
@given(
    scale=hst.floats(1e-3, 1e3),
    seed=hst.integers(0, 2**31 - 1),
    jump=hst.sampled_from([1.0, 4.0]),
    prewhiten=hst.booleans(),
)
def test_properties_scale_equivariant_psd(scale, seed, jump, prewhiten):
    """Scaling the scores by c scales Lambda by c^2 with the same changes; every estimate
    is symmetric PSD; without a declared change it equals the fixed-window estimate."""
    n = 300
    u = np.linspace(0, 1, n)
    s = _ma1(n, 2, seed)
    s[n // 2 :] *= jump
    lam, _, ch = adaptive_local_lrv(s, u, 7, 0.32, prewhiten=prewhiten)
    lam_c, _, ch_c = adaptive_local_lrv(scale * s, u, 7, 0.32, prewhiten=prewhiten)
    np.testing.assert_array_equal(ch, ch_c)
    # tolerances relative to the matrix scale: an off-diagonal entry may nearly cancel
    top = np.abs(lam).max()
    np.testing.assert_allclose(lam_c, scale**2 * lam, rtol=1e-9, atol=1e-12 * scale**2 * top)
    np.testing.assert_allclose(lam, np.swapaxes(lam, 1, 2), rtol=1e-12, atol=1e-14 * top)
    assert np.linalg.eigvalsh(lam).min() >= -1e-10 * np.abs(lam).max()
    if ch.size == 0:
        old, _ = local_lrv_matrix(s, u, 7, 0.32, prewhiten=prewhiten)
        np.testing.assert_array_equal(lam, old)
