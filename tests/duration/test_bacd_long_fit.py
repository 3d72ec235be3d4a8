"""Long-series BACD fit when the subsample screen's optimum is outside the full series'
admissible region (``stattools/duration/tangent_fit.py``, :func:`admissible`).

The case (issue 12, found with the forward-mode long-series fit): BACD simulated at
``(omega, alpha, beta, delta1, delta2) = (0.05, 0.1, 0.85, 1.4, 0.4)``, ``n = 300,000``,
rng 3. The first 20,000 spells have their maximum at ``omega ~ -0.40``, ``delta1 ~ 3.5``,
``delta2 ~ 0.13`` (also when started at the truth), where the state ``psi^delta1`` of the
full series turns negative; the fit used to end there with log-likelihood ``-3e15``.
References: the same model fitted from the true parameters (``start=``), and a brute-force
comparison of the full-data log-likelihood at the estimate with points around it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from stattools.core.exceptions import ConvergenceWarning, HessianWarning
from stattools.duration import engine
from stattools.duration.model import ACD
from stattools.duration.models import simulate_variant, tangent_exp
from stattools.duration.tangent_fit import admissible

TRUTH = [0.05, 0.1, 0.85, 1.4, 0.4]
TOL = {"llf_abs": 1e-5, "par_abs": 1e-4}


@pytest.fixture(scope="module")
def series():
    return simulate_variant("bacd", TRUTH, 300_000, rng=3)


def _problem(x, size=None):
    m = ACD(x, model="bacd")
    x_ = m.x if size is None else m.x[:size]
    return engine._Problem(x_, None, m.spec, m.dist, m.b, False, None, log_shapes=True), m


def test_screen_optimum_is_outside_the_full_series_region(series):
    """The defect's cause, kept as a fact so that the fit below keeps exercising it."""
    sub, m = _problem(series, engine._SUB)
    full, _ = _problem(series)
    assert engine._xbar(m.x, m.spec) == 1.0  # the variants are fitted unscaled
    from stattools.duration.tangent_fit import newton_tangent

    ph, done, r = newton_tangent(sub, sub.phi(np.array(TRUTH)), 1e-7, max_iter=60)
    th = sub.theta(ph)
    assert done and th[0] < -0.3 and th[3] > 3.0 and th[4] < 0.2
    assert tangent_exp(th, full.x, m.spec.layout, full.b, False, False) is None


@pytest.mark.slow
def test_default_fit_reaches_the_optimum(series):
    fit = ACD(series, model="bacd").fit()
    ref = ACD(series, model="bacd").fit(start=TRUTH)
    assert fit.converged and ref.converged
    assert math.isfinite(fit.llf)
    assert abs(fit.llf - ref.llf) < TOL["llf_abs"]  # log-likelihood units
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), atol=TOL["par_abs"])
    # brute force: no point of a cloud around the estimate (and on the segment towards the
    # screen's optimum) has a higher log-likelihood
    full, m = _problem(series)
    th = fit.params.to_numpy()
    f0 = full.fg(full.phi(th))[0]
    assert -f0 * series.shape[0] == pytest.approx(fit.llf, abs=1e-6)
    rng = np.random.default_rng(0)
    scale = np.array([0.01, 0.01, 0.01, 0.1, 0.05])
    for _ in range(15):
        for h in (1.0, 0.1):
            cand = th + h * scale * rng.standard_normal(5)
            cand[3:] = np.maximum(cand[3:], 1e-3)
            assert full.fg(full.phi(cand))[0] >= f0 - 1e-12
    screen = np.array([-0.4033, 0.5393, 0.8743, 3.5095, 0.1301])
    for t in np.linspace(0.1, 1.0, 10):
        assert full.fg(full.phi(th + t * (screen - th)))[0] > f0


def test_admissible_moves_back_towards_home(series):
    full, _ = _problem(series)
    home = full.phi(np.array(TRUTH))
    bad = full.phi(np.array([-0.4033, 0.5393, 0.8743, 3.5095, 0.1301]))
    assert full.fgh(bad, False) is None
    ph, r, moved = admissible(full, bad, home)
    assert moved and r is not None and full.fgh(ph, False) is not None
    assert np.all(np.abs(ph - home) <= np.abs(bad - home) + 1e-15)
    ph2, r2, moved2 = admissible(full, home, home)  # already admissible: unchanged
    assert not moved2 and np.array_equal(ph2, home)
    assert admissible(full, bad, bad, halvings=2) is None  # no admissible point on the way


def test_screen_ranks_local_optima_otherwise_than_the_full_series():
    """``n = 70,000``, rng 1: the screen's best optimum (``delta1 ~ 5.2``) led to a local
    maximum of the full series 1.47 units below the one every start reaches on the full
    data (``delta1 ~ 2.6``); every distinct screen optimum now goes on to the full data."""
    x = simulate_variant("bacd", TRUTH, 70_000, rng=1)
    fit = ACD(x, model="bacd").fit()
    ref = ACD(x, model="bacd").fit(start=TRUTH)
    assert fit.converged and ref.converged
    assert abs(fit.llf - ref.llf) < TOL["llf_abs"]
    assert fit.llf == pytest.approx(-65564.8903, abs=1e-3)  # the global maximum found by
    # full-data Newton from each of the three default starts and from the truth


@pytest.mark.slow
def test_no_admissible_point_reports_no_loglikelihood(series, monkeypatch):
    """The quasi-Newton path (taken when the forward-mode path fails) still ends at the
    screen's inadmissible optimum on this series: the fit is flagged and its log-likelihood
    is NaN (it was -3e15, ``-1e10 N``, the objective's barrier value)."""
    monkeypatch.setattr(engine, "fit_tangent_long", lambda *a: None)
    with pytest.warns(ConvergenceWarning, match="psi leaves its domain"):
        with pytest.warns(HessianWarning):
            fit = ACD(series, model="bacd").fit()
    assert not fit.converged and math.isnan(fit.llf)
