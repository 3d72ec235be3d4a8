"""The fast path of the kinked ACD variants (ABACD, AACD) on long series (issue 12 speed).

* the forward-mode kernel (``kernels_multi.tangent2``) equals the adjoint objective and
  gradient to rounding, its Hessian equals central differences of the adjoint gradient, and
  its ``I``/``J`` equal the per-spell scores built from finite differences of ``log psi``;
* the specialised order-(1, 1) kernels (``tangent11``, ``grad11``) equal ``tangent2``;
* the multi-vector kernel equals one ``negloglik`` call per row (hypothesis);
* on a 300 000-spell ABACD series the fit is certified, and a brute-force check of the exact
  likelihood around the estimate (both directions of every principal axis at 0.5 and 1
  standard error, random directions) finds nothing higher than the certificate's tolerance;
  the certificate REJECTS the estimate moved by one standard error along any axis;
* the covariances of the fit (analytic Hessian of the smoothed likelihood) agree with the
  forward-difference route to 1e-3 of the largest entry, and its standard errors equal
  those of central differences of the adjoint gradient;
* a fit that runs to a bound is reported unconverged with a warning naming the parameter.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.core.exceptions import ConvergenceWarning
from stattools.duration import engine, kink
from stattools.duration.distributions import Exponential
from stattools.duration.kernels_multi import (
    exact_multi,
    exact_multi11,
    grad11,
    tangent2,
    tangent11,
)
from stattools.duration.model import ACD
from stattools.duration.models import forward, simulate_variant
from stattools.duration.recursion import Spec, negloglik

TRUTH = {
    "abacd": [0.05, 0.15, 0.85, 0.3, 0.4, 0.8, 0.7],
    "aacd": [0.1, 0.1, 0.85, 0.3, 0.4, 0.8, 0.7],
}
TOL = {"grad": 1e-12, "hess_rel": 1e-5, "info_rel": 1e-4, "cov_rel": 1e-3, "se_rel": 1e-3}
N_LONG = 300_000  # above kink._LONG: the fast path


def _theta(model, order):
    th = np.array(TRUTH[model])
    p, q = order
    return np.r_[th[0], [th[1] / p] * p, [th[2] / q] * q, th[3:]]


@pytest.mark.parametrize("model", ["abacd", "aacd"])
@pytest.mark.parametrize("order", [(1, 1), (2, 1), (1, 2)])
@pytest.mark.parametrize("acdm", [False, True])
def test_tangent2_equals_adjoint_and_differences(model, order, acdm):
    x = simulate_variant(model, TRUTH[model], 3000, rng=3)
    th = _theta(model, order)
    p, q = order
    b = 1.1 * float(x.mean())
    tau = 1e-2
    sp = Spec(p, q, model=model, acdm=acdm, tau=tau)
    n = x.size
    f0, g0 = negloglik(th, (), x, sp, Exponential(), b)
    m = max(p, q) if acdm else 0
    ok, f, g, H, In, J = tangent2(th, x, b, m, p, q, model == "aacd", tau, acdm, True)
    assert ok
    assert f / n == pytest.approx(f0, rel=1e-14)
    np.testing.assert_allclose(g / n, g0, rtol=0, atol=TOL["grad"])
    Hd = np.empty((th.size, th.size))
    for j in range(th.size):
        up, dn = th.copy(), th.copy()
        up[j] += 1e-6
        dn[j] -= 1e-6
        Hd[:, j] = (negloglik(up, (), x, sp, Exponential(), b)[1]
                    - negloglik(dn, (), x, sp, Exponential(), b)[1]) / 2e-6  # fmt: skip
    assert np.max(np.abs(H / n - Hd)) <= TOL["hess_rel"] * np.max(np.abs(Hd))
    # a = d log psi by central differences of the forward recursion; J = a'a, I = ((1-e)a)'(.)
    lay = sp.layout
    psi = forward(th, x, lay, b, acdm)[1]
    a = np.empty((n, th.size))
    for j in range(th.size):
        up, dn = th.copy(), th.copy()
        up[j] += 1e-6
        dn[j] -= 1e-6
        a[:, j] = (np.log(forward(up, x, lay, b, acdm)[1])
                   - np.log(forward(dn, x, lay, b, acdm)[1])) / 2e-6  # fmt: skip
    w = 1.0 - x / psi
    np.testing.assert_allclose(J, a.T @ a, rtol=TOL["info_rel"], atol=1e-8 * np.abs(J).max())
    np.testing.assert_allclose(In, (w[:, None] * a).T @ (w[:, None] * a), rtol=TOL["info_rel"],
                               atol=1e-8 * np.abs(In).max())  # fmt: skip
    # without the Hessian: the same objective and gradient
    ok2, f2, g2, *_ = tangent2(th, x, b, m, p, q, model == "aacd", tau, acdm, False)
    assert ok2 and f2 == f
    np.testing.assert_allclose(g2, g, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("model", ["abacd", "aacd"])
@pytest.mark.parametrize("acdm", [False, True])
@pytest.mark.parametrize("tau", [0.0, 1e-3, 1e-2])
def test_order11_kernels_equal_tangent2(model, acdm, tau):
    """The specialised (1, 1) kernels (``tangent11``: dense padded blocks; ``grad11``: first
    order) equal the general forward-mode kernel to rounding, and fail where it fails."""
    x = simulate_variant(model, TRUTH[model], 3000, rng=5)
    th = _theta(model, (1, 1))
    b = 0.9 * float(x.mean())
    m = 1 if acdm else 0
    aug = model == "aacd"
    ok, f, g, H, In, J = tangent2(th, x, b, m, 1, 1, aug, tau, acdm, True)
    ok11, f11, g11, H11, In11, J11 = tangent11(th, x, b, m, aug, tau, acdm)
    okg, fg, gg = grad11(th, x, b, m, aug, tau, acdm)
    assert ok and ok11 and okg
    assert f11 == pytest.approx(f, rel=1e-13) and fg == pytest.approx(f, rel=1e-13)
    for mine, ref in ((g11, g), (gg, g), (H11, H), (In11, In), (J11, J)):
        assert mine.shape == ref.shape
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    bad = th.copy()
    bad[0] = -50.0  # the state leaves its domain
    assert not tangent11(bad, x, b, m, aug, tau, acdm)[0]
    assert not grad11(bad, x, b, m, aug, tau, acdm)[0]
    assert not tangent2(bad, x, b, m, 1, 1, aug, tau, acdm, True)[0]


@settings(max_examples=25, deadline=None)
@given(
    model=hst.sampled_from(["abacd", "aacd"]),
    order=hst.sampled_from([(1, 1), (2, 1), (1, 2)]),
    acdm=hst.booleans(),
    tau=hst.sampled_from([0.0, 1e-3]),
    seed=hst.integers(0, 2**16),
)
def test_exact_multi_equals_negloglik_per_row(model, order, acdm, tau, seed):
    gen = np.random.default_rng(seed)
    x = simulate_variant(model, TRUTH[model], 400, rng=seed)
    p, q = order
    base = _theta(model, order)
    T = base * (1 + 0.2 * gen.standard_normal((5, base.size)))
    T[:, 1 + p + q] = np.clip(T[:, 1 + p + q], -1, 1)  # c
    T[:, -2:] = np.abs(T[:, -2:]) + 1e-3  # delta1, delta2 > 0
    T[0, 0] = -50.0  # a row whose state leaves its domain
    b = float(x.mean())
    sp = Spec(p, q, model=model, acdm=acdm, tau=tau)
    m = max(p, q) if acdm else 0
    f = exact_multi(T, x, b, m, p, q, model == "aacd", tau, acdm) / x.size
    if order == (1, 1):
        f11 = exact_multi11(T, x, b, m, model == "aacd", tau, acdm) / x.size
        np.testing.assert_allclose(f11, f, rtol=1e-13, atol=0)  # inf rows equal
    for r in range(T.shape[0]):
        ref = negloglik(T[r], (), x, sp, Exponential(), b, grad=False)[0]
        if np.isfinite(ref):
            assert f[r] == pytest.approx(ref, rel=1e-13)
        else:
            assert f[r] == np.inf


@pytest.fixture(scope="module")
def long_abacd():
    x = simulate_variant("abacd", TRUTH["abacd"], N_LONG, rng=9)
    mod = ACD(x, model="abacd")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a certified fit raises no warning
        res = mod.fit()
    return mod, res


def _L(mod, T):
    return -kink.exact_values(T, mod.x, mod.b, mod.spec) * mod.x.size


def test_long_fit_is_certified_and_a_brute_force_maximum(long_abacd):
    mod, res = long_abacd
    assert res.converged
    th = res.params.to_numpy()
    np.testing.assert_allclose(th, TRUTH["abacd"], atol=0.2)
    L0 = _L(mod, th)[0]
    assert res.llf == pytest.approx(L0, rel=1e-12)
    assert L0 == pytest.approx(-negloglik(th, (), mod.x, mod.spec, Exponential(), mod.b,
                                          grad=False)[0] * mod.x.size, rel=1e-12)  # fmt: skip
    H = engine.covariances(th, mod.x, None, mod.spec, mod.dist, mod.b)["H"]
    lam, V = np.linalg.eigh(H)
    D = V / np.sqrt(lam * mod.x.size)  # one standard error along each principal axis
    probes = [th + s * D[:, j] for j in range(th.size) for s in (-1.0, -0.5, 0.5, 1.0)]
    gen = np.random.default_rng(4)
    for r in (0.25, 0.5, 1.0):
        for _ in range(10):
            u = gen.standard_normal(th.size)
            probes.append(th + r * D @ (u / np.linalg.norm(u)))
    Lp = _L(mod, np.array(probes))
    assert np.max(Lp - L0) <= kink.CERT_TOL, np.max(Lp - L0)


def test_certificate_rejects_a_point_one_standard_error_off(long_abacd):
    mod, res = long_abacd
    th = res.params.to_numpy()
    H = engine.covariances(th, mod.x, None, mod.spec, mod.dist, mod.b)["H"]
    ok, gain, _, _ = kink.stencil_certificate(th, mod.x, mod.b, mod.spec, H)
    assert ok and gain <= kink.CERT_TOL
    lam, V = np.linalg.eigh(H)
    D = V / np.sqrt(lam * mod.x.size)
    for j, s in ((0, 1.0), (th.size // 2, -1.0), (th.size - 1, 1.0)):  # weakest .. stiffest
        off = th + s * D[:, j]
        ok, gain, step, _ = kink.stencil_certificate(off, mod.x, mod.b, mod.spec, H)
        assert not ok, (j, s, gain)
        assert gain > kink.CERT_TOL
        # the parabola step improves the exact likelihood
        Lo, Ls = _L(mod, np.array([off, off + step]))
        assert Ls > Lo, (j, s)


def test_long_covariances_equal_the_finite_difference_route(long_abacd, monkeypatch):
    mod, res = long_abacd
    th = res.params.to_numpy()
    fast = engine.covariances(th, mod.x, None, mod.spec, mod.dist, mod.b)  # the fit's pass
    again = engine.covariances(th, mod.x.copy(), None, mod.spec, mod.dist, mod.b)  # recomputed
    for key in ("H", "I", "J"):
        np.testing.assert_allclose(again[key], fast[key], rtol=1e-10, atol=0)
    monkeypatch.setattr(kink, "kinked_covariances", lambda *a: None)
    fd = engine.covariances(th, mod.x, None, mod.spec, mod.dist, mod.b)  # forward differences
    for key in ("H", "I", "J"):
        scale = np.abs(fd[key]).max()
        assert np.max(np.abs(fast[key] - fd[key])) <= TOL["cov_rel"] * scale, key
    # the Hessian is ill-conditioned (eigenvalues 5e-4 .. 44), so the standard errors are
    # checked against central differences of the adjoint gradient (the forward differences
    # of the general route move them by up to 1.5 percent)
    sp2 = dataclasses.replace(mod.spec, tau=kink.TAUS[0])
    Hc = np.empty_like(fast["H"])
    for j in range(th.size):
        h = 1e-6 * max(abs(th[j]), 1.0)
        up, dn = th.copy(), th.copy()
        up[j] += h
        dn[j] -= h
        Hc[:, j] = (negloglik(up, (), mod.x, sp2, Exponential(), mod.b)[1]
                    - negloglik(dn, (), mod.x, sp2, Exponential(), mod.b)[1]) / (2 * h)  # fmt: skip
    Hc = 0.5 * (Hc + Hc.T)
    se_c = np.sqrt(np.diag(engine.sandwich({**fast, "H": Hc}, "robust", mod.x.size, True)[0]))
    np.testing.assert_allclose(res.bse.to_numpy(), se_c, rtol=TOL["se_rel"])


def test_long_fit_at_a_bound_is_not_converged_and_warns():
    """AACD fitted to ACD(1,1) data runs to |c| = 1 (the news term's bound)."""
    x = st.simulate_acd(N_LONG, omega=0.05, alpha=0.1, beta=0.85, rng=3)["duration"].to_numpy()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = ACD(x, model="aacd").fit()
    assert not res.converged
    conv = [str(w.message) for w in rec if issubclass(w.category, ConvergenceWarning)]
    assert conv and "bound" in conv[0] and "c" in conv[0]
