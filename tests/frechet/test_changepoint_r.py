"""The Fréchet change-point scan against R frechet 0.3.0 ``DenCPD`` and ``NetCPD``.

R's ``DenCPDStatistic``/``NetCPDStatistic`` return the statistic ``max n T_n(u)`` and the
location; ``tests/reference/frechet/frechet_densities_cpd.R`` stores them with the data
(``frechet_cpd_{qin,yin,laplacians}.csv``). R's p-values are random (Brownian-bridge
simulation and bootstrap) and are not compared; the permutation p-value's calibration is
in ``tests/frechet/test_changepoint_validity.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stattools.frechet import Euclidean, Laplacian, create_density, frechet_changepoint

REF_DIR = Path(__file__).parents[1] / "reference" / "frechet"
REF = json.loads((REF_DIR / "frechet_densities_cpd.json").read_text())
# measured: statistics equal R to 6e-15 relative; quantiles to 1e-13
TOL = {"cpd": dict(rel=1e-9), "cpd_yin": dict(rel=1e-9), "quantile": dict(rtol=1e-10, atol=1e-11)}


def _trapezoid_weights(u: np.ndarray) -> np.ndarray:
    return np.r_[np.diff(u), 0] / 2 + np.r_[0, np.diff(u)] / 2


def test_changepoint_scan_matches_r_dencpd_statistic_and_location():
    """R ``DenCPDStatistic`` on ``?DenCPD``'s example. R integrates d^2 by the trapezoid rule
    on its grid [0.01, 0.99]: scaling the quantile functions by the square roots of those
    weights makes the Euclidean scan the same statistic."""
    ref = REF["cpd"]
    Q = pd.read_csv(REF_DIR / "frechet_cpd_qin.csv").to_numpy()
    u = np.array(ref["qSup"])
    w = _trapezoid_weights(u)
    res = frechet_changepoint(
        Q * np.sqrt(w), space=Euclidean(), trim=ref["cutOff"], n_resamples=19, rng=0
    )
    assert res.statistic == pytest.approx(ref["statistic"], **TOL["cpd"])
    assert res.location == ref["tau"] == 96  # the true change is after 100
    assert res.pvalue == pytest.approx(0.05)  # the smallest attainable with 19 permutations


def test_changepoint_from_raw_samples_matches_r_dencpd_yin():
    """DenCPD on raw samples: CreateDensity, dens2quantile on 201 levels in [0, 1], scan."""
    ref = REF["cpd_yin"]
    ys = pd.read_csv(REF_DIR / "frechet_cpd_yin.csv").to_numpy()
    Q = np.array([create_density(row).quantile for row in ys])
    np.testing.assert_allclose(Q[0], ref["qf_first"], **TOL["quantile"])
    u = np.linspace(0, 1, 201)
    w = _trapezoid_weights(u)
    res = frechet_changepoint(Q * np.sqrt(w), space=Euclidean(), trim=0.1, n_resamples=19, rng=0)
    assert res.statistic == pytest.approx(ref["statistic"], **TOL["cpd_yin"])
    assert res.location == ref["tau"]


def test_changepoint_scan_matches_r_netcpd_on_laplacians():
    """NetCPD: Frobenius distance between graph Laplacians (the Laplacian space's metric)."""
    ref = REF["netcpd"]
    p = ref["p"]
    L = pd.read_csv(REF_DIR / "frechet_cpd_laplacians.csv").to_numpy().reshape(-1, p, p)
    L = L.transpose(0, 2, 1)  # R stores matrices column-major
    res = frechet_changepoint(L, space=Laplacian(), trim=0.1, n_resamples=19, rng=0)
    assert res.statistic == pytest.approx(ref["statistic"], **TOL["cpd"])
    assert res.location == ref["tau"]
