"""Size and power of the Fréchet jump test on the density, covariance and network designs.

Designs: :func:`stattools.frechet.simulate_jump_design` (X ~ U(0, 1), c = 0.5,
``undersmooth=0.8``, cross-validated h_F). Size at n = 200, power at n = 500. Invalid
results (a non-positive variance estimate at a small cross-validated bandwidth) count as
non-rejections, which can only make the test look more conservative.

Observed with the full-size study (2026-11-24, same seeds scheme, R = 400 at n = 200 and
R = 200 at n = 500): size at n = 200 / n = 500 - density 0.038 (37 invalid) / 0.060,
covariance 0.048 / 0.030, network 0.053 / 0.065; power at n = 500 - density (jump 1.5)
0.965, covariance (jump 0.7) 0.965, network (jump 0.3) 0.995.
"""

from __future__ import annotations

import warnings

import pytest

from stattools.core.exceptions import StattoolsWarning
from stattools.frechet import frechet_jump, simulate_jump_design
from tests._helpers import assert_in_band, n_reps

TOL = {
    # the chi-square(1) approximation may be conservative: only the upper end is checked
    "size": dict(p=0.05, side="upper"),
    "power": dict(p=0.9, side="lower"),
}
POWER_JUMP = {"density": 1.5, "covariance": 0.7, "network": 0.3}


def _rejections(design: str, n: int, jump: float, reps: int, seed: int) -> tuple[int, int]:
    rej = invalid = 0
    for r in range(reps):
        x, Y, sp = simulate_jump_design(design, n=n, jump=jump, rng=seed + r)
        with warnings.catch_warnings():
            # small-sample/boundary warnings at small CV bandwidths are expected here
            warnings.simplefilter("ignore", StattoolsWarning)
            res = frechet_jump(y=Y, x=x, cutoff=0.5, space=sp, undersmooth=0.8, rng=r)
        if not res.is_valid:
            invalid += 1
        elif res.pvalue < 0.05:
            rej += 1
    return rej, invalid


@pytest.mark.slow
@pytest.mark.parametrize("design", ["density", "covariance", "network"])
def test_size_near_nominal(design):
    reps = n_reps(1000, 80)
    rej, invalid = _rejections(design, 200, 0.0, reps, seed=10_000)
    assert invalid <= 0.2 * reps
    assert_in_band(rej, reps, **TOL["size"])


@pytest.mark.slow
@pytest.mark.parametrize("design", ["density", "covariance", "network"])
def test_power_against_jumps(design):
    reps = n_reps(500, 30)
    rej, _ = _rejections(design, 500, POWER_JUMP[design], reps, seed=20_000)
    assert_in_band(rej, reps, **TOL["power"])
