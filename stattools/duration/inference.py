r"""Tests of ``H0: alpha + beta = 1`` (tail index ``kappa = 1``), the tail index, Ljung-Box.

Background (Kesten-Goldie; Cavaliere, Mikosch, Rahbek and Vilandt, 2024, 2025): in the
ACD(1,1) ``psi_{i+1} = omega + A_i psi_i`` with ``A_i = alpha eps_i + beta``, the
durations have a power-law tail with index ``kappa`` solving ``E A^kappa = 1``;
``h(s) = E A^s`` is convex with ``h(0) = 1`` and ``h(1) = alpha + beta``, so
``pi < 1 <=> kappa > 1`` (finite mean), ``pi = 1 <=> kappa = 1`` and ``pi > 1`` with
``E log A < 0 <=> kappa < 1`` (stationary, infinite mean).

Not confirmed from the source: the paper's full text could not be read. The statistics
here are our reconstruction: Wald and QLR statistics self-normalised by ``N(T)`` and the
robust covariance, treated as N(0, 1) / chi2(1) in every regime; the plug-in tail index
with a delta-method standard error that neglects the cross-covariance between the
parameter estimates and the residual average.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from ..core.exceptions import (
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    NonStationaryWarning,
    NotSupportedError,
)
from ..core.inference import normal_pvalue, resampling_pvalue
from ..core.resampling import as_seed_sequence, check_n_jobs, seed_record
from ..core.results import InvalidTestResult, TestResult
from ..core.validation import check_alternative, check_level, check_option
from .engine import fit_engine

__all__ = ["infinite_mean_test", "tail_index", "ljung_box", "kappa_exponential"]

_H0 = "alpha + beta = 1 (tail index kappa = 1: integrated ACD, infinite mean)"
_ALT = {
    "greater": "alpha + beta > 1 (kappa < 1, infinite mean)",
    "less": "alpha + beta < 1 (kappa > 1, finite mean)",
    "two-sided": "alpha + beta != 1",
}


def _restricted(res: Any) -> tuple[float, np.ndarray, bool]:
    """Restricted (``pi = 1``) fit: best of the default starts and the projected estimate."""
    model = res._model
    args = (model.x, model.Z, model.spec, res.dist, model.b)
    kw = {"restricted": True, "segments": model.segments}
    outs = [fit_engine(*args, **kw)]
    th = res.params.to_numpy(dtype=float).copy()
    spec = model.spec
    iq = spec.p + spec.q
    if spec.q and not spec.log:
        th[iq] = 1.0 - th[1:iq].sum()
        if 0.0 <= th[iq] < 1.0:
            outs.append(fit_engine(*args, start=th, **kw))
    best = max(outs, key=lambda o: o.llf if math.isfinite(o.llf) else -math.inf)
    return best.llf, best.theta, best.converged


def _unrestricted_refit(res: Any, theta_r: np.ndarray) -> tuple[float, np.ndarray]:
    """Refit the unrestricted model from the restricted estimate."""
    model = res._model
    out = fit_engine(
        model.x, model.Z, model.spec, res.dist, model.b, start=theta_r, segments=model.segments
    )
    return out.llf, out.theta


def _check_result(res: Any) -> None:
    # duck-typed: results.py imports this module, so importing ACDResult here would be a cycle
    if not (hasattr(res, "_model") and hasattr(res, "persistence") and hasattr(res, "llf")):
        what = type(res).__name__
        hint = (
            " Fit the model first: st.infinite_mean_test(st.acd('duration ~ 1', data=df))."
            if isinstance(res, pd.DataFrame | pd.Series | np.ndarray)
            else ""
        )
        raise DataError(f"res must be a fitted ACDResult (from st.acd), got {what}.{hint}")


def infinite_mean_test(
    res: Any,
    alternative: str = "two-sided",
    method: str = "auto",
    level: float = 0.95,
    *,
    n_resamples: int = 199,
    rng: Any = None,
    n_jobs: int = 1,
    progress: bool | None = None,
    sampling: str = "window",
) -> TestResult:
    r"""Test ``H0: sum(alpha) + sum(beta) = 1`` (``kappa = 1``) in a fitted ACD.

    The default (``method="auto"``), for every alternative, is the robust Wald statistic
    ``t`` with a residual-bootstrap p-value from the restricted (``pi = 1``) fit over the
    same window (two-sided: equal-tailed): the best-calibrated of the tests in the size
    table of the Notes, which also lists its remaining departures. The asymptotic Wald and QLR p-values are always computed
    too and stored in ``extra``; they are miscalibrated near the boundary (oversized
    towards a finite mean, far too conservative towards an infinite mean).

    Parameters
    ----------
    res : ACDResult
        A linear ACD fit (any order).
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: ``pi > 1`` (``kappa < 1``, infinite mean); ``"less"``: ``pi < 1``
        (finite mean; also the level-a test of ``H0: pi >= 1``, the boundary being least
        favourable).
    method : {"auto", "bootstrap", "wald", "qlr"}
        ``"auto"`` (default): ``"bootstrap"`` for every alternative. ``"bootstrap"``:
        ``t = (pi_hat - 1) / se(pi_hat)`` (the fit's covariance, robust by default)
        referred to ``n_resamples`` bootstrap draws ``t*`` simulated from the restricted
        fit over the same window ``T`` (see :mod:`stattools.duration.bootstrap`; our
        addition, not from the paper); ``p = (1 + #{t* <= t}) / (1 + B)`` for
        ``"less"``, ``#{t* >= t}`` for ``"greater"`` and ``min(1, 2 min(p_less,
        p_greater))`` for ``"two-sided"`` (equal-tailed: ``t`` is not centred at 0).
        ``"wald"``: the same ``t`` referred to N(0, 1). ``"qlr"``: ``r = sign(pi_hat - 1)
        sqrt(LR / sigma2)``, with ``LR = 2 (llf - llf_restricted)``; for the exponential
        QMLE ``sigma2 = mean((eps_hat - 1)^2)``, for full MLE ``sigma2 = 1``. (``"lr"`` is
        accepted too.) The two asymptotic tests are oversized for ``alternative="less"``
        and conservative for ``"greater"`` near the boundary (table below): use them only
        for large samples.
    level : float
        Level used only to flag disagreement between Wald and QLR near the boundary.
    n_resamples : int, default 199
        Bootstrap replicates (``method="bootstrap"``).
    rng : None, int, Generator or SeedSequence
        Seed of the bootstrap; the one used is stored as ``result.seed`` (also for
        ``rng=None``), and ``rng=result.seed`` reproduces the result exactly.
    n_jobs, progress
        Parallel workers and progress bar for the bootstrap (results do not depend on
        ``n_jobs``).
    sampling : {"window", "count"}
        How the bootstrap samples are drawn: ``"window"`` (default) over the fit's window
        ``T`` with a random number of events, as for durations observed over fixed time
        spans (trading days); ``"count"`` with exactly the observed number of events
        (data whose number of events was fixed in advance). The bootstrap must mimic
        the sampling scheme: ``t`` is more biased the fewer events there are, and a
        window bootstrap of count-sampled data shifts ``t*`` up by about 0.1-0.2
        (``"less"`` then rejects too often; see the Notes).

    Returns
    -------
    TestResult
        ``statistic`` (the signed ``t`` or ``r``), ``pvalue``, ``estimate`` (``pi_hat``),
        ``std_error``; ``extra`` holds ``wald_t``, ``wald_pvalue``, ``qlr_r``,
        ``qlr_pvalue``, ``lr``, ``lr_scaled``, the restricted ``llf``, ``sigma2`` and, for
        the bootstrap, ``seed`` and ``n_failed`` (replicates whose refit failed; they are
        dropped). The log-ACD gives an :class:`InvalidTestResult` (``alpha + beta`` does
        not govern its mean).

    Raises
    ------
    DataError
        ``res`` is not a fitted :class:`ACDResult`; the bootstrap for a model with
        regressors; bad options.

    Warns
    -----
    BoundaryWarning
        When ``|pi_hat - 1| < 2 se`` and the Wald and QLR decisions at ``1 - level``
        differ (the profile likelihood is far from quadratic there), or when the
        restricted fit did not converge.
    ConvergenceWarning
        When the restricted fit is better than the reported unrestricted fit: the
        unrestricted model is then refitted from the restricted point and the QLR uses
        that refit (a restricted likelihood above the unrestricted one is impossible at
        the true maximum).

    Notes
    -----
    **Why the asymptotic tests fail, on both sides.** Under ``alpha + beta = 1`` the QMLE of
    ``pi`` is biased downwards in finite samples, so the robust ``t`` is shifted to the
    left: at ``(omega, alpha, beta) = (0.05, 0.1, 0.9)``, Exp(1) errors, ``N = 1000``, 300
    replications, ``mean(t) = -0.72``, ``sd(t) = 0.85``, so ``P(t < -1.645) = 0.133`` and
    ``P(t > 1.645) = 0.010``. The expected-information Wald (0.147 / 0.010), the scaled QLR
    (0.187 / 0.010) and a robust score (LM) test at the restricted estimate (0.173 / 0.010)
    share the shift: it is the bias of the estimator, not the choice of information matrix,
    the QLR scaling (``sigma2`` is ~1 here) or the ``N(T)`` normalisation. In the table
    below the asymptotic Wald rejects 0.010-0.120 for ``"less"`` and 0.000-0.100 for
    ``"greater"`` (columns W<, W>; means 0.073 and 0.014): "greater" (its default until this
    version) is far too conservative, "less" oversized.

    **The default: a bootstrap from the restricted fit, for every alternative.** The
    bootstrap distribution of the studentised ``t`` under the restricted fit reproduces the
    shift: ``mean(t*)-mean(t)`` averages -0.05 over the fixed-window designs below (columns
    t, t*). Because ``t`` is not centred at 0, the two-sided p-value is equal-tailed.

    **What remains, and why.** (1) *Sampling scheme.* With count-sampled data (exactly ``n``
    events) the default window bootstrap draws ``N*`` around ``n`` with the large spread of
    ``N(T)`` at ``kappa = 1``; ``t`` is more biased the fewer events there are, so ``t*``
    sits higher: ``mean(t*)-mean(t)`` averages +0.07 over the count designs, and ``"less"``
    over-rejects slightly there at ``n = 500``. ``sampling="count"`` draws exactly ``n``
    events.

    On count data (``benchmarks/validity/duration.py``, study
    ``acd_infinite_mean_size_count_bootstrap``, 100 replications per design, 8 designs) it
    gives "less" 0.02-0.09, "greater" 0.01-0.11, two-sided 0.04-0.12 at 5%, with
    ``mean(t*)-mean(t)`` = -0.02 on average.

    (2) *The earlier report that the "greater" bootstrap over-rejects up to 0.16* (Weibull
    errors, count, ``n = 2000``, 200 replications, one draw each) reproduces with its seeds
    (there ``sd(t) = 1.01``, ``sd(t*) = 0.80``) but not with independent ones: 300
    replications with 4 draws each give 0.057 (``sd(t) = 0.90``, ``sd(t*) = 0.91``), and the
    Monte Carlo sd of a 200-replication one-draw warp-speed rate is 0.02 there; it was
    mostly Monte Carlo noise of a small warp-speed study (in the table below that design
    gives 0.070). (3) Not resolved: in a few designs "greater" still rejects up to 0.147
    (see the list below) with ``mean(t*)`` close to ``mean(t)``: ``t`` has a longer right
    tail than ``t*`` there. A prepivoted (double) bootstrap might correct it; it was not
    affordable on this machine. (4) *Failed draws.* A bootstrap sample whose refit has no
    usable robust covariance, or too few events, gives no ``t*`` (the cause was not analysed
    further); such draws are dropped (``extra["n_failed"]``, with a warning above 10%). Over
    the table 5.4% of the draws failed, but 11-33% in the ``n = 500`` designs at ``alpha =
    0.05`` and in some ``n = 500`` fixed-window designs: at that size the default test
    should be read with care.

    **Size table** (``benchmarks/validity/duration.py``, studies
    ``acd_infinite_mean_size_a*``; run 2026-12-06 through ``st.simulation_study`` on a
    2-core machine at load 20-30). Integrated ACD(1,1), ``omega = 0.05``, ``beta = 1 -
    alpha``; "count": exactly ``n`` events, "window": a fixed ``T`` with median ``n`` events
    (``N(T)`` random); "weib": unit-mean Weibull(0.8) errors; ``R``: replications with a
    defined ``t`` (85-200; 200 per design at ``alpha = 0.1``, 100 at 0.05 and 0.2: the 1000
    the issue asks for were not affordable under the shared load; the missing ones are short
    windows whose robust covariance is undefined). Columns <, >, 2s: this default test at 5%
    for ``"less"``, ``"greater"``, ``"two-sided"``; <10, >10, 2s10: at 10%; W<, W>: the
    asymptotic Wald at 5%; t, t*: ``mean(t)`` and ``mean(t*)``. The default test is measured
    by **warp-speed Monte Carlo** (Giacomini, Politis and White, 2013, Econometric Reviews
    32: one bootstrap draw per replication, the critical values are quantiles of the draws
    pooled over the replications of a design): the size with ``n_resamples -> infinity``.
    The exact binomial 99.9% band of a 5% rate is [0.00, 0.13] at ``R = 100`` and [0.010,
    0.105] at ``R = 200`` (the pooled quantile adds some noise of its own).

    ======  ======  =====  ====  ===  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====
    errors  sample  alpha  n     R    <      >      2s     <10    >10    2s10   W<     W>     t      t*
    ======  ======  =====  ====  ===  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====
    exp     count   0.05   500   99   .030   .051   .061   .101   .051   .081   .091   .000   -0.81  -0.62
    exp     count   0.05   1000  100  .030   .050   .050   .050   .110   .080   .060   .000   -0.71  -0.76
    exp     count   0.05   2000  100  .010   .060   .030   .010   .080   .070   .070   .000   -0.73  -0.72
    exp     count   0.05   5000  100  .060   .060   .070   .120   .130   .120   .070   .040   -0.39  -0.46
    exp     count   0.1    500   200  .100   .025   .075   .120   .045   .125   .100   .000   -0.79  -0.63
    exp     count   0.1    1000  200  .075   .050   .035   .165   .070   .125   .120   .000   -0.70  -0.59
    exp     count   0.1    2000  200  .040   .060   .080   .065   .125   .100   .075   .030   -0.44  -0.51
    exp     count   0.1    5000  200  .065   .060   .060   .100   .130   .125   .065   .040   -0.22  -0.20
    exp     count   0.2    500   100  .110   .060   .120   .160   .100   .170   .100   .000   -0.40  -0.42
    exp     count   0.2    1000  100  .040   .040   .050   .070   .120   .080   .060   .020   -0.26  -0.24
    exp     count   0.2    2000  100  .080   .060   .090   .100   .100   .140   .070   .030   -0.21  0.03
    exp     count   0.2    5000  100  .010   .080   .080   .050   .110   .090   .020   .020   -0.09  -0.16
    exp     window  0.05   500   98   .092   .061   .092   .143   .061   .153   .061   .000   -0.79  -0.61
    exp     window  0.05   1000  100  .030   .050   .010   .100   .110   .080   .080   .000   -0.65  -0.81
    exp     window  0.05   2000  100  .060   .020   .030   .150   .080   .080   .120   .000   -0.67  -0.53
    exp     window  0.05   5000  100  .030   .030   .030   .100   .100   .060   .100   .010   -0.43  -0.35
    exp     window  0.1    500   192  .083   .036   .073   .115   .062   .120   .099   .000   -0.70  -0.66
    exp     window  0.1    1000  197  .051   .071   .061   .091   .102   .122   .091   .000   -0.61  -0.65
    exp     window  0.1    2000  200  .040   .090   .085   .080   .195   .130   .065   .000   -0.45  -0.60
    exp     window  0.1    5000  200  .030   .050   .030   .110   .055   .080   .060   .015   -0.28  -0.18
    exp     window  0.2    500   95   .063   .147   .105   .074   .232   .211   .074   .000   -0.30  -0.56
    exp     window  0.2    1000  97   .134   .103   .124   .155   .196   .237   .062   .000   -0.28  -0.29
    exp     window  0.2    2000  100  .060   .080   .090   .150   .140   .140   .070   .030   -0.19  -0.34
    exp     window  0.2    5000  100  .040   .120   .110   .060   .200   .160   .020   .100   0.23   -0.06
    weib    count   0.05   500   100  .040   .030   .070   .140   .030   .070   .040   .000   -0.84  -0.66
    weib    count   0.05   1000  99   .030   .071   .061   .101   .091   .101   .071   .000   -0.69  -0.65
    weib    count   0.05   2000  100  .030   .070   .090   .080   .080   .100   .110   .010   -0.64  -0.55
    weib    count   0.05   5000  100  .110   .080   .120   .190   .100   .190   .120   .010   -0.70  -0.45
    weib    count   0.1    500   200  .045   .055   .030   .125   .110   .100   .045   .005   -0.63  -0.61
    weib    count   0.1    1000  200  .025   .060   .050   .115   .095   .085   .040   .020   -0.46  -0.40
    weib    count   0.1    2000  200  .035   .070   .085   .100   .125   .105   .080   .045   -0.29  -0.38
    weib    count   0.1    5000  200  .075   .070   .055   .115   .095   .145   .110   .030   -0.26  -0.17
    weib    count   0.2    500   100  .110   .020   .080   .170   .040   .130   .120   .010   -0.51  -0.31
    weib    count   0.2    1000  100  .060   .070   .070   .160   .090   .130   .090   .020   -0.42  -0.20
    weib    count   0.2    2000  100  .040   .070   .100   .100   .070   .110   .070   .060   -0.26  -0.05
    weib    count   0.2    5000  100  .100   .060   .100   .160   .100   .160   .080   .070   0.07   0.01
    weib    window  0.05   500   85   .035   .082   .035   .071   .118   .118   .047   .000   -0.80  -0.82
    weib    window  0.05   1000  100  .060   .050   .030   .100   .090   .110   .070   .000   -0.67  -0.72
    weib    window  0.05   2000  100  .040   .090   .080   .050   .190   .130   .040   .000   -0.42  -0.65
    weib    window  0.05   5000  100  .040   .080   .070   .070   .110   .120   .060   .000   -0.36  -0.37
    weib    window  0.1    500   187  .011   .027   .016   .016   .102   .037   .075   .000   -0.67  -0.81
    weib    window  0.1    1000  197  .025   .046   .041   .107   .117   .071   .076   .000   -0.54  -0.64
    weib    window  0.1    2000  199  .101   .030   .090   .166   .101   .131   .106   .000   -0.46  -0.33
    weib    window  0.1    5000  199  .050   .080   .085   .101   .121   .131   .060   .025   -0.11  -0.23
    weib    window  0.2    500   98   .071   .092   .122   .122   .122   .163   .082   .010   -0.45  -0.45
    weib    window  0.2    1000  97   .052   .113   .113   .052   .144   .165   .062   .000   -0.29  -0.24
    weib    window  0.2    2000  99   .061   .020   .030   .061   .071   .081   .030   .020   -0.04  -0.04
    weib    window  0.2    5000  99   .010   .010   .010   .030   .051   .020   .010   .020   0.11   -0.03
    ======  ======  =====  ====  ===  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====

    Outside the band at 5%: "less" 0 of 48 (none); "greater" 1 (exp window alpha=0.2 n=500:
    0.147); two-sided 0 (none). At 10%: "less" 2 (exp count alpha=0.05 n=2000: 0.010;
    weib(.8) window alpha=0.1 n=500: 0.016), "greater" 2 (exp window alpha=0.1 n=2000:
    0.195; exp window alpha=0.2 n=500: 0.232), two-sided 1 (exp window alpha=0.2 n=1000:
    0.237). Mean rates over the 48 designs: 0.055, 0.062, 0.068 (5%) and 0.103, 0.106, 0.116
    (10%); asymptotic Wald 0.073 / 0.014.

    **Warp-speed against the full bootstrap** (study ``acd_infinite_mean_warp_check``: the
    same replications run the shipped test with ``n_resamples = 19``, exact Monte Carlo
    tests, and the warp-speed decisions from the first draw): exp errors, count, ``alpha =
    0.1``, ``n = 1000``, ``R = 100``: full "less" 0.015 / warp 0.040, "greater" 0.060 /
    0.050; at 10% "less" 0.060 / 0.080, "greater" 0.075 / 0.100, two-sided 0.075 / 0.090;
    Weibull errors, window, ``alpha = 0.1``, ``n = 1000``, ``R = 99``: full "less" 0.000 /
    warp 0.081, "greater" 0.068 / 0.051; at 10% "less" 0.068 / 0.131, "greater" 0.068 /
    0.061, two-sided 0.068 / 0.131. The main difference ("less" in the fixed-window design)
    goes the conservative way for the shipped test: each replication's bootstrap
    distribution moves with its ``t`` (``corr(t, mean t*)`` about 0.3 in a 300-replication
    check), which a pooled critical value ignores, so the warp-speed rates overstate the
    rejections of "less" there.

    **Power** (study ``acd_infinite_mean_power``, Exp(1) errors, count sampling, 100
    replications, 5%): ``"less"`` against ``alpha + beta`` = 0.98 / 0.99 (``alpha = 0.1``):
    0.44 / 0.33 at ``n = 1000``, 1.00 / 1.00 at ``n = 5000`` (the asymptotic Wald's 0.77 /
    0.48 at ``n = 1000`` come with its inflated size); ``"greater"`` against 1.01 / 1.02
    (``alpha = 0.3``, ``kappa`` = 0.74 / 0.45): 0.12 / 0.37 at ``n = 1000``, 0.41 / 0.89 at
    ``n = 5000``.

    Motivated by Cavaliere, Mikosch, Rahbek and Vilandt (2025), who show the QMLE is
    asymptotically (mixed) normal also for ``kappa <= 1`` with a random number of events
    ``N(T)``; statistics normalised by ``N(T)`` and the estimated covariance are then
    N(0,1) / chi2(1). Not confirmed from the source: the exact form of their statistics;
    the bootstrap is ours.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(3000, omega=0.05, alpha=0.1, beta=0.8, rng=3)
    >>> fit = st.acd("duration ~ 1", data=sim)
    >>> t = fit.test_infinite_mean(alternative="less", n_resamples=19, rng=1)
    >>> bool(t.pvalue <= 0.05), t.seed
    (True, 1)
    """
    _check_result(res)
    alternative = check_alternative(alternative)
    method = check_option(method, "method", ("auto", "bootstrap", "wald", "qlr", "lr"))
    method = "qlr" if method == "lr" else method
    if method == "auto":
        method = "bootstrap"
    level = check_level(level)
    sampling = check_option(sampling, "sampling", ("window", "count"))
    name = (
        "infinite-mean "
        + {"wald": "Wald", "qlr": "QLR", "bootstrap": "bootstrap Wald"}[method]
        + " test"
    )
    if res._model.spec.log:
        return InvalidTestResult(
            "alpha + beta does not determine the mean of a log-ACD; fit model='acd'.",
            method=name,
            null_hypothesis=_H0,
            alternative=alternative,
            nobs=res.nobs,
        )
    msgs = list(res.warnings)
    pers = res.persistence
    t = (pers.value - 1.0) / pers.se if pers.se > 0 else math.nan
    llf_r, theta_r, conv_r = _restricted(res)
    llf_u = res.llf
    if llf_r > llf_u + 1e-8 * abs(llf_u):
        llf_new, _ = _unrestricted_refit(res, theta_r)
        m = (
            f"the restricted (alpha + beta = 1) log-likelihood {llf_r:.6g} exceeds the "
            f"unrestricted one {llf_u:.6g}: the unrestricted fit had not reached the maximum; "
            f"refitted from the restricted point (log-likelihood {llf_new:.6g}). Refit the "
            "model with start= the restricted estimate (extra['theta_restricted'])."
        )
        warnings.warn(m, ConvergenceWarning, stacklevel=3)
        msgs.append(m)
        llf_u = max(llf_new, llf_r)
    lr = max(2.0 * (llf_u - llf_r), 0.0)
    sigma2 = float(np.mean((res.resid.to_numpy() - 1.0) ** 2)) if res.qmle else 1.0
    r = math.copysign(math.sqrt(lr / sigma2), pers.value - 1.0)
    p_w = float(normal_pvalue(t, alternative))
    p_q = float(normal_pvalue(r, alternative))
    a = 1 - level
    if math.isfinite(t) and abs(pers.value - 1.0) < 2 * pers.se and (p_w < a) != (p_q < a):
        m = (
            f"near alpha + beta = 1 the asymptotic Wald (p = {p_w:.3g}) and QLR "
            f"(p = {p_q:.3g}) tests disagree at the {a:g} level; the profile likelihood is "
            "not quadratic here: rely on the bootstrap test (the default)."
        )
        warnings.warn(m, BoundaryWarning, stacklevel=3)
        msgs.append(m)
    if not conv_r:
        m = "the restricted (alpha + beta = 1) fit did not converge; the QLR is unreliable."
        warnings.warn(m, BoundaryWarning, stacklevel=3)
        msgs.append(m)
    stat, p = (t, p_w) if method == "wald" else (r, p_q)
    extra: dict[str, Any] = {
        "wald_t": t,
        "wald_chi2": t * t,
        "wald_pvalue": p_w,
        "qlr_r": r,
        "lr": lr,
        "lr_scaled": lr / sigma2,
        "qlr_pvalue": p_q,
        "sigma2": sigma2,
        "llf_restricted": llf_r,
        "cov_type": res.cov_type,
        "window": res.window,
        "sampling": sampling,
        "theta_restricted": tuple(float(v) for v in theta_r),
    }
    null = None
    if method == "bootstrap":
        from .bootstrap import bootstrap_wald

        check_n_jobs(n_jobs)
        ss = as_seed_sequence(rng)
        extra["seed"] = seed_record(ss)
        null = bootstrap_wald(
            res,
            theta_r,
            n_resamples=n_resamples,
            seed=ss,
            sampling=sampling,
            n_jobs=n_jobs,
            progress=progress,
        )
        n_failed = int(np.sum(~np.isfinite(null)))
        extra["n_failed"] = n_failed
        if n_failed > max(2, 0.1 * null.size):
            m = (
                f"{n_failed} of {null.size} bootstrap refits failed (too few events in the "
                "window or no standard error); the p-value uses the others."
            )
            warnings.warn(m, BoundaryWarning, stacklevel=3)
            msgs.append(m)
        null = null[np.isfinite(null)]
        stat = t
        p = _bootstrap_pvalue(t, null, alternative)
    return TestResult(
        statistic=stat,
        pvalue=p,
        method=name,
        null_hypothesis=_H0,
        alternative=alternative,
        estimate=pers.value,
        std_error=pers.se,
        null_distribution=null,
        n_resamples=None if null is None else int(n_resamples),
        nobs=res.nobs,
        extra=extra,
        warnings=tuple(msgs),
    )


def _bootstrap_pvalue(t: float, null: np.ndarray, alternative: str) -> float:
    """Bootstrap p-value of ``t``; two-sided is equal-tailed, ``min(1, 2 min(p<, p>))``.

    ``t`` is shifted under the null (``mean(t) < 0`` near the boundary), so the two-sided
    p-value doubles the smaller one-sided tail instead of comparing ``|t|`` with ``|t*|``.

    Examples
    --------
    >>> _bootstrap_pvalue(-2.0, np.array([-3.0, -1.0, 0.0, 1.0]), "two-sided")
    0.8
    """
    if not math.isfinite(t) or null.size == 0:
        return math.nan
    if alternative != "two-sided":
        return resampling_pvalue(t, null, alternative)
    lo = resampling_pvalue(t, null, "less")
    hi = resampling_pvalue(t, null, "greater")
    return min(1.0, 2.0 * min(lo, hi))


def kappa_exponential(alpha: float, beta: float) -> float:
    """Tail index for Exp(1) errors: root of ``E (alpha eps + beta)^kappa = 1`` by quadrature.

    Returns NaN when there is no root (``E log A >= 0``).

    Examples
    --------
    >>> round(kappa_exponential(0.1, 0.9), 6)
    1.0
    >>> round(kappa_exponential(0.3, 0.71), 3)
    0.737
    """
    from .distributions import Exponential

    return _kappa_parametric(alpha, beta, Exponential(), ())


def _h_param(k: float, alpha: float, beta: float, law, shape) -> float:
    def f(u: float) -> float:
        with np.errstate(divide="ignore"):
            v = k * math.log(alpha * u + beta) + float(law.logpdf(np.array([u]), shape)[0])
        return math.exp(min(v, 700.0))

    return integrate.quad(f, 0, np.inf, limit=200)[0]


def _kappa_parametric(alpha, beta, law, shape) -> float:
    def g(u):
        e = np.array([u])
        return math.log(alpha * u + beta) * float(law.pdf(e, shape)[0])

    gam = integrate.quad(g, 0, np.inf, limit=200)[0]
    if gam >= 0 or alpha <= 0:
        return math.nan
    obj = lambda lk: _h_param(math.exp(lk), alpha, beta, law, shape) - 1.0  # noqa: E731
    lo, hi = math.log(1e-6), math.log(200.0)
    if alpha + beta < 1:
        lo = 0.0
    else:
        hi = 0.0
    if abs(alpha + beta - 1) < 1e-12:
        return 1.0
    try:
        return math.exp(optimize.brentq(obj, lo, hi, xtol=1e-12))
    except ValueError:
        return math.nan


def tail_index(res: Any, method: str = "empirical", level: float = 0.95) -> TestResult:
    r"""Tail index ``kappa`` of an ACD(1,1): solves ``E (alpha eps + beta)^kappa = 1``.

    Parameters
    ----------
    res : ACDResult
        A linear ACD(1,1) fit.
    method : {"empirical", "parametric"}
        ``"empirical"``: ``mean(A_i^kappa) = 1`` with ``A_i = alpha_hat eps_hat_i +
        beta_hat``; ``"parametric"``: ``E_f (alpha_hat eps + beta_hat)^kappa = 1`` under the
        fitted innovation law (quadrature).
    level : float
        Only stored; ``conf_int(level)`` gives the delta-method interval.

    Returns
    -------
    TestResult or InvalidTestResult
        ``estimate`` = kappa_hat, ``std_error`` (delta method), ``statistic`` =
        ``(kappa_hat - 1) / se`` with its two-sided p-value (H0: kappa = 1); ``extra``
        holds ``gamma`` (``mean log A``) and ``h1`` (``h(1)``). Invalid when the fit is
        not strictly stationary (``gamma >= 0``) or no root exists.

    Raises
    ------
    NotImplementedError
        For orders other than (1, 1) or the log-ACD.

    Notes
    -----
    ``d kappa / d(alpha, beta) = -h_theta / h_kappa`` with ``h_theta = mean[kappa
    A^(kappa-1) (eps, 1)]`` and ``h_kappa = mean[A^kappa log A]``; the empirical version
    adds ``Var(A^kappa) / (N h_kappa^2)``. The covariance between the parameter estimates
    and the residual mean is neglected (not confirmed from the source; an exact SE is an
    open question).

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(5000, omega=0.05, alpha=0.3, beta=0.71, rng=2)
    >>> k = st.acd("duration ~ 1", data=sim).tail_index()
    >>> bool(0.4 < k.estimate < 1.1)
    True
    """
    method = check_option(method, "method", ("empirical", "parametric"))
    level = check_level(level)
    spec = res._model.spec
    if spec.log or spec.p != 1 or spec.q != 1:
        raise NotSupportedError("tail_index is available for the linear ACD(1,1) only.")
    name = f"tail index ({method})"
    a, b = float(res.params["alpha[1]"]), float(res.params["beta[1]"])
    eps = res.resid.to_numpy()
    A = a * eps + b
    with np.errstate(divide="ignore"):
        logA = np.log(A)
    gamma = float(np.mean(logA))
    h1 = float(np.mean(A))
    if method == "empirical":
        if not (gamma < 0 and A.max() > 1 and a > 0):
            reason = (
                f"no root: mean log(alpha eps + beta) = {gamma:.4g} >= 0 (not strictly stationary)"
                if gamma >= 0
                else "no root: alpha = 0 or all alpha eps + beta <= 1"
            )
            if gamma >= 0:
                warnings.warn(
                    f"the fitted ACD is not strictly stationary ({reason}); the tail index "
                    "is undefined.",
                    NonStationaryWarning,
                    stacklevel=3,
                )
            return InvalidTestResult(
                reason, method=name, null_hypothesis="kappa = 1", nobs=res.nobs
            )
        obj = lambda lk: float(np.mean(np.exp(math.exp(lk) * logA))) - 1.0  # noqa: E731
        lo, hi = (0.0, math.log(200.0)) if h1 < 1 else (math.log(1e-6), 0.0)
        try:
            kappa = math.exp(optimize.brentq(obj, lo, hi, xtol=1e-13))
        except ValueError:
            return InvalidTestResult(
                f"no root of mean(A^kappa) = 1 in [{math.exp(lo):.3g}, {math.exp(hi):.3g}]",
                method=name,
                null_hypothesis="kappa = 1",
                nobs=res.nobs,
            )
    else:
        kappa = _kappa_parametric(a, b, res.dist, res.dist.params)
        if not math.isfinite(kappa):
            if gamma >= 0:
                warnings.warn(
                    "the fitted ACD is not strictly stationary; the tail index is undefined.",
                    NonStationaryWarning,
                    stacklevel=3,
                )
            return InvalidTestResult(
                "no root: E log(alpha eps + beta) >= 0 under the fitted law (not strictly stationary)",
                method=name,
                null_hypothesis="kappa = 1",
                nobs=res.nobs,
            )
    Ak = np.exp(kappa * logA)
    h_theta = np.array([np.mean(kappa * Ak / A * eps), np.mean(kappa * Ak / A)])
    h_k = float(np.mean(Ak * logA))
    grad = -h_theta / h_k
    V = res.cov_params().loc[["alpha[1]", "beta[1]"], ["alpha[1]", "beta[1]"]].to_numpy()
    var = float(grad @ V @ grad)
    if method == "empirical":
        var += float(np.var(Ak)) / (res.nobs * h_k**2)
    se = math.sqrt(var) if var >= 0 else math.nan
    z = (kappa - 1.0) / se if se > 0 else math.nan
    return TestResult(
        statistic=z,
        pvalue=float(normal_pvalue(z)),
        method=name,
        null_hypothesis="kappa = 1",
        alternative="two-sided",
        estimate=kappa,
        std_error=se,
        nobs=res.nobs,
        extra={"gamma": gamma, "h1": h1, "level": level, "finite_mean": kappa > 1},
        warnings=res.warnings,
    )


def ljung_box(
    x: np.ndarray, lags: int = 10, *, df_adjust: int = 0, name: str = "residuals"
) -> TestResult:
    r"""Ljung-Box portmanteau test ``Q = n (n+2) sum_k r_k^2 / (n - k)`` ~ chi2(lags - df_adjust).

    Examples
    --------
    >>> r = ljung_box(np.random.default_rng(0).exponential(size=500), lags=5)
    >>> bool(r.pvalue > 0.01), r.df
    (True, 5.0)
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    lags = int(lags)
    if not 1 <= lags < n:
        raise DataError(f"lags must be between 1 and {n - 1}; got {lags}.")
    d = x - x.mean()
    den = float(d @ d)
    r = np.array([d[k:] @ d[:-k] for k in range(1, lags + 1)]) / den
    q = float(n * (n + 2) * np.sum(r**2 / (n - np.arange(1, lags + 1))))
    df = float(lags - df_adjust)
    return TestResult(
        statistic=q,
        pvalue=float(stats.chi2.sf(q, df)),
        method=f"Ljung-Box ({name})",
        null_hypothesis=f"no autocorrelation in {name} up to lag {lags}",
        alternative="greater",
        df=df,
        nobs=n,
        extra={"lags": lags, "acf": tuple(float(v) for v in r)},
    )
