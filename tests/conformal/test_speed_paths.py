"""The O(N) selection fast paths give exactly the knot of the full sorted curve."""

from __future__ import annotations

import numpy as np
import pytest

from stattools.conformal import losses, solver


@pytest.mark.parametrize("seed", range(4))
def test_binned_selection_equals_full_sort_with_ties_and_weights(seed):
    rng = np.random.default_rng(seed)
    for trial in range(40):
        n, k = int(rng.integers(50, 2000)), int(rng.integers(2, 8))
        p = rng.uniform(size=(n, k))
        if trial % 3 == 0:
            p = np.round(p, 2)  # many tied breakpoints
        y = (rng.uniform(size=(n, k)) < p).astype(int)
        y[y.sum(1) == 0, 0] = 1
        loss = losses.fnr(p, y)
        unit = trial % 2 == 0
        w = np.ones(n) if unit else rng.uniform(size=n)
        n_w = w.sum() * np.ones(1)
        c = solver.thresholds(n_w, np.ones(1), float(rng.uniform(0.02, 0.5)), 1.0, unit)
        tol = solver._tolerance(n_w, 1.0)
        got = solver._select_binned(loss, w, c, tol)
        pts, s = solver._step_curve(loss, w)
        kk = solver._first_below(s, c, tol)
        ref = np.where(kk < pts.size, pts[np.minimum(kk, pts.size - 1)], loss.lambda_max)
        assert got[0][0] == ref[0] and got[1][0] == (kk[0] < pts.size)


def test_miscoverage_final_losses_are_zero():
    loss = losses.miscoverage(np.r_[1.0, 2.0, 3.0])
    np.testing.assert_array_equal(solver.final_losses(loss), 0.0)
