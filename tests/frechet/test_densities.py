"""Densities from samples, histograms and frequency tables and density <-> quantile
function, against R frechet 0.3.0 (``CreateDensity``, ``qf2pdf``) and fdadensity
(``dens2quantile``).

Reference values: ``tests/reference/frechet/frechet_densities_cpd.{R,json}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import stats

from stattools.core.exceptions import ApproximationWarning, DataError
from stattools.frechet import (
    DensityEstimate,
    create_density,
    density_to_qf,
    qf_to_density,
)

REF_DIR = Path(__file__).parents[1] / "reference" / "frechet"
REF = json.loads((REF_DIR / "frechet_densities_cpd.json").read_text())
# Measured differences from R: densities and quantiles <= 7e-14 absolute, bandwidths
# <= 4e-15 relative (summation order only); the tolerances leave room for other BLAS/CPUs.
TOL = {
    "density": dict(rtol=1e-10, atol=1e-12),
    "quantile": dict(rtol=1e-10, atol=1e-11),
    "bw": dict(rel=1e-12),
}


def _check(est: DensityEstimate, ref: dict) -> None:
    assert est.bw == pytest.approx(ref["bw"], **TOL["bw"])
    np.testing.assert_allclose(est.support, ref["x"], rtol=1e-12)
    np.testing.assert_allclose(est.density, ref["y"], **TOL["density"])
    np.testing.assert_allclose(est.quantiles_at(ref["qSup"]), ref["qf"], **TOL["quantile"])


def test_raw_sample_matches_r_compact_support():
    est = create_density(REF["beta_sample"], support=np.linspace(0, 1, 51))
    _check(est, REF["raw_beta"])
    assert est.source == "sample"
    np.testing.assert_allclose(est.quantile, REF["raw_beta"]["qf"], **TOL["quantile"])


def test_histogram_matches_r():
    counts, breaks = REF["hist_counts"], REF["hist_breaks"]
    for hist in ((np.array(counts), np.array(breaks)), {"counts": counts, "breaks": breaks}):
        est = create_density(histogram=hist, support=np.linspace(0, 1, 51))
        _check(est, REF["hist_beta"])
        assert est.source == "histogram"


def test_frequency_table_with_unequal_bins_matches_r():
    est = create_density(
        frequency=REF["freq_counts"], bins=REF["freq_bins"], support=np.linspace(0, 1, 51)
    )
    _check(est, REF["freq_beta"])


@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("raw_normal_default", {}),
        ("raw_normal_inf", dict(inf_support=True, support=np.linspace(-3, 3, 101))),
        ("raw_normal_epan", dict(kernel="epan", bw=0.5, n_grid=61)),
    ],
)
def test_normal_sample_options_match_r(case, kwargs):
    _check(create_density(REF["normal_sample"], **kwargs), REF[case])


def test_qf_to_density_matches_r_qf2pdf():
    p = np.array(REF["qf_prob"])
    est = qf_to_density(stats.norm.ppf(p, 1, 2), prob=p, support=np.linspace(-4, 6, 81))
    _check(est, REF["qf2pdf_normal"])
    # and it is close to the true N(1, 4) density
    np.testing.assert_allclose(est.density, stats.norm.pdf(est.support, 1, 2), atol=0.01)


def test_density_to_qf_closed_forms():
    x = np.linspace(0, 2, 512)
    np.testing.assert_allclose(
        density_to_qf(np.full(512, 0.5), x), 2 * np.linspace(0, 1, 512), atol=1e-12
    )
    xs = np.linspace(-8, 8, 2001)
    u = np.linspace(0.01, 0.99, 99)
    np.testing.assert_allclose(
        density_to_qf(stats.norm.pdf(xs), xs, qgrid=u), stats.norm.ppf(u), atol=5e-5
    )
    with pytest.warns(ApproximationWarning, match="renormalised"):
        q = density_to_qf(np.full(512, 1.0), x, qgrid=[0.5])
    assert q[0] == pytest.approx(1.0)


def test_density_estimate_frames_and_plots():
    gen = np.random.default_rng(5)
    est = create_density(gen.gamma(3.0, size=300))
    frame = est.to_frame()
    assert list(frame.columns) == ["x", "density"] and len(frame) == 101
    assert np.trapezoid(frame["density"], frame["x"]) == pytest.approx(1.0, abs=1e-12)
    qf = est.quantile_frame()
    assert qf["quantile"].is_monotonic_increasing
    assert qf["quantile"].iloc[0] == pytest.approx(est.support[0])
    assert "DensityEstimate" in repr(est)
    assert est.plot() is not None and est.plot(kind="quantile") is not None
    with pytest.raises(DataError, match="kind"):
        est.plot(kind="cdf")


def test_bad_input_names_the_argument():
    with pytest.raises(DataError, match="give one of y"):
        create_density()
    with pytest.raises(DataError, match="y contains NaN"):
        create_density([1.0, np.nan, 2.0])
    with pytest.raises(DataError, match="2 distinct"):
        create_density([1.0, 1.0, 1.0])
    with pytest.raises(DataError, match="kernel"):
        create_density([1.0, 2.0, 3.0], kernel="tri")
    with pytest.raises(DataError, match="bw"):
        create_density([1.0, 2.0, 3.0], bw=-1.0)
    with pytest.raises(DataError, match="bins"):
        create_density(frequency=[1, 2, 3])
    with pytest.raises(DataError, match=r"len\(bins\)"):
        create_density(frequency=[1, 2, 3], bins=[0, 1, 2])
    with pytest.raises(DataError, match="frequency must hold"):
        create_density(frequency=[1, -2], bins=[0, 1, 2])
    with pytest.raises(DataError, match="histogram"):
        create_density(histogram=[1, 2, 3])
    with pytest.raises(DataError, match="support must be strictly"):
        create_density([1.0, 2.0, 3.0], support=[1.0, 0.5])
    with pytest.raises(DataError, match="density has negative"):
        density_to_qf([0.5, -0.1, 0.5], [0.0, 1.0, 2.0])
    with pytest.raises(DataError, match="equal length"):
        density_to_qf([0.5, 0.5], [0.0, 1.0, 2.0])
    with pytest.raises(DataError, match="qgrid"):
        density_to_qf([0.5, 0.5], [0.0, 2.0], qgrid=[0.5, 1.5])
    with pytest.raises(DataError, match="qf must be non-decreasing"):
        qf_to_density([0.0, 2.0, 1.0])
    with pytest.raises(DataError, match="breaks must cover"):
        qf_to_density([0.0, 1.0, 2.0], breaks=[0.5, 1.0])


@settings(max_examples=40, deadline=None)
@given(
    hst.lists(hst.floats(0.0, 10.0), min_size=3, max_size=40).filter(lambda v: sum(v) > 1e-3),
    hst.integers(3, 50),
)
def test_quantile_function_stays_in_the_support(vals, m):
    """On any non-negative density the quantile function takes values in the support and
    is finite."""
    x = np.linspace(-1.0, 3.0, len(vals))
    f = np.asarray(vals)
    f = f / (np.sum(np.diff(x) * (f[1:] + f[:-1])) / 2)
    q = density_to_qf(f, x, qgrid=np.linspace(0, 1, m))
    assert np.isfinite(q).all()
    assert np.all(q >= x[0]) and np.all(q <= x[-1])


@pytest.mark.parametrize("kernel", ["gauss", "epan", "rect", "gausvar", "quar"])
def test_local_linear_equals_weighted_least_squares(kernel):
    """The Lwls1D smoother at each point is a kernel-weighted straight-line fit."""
    from stattools.frechet.densities import _kernel, local_linear

    gen = np.random.default_rng(7)
    xin = np.sort(gen.uniform(0, 1, 80))
    yin = np.sin(3 * xin) + gen.normal(0, 0.1, 80)
    xout = np.linspace(0.1, 0.9, 9)
    got = local_linear(xin, yin, xout, 0.2, kernel)
    for x0, g in zip(xout, got, strict=True):
        inside = (
            (xin >= x0 - 0.2) & (xin < x0 + 0.2)
            if kernel not in ("gauss", "gausvar")
            else xin == xin
        )
        w = _kernel((xin[inside] - x0) / 0.2, kernel)
        X = np.c_[np.ones(inside.sum()), xin[inside] - x0]
        beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * yin[inside]))
        assert g == pytest.approx(beta[0], rel=1e-10, abs=1e-12)
