"""Analytic shape derivatives and the fused law kernels (issue 12, speed of the error laws).

Every law's ``loglik_parts`` (log density, ``e d log f / d e``, ``d log f / d shape``)
is checked against ``logpdf`` and central differences of ``logpdf`` over its valid shape
range (hypothesis); the fused ACD objective/gradient against the unfused one and against
differences of the objective; and the q-Weibull domain crash (a central-difference step
below ``q = 1`` raised ``ValueError: math domain error`` in ``_qweibull_scale`` during a
10^6-point fit) has regression tests that fail on the old code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

import stattools as st
from stattools.duration import ACD
from stattools.duration import distributions as D
from stattools.duration.laws_fused import _qweibull_scale, h_stable
from stattools.duration.recursion import Spec, negloglik

PROBS = np.array([0.001, 0.01, 0.05, 0.2, 0.4, 0.5, 0.6, 0.8, 0.95, 0.99, 0.999])
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _check_parts(law: D.Innovation) -> None:
    e = law.ppf(PROBS)
    lf, sc, dsh = law.loglik_parts(e)
    np.testing.assert_allclose(lf, law.logpdf(e), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sc, law.score_eps(e), rtol=1e-10, atol=1e-10)
    s = list(law.params)

    def central(j: int, h: float) -> np.ndarray:
        up, dn = list(s), list(s)
        up[j] += h
        dn[j] -= h
        return (law.logpdf(e, up) - law.logpdf(e, dn)) / (2 * h)

    for j in range(len(s)):
        h = 1e-4 * abs(s[j])  # Richardson-extrapolated central differences, O(h^4)
        num = (4.0 * central(j, h / 2) - central(j, h)) / 3.0
        assert np.all(np.abs(dsh[:, j] - num) <= 1e-6 * (1.0 + np.abs(num))), (law, j)
    np.testing.assert_array_equal(law.dlogpdf_shape(e), dsh)


@SETTINGS
@given(k=hs.floats(0.3, 5.0))
def test_weibull_shape_derivative(k):
    _check_parts(D.Weibull(k))


@SETTINGS
@given(k=hs.floats(0.3, 3.0), nu=hs.floats(0.3, 10.0))
def test_generalized_gamma_shape_derivatives(k, nu):
    _check_parts(D.GeneralizedGamma(k, nu))


@SETTINGS
@given(kappa=hs.floats(0.5, 4.0), frac=hs.floats(0.02, 0.8))
def test_burr_shape_derivatives(kappa, frac):
    _check_parts(D.Burr(kappa, min(frac * kappa, 3.0)))


@SETTINGS
@given(sigma=hs.floats(0.2, 3.0))
def test_lognormal_shape_derivative(sigma):
    _check_parts(D.LogNormal(sigma))


@SETTINGS
@given(a=hs.floats(0.5, 3.0), q=hs.floats(1.02, 1.6))
def test_qweibull_shape_derivatives(a, q):
    law = D.QWeibull(a, q)
    if 1.0 / (q - 1.0) - 1.0 / a - 1.0 > 0.05:  # away from the finite-mean edge
        _check_parts(law)


@SETTINGS
@given(k=hs.floats(0.3, 5.0), eta=hs.floats(1.5, 20.0), g=hs.floats(0.5, 3.0))
def test_generalized_f_shape_derivatives(k, eta, g):
    law = D.GeneralizedF(k, eta, g)
    if eta * g > 1.05:
        _check_parts(law)


@SETTINGS
@given(
    p=hs.floats(0.1, 0.9), a=hs.floats(0.6, 3.0), q=hs.floats(1.02, 1.5), lam=hs.floats(0.2, 2.0)
)
def test_mixture_shape_derivatives(p, a, q, lam):
    law = D.MixQWeibullExponential(p, a, q, lam)
    if law.valid() and 1.0 / (q - 1.0) - 1.0 / a - 1.0 > 0.05:
        _check_parts(law)


def test_burr_small_sigma2_derivative_is_stable():
    """Near the Weibull limit the sigma2 derivative is a difference of O(1/sigma2^2) terms;
    the series form keeps it accurate (checked against wider central differences, whose
    truncation error is below their rounding error there)."""
    law = D.Burr(1.5, 1e-4)
    e = np.array([0.3, 1.0, 2.5])
    d = law.loglik_parts(e)[2][:, 1]
    h = 1e-5
    num = (law.logpdf(e, (1.5, 1e-4 + h)) - law.logpdf(e, (1.5, 1e-4 - h))) / (2 * h)
    np.testing.assert_allclose(d, num, rtol=2e-5)
    assert h_stable(1e-8) == pytest.approx(0.5e-16, rel=1e-6)
    assert h_stable(0.5) == pytest.approx(math.log1p(0.5) - 0.5 / 1.5, rel=1e-14)


@pytest.mark.parametrize(
    "law",
    [
        D.Weibull(0.8),
        D.Burr(1.2, 0.3),
        D.GeneralizedGamma(0.9, 1.3),
        D.LogNormal(0.8),
        D.QWeibull(1.2, 1.1),
        D.GeneralizedF(1.5, 6.0, 0.9),
        D.MixQWeibullExponential(0.6, 1.2, 1.1, 0.8),
    ],
    ids=lambda d: type(d).__name__,
)
def test_fused_objective_matches_unfused_and_differences(law):
    x = st.simulate_acd(2000, omega=0.05, alpha=0.1, beta=0.85, dist=law, rng=7)
    x = x["duration"].to_numpy()
    spec, b = Spec(1, 1), float(x.mean())
    th, sh = np.array([0.06, 0.12, 0.8]), tuple(v * 1.05 for v in law.params)
    f1, g1 = negloglik(th, sh, x, spec, law, b, fused=True)
    f2, g2 = negloglik(th, sh, x, spec, law, b, fused=False)
    assert f1 == pytest.approx(f2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)
    z = np.r_[th, sh]
    for j in range(z.size):
        h = 1e-6 * abs(z[j])
        up, dn = z.copy(), z.copy()
        up[j] += h
        dn[j] -= h
        fu = negloglik(up[:3], tuple(up[3:]), x, spec, law, b, grad=False)[0]
        fd = negloglik(dn[:3], tuple(dn[3:]), x, spec, law, b, grad=False)[0]
        assert g1[j] == pytest.approx((fu - fd) / (2 * h), rel=1e-5, abs=1e-7)


# ------------------------------------------------------------- the q-Weibull domain crash
def test_qweibull_derivative_at_the_lower_bound_of_q_does_not_raise():
    """Regression: the central-difference step below ``q = 1 + 1e-6`` (the bound) called
    ``math.log(q - 1)`` with ``q < 1`` (ValueError) during a fit at n = 10^6."""
    e = D.QWeibull(1.2, 1.1).ppf(PROBS)
    for law in (D.QWeibull(1.2, 1.0 + 1e-6), D.MixQWeibullExponential(0.6, 1.2, 1.0 + 1e-6, 0.8)):
        d = law.dlogpdf_shape(e)
        assert np.all(np.isfinite(d))
        x = st.simulate_acd(500, omega=0.05, alpha=0.1, beta=0.85, rng=3)["duration"].to_numpy()
        f, g = negloglik(np.array([0.05, 0.1, 0.85]), law.params, x, Spec(1, 1), law, 1.0)
        assert np.isfinite(f) and np.all(np.isfinite(g))


@pytest.mark.parametrize("q", [0.9, 1.0, 2.0, 2.5])
def test_out_of_domain_shapes_give_an_infinite_objective_not_an_error(q):
    x = st.simulate_acd(500, omega=0.05, alpha=0.1, beta=0.85, rng=3)["duration"].to_numpy()
    assert math.isnan(_qweibull_scale(1.2, q))
    for law, sh in (
        (D.QWeibull(), (1.2, q)),
        (D.MixQWeibullExponential(), (0.6, 1.2, q, 0.8)),
    ):
        lf, sc, dsh = law.loglik_parts(x, sh)
        assert np.all(np.isnan(lf)) and np.all(np.isnan(dsh))
        for fused in (True, False):
            f, g = negloglik(np.array([0.05, 0.1, 0.85]), sh, x, Spec(1, 1), law, 1.0, fused=fused)
            assert f == np.inf and np.all(np.isnan(g))
    with np.errstate(invalid="ignore"):
        assert np.all(np.isnan(D.QWeibull(1.2, q).logpdf(x)))


def test_one_sided_differences_at_a_bound_for_laws_without_a_kernel():
    """The generic central-difference fallback steps one-sidedly where a step would leave
    the parameter space (a law without a compiled kernel, e.g. a user's subclass)."""

    class Numeric(D.QWeibull):
        _code = 0

    law = Numeric(1.2, 1.0 + 1e-6)
    e = D.QWeibull(1.2, 1.1).ppf(PROBS)
    d_num = law.dlogpdf_shape(e)
    d_ana = D.QWeibull(1.2, 1.0 + 1e-6).dlogpdf_shape(e)
    assert np.all(np.isfinite(d_num))
    np.testing.assert_allclose(d_num[:, 0], d_ana[:, 0], rtol=5e-3)  # noisy at q = 1 + 1e-6


def test_qweibull_fit_near_q_equal_one_runs():
    """A Weibull series fitted with the q-Weibull law drives q to its lower bound 1 + 1e-6;
    the fit must finish (it raised ValueError before)."""
    x = st.simulate_acd(3000, omega=0.05, alpha=0.1, beta=0.85, dist=D.Weibull(1.3), rng=5)
    res = ACD(x["duration"].to_numpy(), dist="qweibull").fit()
    assert np.isfinite(res.llf)


@pytest.mark.parametrize(
    ("law", "shape"),
    [
        (D.GeneralizedF(), (1e4, 99992.9, 0.01)),  # the log scale underflowed: log(0)
        (D.Burr(), (50.0, 1e-6)),
        (D.GeneralizedGamma(), (0.05, 100.0)),
    ],
    ids=["genf", "burr", "gengamma"],
)
def test_extreme_valid_shapes_never_raise(law, shape):
    """Regression: at the corners of the box (met by L-BFGS-B trial points) the kernel's
    constants are computed on the log scale, and a non-finite one gives an infinite
    objective (a ``math domain error`` in ``GeneralizedF._consts`` before)."""
    x = st.simulate_acd(500, omega=0.05, alpha=0.1, beta=0.85, rng=3)["duration"].to_numpy()
    for fused in (True, False):
        f, g = negloglik(np.array([0.05, 0.1, 0.85]), shape, x, Spec(1, 1), law, 1.0, fused=fused)
        assert f == np.inf or (np.isfinite(f) and np.all(np.isfinite(g)))
    c = law.kernel_consts(shape)
    assert c is None or np.all(np.isfinite(c))


def test_fit_frees_the_work_arrays_of_the_shaped_laws():
    """The fused kernels reuse work arrays during one fit and hold none after it."""
    from stattools.duration import laws_fused

    x = st.simulate_acd(2000, omega=0.05, alpha=0.1, beta=0.85, dist=D.Weibull(0.8), rng=3)
    fit = ACD(x["duration"].to_numpy(), dist="weibull").fit()
    assert fit.converged
    assert not getattr(laws_fused._WORK, "cache", {})
    assert getattr(laws_fused._WORK, "depth", 0) == 0


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize(
    "law",
    [
        D.Weibull(0.8),
        D.Burr(1.2, 0.3),
        D.LogNormal(0.8),
        D.QWeibull(1.2, 1.1),
        D.GeneralizedF(1.5, 6.0, 0.9),
        D.MixQWeibullExponential(0.6, 1.2, 1.1, 0.8),
    ],
    ids=lambda d: type(d).__name__,
)
def test_obs_scores_from_the_work_buffers_match_the_unfused_formula(law, log):
    """``obs_scores`` of a law with a kernel (``laws_fused.law_scores``, inside and outside
    ``work_buffers``) equals ``(1 + score) ds/dtheta [/ psi]`` and ``-d log f / d shape``
    from ``loglik_parts``, to rounding (the same operations); an invalid shape gives NaN."""
    from stattools.duration.laws_fused import work_buffers
    from stattools.duration.recursion import obs_scores, state_jacobian

    x = st.simulate_acd(3000, omega=0.05, alpha=0.1, beta=0.85, dist=law, rng=11)
    x = x["duration"].to_numpy()
    spec, b = Spec(1, 1, log=log), float(x.mean())
    th = np.array([-0.02, 0.08, 0.9]) if log else np.array([0.06, 0.12, 0.8])
    sh = tuple(v * 1.05 for v in law.params)
    s, jac = state_jacobian(th, x, spec, b)
    psi = np.exp(s) if log else s
    _, sc, dsh = law.loglik_parts(x / psi, sh)
    g = (1.0 + sc) if log else (1.0 + sc) / psi
    want = np.column_stack([g[:, None] * jac, -dsh])
    np.testing.assert_allclose(obs_scores(th, sh, x, spec, law, b), want, rtol=1e-10, atol=0)
    with work_buffers():
        got, s2, jac2 = obs_scores(th, sh, x, spec, law, b, full=True)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=0)
    np.testing.assert_array_equal(s2, s)
    bad = obs_scores(th, tuple(-abs(v) for v in sh), x, spec, law, b)
    assert np.isnan(bad[:, 3:]).all()


def test_acd11_register_loops_equal_the_general_recursion():
    """The ACD(1,1) branches of ``_acd_psi`` / ``_acd_adjoint`` (lags in registers) equal the
    general ACD(p, q) loops run with zero second lags (the same sums in the same order)."""
    from stattools.duration.laws_fused import _acd_adjoint, _acd_psi

    rng = np.random.default_rng(5)
    x, gs = rng.exponential(size=500), rng.normal(size=500)
    a1, b1, a2, b2 = np.array([0.1]), np.array([0.85]), np.array([0.1, 0.0]), np.array([0.85, 0.0])
    p1, e1, p2, e2 = (np.empty(500) for _ in range(4))
    s1 = _acd_psi(0.05, a1, b1, x, 1.3, p1, e1)
    s2 = _acd_psi(0.05, a2, b2, x, 1.3, p2, e2)
    assert s1 == pytest.approx(s2, rel=1e-13)
    np.testing.assert_allclose(p1, p2, rtol=1e-13)
    np.testing.assert_allclose(e1, e2, rtol=1e-13)
    g1 = _acd_adjoint(gs, p1, x, a1, b1, 1.3, np.empty(500))
    g2 = _acd_adjoint(gs, p2, x, a2, b2, 1.3, np.empty(500))
    np.testing.assert_allclose(g1, g2[[0, 1, 3]], rtol=1e-12)
    assert math.isnan(_acd_psi(-5.0, a1, b1, x, 1.3, p1, e1))  # psi <= 0
