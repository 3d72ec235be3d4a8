"""Size and power of the Fréchet change-point test (slow, seeded, reduced repetitions).

Designs and analysis are those of ``benchmarks/validity/frechet_changepoint.py``: sequences
of N(mu_i, s_i^2) quantile functions with mu_i ~ N(0, 0.5^2), a change after n/3, and the
permutation p-value (199 resamples). CI mode uses 40 replications for size and 20 for
power; ``STATTOOLS_FULL_VALIDITY=1`` runs 1000 and 200. Acceptance: the exact binomial band
(tail 5e-4) around the nominal rate, so one or two replications changing on another CPU
cannot flip the verdict.
"""

from __future__ import annotations

import pytest

import stattools as st
from benchmarks.validity.frechet_changepoint import analyse_sequence, simulate_sequence
from tests._helpers import assert_in_band, n_reps

TOL = {
    # permutation p-values are exact under exchangeability: two-sided band around 5%
    "size": dict(p=0.05, side="two-sided"),
    # mean shift 0.5 after n/3 of n = 200 (measured 1.0 in 200 reps): rate >= 0.9
    "power": dict(p=0.9, side="lower"),
    # location: mean absolute error at most 0.1 n = 20 positions (measured 10.95 in 20 reps;
    # a split drawn uniformly from the scanned range would give about 55)
    "location": 20.0,
}


@pytest.mark.slow
def test_changepoint_size():
    reps = n_reps(1000, 40)
    res = st.simulation_study(
        simulate_sequence,
        analyse_sequence,
        {"n": [100], "change": ["none"], "delta": [0.0]},
        reps,
        rng=16_000,
        progress=False,
    )
    tid = res.tidy()
    row = tid[tid.quantity == "reject"].iloc[0]
    assert_in_band(int(round(row["mean"] * reps)), reps, **TOL["size"])


@pytest.mark.slow
def test_changepoint_power_and_location():
    reps = n_reps(200, 20)
    res = st.simulation_study(
        simulate_sequence,
        analyse_sequence,
        {"n": [200], "change": ["mean"], "delta": [0.5]},
        reps,
        rng=16_001,
        progress=False,
    )
    tid = res.tidy()
    row = tid[tid.quantity == "reject"].iloc[0]
    assert_in_band(int(round(row["mean"] * reps)), reps, **TOL["power"])
    err = tid[tid.quantity == "location_error"].iloc[0]
    assert err["mean"] <= TOL["location"]
