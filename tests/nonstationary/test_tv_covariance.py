"""Local long-run covariance of tv_regression (issue 13): the two-scale default (brute force,
accuracy at a variance break, properties), the break-adaptive option (reduction to the
fixed window, brute-force one-sided averages and noise, the change scan, properties)."""

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
    two_scale_local_lrv,
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


def test_tv_regression_windows_and_point_estimates():
    """The default is the two-scale estimate; ``lrv_window="fixed"`` is the one-window
    estimate of :func:`local_lrv_matrix`; no window choice changes the point estimates or
    the bandwidth; the adaptive window reports the change it declared."""
    rng = np.random.default_rng(11)
    n = 400
    u = np.linspace(0, 1, n)
    x = rng.normal(size=n)
    e = rng.normal(size=n) * np.where(u < 0.5, 1.0, 3.0)
    df = pd.DataFrame({"x": x, "y": 1 + u + (1 + u) * x + e})
    kw = dict(bandwidth=0.2, n_resamples=99, rng=1)
    new = st.tv_regression("y ~ x", df, lrv_window="adaptive", **kw)
    old = st.tv_regression("y ~ x", df, lrv_window="fixed", **kw)
    two = st.tv_regression("y ~ x", df, **kw)
    assert two.extra["lrv_window"] == "two_scale" and old.extra["lrv_window"] == "fixed"
    same = st.tv_regression("y ~ x", df, lrv_window="two_scale", **kw)
    np.testing.assert_array_equal(same.se, two.se)
    for other in (new, old):
        np.testing.assert_array_equal(other.estimate, two.estimate)
        assert other.bandwidth == two.bandwidth
    assert old.extra["lrv_changes_u"].size == 0 == two.extra["lrv_changes_u"].size
    # the fixed window's Lambda is local_lrv_matrix on the pilot-fit scores (scale 2^k exact)
    pilot = st.nonstationary.tvreg.local_linear_regression(df["y"].to_numpy(), two.X, two.u, 0.4)
    scores = two.X * (df["y"].to_numpy() - np.sum(two.X * pilot, axis=1))[:, None]
    lam_fixed, _ = local_lrv_matrix(scores, two.u, old.m, old.tau)
    np.testing.assert_allclose(old.extra["lrv_obs"], lam_fixed, rtol=1e-9, atol=1e-12)
    lam_two, _ = two_scale_local_lrv(scores, two.u, two.m, 0.2, min(1.0, 2 * two.tau))
    np.testing.assert_allclose(two.extra["lrv_obs"], lam_two, rtol=1e-9, atol=1e-12)
    assert new.extra["lrv_window"] == "adaptive" and new.extra["lrv_changes_u"].size == 1
    assert abs(new.extra["lrv_changes"][0] - (n - 1) / 2) < 0.05 * n  # in time units
    after = (new.grid_u > 0.55) & (new.grid_u < 0.7)
    assert np.all(new.se[after] > old.se[after])  # the fixed window mixes in the calm half
    assert np.all(two.se[after] > old.se[after])  # so does the two-scale default, less
    with pytest.raises(DataError, match="lrv_window"):
        st.tv_regression("y ~ x", df, lrv_window="local")


# ------------------------------------------------------------ two-scale estimate
def test_two_scale_brute_force():
    """D(u) by explicit Epanechnikov averages on the coarse grid (interpolated), R(u) the
    one-window estimate of the standardised scores, Lambda = D R D."""
    n, m = 150, 4
    u = np.linspace(0, 1, n)
    s = _ma1(n, 2, 9) * np.where(u < 0.4, 1.0, 2.5)[:, None]
    tv, tc = 0.12, 0.6
    lam, a_mat = two_scale_local_lrv(s, u, m, tv, tc)
    uc = np.linspace(0, 1, min(n, 200))
    lev = np.zeros((uc.size, 2))
    for g, v in enumerate(uc):
        num, den = np.zeros(2), 0.0
        for i in range(n):
            z = (u[i] - v) / tv
            if abs(z) < 1:
                num += 0.75 * (1 - z * z) * s[i] ** 2
                den += 0.75 * (1 - z * z)
        lev[g] = num / den
    d = np.sqrt(np.column_stack([np.interp(u, uc, lev[:, a]) for a in range(2)]))
    r, a_r = local_lrv_matrix(s / d, u, m, tc)
    for i in range(0, n, 7):
        np.testing.assert_allclose(lam[i], np.diag(d[i]) @ r[i] @ np.diag(d[i]), **TOL["exact"])
    np.testing.assert_allclose(a_mat, a_r, **TOL["exact"])


def test_two_scale_accuracy_at_a_variance_break():
    """After an abrupt variance break (AR(1) 0.5 scores, sd 1 -> 2 at u = 0.5, n = 1000,
    tv_regression's default windows at h = 0.15) the two-scale estimate is unbiased at
    u = 0.62 (beyond h), where the one-window estimate of half-width tau = n^(-1/5) still
    averages in the calm half. Means over 100 series; ratio to the true long-run variance
    3 sd^2 (measured at u = 0.3 / 0.62 / 0.8: two-scale 0.96 / 0.94 / 0.97, one window
    1.09 / 0.87 / 0.98)."""
    from scipy import signal

    n, m, tau = 1000, 10, 1000**-0.2
    u = np.linspace(0, 1, n)
    sd = np.where(u < 0.5, 1.0, 2.0)
    rng = np.random.default_rng(31)
    at = [int(v * (n - 1)) for v in (0.3, 0.62, 0.8)]
    two, one = np.zeros(3), np.zeros(3)
    for _ in range(100):
        e = signal.lfilter([1.0], [1.0, -0.5], rng.normal(size=n + 100))[100:] * np.sqrt(0.75)
        s = (sd * e)[:, None]
        two += two_scale_local_lrv(s, u, m, 0.15, 2 * tau)[0][at, 0, 0] / 100
        one += local_lrv_matrix(s, u, m, tau)[0][at, 0, 0] / 100
    truth = 3 * sd[at] ** 2
    assert np.all(np.abs(two / truth - 1) < 0.08), two / truth
    assert one[1] / truth[1] < 0.92, one / truth  # the one window reaches back


@settings(max_examples=25, deadline=None)
@given(
    scale=hst.floats(1e-3, 1e3),
    flip=hst.booleans(),
    seed=hst.integers(0, 2**31 - 1),
    prewhiten=hst.booleans(),
)
def test_two_scale_properties(scale, flip, seed, prewhiten):
    """Symmetric PSD; scaling one score column by c scales its row and column of Lambda by
    c (the standardised scores do not change, up to sign)."""
    n = 300
    u = np.linspace(0, 1, n)
    s = _ma1(n, 2, seed) * np.where(u < 0.5, 1.0, 3.0)[:, None]
    lam, _ = two_scale_local_lrv(s, u, 7, 0.1, 0.6, prewhiten=prewhiten)
    c = -scale if flip else scale
    s2 = s.copy()
    s2[:, 1] *= c
    lam2, _ = two_scale_local_lrv(s2, u, 7, 0.1, 0.6, prewhiten=prewhiten)
    g = np.array([1.0, c])
    top = np.abs(lam).max() * max(1.0, scale) ** 2
    np.testing.assert_allclose(lam2, lam * g[None, :, None] * g[None, None, :], rtol=1e-8,
                               atol=1e-11 * top)  # fmt: skip
    np.testing.assert_allclose(lam, np.swapaxes(lam, 1, 2), rtol=1e-12, atol=1e-14 * top)
    assert np.linalg.eigvalsh(lam).min() >= -1e-10 * np.abs(lam).max()


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
