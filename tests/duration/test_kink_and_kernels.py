"""Fused kernels of the ACD variants and the fit of the kinked models (ABACD, AACD).

* the smoothed news term (``tau > 0``, used on the way to the ABACD/AACD fit) has an exact
  adjoint gradient (central differences);
* on the simulated ABACD series of ``tests/reference/duration/acdm_models.json`` (where R ACDm's
  nlminb stops with code 1) our fit is certified converged, its log-likelihood is at least
  ACDm's, and a brute-force check finds nothing higher: a grid profile of every parameter and
  random perturbations around the estimate (the likelihood is not differentiable there, so a
  score test cannot show it);
* AACD on its simulated series: at least ACDm's log-likelihood, and the flag and warning are
  honest (the fit drifts to the degenerate corner alpha, delta1 -> 0 and is not certified).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import stattools as st
from stattools.core.exceptions import ConvergenceWarning, DataError
from stattools.duration.distributions import Exponential
from stattools.duration.model import ACD
from stattools.duration.models import simulate_variant
from stattools.duration.recursion import Spec, negloglik

REF = json.loads(
    (Path(__file__).parents[1] / "reference" / "duration" / "acdm_models.json").read_text()
)
TOL = {"grad_atol": 2e-7, "llf_gain": -1e-6, "brute_rel": 1e-12}


@pytest.mark.parametrize("model", ["abacd", "aacd"])
@pytest.mark.parametrize("acdm", [False, True])
def test_smoothed_gradient_is_exact(model, acdm):
    x = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=3)["duration"].to_numpy()
    th = np.array([0.1, 0.2 if model == "abacd" else 0.1, 0.8, 0.4, 0.3, 0.9, 0.7])
    sp = Spec(1, 1, model=model, acdm=acdm, tau=0.05)
    _, g = negloglik(th, (), x, sp, Exponential(), 1.0)
    num = np.empty_like(th)
    for j in range(th.size):
        up, dn = th.copy(), th.copy()
        up[j] += 1e-6
        dn[j] -= 1e-6
        fu = negloglik(up, (), x, sp, Exponential(), 1.0, grad=False)[0]
        fd = negloglik(dn, (), x, sp, Exponential(), 1.0, grad=False)[0]
        num[j] = (fu - fd) / 2e-6
    np.testing.assert_allclose(g, num, atol=TOL["grad_atol"])
    # tau = 0 is the exact (kinked) likelihood, and tau > 0 differs from it
    f0 = negloglik(th, (), x, Spec(1, 1, model=model, acdm=acdm), Exponential(), 1.0)[0]
    assert f0 != negloglik(th, (), x, sp, Exponential(), 1.0)[0]


def _nll(mod: ACD, theta: np.ndarray) -> float:
    k = mod.spec.k
    return negloglik(theta[:k], tuple(theta[k:]), mod.x, mod.spec, mod.dist, mod.b,
                     grad=False)[0]  # fmt: skip


def _offset(ref: dict, x: np.ndarray) -> float:
    # ACDm evaluates the first spell's exponential density at eps = 1 (see test_models_acdm)
    return x[0] / x.mean() - 1.0 if ref["dist"] == "exponential" else 0.0


@pytest.mark.parametrize("key", ["abacd_exponential", "abacd_weibull"])
def test_abacd_fit_is_certified_and_a_brute_force_maximum(key):
    ref = REF["sims"][key]
    assert ref["convergence"] == 1  # ACDm's nlminb did not converge here
    x = np.asarray(ref["x"])
    mod = ACD(x, model="abacd", dist=ref["dist"], backcast="acdm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HessianWarning: SEs at a kink
        res = mod.fit()
    assert res.converged
    assert res.llf + _offset(ref, x) >= ref["llf"] + TOL["llf_gain"]
    th = res.params.to_numpy()
    f0 = _nll(mod, th)
    assert -f0 * x.size == pytest.approx(res.llf, rel=1e-12)
    tol = TOL["brute_rel"] * abs(f0)
    # profile of every parameter on a grid of relative steps (not the search's own steps)
    for j in range(th.size):
        for r in (-3e-3, -7e-4, -1.3e-4, -3e-5, -7e-6, 7e-6, 3e-5, 1.3e-4, 7e-4, 3e-3):
            t = th.copy()
            t[j] += r * max(abs(th[j]), 0.1)
            if j == 3 and abs(t[j]) > 1:  # c outside [-1, 1]
                continue
            assert _nll(mod, t) >= f0 - tol, (j, r)
    # random directions
    gen = np.random.default_rng(11)
    for scale in (1e-3, 1e-4, 1e-5):
        for _ in range(40):
            t = th + scale * gen.standard_normal(th.size) * np.maximum(np.abs(th), 0.1)
            assert _nll(mod, t) >= f0 - tol, scale


@pytest.mark.parametrize("key", ["aacd_exponential", "aacd_weibull"])
def test_aacd_is_at_least_acdm_and_honest_about_convergence(key):
    ref = REF["sims"][key]
    x = np.asarray(ref["x"])
    mod = ACD(x, model="aacd", dist=ref["dist"], backcast="acdm")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = mod.fit()
    assert res.llf + _offset(ref, x) >= ref["llf"] + TOL["llf_gain"]
    if not res.converged:
        assert any(issubclass(w.category, ConvergenceWarning) for w in rec)
        assert any(res.warnings)


def test_simulate_variant():
    x = simulate_variant("bacd", [0.05, 0.1, 0.85, 0.6, 0.7], 2000, rng=4)
    assert x.shape == (2000,) and np.all(x > 0)
    np.testing.assert_array_equal(x, simulate_variant("bacd", [0.05, 0.1, 0.85, 0.6, 0.7], 2000,
                                                      rng=4))  # fmt: skip
    with pytest.raises(DataError, match="params"):
        simulate_variant("bacd", [0.05, 0.1], 10, rng=1)
    with pytest.raises(DataError, match="domain"):
        simulate_variant("amacd", [-5.0, 0.1, 0.0, 0.5], 100, rng=1, order=(1, 1, 1))


def test_staged_fit_of_a_long_series_matches_the_plain_fit():
    """The long-series path (subsample starts, quasi-Newton on growing subsamples) reaches the
    same optimum as L-BFGS-B from the true value (BACD, n = 70 000)."""
    th = [0.05, 0.1, 0.85, 0.6, 0.7]
    x = simulate_variant("bacd", th, 70_000, rng=9)
    mod = ACD(x, model="bacd")
    res = mod.fit()
    ref = mod.fit(start=th)
    assert res.converged and ref.converged
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-4, atol=1e-6)
    assert res.llf == pytest.approx(ref.llf, abs=1e-6)


def test_long_abacd_path_is_certified_and_a_brute_force_maximum():
    """Above 60 000 spells ABACD takes the subsample path (screen on the first 20 000 spells,
    tau = 1e-3 fit, compass search along the smoothed Hessian's eigenvectors, then the axes):
    the fit is certified, near the truth, and no random perturbation of the estimate is better."""
    th_true = [0.05, 0.15, 0.85, 0.3, 0.4, 0.8, 0.7]
    x = simulate_variant("abacd", th_true, 70_000, rng=9)
    mod = ACD(x, model="abacd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HessianWarning: SEs at a kink
        res = mod.fit()
    assert res.converged
    th = res.params.to_numpy()
    np.testing.assert_allclose(th, th_true, atol=0.06)
    f0 = _nll(mod, th)
    assert -f0 * x.size == pytest.approx(res.llf, rel=1e-12)
    tol = TOL["brute_rel"] * abs(f0)
    gen = np.random.default_rng(5)
    for scale in (1e-3, 1e-4, 1e-5):
        for _ in range(20):
            t = th + scale * gen.standard_normal(th.size) * np.maximum(np.abs(th), 0.1)
            assert _nll(mod, t) >= f0 - tol, scale
