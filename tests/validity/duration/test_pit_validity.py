"""Size and power of the ACD PIT uniformity test at reduced repetitions.

The same functions as ``benchmarks/validity/duration_forecast.py`` (final table in
``benchmarks/VALIDITY.md``). The default parametric bootstrap is judged by warp-speed
decisions (one bootstrap draw per replication, pooled 95% quantile); the classical KS law
is conservative, checked only from above.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.validity.duration_forecast import analyse, simulate
from tests._helpers import assert_in_band, n_reps


def _run(design: dict, reps: int, seed: int) -> dict[str, np.ndarray]:
    gens = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(reps)]
    rows = [analyse(simulate(design, g)) for g in gens]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


@pytest.mark.slow
def test_pit_test_size_bootstrap_and_ks():
    reps = n_reps(1000, 60)
    out = _run({"n": 500, "errors": "weibull(0.8)"}, reps, seed=20261206)
    assert np.isfinite(out["d_star"]).all()
    q = np.quantile(out["d_star"], 0.95)
    assert_in_band(int(np.sum(out["d"] > q)), reps, 0.05)
    assert_in_band(int(out["reject_ks"].sum()), reps, 0.05, side="upper")


@pytest.mark.slow
def test_pit_test_power_against_a_wrong_law():
    reps = n_reps(300, 15)
    out = _run({"n": 500, "errors": "weibull(0.7)"}, reps, seed=7)
    # exponential law fitted to Weibull(0.7) errors: the KS distance is far beyond
    # the bootstrap draws (measured power 1.00 at n = 500)
    assert np.sum(out["d"] > np.quantile(out["d_star"], 0.95)) >= reps - 1
