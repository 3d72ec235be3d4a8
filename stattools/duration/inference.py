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
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import integrate, optimize, stats

from ..core.exceptions import BoundaryWarning, NonStationaryWarning
from ..core.inference import normal_pvalue
from ..core.results import InvalidTestResult, TestResult
from ..core.validation import check_alternative, check_level, check_option
from .model import fit_engine

if TYPE_CHECKING:  # pragma: no cover
    from .results import ACDResult

__all__ = ["infinite_mean_test", "tail_index", "ljung_box", "kappa_exponential"]

_H0 = "alpha + beta = 1 (tail index kappa = 1: integrated ACD, infinite mean)"
_ALT = {
    "greater": "alpha + beta > 1 (kappa < 1, infinite mean)",
    "less": "alpha + beta < 1 (kappa > 1, finite mean)",
    "two-sided": "alpha + beta != 1",
}


def _restricted_llf(res: ACDResult) -> tuple[float, np.ndarray, bool]:
    model = res._model
    out = fit_engine(
        model.x, model.Z, model.spec, res.dist, model.b, restricted=True, segments=model.segments
    )
    return out.llf, out.theta, out.converged


def infinite_mean_test(
    res: ACDResult,
    alternative: str = "two-sided",
    method: str = "wald",
    level: float = 0.95,
    *,
    n_resamples: int = 199,
    rng: Any = None,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> TestResult:
    r"""Test ``H0: sum(alpha) + sum(beta) = 1`` (``kappa = 1``) in a fitted ACD.

    Parameters
    ----------
    res : ACDResult
        A linear ACD fit (any order).
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: ``pi > 1`` (``kappa < 1``, infinite mean); ``"less"``: ``pi < 1``
        (finite mean; also the level-a test of ``H0: pi >= 1``, the boundary being least
        favourable).
    method : {"wald", "qlr", "bootstrap"}
        ``"wald"``: ``t = (pi_hat - 1) / se(pi_hat)`` with the result's covariance (robust
        by default). ``"qlr"``: ``r = sign(pi_hat - 1) sqrt(LR / sigma2)``, with
        ``LR = 2 (llf - llf_restricted)``; for the exponential QMLE ``sigma2 =
        mean((eps_hat - 1)^2)``, for full MLE ``sigma2 = 1``. (``"lr"`` is accepted too.)
        ``"bootstrap"``: the Wald ``t`` with a fixed-window residual-bootstrap p-value
        (see :mod:`stattools.duration.bootstrap`; our addition, not from the paper).
    level : float
        Level used only to flag disagreement between Wald and QLR near the boundary.
    n_resamples, rng, n_jobs, progress
        Bootstrap settings (``method="bootstrap"`` only).

    Returns
    -------
    TestResult
        ``statistic`` (signed, N(0,1) under H0), ``pvalue``, ``estimate`` (``pi_hat``),
        ``std_error``; ``extra`` holds both ``wald_t``, ``wald_chi2`` and ``qlr_r``,
        ``lr``, ``lr_scaled``, the restricted ``llf`` and ``sigma2``. The log-ACD gives an
        :class:`InvalidTestResult` (``alpha + beta`` does not govern its mean).

    Warns
    -----
    BoundaryWarning
        When ``|pi_hat - 1| < 2 se`` and the Wald and QLR decisions at ``1 - level``
        differ (the profile likelihood is far from quadratic there).

    Notes
    -----
    Motivated by Cavaliere, Mikosch, Rahbek and Vilandt (2025), who show the QMLE is
    asymptotically (mixed) normal also for ``kappa <= 1`` with a random number of events
    ``N(T)``; statistics normalised by ``N(T)`` and the estimated covariance are then
    N(0,1) / chi2(1). Not confirmed from the source: the exact form of their statistics.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(3000, omega=0.05, alpha=0.1, beta=0.8, rng=3)
    >>> t = st.acd("duration ~ 1", data=sim).test_infinite_mean(alternative="less")
    >>> bool(t.pvalue < 0.05)
    True
    """
    alternative = check_alternative(alternative)
    method = check_option(method, "method", ("wald", "qlr", "lr", "bootstrap"))
    method = "qlr" if method == "lr" else method
    level = check_level(level)
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
    pers = res.persistence
    t = (pers.value - 1.0) / pers.se if pers.se > 0 else math.nan
    llf_r, theta_r, conv_r = _restricted_llf(res)
    lr = max(2.0 * (res.llf - llf_r), 0.0)
    sigma2 = float(np.mean((res.resid.to_numpy() - 1.0) ** 2)) if res.qmle else 1.0
    r = math.copysign(math.sqrt(lr / sigma2), pers.value - 1.0)
    p_w = float(normal_pvalue(t, alternative))
    p_q = float(normal_pvalue(r, alternative))
    msgs = list(res.warnings)
    a = 1 - level
    if math.isfinite(t) and abs(pers.value - 1.0) < 2 * pers.se and (p_w < a) != (p_q < a):
        m = (
            f"near alpha + beta = 1 the Wald (p = {p_w:.3g}) and QLR (p = {p_q:.3g}) tests "
            f"disagree at the {a:g} level; the profile likelihood is not quadratic here: "
            "report both, or use a larger window."
        )
        warnings.warn(m, BoundaryWarning, stacklevel=3)
        msgs.append(m)
    if not conv_r:
        m = "the restricted (alpha + beta = 1) fit did not converge; the QLR is unreliable."
        warnings.warn(m, BoundaryWarning, stacklevel=3)
        msgs.append(m)
    stat, p = (t, p_w) if method == "wald" else (r, p_q)
    null = None
    if method == "bootstrap":
        from ..core.inference import resampling_pvalue
        from .bootstrap import bootstrap_wald

        null = bootstrap_wald(
            res, theta_r, n_resamples=n_resamples, rng=rng, n_jobs=n_jobs, progress=progress
        )
        stat, p = t, resampling_pvalue(t, null, alternative)
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
        "_theta_restricted": theta_r,
    }
    return TestResult(
        statistic=stat,
        pvalue=p,
        method=name,
        null_hypothesis=_H0,
        alternative=alternative,
        estimate=pers.value,
        std_error=pers.se,
        null_distribution=null,
        n_resamples=None if null is None else int(null.size),
        nobs=res.nobs,
        extra=extra,
        warnings=tuple(msgs),
    )


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


def tail_index(res: ACDResult, method: str = "empirical", level: float = 0.95) -> TestResult:
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
        raise NotImplementedError("tail_index is available for the linear ACD(1,1) only.")
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
        raise ValueError(f"lags must be between 1 and {n - 1}; got {lags}.")
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
