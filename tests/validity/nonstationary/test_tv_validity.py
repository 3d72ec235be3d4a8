"""tv_regression calibration at reduced repetitions (fixed seeds, binomial bands).

Designs: ``benchmarks/validity/nonstationary_tv.py`` (tables in ``benchmarks/VALIDITY.md``):
AR(1) 0.5 errors whose standard deviation breaks from 1 to 2 at mid-sample, AR(1)
covariate, default CV bandwidth, B = 199. Here n = 300 only (n = 1000 is in the tables).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.validity import nonstationary_tv as v
from tests._helpers import assert_in_band, binomial_band, n_reps

TOL = {
    # simultaneous bands are conservative near the ends of the sample (one-sided local
    # windows); coverage is checked one-sided (not below the band), as a guarantee
    "coverage_side": "lower",
    # declared allowance for the intercept band (and the joint band it drives): the CV
    # bandwidth (about 0.21 here) targets prediction error and leaves a bias of order
    # h^4 after the jackknife on the steep path sin(2 pi u); measured 94.3 % (joint
    # 92.7 %) in the 1000-rep study table and 90.75 % (363/400) with this test's seeds.
    # The slope band (96.7 %) is checked without allowance.
    "coverage_slack": {"cover_intercept": 0.03, "cover_joint": 0.03, "cover_x": 0.0},
    # power floors at n = 300, delta = 1 (the tables use delta = 0.5, where power is low,
    # see VALIDITY.md); pilot with these seeds, 40 reps:
    # 37.5 % smooth, 65 % abrupt; floors leave a margin of 5 and 8 replications
    "power_smooth_min": 0.25,
    "power_abrupt_min": 0.45,
}


def _run(design: dict, analyse, reps: int, seed: int) -> dict[str, int]:
    c: dict[str, int] = {}
    for r in range(reps):
        out = analyse(v.simulate_tv(design, np.random.default_rng([seed, r])))
        for k, x in out.items():
            if k.startswith(("cover", "reject")):
                c[k] = c.get(k, 0) + int(x)
    return c


@pytest.mark.slow
def test_band_coverage_variance_break():
    reps = n_reps(400, 80)
    c = _run({"n": 300, "phi": 0.5, "shape": "smooth"}, v.analyse_coverage, reps, seed=1401)
    for k in ("cover_intercept", "cover_x", "cover_joint"):
        assert_in_band(c[k], reps, 0.95, side=TOL["coverage_side"], slack=TOL["coverage_slack"][k])


@pytest.mark.slow
def test_constancy_size_variance_break():
    reps = n_reps(400, 80)
    c = _run({"n": 300, "phi": 0.5, "shape": "const"}, v.analyse_constancy, reps, seed=1402)
    assert_in_band(c["reject_x"], reps, 0.05)
    assert_in_band(c["reject_all"], reps, 0.05)


@pytest.mark.slow
@pytest.mark.parametrize(("shape", "floor"), [("smooth_change", "power_smooth_min"),
                                              ("abrupt", "power_abrupt_min")])  # fmt: skip
def test_constancy_power(shape, floor):
    reps = n_reps(200, 40)
    design = {"n": 300, "phi": 0.5, "shape": shape, "delta": 1.0}
    c = _run(design, v.analyse_constancy, reps, seed=1403)
    assert c["reject_x"] >= TOL[floor] * reps, c
    assert c["reject_x"] > binomial_band(reps, 0.05)[1], c
