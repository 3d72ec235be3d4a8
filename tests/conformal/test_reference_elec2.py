"""The authors' ELEC2 protocol on the shipped data: their grid rule vs our grid and exact solvers.

Farinhas et al. (2024) calibrate full widths 0, 0.01, ..., 1.99 (half-widths lambda / 2) with
the hinge loss ``(|r| - lambda/2)_+``, B = 1, alpha = 0.05 and weights ``rho^(n - i)``,
rho = 0.99, training least squares (no intercept) on odd and calibrating on even steps.
The rule is re-implemented here as a plain loop over the grid (the definition), and
compared with ``st.crc`` in grid mode and with the exact hinge solver rounded up to the grid.
Where their uncapped loss exceeds ``B`` (late in the stream), ``st.crc`` must refuse it.
"""

from __future__ import annotations

import numpy as np
import pytest

import stattools as st

pytestmark = [pytest.mark.needs_data, pytest.mark.numerics]

ALPHA, RHO = 0.05, 0.99
FULL = np.arange(0, 2, 0.01)


@pytest.fixture(scope="module")
def elec():
    d = st.datasets.load_dataset("elec2")
    periods = np.round(d["period"] * 47).astype(int)
    keep = (np.arange(len(d)) >= 17_760) & periods.between(18, 23)
    d = d[keep]
    X = d[["nswprice", "nswdemand", "vicprice", "vicdemand"]].to_numpy()
    return X, d["transfer"].to_numpy()


def _protocol(X, Y, n):
    odd = np.arange(1, int(np.ceil(n / 2) * 2 - 1), 2)
    even = np.arange(2, int(np.floor(n / 2) * 2), 2)
    beta = np.linalg.lstsq(X[odd], Y[odd], rcond=None)[0]
    r = np.abs(Y[even] - X[even] @ beta)
    w = (RHO ** np.arange(n, 0, -1))[even]
    return r, w


def _paper_rule(r, w):
    n_w = w.sum()
    for lam in FULL:
        risk = (w * np.maximum(r - lam / 2, 0)).sum() / n_w
        if risk * n_w / (n_w + 1) + 1 / (n_w + 1) <= ALPHA:
            return lam
    return FULL.max()


def test_shipped_subset_has_the_papers_size(elec):
    assert len(elec[1]) == 3444


@pytest.mark.parametrize("n", [200, 201, 777, 1500, 3000, 3443])
@pytest.mark.parametrize("weighted", [False, True])
def test_grid_solver_reproduces_the_authors_lambda(elec, n, weighted):
    X, Y = elec
    r, w = _protocol(X, Y, n)
    if not weighted:
        w = np.ones_like(w)
    ref = _paper_rule(r, w)
    half = FULL / 2
    table = np.maximum(r[:, None] - half[None, :], 0.0)
    if table.max() > 1.0:
        # later in the stream the authors' uncapped loss exceeds B = 1 (their spec gap):
        # we refuse it rather than silently use an invalid bound
        with pytest.raises(st.DataError, match="bound"):
            st.crc(table, ALPHA, weights=w, lambdas=half)
        return
    ours = st.crc(table, ALPHA, weights=w, lambdas=half)
    assert ours.lambda_hat == pytest.approx(ref / 2, abs=1e-12)
    # the exact piecewise-linear solution, rounded up to the grid, is the grid answer
    exact = st.crc(st.losses.interval_hinge(r, bound=1.0), ALPHA, weights=w).lambda_hat
    assert half[np.searchsorted(half, exact - 1e-12)] == pytest.approx(ref / 2, abs=1e-12)
