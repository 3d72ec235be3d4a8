"""Size and power of the Fréchet jump test and size of the Fréchet ANOVA (slow, seeded).

The designs and analyses are those of ``benchmarks/validity/frechet.py`` (the calibration
atlas), run here at reduced repetitions through ``st.simulation_study``: X ~ U(0, 1),
c = 0.5, ``undersmooth=0.8``, leave-one-out cross-validated h_F, default residual
variance and small-sample p-value (F(1, nu) for the variance part, wild bootstrap of the
mean part); flat, linear (slope 0.8) and curved (``sin 2 pi x``) conditional means;
density (Wasserstein), covariance (SPD) and network (Laplacian) responses. Invalid results
count as non-rejections. CI mode (``STATTOOLS_FAST=1``) uses 40 replications per size
design at n = 300; ``STATTOOLS_FULL_VALIDITY=1`` runs 1000 at n = 200, 500 and 1000.
Also: the asymmetric cutoff c = 0.85 (covariance, n = 500), the scalar signed jump's
robust bias-corrected interval and both one-sided tests, the bootstrap bands, and the Fréchet ANOVA default
(``method="auto"``) and permutation test with 20 per group.
Acceptance: the exact binomial band (tail 5e-4) around the nominal rate, so one or two
replications changing on another CPU cannot flip the verdict. Measured figures are in
``benchmarks/VALIDITY.md`` and ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os

import pytest

import stattools as st
from benchmarks.validity.frechet import (
    analyse_anova,
    analyse_band,
    analyse_jump_default,
    analyse_scalar,
    simulate_anova,
    simulate_band,
    simulate_jump,
    simulate_scalar,
)
from tests._helpers import assert_in_band, n_reps

TOL = {
    # two-sided band around 5%: calibrated, neither liberal nor conservative
    "size": dict(p=0.05, side="two-sided"),
    # declared allowance: none
    "power": dict(p=0.9, side="lower"),
    "anova_permutation": dict(p=0.05, side="two-sided"),
    # the default robust bias-corrected interval of the signed scalar jump: two-sided band
    "coverage": dict(p=0.95, side="two-sided"),
    # bootstrap bands of a local-linear fit (percentile pointwise, bootstrap-t sup band):
    # no finite-sample guarantee, but in band at 1000 reps (0.931-0.951 pointwise, 0.947
    # simultaneous; benchmarks/VALIDITY.md); only the lower end is asserted
    "band": dict(p=0.95, side="lower"),
}
FULL = os.environ.get("STATTOOLS_FULL_VALIDITY") == "1"
NS = [200, 500, 1000] if FULL else [300]


def _rates(simulate, analyse, grid, reps, seed):
    res = st.simulation_study(simulate, analyse, grid, reps, rng=seed, progress=False)
    return res.tidy()


@pytest.mark.slow
@pytest.mark.parametrize("space", ["density", "covariance", "network"])
def test_jump_size_flat_linear_curved(space):
    reps = n_reps(1000, 40)
    tid = _rates(
        simulate_jump,
        analyse_jump_default,
        {"space": [space], "trend": ["flat", "linear", "curved"], "n": NS},
        reps,
        seed=14_000,
    )
    rows = tid[tid.quantity == "reject_default"]
    assert len(rows) == 3 * len(NS)
    for _, row in rows.iterrows():
        assert_in_band(int(round(row["mean"] * reps)), reps, **TOL["size"])
    inv = tid[tid.quantity == "invalid_default"]
    assert (inv["mean"] <= 0.1).all()


@pytest.mark.slow
@pytest.mark.parametrize("space", ["density", "covariance", "network"])
def test_jump_power(space):
    reps = n_reps(500, 20)
    tid = _rates(
        simulate_jump,
        analyse_jump_default,
        {"space": [space], "trend": ["linear"], "n": [500], "jump_scale": [1.0]},
        reps,
        seed=15_000,
    )
    rate = float(tid[tid.quantity == "reject_default"]["mean"].iloc[0])
    assert_in_band(int(round(rate * reps)), reps, **TOL["power"])


@pytest.mark.slow
def test_anova_permutation_is_exact_in_small_groups():
    reps = n_reps(1000, 60)
    tid = _rates(simulate_anova, analyse_anova, {"k": [3], "n_group": [20]}, reps, seed=16_000)
    for q in ("reject_permutation", "reject_auto"):  # auto = permutation below 50 per group
        rate = float(tid[tid.quantity == q]["mean"].iloc[0])
        assert_in_band(int(round(rate * reps)), reps, **TOL["anova_permutation"])


@pytest.mark.slow
def test_jump_size_at_an_asymmetric_cutoff():
    """c = 0.85: the bandwidth is capped by the short side (was 0.085-0.10 before the fix)."""
    reps = n_reps(1000, 40)
    tid = _rates(
        simulate_jump,
        analyse_jump_default,
        {"space": ["covariance"], "trend": ["flat"], "n": [500], "cutoff": [0.85]},
        reps,
        seed=18_000,
    )
    rate = float(tid[tid.quantity == "reject_default"]["mean"].iloc[0])
    assert_in_band(int(round(rate * reps)), reps, **TOL["size"])


@pytest.mark.slow
def test_scalar_robust_interval_and_one_sided_tests():
    """Signed scalar jump: coverage of the default (robust bias-corrected) 95% interval,
    both one-sided 5% tests and the omnibus size, no jump, cross-validated h."""
    reps = n_reps(1000, 150)
    tid = _rates(
        simulate_scalar,
        analyse_scalar,
        {"trend": ["flat", "curved"], "n": [300] if not FULL else [200, 500, 1000]},
        reps,
        seed=19_000,
    )
    for q, tol in (
        ("cover_robust", TOL["coverage"]),
        ("reject_greater", TOL["size"]),
        ("reject_less", TOL["size"]),
        ("reject_default", TOL["size"]),
    ):
        for rate in tid[tid.quantity == q]["mean"]:
            assert_in_band(int(round(rate * reps)), reps, **tol)


@pytest.mark.slow
def test_bootstrap_band_coverage():
    reps = n_reps(500, 40)
    tid = _rates(simulate_band, analyse_band, {"n": [400], "h": [0.08]}, reps, seed=17_000)
    for _, row in tid[tid.quantity.str.startswith("cover")].iterrows():
        assert_in_band(int(round(row["mean"] * reps)), reps, **TOL["band"])
