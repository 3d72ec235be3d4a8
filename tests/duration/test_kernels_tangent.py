"""The forward-mode (tangent) kernel of the ACD variants and the long-series fit built on it.

``stattools/duration/kernels_tangent.py`` carries first and second derivatives of the state
through the recursion; ``stattools/duration/tangent_fit.py`` fits long series by Gauss-Newton
steps on growing subsamples with it, and the covariances take the exact Hessian, the score
outer product and the expected information from one pass. References:

* the adjoint kernel (``duration/kernels.py``, :func:`negloglik_generic`): objective and
  gradient equal to 1e-12 on 180 cases (every model the kernel handles, several orders, both
  start rules, three parameter points each) and on random Box-Cox parameters (hypothesis);
* central finite differences of that analytic gradient: the exact Hessian (1e-6 relative);
* the per-spell Jacobian of ``log psi`` by forward differences: the score outer product and
  ``mean dl dl'`` (1e-5 relative);
* the quasi-Newton path of the engine (the fit before this kernel): the same optimum, log-
  likelihood and standard errors on long BACD and LACD1 series.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from stattools.duration import engine
from stattools.duration.distributions import Exponential
from stattools.duration.model import ACD
from stattools.duration.models import (
    forward,
    hessian_jacobian_exp,
    layout,
    negloglik_generic,
    simulate_variant,
    smooth_tangent,
    tangent_exp,
    tangent_supported,
)

TOL = {"fg_rel": 1e-12, "hess_rel": 1e-6, "info_rel": 1e-5, "fit_rel": 1e-5, "se_rel": 1e-3}

# (model, order, parameter point); codes 0-4, 7, 8 (ABACD/AACD are not handled)
CASES = [
    ("acd", (1, 1), [0.1, 0.1, 0.8]),
    ("acd", (2, 2), [0.1, 0.05, 0.05, 0.5, 0.3]),
    ("lacd1", (1, 1), [0.02, 0.05, 0.9]),
    ("lacd1", (2, 2), [0.02, 0.04, 0.02, 0.5, 0.4]),
    ("lacd2", (1, 1), [-0.02, 0.05, 0.9]),
    ("lacd2", (2, 1), [-0.02, 0.05, 0.02, 0.9]),
    ("exacd", (1, 1), [0.0, 0.05, -0.03, 0.9]),
    ("exacd", (2, 1), [0.0, 0.04, 0.02, -0.03, 0.01, 0.9]),
    ("amacd", (1, 1, 1), [0.05, 0.05, 0.05, 0.8]),
    ("amacd", (2, 1, 2), [0.05, 0.03, 0.02, 0.05, 0.5, 0.3]),
    ("bacd", (1, 1), [0.1, 0.2, 0.8, 0.9, 0.7]),
    ("bacd", (1, 2), [0.1, 0.2, 0.5, 0.3, 0.6, 1.3]),
    ("bacd", (2, 2), [0.1, 0.1, 0.05, 0.5, 0.3, 0.9, 0.7]),
    ("sniacd", (1, 1), [0.05, 0.1, -0.03, 0.8]),
    ("sniacd", (2, 1), [0.05, 0.1, -0.03, 0.02, 0.8]),
]


def _x(n: int = 2000, seed: int = 3) -> np.ndarray:
    g = np.random.default_rng(seed)
    return g.exponential(size=n) * np.exp(0.5 * np.sin(np.arange(n) / 40.0))


def _point(th, seed: int) -> np.ndarray:
    """The case's point, moved by up to 5 percent (seed 0: the point itself)."""
    th = np.asarray(th, dtype=float)
    if seed == 0:
        return th
    return th * (1.0 + np.random.default_rng(seed).uniform(-0.05, 0.05, th.size))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("acdm", [False, True])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}")
def test_objective_and_gradient_equal_the_adjoint_kernel(case, acdm, seed):
    model, order, th = case
    lay = layout(model, order)
    th = _point(th, seed)
    x = _x(seed=seed + 3)
    b = float(x.mean())
    f0, g0 = negloglik_generic(th, (), x, lay, Exponential(), b, acdm)
    out = tangent_exp(th, x, lay, b, acdm)
    assert out is not None
    f, g = out[0], out[1]
    assert f == pytest.approx(f0, rel=TOL["fg_rel"])
    np.testing.assert_allclose(g, g0, rtol=0, atol=TOL["fg_rel"] * np.max(np.abs(g0)))
    # the first-order pass gives the same numbers
    f1, g1 = tangent_exp(th, x, lay, b, acdm, hess=False, info=False)[:2]
    assert f1 == f and np.array_equal(g1, g)


@pytest.mark.parametrize("acdm", [False, True])
@pytest.mark.parametrize("case", [c for c in CASES if smooth_tangent(layout(c[0], c[1]))],
                         ids=lambda c: f"{c[0]}{c[1]}")  # fmt: skip
def test_exact_hessian_and_information_matrices(case, acdm):
    model, order, th = case
    lay = layout(model, order)
    th = np.asarray(th, dtype=float)
    x = _x()
    b = float(x.mean())
    f, g, H, G, In, J = tangent_exp(th, x, lay, b, acdm)
    k = th.size
    num = np.empty((k, k))
    for j in range(k):  # central differences of the adjoint gradient
        h = 1e-5 * max(1.0, abs(th[j]))
        up, dn = th.copy(), th.copy()
        up[j] += h
        dn[j] -= h
        gu = negloglik_generic(up, (), x, lay, Exponential(), b, acdm)[1]
        gd = negloglik_generic(dn, (), x, lay, Exponential(), b, acdm)[1]
        num[:, j] = (gu - gd) / (2 * h)
    np.testing.assert_allclose(H, num, rtol=0, atol=TOL["hess_rel"] * np.max(np.abs(num)))
    _, lpsi, jac = hessian_jacobian_exp(th, x, lay, b, acdm, 1e-7 * np.maximum(np.abs(th), 1))
    e = x / np.exp(lpsi)
    S = (1.0 - e)[:, None] * jac
    for mine, ref in ((In, S.T @ S), (J, jac.T @ jac), (G, (e[:, None] * jac).T @ jac)):
        ref = ref / x.shape[0]
        np.testing.assert_allclose(mine, ref, rtol=0, atol=TOL["info_rel"] * np.max(np.abs(ref)))
    assert np.allclose(H, H.T) and np.all(np.linalg.eigvalsh(G) >= -1e-12)


@settings(deadline=None, max_examples=40)
@given(
    w=hst.floats(0.01, 0.3),
    a=hst.floats(0.01, 0.3),
    bt=hst.floats(0.3, 0.9),
    d1=hst.floats(0.2, 2.0),
    d2=hst.floats(0.2, 2.0),
    acdm=hst.booleans(),
    seed=hst.integers(0, 2**16),
)
def test_box_cox_kernel_equals_the_adjoint_on_random_parameters(w, a, bt, d1, d2, acdm, seed):
    lay = layout("bacd", (1, 1))
    th = np.array([w, a, bt, d1, d2])
    x = np.random.default_rng(seed).exponential(size=400) + 1e-3
    b = float(x.mean())
    f0, g0 = negloglik_generic(th, (), x, lay, Exponential(), b, acdm)
    out = tangent_exp(th, x, lay, b, acdm)
    ok = forward(th, x, lay, b, acdm)[3]
    assert (out is not None) == (ok and np.isfinite(f0))
    if out is not None:
        assert out[0] == pytest.approx(f0, rel=TOL["fg_rel"])
        np.testing.assert_allclose(out[1], g0, rtol=0, atol=TOL["fg_rel"] * np.max(np.abs(g0)))


def test_unsupported_layouts_and_the_domain():
    x = _x(300)
    assert not tangent_supported(layout("abacd", (1, 1)))
    assert tangent_exp(np.array([0.1, 0.1, 0.8, 0.3, 0.2, 0.9, 0.7]), x, layout("aacd", (1, 1)),
                       1.0, False) is None  # fmt: skip
    assert tangent_supported(layout("exacd", (1, 1))) and not smooth_tangent(
        layout("exacd", (1, 1))
    )
    # a negative conditional duration (AMACD, omega << 0) leaves the domain: None, as the
    # adjoint kernel's objective is inf there
    th = np.array([-5.0, 0.1, 0.0, 0.5])
    lay = layout("amacd", (1, 1, 1))
    assert tangent_exp(th, x, lay, 1.0, False) is None
    assert not np.isfinite(negloglik_generic(th, (), x, lay, Exponential(), 1.0, False)[0])


def test_covariances_equal_the_finite_difference_path(monkeypatch):
    """BACD on IBM-sized data: the one-pass matrices against the k + 1 forward + adjoint
    passes of the previous covariances (forward differences, relative error ~1e-5)."""
    x = simulate_variant("bacd", [0.05, 0.1, 0.85, 0.6, 0.7], 4000, rng=5)
    mod = ACD(x, model="bacd")
    th = mod.fit().params.to_numpy()
    engine._TANGENT_CACHE.clear()
    new = engine.covariances(th, mod.x, None, mod.spec, mod.dist, mod.b)
    monkeypatch.setattr(engine, "smooth_tangent", lambda lay: False)
    old = engine.covariances(th, mod.x, None, mod.spec, mod.dist, mod.b)
    for key in ("H", "I", "J"):
        np.testing.assert_allclose(
            new[key], old[key], rtol=1e-3, atol=1e-4 * np.abs(old[key]).max()
        )


@pytest.mark.parametrize(
    "model, theta", [("bacd", [0.05, 0.1, 0.85, 0.6, 0.7]), ("lacd1", [0.01, 0.06, 0.94])]
)
def test_long_series_fit_equals_the_quasi_newton_path(model, theta, monkeypatch):
    """n = 70 000 (> 3 x 20 000: the subsample path): Gauss-Newton on forward-mode passes
    reaches the optimum of the quasi-Newton path started at the truth, and the covariances
    from the fit's last pass (cached) equal a fresh pass and the finite-difference ones. On
    this BACD series the previous default (quasi-Newton from the subsample screen) stopped
    unconverged, 0.002 log-likelihood units short (max score 2.2e-4)."""
    x = simulate_variant(model, theta, 70_000, rng=11)
    calls = []
    real = engine.fit_tangent_long
    monkeypatch.setattr(engine, "fit_tangent_long", lambda *a: calls.append(1) or real(*a))
    res = ACD(x, model=model).fit()
    assert calls and res.converged
    assert engine._TANGENT_CACHE  # the covariances took the fit's pass
    mod = ACD(x, model=model)
    engine._TANGENT_CACHE.clear()
    fresh = engine.covariances(res.params.to_numpy(), mod.x, None, mod.spec, mod.dist, mod.b)
    res2 = ACD(x, model=model).fit()
    cached = engine.covariances(res2.params.to_numpy(), res2._model.x, None, mod.spec, mod.dist,
                                mod.b)  # fmt: skip
    for key in ("H", "I", "J"):
        np.testing.assert_allclose(cached[key], fresh[key], rtol=1e-12)
    monkeypatch.setattr(engine._Problem, "tangent_ok", lambda self: False)
    monkeypatch.setattr(engine, "smooth_tangent", lambda lay: False)
    ref = ACD(x, model=model).fit(start=theta)
    assert ref.converged
    np.testing.assert_allclose(res.params, ref.params, rtol=TOL["fit_rel"], atol=1e-7)
    assert res.llf == pytest.approx(ref.llf, abs=1e-6)
    # robust SEs against a central-difference Hessian of the adjoint gradient (the previous
    # forward-difference Hessian put the BACD SEs here up to 5 percent low: the Hessian's
    # condition number is 2e5, so its 1e-5 relative error was amplified)
    th = res.params.to_numpy()
    lay = mod.spec.layout
    k = th.size
    Hc = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(1.0, abs(th[j]))
        up, dn = th.copy(), th.copy()
        up[j] += h
        dn[j] -= h
        gu = negloglik_generic(up, (), x, lay, Exponential(), mod.b, False)[1]
        gd = negloglik_generic(dn, (), x, lay, Exponential(), mod.b, False)[1]
        Hc[:, j] = (gu - gd) / (2 * h)
    Hi = np.linalg.inv(0.5 * (Hc + Hc.T))
    se = np.sqrt(np.diag(Hi @ fresh["I"] @ Hi) / x.shape[0])
    np.testing.assert_allclose(res.bse, se, rtol=TOL["se_rel"])
