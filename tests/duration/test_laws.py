"""Generalised F, q-Weibull and q-Weibull/exponential mixture laws (issue 12, "What to add").

Densities: unit mass and unit mean by quadrature, CDF/quantile round trip, the analytic
``score_eps`` against central differences. Fits: ACD(1,1), ``backcast="acdm"``, against
R ACDm 1.1.0 (values and script in ``tests/reference/duration/acdm_laws.{R,json}``).
"""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import integrate

import stattools as st
from stattools.core.exceptions import BoundaryWarning
from stattools.duration import ACD
from stattools.duration.distributions import (
    GeneralizedF,
    GeneralizedGamma,
    LogNormal,
    MixQWeibullExponential,
    QWeibull,
    get_distribution,
)
from stattools.duration.recursion import Spec, negloglik

REF = json.loads(
    (pathlib.Path(__file__).parents[1] / "reference" / "duration" / "acdm_laws.json").read_text()
)
# ACDm's conventions: parameters to 1e-3 relative, log-likelihoods to 1e-2 (issue 12);
# the log-likelihood at ACDm's own estimate must reproduce its value to rounding.
TOL = {"param_rtol": 1e-3, "llf_abs": 1e-2, "llf_at_point_rtol": 1e-9, "quad": 1e-7}

LAWS = [
    GeneralizedF(2.0, 3.0, 1.5),
    GeneralizedF(0.4, 0.7, 2.5),
    GeneralizedF(4.0, 2.0e4, 0.41),
    QWeibull(0.98, 1.15),
    QWeibull(2.5, 1.3),
    QWeibull(0.6, 1.05),
    MixQWeibullExponential(0.7, 1.3, 1.2, 1.2),
    MixQWeibullExponential(0.23, 2.5, 1.687, 1.11),
    LogNormal(0.5),
    LogNormal(1.2),
]


def _moments(law) -> tuple[float, float]:
    f = lambda u: float(law.pdf(np.array([u]))[0])  # noqa: E731
    m0 = m1 = 0.0
    for lo, hi in [(0.0, 1.0), (1.0, math.inf)]:
        m0 += integrate.quad(f, lo, hi, limit=200)[0]
        m1 += integrate.quad(lambda u: u * f(u), lo, hi, limit=200)[0]
    return m0, m1


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_unit_mass_unit_mean_quantiles_and_score(law):
    m0, m1 = _moments(law)
    assert m0 == pytest.approx(1.0, abs=TOL["quad"])
    assert m1 == pytest.approx(1.0, abs=TOL["quad"])
    p = np.array([1e-4, 0.05, 0.3, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(law.cdf(law.ppf(p)), p, atol=1e-10)
    np.testing.assert_allclose(law.cdf(law.ppf(p)) + law.sf(law.ppf(p)), 1.0, atol=1e-12)
    e = np.array([0.05, 0.4, 1.0, 2.5, 7.0])
    h = 1e-6
    num = (law.logpdf(e * math.exp(h)) - law.logpdf(e * math.exp(-h))) / (2 * h)
    np.testing.assert_allclose(law.score_eps(e), num, atol=1e-6)
    cdf_q = integrate.quad(lambda u: float(law.pdf(np.array([u]))[0]), 0.0, 1.3, limit=200)[0]
    assert float(law.cdf(np.array([1.3]))[0]) == pytest.approx(cdf_q, abs=1e-8)


@settings(deadline=None, max_examples=12)
@given(
    a=hst.floats(0.5, 4.0),
    frac=hst.floats(0.05, 0.9),
    pm=hst.floats(0.1, 0.95),
    k=hst.floats(0.3, 5.0),
    eta=hst.floats(1.0, 50.0),
)
def test_unit_mean_property(a, frac, pm, k, eta):
    # q inside (1, 1 + a/(1+a)), where the q-Weibull mean is finite
    q = 1.0 + frac * a / (1.0 + a)
    g = 1.5 / eta + 0.5
    lam = 0.9 / (1.0 - pm)
    for law in (QWeibull(a, q), GeneralizedF(k, eta, g), MixQWeibullExponential(pm, a, q, lam)):
        assert law.valid()
        m0, m1 = _moments(law)
        assert m0 == pytest.approx(1.0, abs=1e-6)
        assert m1 == pytest.approx(1.0, abs=1e-6)


def test_simulation_mean_and_parameter_space():
    g = np.random.default_rng(5)
    for law in LAWS[:2] + LAWS[3:5] + LAWS[6:]:
        draws = law.rvs(100_000, g)
        sd = float(np.std(draws))
        assert abs(draws.mean() - 1.0) < 5 * sd / math.sqrt(draws.size)
    assert not QWeibull(0.5, 1.8).valid()  # 1/(q-1) - 1/a - 1 < 0: infinite mean
    assert not GeneralizedF(2.0, 0.5, 1.5).valid()  # eta * gamma <= 1: infinite mean
    assert not MixQWeibullExponential(0.2, 1.3, 1.2, 1.5).valid()  # (1-p) lambda >= 1
    assert isinstance(get_distribution("genf"), GeneralizedF)
    assert isinstance(get_distribution("q-Weibull"), QWeibull)
    assert isinstance(get_distribution("mixqwe"), MixQWeibullExponential)
    with pytest.raises(st.DataError, match="genf"):
        get_distribution("mixqww")


def _ibm() -> np.ndarray:
    return st.datasets.load_dataset("ibm_adjdur_5days")["adj_duration"].to_numpy()


def _llf_at(x: np.ndarray, ref: dict, law) -> float:
    f, _ = negloglik(
        np.asarray(ref["params"]),
        tuple(ref["dist_params"]),
        x,
        Spec(1, 1, acdm=True),
        law,
        x.mean(),
        grad=False,
    )
    return -x.size * f


@pytest.mark.needs_data
@pytest.mark.parametrize("key", ["qweibull", "mixqwe", "genf"])
def test_likelihood_at_acdm_estimate(key):
    """Same density, scale constant and recursion as ACDm: its llf at its own point."""
    ref = REF["fits"][key]
    x = _ibm()
    llf = _llf_at(x, ref, get_distribution(key))
    assert llf == pytest.approx(ref["llf"], rel=TOL["llf_at_point_rtol"])


@pytest.mark.needs_data
@pytest.mark.parametrize("key", ["qweibull", "mixqwe"])
def test_fit_matches_acdm_ibm(key):
    ref = REF["fits"][key]
    assert ref["convergence"] == 0
    res = ACD(_ibm(), order=(1, 1), dist=key, backcast="acdm").fit()
    assert res.converged
    np.testing.assert_allclose(
        res.params.to_numpy(), ref["params"] + ref["dist_params"], rtol=TOL["param_rtol"]
    )
    assert res.llf == pytest.approx(ref["llf"], abs=TOL["llf_abs"])


@pytest.mark.needs_data
def test_genf_ibm_runs_to_the_generalized_gamma_limit():
    """On IBM the generalised F likelihood increases as eta -> inf (ACDm stops at eta ~ 2.4e4
    with nlminb convergence code 1); we reach the bound, flag it, and match ACDm's llf.
    (With the analytic shape gradient the optimiser reaches the bound cleanly: the
    convergence and Hessian warnings of the central-difference gradient are gone, the
    boundary warning and ``converged=False`` remain.)"""
    ref = REF["fits"]["genf"]
    assert ref["convergence"] == 1
    with pytest.warns(BoundaryWarning, match="eta"):
        res = ACD(_ibm(), order=(1, 1), dist="genf", backcast="acdm").fit()
    assert not res.converged
    assert res.params["eta"] == pytest.approx(GeneralizedF.bounds[1][1])
    assert res.llf == pytest.approx(ref["llf"], abs=TOL["llf_abs"])
    assert res.llf >= ref["llf"]
    np.testing.assert_allclose(
        res.params[["kappa", "gamma"]].to_numpy(), ref["dist_params"][::2], rtol=2e-2
    )


def test_genf_fit_matches_acdm_interior():
    """Interior optimum: ACDm's fit of a simulated generalised F ACD series (in the JSON)."""
    ref = REF["genf_sim"]
    assert ref["convergence"] == 0
    x = np.asarray(ref["x"])
    res = ACD(x, order=(1, 1), dist="genf", backcast="acdm").fit()
    assert res.converged
    np.testing.assert_allclose(
        res.params.to_numpy(), ref["params"] + ref["dist_params"], rtol=TOL["param_rtol"]
    )
    assert res.llf == pytest.approx(ref["llf"], abs=TOL["llf_abs"])
    assert _llf_at(x, ref, GeneralizedF()) == pytest.approx(ref["llf"], rel=1e-9)


def test_new_laws_reject_zero_durations():
    x = st.simulate_acd(300, omega=0.1, alpha=0.1, beta=0.8, rng=2)["duration"].to_numpy().copy()
    x[10] = 0.0
    for key in ("genf", "qweibull", "mixqwe"):
        with pytest.raises(st.DataError, match="log"):
            ACD(x, dist=key)


# ------------------------------------------------------------------ item 2: log shapes, log-normal
def test_lognormal_shape_score_and_generalized_gamma_limit():
    law = LogNormal(0.9)
    e = np.array([0.05, 0.4, 1.0, 2.5, 7.0])
    h = 1e-6
    num = (law.logpdf(e, (0.9 + h,)) - law.logpdf(e, (0.9 - h,))) / (2 * h)
    np.testing.assert_allclose(law.dlogpdf_shape(e)[:, 0], num, atol=1e-7)
    # the generalised gamma (k, nu) with k = 1 / (sigma sqrt(nu)) tends to LogNormal(sigma)
    sig, nu = 0.9, 1e6
    gg = GeneralizedGamma(1.0 / (sig * math.sqrt(nu)), nu)
    np.testing.assert_allclose(gg.logpdf(e), law.logpdf(e), atol=5e-3)
    assert get_distribution("lognormal") == LogNormal()


def test_shapes_are_optimised_on_the_log_scale():
    from stattools.duration.engine import _Problem

    x = st.simulate_acd(800, omega=0.1, alpha=0.1, beta=0.8, dist="weibull", rng=3)
    x = x["duration"].to_numpy()
    for dist in (GeneralizedGamma(), get_distribution("burr"), QWeibull()):
        prob = _Problem(x / x.mean(), None, Spec(), dist, 1.0, False, log_shapes=True)
        phi = prob.phi(np.r_[0.1, 0.1, 0.8, dist.start])
        assert np.allclose(prob.theta(phi)[3:], dist.start)
        assert list(prob.logmask[3:]) == list(dist.log_scale)
        f, g = prob.fg(phi)
        num = np.empty_like(phi)
        for j in range(phi.size):
            up, dn = phi.copy(), phi.copy()
            up[j] += 1e-6
            dn[j] -= 1e-6
            num[j] = (prob.fg(up)[0] - prob.fg(dn)[0]) / 2e-6
        np.testing.assert_allclose(g, num, atol=1e-6)
    assert QWeibull().log_scale == (True, False)  # q in (1, 2) stays on its own scale


@pytest.mark.needs_data
def test_generalized_gamma_runs_off_to_the_lognormal_limit():
    """ACDm sample data (issue 12 item 2): the generalised gamma's nu runs to its range limit
    (flagged, not converged, the note suggests the log-normal law), and the log-normal fit,
    its limit, is converged with a log-likelihood about 85 units higher."""
    d = st.datasets.load_dataset("acdm_durations")
    with pytest.warns(BoundaryWarning, match="dist='lognormal'"):
        gg = st.acd("adjDur ~ 1", data=d, dist="generalized_gamma")
    assert not gg.converged
    assert gg.params["nu"] == pytest.approx(GeneralizedGamma.bounds[1][1])
    ln = st.acd("adjDur ~ 1", data=d, dist="lognormal")
    assert ln.converged
    assert ln.llf > gg.llf + 50
    assert 0.5 < ln.params["sigma"] < 2
