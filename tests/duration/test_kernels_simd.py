"""The vectorised kernels of the kinked long-series fit (``duration.kernels_simd``).

* ``vexp``/``vlog`` (polynomial ``exp``/``log`` without library calls) are within 2 units
  in the last place of numpy's (hypothesis over the whole double range they serve);
* ``exact_multi11_simd`` (parameter vectors in SIMD lanes) equals ``exact_multi11`` to
  ``1e-13`` relative, rows that leave the domain included (hypothesis on random parameters);
* ``grad11_lanes`` (the series in lanes side by side, each after a warm-up) equals
  ``grad11`` to ``1e-12``, its seams agree exactly, and a warm-up too short to forget the
  start is DETECTED at the seams, in which case ``kink._fg`` falls back to the sequential
  pass (the same numbers as ``grad11``);
* both are deterministic (bit-identical on a repeat call).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from stattools.duration import kernels_simd, kink
from stattools.duration.distributions import Exponential
from stattools.duration.kernels_multi import exact_multi11, grad11
from stattools.duration.kernels_simd import exact_multi11_simd, grad11_lanes, vexp, vlog
from stattools.duration.models import simulate_variant
from stattools.duration.recursion import Spec

TRUTH = {
    "abacd": [0.05, 0.15, 0.85, 0.3, 0.4, 0.8, 0.7],
    "aacd": [0.1, 0.1, 0.85, 0.3, 0.4, 0.8, 0.7],
}
ULP = np.finfo(float).eps
TOL = {"ulp": 2.0, "multi_rel": 1e-13, "grad": 1e-12, "seam": 1e-12}


@settings(max_examples=300, deadline=None)
@given(x=hst.floats(-708.0, 709.0))
def test_vexp_within_two_ulp(x):
    ref = math.exp(x)
    assert abs(vexp(x) - ref) <= TOL["ulp"] * ULP * ref


def test_vexp_limits():
    assert vexp(-708.5) == 0.0 and vexp(-1e4) == 0.0
    assert vexp(710.0) == math.inf
    assert vexp(0.0) == 1.0


@settings(max_examples=300, deadline=None)
@given(x=hst.floats(min_value=5e-324, max_value=1.7e308, allow_subnormal=True))
def test_vlog_within_two_ulp(x):
    ref = math.log(x)
    assert abs(vlog(x) - ref) <= TOL["ulp"] * ULP * abs(ref)


def _rows(model, gen, K):
    base = np.array(TRUTH[model])
    T = base * (1 + 0.2 * gen.standard_normal((K, base.size)))
    T[:, 3] = np.clip(T[:, 3], -1, 1)  # c
    T[:, -2:] = np.abs(T[:, -2:]) + 1e-3  # delta1, delta2 > 0
    return T


@settings(max_examples=25, deadline=None)
@given(
    model=hst.sampled_from(["abacd", "aacd"]),
    acdm=hst.booleans(),
    tau=hst.sampled_from([0.0, 1e-3, 1e-2]),
    K=hst.sampled_from([1, 5, 8, 15]),
    seed=hst.integers(0, 2**16),
)
def test_exact_multi11_simd_equals_exact_multi11(model, acdm, tau, K, seed):
    gen = np.random.default_rng(seed)
    x = simulate_variant(model, TRUTH[model], 600, rng=seed)
    T = _rows(model, gen, K)
    if K > 1:
        T[0, 0] = -50.0  # a row whose state leaves its domain
    b = float(x.mean())
    m = 1 if acdm else 0
    ref = exact_multi11(T, x, b, m, model == "aacd", tau, acdm)
    mine = exact_multi11_simd(T, x, b, m, model == "aacd", tau, acdm)
    assert mine.shape == (K,)
    np.testing.assert_allclose(mine, ref, rtol=TOL["multi_rel"], atol=0)  # inf rows equal
    assert np.array_equal(mine, exact_multi11_simd(T, x, b, m, model == "aacd", tau, acdm))


@pytest.mark.parametrize("model", ["abacd", "aacd"])
@pytest.mark.parametrize("tau", [0.0, 1e-3, 1e-2])
def test_grad11_lanes_equals_grad11(model, tau):
    x = simulate_variant(model, TRUTH[model], 40_013, rng=4)  # 13 tail spells after the lanes
    th = np.array(TRUTH[model]) * 1.01
    b = float(x.mean())
    aug = model == "aacd"
    ok, f, g = grad11(th, x, b, 0, aug, tau, False)
    okl, fl, gl, seam = grad11_lanes(th, x, b, aug, tau, 16, 500)
    assert ok and okl and seam <= TOL["seam"]
    assert fl == pytest.approx(f, rel=1e-13)
    np.testing.assert_allclose(gl, g, rtol=0, atol=TOL["grad"] * np.abs(g).max())
    again = grad11_lanes(th, x, b, aug, tau, 16, 500)
    assert again[1] == fl and np.array_equal(again[2], gl)
    bad = th.copy()
    bad[0] = -50.0  # the state leaves its domain
    assert not grad11_lanes(bad, x, b, aug, tau, 16, 500)[0]


@settings(max_examples=20, deadline=None)
@given(model=hst.sampled_from(["abacd", "aacd"]), seed=hst.integers(0, 2**16))
def test_grad11_lanes_random_parameters(model, seed):
    """On random parameters the lanes either agree with the sequential pass or say so."""
    gen = np.random.default_rng(seed)
    x = simulate_variant(model, TRUTH[model], 20_000, rng=seed)
    th = _rows(model, gen, 1)[0]
    th[1:3] = np.abs(th[1:3])
    b = float(x.mean())
    aug = model == "aacd"
    ok, f, g = grad11(th, x, b, 0, aug, 1e-3, False)
    okl, fl, gl, seam = grad11_lanes(th, x, b, aug, 1e-3, 16, 400)
    if okl and seam <= TOL["seam"]:
        assert ok
        assert fl == pytest.approx(f, rel=1e-12)
        np.testing.assert_allclose(gl, g, rtol=0, atol=TOL["grad"] * max(np.abs(g).max(), 1.0))
    elif ok:  # the lanes refused: the caller's sequential pass is right
        assert not okl or seam > TOL["seam"]


def test_short_warm_up_is_detected_and_fg_falls_back(monkeypatch):
    model = "aacd"
    x = simulate_variant(model, TRUTH[model], 300_000, rng=6)
    th = np.array(TRUTH[model])
    b = float(x.mean())
    okl, _, _, seam = grad11_lanes(th, x, b, True, 1e-3, 16, 3)  # 3 spells cannot forget
    assert okl and seam > 1e-6
    spec = Spec(1, 1, model=model, acdm=False, tau=1e-3)
    f0, g0 = kink._fg(th, x, b, spec, Exponential())
    f1, g1 = kink._fg(th, x, b, spec, Exponential(), lanes=True)  # lanes used (W = 2000)
    assert f1 == pytest.approx(f0, rel=1e-13)
    np.testing.assert_allclose(g1, g0, rtol=0, atol=TOL["grad"] * np.abs(g0).max())
    monkeypatch.setattr(kernels_simd, "WARM", 3)  # the seams disagree: the sequential pass
    f2, g2 = kink._fg(th, x, b, spec, Exponential(), lanes=True)
    assert f2 == f0 and np.array_equal(g2, g0)


def test_vlog_near_one_and_powers_of_two():
    x = np.r_[1.0 + np.linspace(-1e-3, 1e-3, 2001), 2.0 ** np.arange(-1074, 1024, 7.0)]
    for v in x:
        ref = math.log(v)
        assert abs(vlog(v) - ref) <= TOL["ulp"] * ULP * abs(ref)


def test_vexp_vlog_special_values():
    assert math.isnan(vexp(math.nan)) and vexp(math.inf) == math.inf and vexp(-math.inf) == 0.0
    assert math.isnan(vlog(math.nan)) and math.isnan(vlog(-1.0))
    assert vlog(0.0) == -math.inf and vlog(math.inf) == math.inf


def test_nan_parameters_give_inf_or_not_ok_as_the_sequential_kernels():
    x = simulate_variant("aacd", TRUTH["aacd"], 40_000, rng=2)
    b = float(x.mean())
    for j in range(7):
        th = np.array(TRUTH["aacd"])
        th[j] = math.nan
        assert exact_multi11_simd(th[None], x, b, 0, True, 0.0, False)[0] == np.inf
        assert exact_multi11(th[None], x, b, 0, True, 0.0, False)[0] == np.inf
        assert not grad11_lanes(th, x, b, True, 1e-3, 16, 500)[0]
        assert not grad11(th, x, b, 0, True, 1e-3, False)[0]
