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


@pytest.mark.parametrize("seed", range(3))
def test_grid_bisection_equals_dense_product(seed):
    """Per-test weights on a G = 200 grid: compiled bisection == the dense W @ L scan,
    including infeasible rows (lambda_max), lambda_min rows and tied grid columns."""
    rng = np.random.default_rng(seed)
    n, m, g = 300, 120, 200
    grid = np.linspace(0.0, 1.0, g)
    p = np.round(rng.uniform(size=(n, 4)), 1)  # coarse probabilities: flat stretches
    y = (rng.uniform(size=(n, 4)) < p).astype(int)
    y[y.sum(1) == 0, 0] = 1
    table = losses.fnr(p, y).values(grid)
    loss = losses.GridLoss(table=table, lambdas=grid)
    W = rng.uniform(size=(m, n)) * (rng.uniform(size=(m, 1)) < 0.9)  # some all-zero rows
    W[1] = 1e-3  # tiny N_w: infeasible
    cases: dict[str, bool] = {}
    for alpha in (0.05, 0.3, 0.9):
        sol = solver.solve(loss, W, np.ones(m), alpha)
        ok = (W @ table + 1.0) / (W.sum(1) + 1.0)[:, None] <= alpha + 1e-10
        ref = np.where(ok.any(1), grid[ok.argmax(1)], grid[-1])
        np.testing.assert_array_equal(sol.lambda_hat, ref)
        np.testing.assert_array_equal(sol.feasible, ok.any(1))
        cases.update({"infeasible": (~sol.feasible).any(), "interior": (ref > grid[0]).any()})
        cases["lambda_min"] = cases.get("lambda_min", False) or bool((ref == grid[0]).any())
    assert all(cases.values()), cases  # every branch was exercised


@pytest.mark.parametrize("kernel", ["gaussian", "epanechnikov", "uniform"])
def test_kernel_weights_equal_brute_force(kernel):
    """Compiled squared distances + in-place profile == the textbook formula."""
    import stattools as st

    rng = np.random.default_rng(7)
    X, Xt = rng.normal(size=(90, 3)), rng.normal(size=(40, 3))
    w, w_test = st.weights.kernel(1.3, kernel).weights(90, X=X, X_test=Xt)
    u = np.sqrt(((Xt[:, None, :] - X[None]) ** 2).sum(-1)) / 1.3
    ref = {
        "gaussian": np.exp(-0.5 * u**2),
        "epanechnikov": np.clip(1 - u**2, 0, None),
        "uniform": (u <= 1).astype(float),
    }[kernel]
    np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(w_test, 1.0)
    assert 0 < (w > 0).mean() <= 1 and w.max() <= 1.0
