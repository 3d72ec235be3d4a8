"""Size, power and coverage at reduced repetitions (fixed seeds, exact binomial bands).

The designs and the simulate/analyse functions are those of
``benchmarks/validity/nonstationary.py`` (full tables: ``benchmarks/VALIDITY.md``).
CI repetitions are chosen so the whole module runs in well under 90 s on one core.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.validity import nonstationary as v
from tests._helpers import assert_in_band, binomial_band, n_reps

TOL = {
    # declared allowances. None for the default CUSUM's size. Power: the default may
    # trail the best sized alternative by at most this many rejections (60 CI reps gave
    # 15 vs 15; the full 300 paired reps gave 81 vs 60, i.e. 27.0 % vs 20.0 %).
    "power_margin": 3,
    # HAC mean test, AR(1) 0.5 with a variance break, n = 500, automatic Bartlett lags.
    # N(0,1) critical values (old default; 1000 reps, seed 2031): two-sided 6.9 %, less
    # 6.0 %, greater 6.5 % (downward-biased HAC variance; the design is symmetric, so the
    # earlier 4.9 % / 8.2 % split at 900 reps was Monte Carlo noise around ~6.5 % each).
    # Fixed-b default (Kiefer-Vogelsang): 5.1 %, 5.1 %, 5.8 % (1000 reps, seed 2031);
    # here 400 reps, seed 2028: 20, 22, 23 rejections. Allowance: one point.
    "mean_one_sided": dict(slack=0.01),
    "mean_two_sided": dict(slack=0.01),
    # weighted MOSUM(0.1) / EWMA(0.1) sup-tests with the local studentisation under the
    # variance break: 3.7 % / 3.3 % (300 reps, 2026-12-06), inside the band: no allowance.
    # weighted_test with partial sums, locally studentised (bridge variance): 4.7 % / 5.0 %
    # (iid / AR 0.5, 1000 reps, 2026-12-06); the earlier draws studentisation gave 9.0 % /
    # 7.8 %. No allowance.
}


def _rates(simulate, analyse, design: dict, reps: int, seed: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in range(reps):
        out = analyse(simulate(design, np.random.default_rng([seed, r])))
        for k, x in out.items():
            counts[k] = counts.get(k, 0) + int(x)
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["break", "smooth"])
def test_cusum_default_size_under_changing_variance(profile):
    reps = n_reps(1000, 200)
    design = {"n": 500, "phi": 0.5, "profile": profile}
    c = _rates(v.simulate_cusum, v.analyse_cusum_default, design, reps, seed=2026)
    assert_in_band(c["reject_default"], reps, 0.05)


@pytest.mark.slow
def test_cusum_default_power_at_least_the_alternatives():
    """Shift 0.5 at mid-sample, AR(1) 0.5, variance break (the issue's design)."""
    reps = n_reps(300, 60)
    design = {"n": 500, "phi": 0.5, "profile": "break", "shift": 0.5}
    c = _rates(v.simulate_cusum, v.analyse_cusum, design, reps, seed=2029)
    best = max(c["reject_multiplier_global"], c["reject_multiplier_changepoint"])
    assert c["reject_default"] + TOL["power_margin"] >= best, c
    assert c["reject_default"] > c["reject_multiplier_global"] + TOL["power_margin"], c


@pytest.mark.slow
def test_weighted_cusum_size_and_power():
    reps = n_reps(300, 60)
    null = _rates(
        v.simulate_weighted, v.analyse_weighted, {"n": 500, "phi": 0.0, "profile": "break"},
        reps, seed=2030,
    )  # fmt: skip
    for key in ("reject_cusum", "reject_mosum", "reject_ewma"):
        assert_in_band(null[key], reps, 0.05)
    alt = _rates(
        v.simulate_weighted, v.analyse_weighted,
        {"n": 500, "phi": 0.0, "profile": "const", "shift": 1.0}, n_reps(100, 15), seed=2031,
    )  # fmt: skip
    for key in ("reject_cusum", "reject_mosum", "reject_ewma"):
        assert alt[key] >= 0.8 * n_reps(100, 15), alt


@pytest.mark.slow
def test_mean_test_size_both_one_sided_alternatives():
    reps = n_reps(1000, 400)
    c = _rates(
        v.simulate_mean, v.analyse_mean, {"n": 500, "phi": 0.5, "profile": "break"}, reps, 2028
    )
    assert_in_band(c["reject_two_sided"], reps, 0.05, **TOL["mean_two_sided"])
    for key in ("reject_less", "reject_greater"):
        assert_in_band(c[key], reps, 0.05, **TOL["mean_one_sided"])


@pytest.mark.slow
def test_full_range_trend_band_coverage():
    reps = n_reps(300, 40)
    c = _rates(v.simulate_trend, v.analyse_trend, {"n": 300, "phi": 0.3}, reps, seed=2027)
    assert_in_band(c["cover_simultaneous"], reps, 0.95, side="lower")
    assert c["cover_pointwise_mid"] >= binomial_band(reps, 0.95)[0]
