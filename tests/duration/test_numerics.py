"""Numerical core: filter == loop, adjoint gradient == finite differences, densities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import integrate, optimize, special

from stattools.duration import Burr, Exponential, GeneralizedGamma, Weibull
from stattools.duration.recursion import Spec, filter_state, negloglik, obs_scores, psi_loop

TOL = {"filter": dict(atol=1e-12, rtol=1e-12), "density": dict(abs=1e-7)}

LAWS = [
    Exponential(),
    Weibull(0.7),
    Weibull(1.6),
    GeneralizedGamma(0.6, 2.5),
    GeneralizedGamma(1.8, 0.6),
    Burr(1.3, 0.4),
    Burr(0.9, 0.2),
]


@settings(deadline=None, max_examples=25)
@given(
    p=hst.integers(1, 3),
    q=hst.integers(0, 3),
    seed=hst.integers(0, 10_000),
    b=hst.floats(0.1, 5.0),
)
def test_lfilter_equals_plain_loop(p, q, seed, b):
    g = np.random.default_rng(seed)
    x = g.exponential(size=300) * 2.0
    alpha = g.uniform(0, 0.3, p)
    beta = g.uniform(0, 0.9 / max(q, 1), q)
    theta = np.r_[g.uniform(0.01, 1), alpha, beta]
    spec = Spec(p, q)
    np.testing.assert_allclose(
        filter_state(theta, x, spec, b), psi_loop(theta, x, spec, b), **TOL["filter"]
    )


def test_log_acd_filter_equals_loop():
    g = np.random.default_rng(3)
    x = g.exponential(size=400)
    omega, a, b_ = 0.02, 0.1, 0.85
    s = filter_state(np.array([omega, a, b_]), x, Spec(1, 1, log=True), 1.0)
    ref = np.empty_like(x)
    prev_s, prev_le = 0.0, 0.0  # presample psi = 1, eps = 1
    for i in range(x.size):
        ref[i] = omega + a * prev_le + b_ * prev_s
        prev_le, prev_s = math.log(x[i]) - ref[i], ref[i]
    np.testing.assert_allclose(s, ref, atol=1e-12)


CASES = [
    (Spec(1, 1), np.array([0.1, 0.1, 0.8]), Exponential()),
    (Spec(2, 2), np.array([0.1, 0.1, 0.05, 0.5, 0.2]), Exponential()),
    (Spec(1, 1), np.array([0.05, 0.3, 0.75]), Weibull(0.8)),  # alpha + beta > 1
    (Spec(1, 2, exog=("z",)), np.array([0.1, 0.1, 0.5, 0.2, 0.05]), Burr(1.2, 0.3)),
    (Spec(1, 1, log=True), np.array([0.02, 0.1, 0.8]), GeneralizedGamma(1.1, 0.9)),
    (Spec(2, 1, log=True, exog=("z",)), np.array([0.02, 0.1, 0.05, 0.8, -0.1]), Weibull(1.2)),
]


@pytest.mark.parametrize("spec,theta,law", CASES, ids=range(len(CASES)))
def test_adjoint_gradient_matches_finite_differences(spec, theta, law):
    g = np.random.default_rng(1)
    x = g.exponential(size=1500)
    Z = np.abs(g.normal(size=(1500, 1))) if spec.exog else None
    shape = law.params
    full = np.r_[theta, shape]

    def f(v):
        return negloglik(v[: spec.k], tuple(v[spec.k :]), x, spec, law, 1.0, Z, grad=False)[0]

    def grad(v):
        return negloglik(v[: spec.k], tuple(v[spec.k :]), x, spec, law, 1.0, Z)[1]

    # scipy's forward-difference check, and a tighter central-difference comparison
    assert optimize.check_grad(f, grad, full, epsilon=1e-8) < 1e-6
    num = np.empty_like(full)
    for j in range(full.size):
        h = 1e-5 * max(abs(full[j]), 0.1)
        up, dn = full.copy(), full.copy()
        up[j] += h
        dn[j] -= h
        num[j] = (f(up) - f(dn)) / (2 * h)
    np.testing.assert_allclose(grad(full), num, rtol=1e-6, atol=1e-8)
    # per-observation scores average to the gradient
    np.testing.assert_allclose(
        obs_scores(theta, shape, x, spec, law, 1.0, Z).mean(0), grad(full), atol=1e-9
    )


def test_nonpositive_psi_gives_infinite_objective():
    x = np.ones(100)
    Z = np.r_[np.zeros(50), -10 * np.ones(50)][:, None]
    f, g = negloglik(
        np.array([0.1, 0.1, 0.5, 1.0]), (), x, Spec(1, 1, exog=("z",)), Exponential(), 1.0, Z
    )
    assert f == np.inf and np.isnan(g).all()


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_density_integrates_to_one_with_unit_mean(law):
    pdf = lambda u: float(law.pdf(np.array([u]))[0])  # noqa: E731
    assert integrate.quad(pdf, 0, np.inf, limit=200)[0] == pytest.approx(1.0, **TOL["density"])
    assert integrate.quad(lambda u: u * pdf(u), 0, np.inf, limit=200)[0] == pytest.approx(
        1.0, abs=1e-6
    )


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_cdf_ppf_hazard_and_score_are_consistent(law):
    p = np.array([0.01, 0.2, 0.5, 0.9, 0.999])
    e = law.ppf(p)
    np.testing.assert_allclose(law.cdf(e), p, atol=1e-10)
    np.testing.assert_allclose(law.sf(e), 1 - p, atol=1e-10)
    # cdf is the integral of the pdf
    assert integrate.quad(lambda u: float(law.pdf(np.array([u]))[0]), 0, e[2])[0] == pytest.approx(
        0.5, abs=1e-7
    )
    np.testing.assert_allclose(law.hazard(e), law.pdf(e) / (1 - p), rtol=1e-8)
    h = 1e-6
    num = e * (law.logpdf(e + h) - law.logpdf(e - h)) / (2 * h)
    np.testing.assert_allclose(law.score_eps(e), num, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_sampling_has_unit_mean_and_right_law(law):
    from scipy import stats

    d = law.rvs(20_000, np.random.default_rng(5))
    assert stats.kstest(d, law.cdf).pvalue > 1e-3


def test_weibull_and_gengamma_closed_forms():
    # nu = 1 reduces the generalised gamma to the Weibull law
    e = np.linspace(0.05, 4, 20)
    np.testing.assert_allclose(
        GeneralizedGamma(1.4, 1.0).logpdf(e), Weibull(1.4).logpdf(e), atol=1e-12
    )
    # Weibull(1) is the unit exponential
    np.testing.assert_allclose(Weibull(1.0).logpdf(e), Exponential().logpdf(e), atol=1e-12)
    # Burr scale: closed-form mean of Burr XII, E X = k B(k - 1/c, 1 + 1/c)
    c, k = 1.3, 1 / 0.4
    lam = Burr._lam(1.3, 0.4)
    mean = lam * 0.4 ** (-1 / c) * k * special.beta(k - 1 / c, 1 + 1 / c)
    assert mean == pytest.approx(1.0, rel=1e-12)


@settings(deadline=None, max_examples=12)
@given(
    law=hst.sampled_from([Weibull, GeneralizedGamma, Burr]),
    a=hst.floats(0.5, 3.0),
    c=hst.floats(0.1, 0.45),
)
def test_unit_mean_for_any_shape(law, a, c):
    shape = {Weibull: (a,), GeneralizedGamma: (a, 1 / c), Burr: (a, c * min(a, 1.0))}[law]
    d = law(*shape)
    mean = integrate.quad(lambda p: float(d.ppf(np.array([p]))[0]), 0, 1, limit=200)[0]
    assert mean == pytest.approx(1.0, rel=1e-5)
    p = np.array([0.05, 0.5, 0.95])
    np.testing.assert_allclose(d.cdf(d.ppf(p)), p, atol=1e-9)
