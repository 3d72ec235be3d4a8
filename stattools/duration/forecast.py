"""Density forecasts and their evaluation for ACD fits.

* :func:`next_psi` / :func:`density_forecast` / :func:`forecast_quantiles`: the one-step
  predictive law of ``x_{N+1}`` given the data, ``x_{N+1} = psi_{N+1} eps`` with
  ``eps`` from the fitted error law (exact; ``psi_{N+1}`` is known at time ``N``).
* :func:`pit` and :func:`cox_snell`: in-sample one-step probability integral transforms
  ``u_i = F(x_i / psi_i)`` (Diebold, Gunther and Tay 1998) and Cox-Snell residuals
  ``-log(1 - u_i)`` (the integrated hazard), iid U(0, 1) and Exp(1) under a correctly
  specified model.
* :func:`pit_test`: uniformity of the PITs (Kolmogorov-Smirnov), with a parametric
  bootstrap that accounts for the estimated parameters.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.exceptions import DataError, NotSupportedError, StattoolsWarning
from ..core.resampling import as_seed_sequence, parallel_map, seed_record
from ..core.results import TestResult
from ..core.validation import check_option
from .recursion import filter_state_groups

__all__ = [
    "next_psi",
    "density_forecast",
    "forecast_quantiles",
    "pit",
    "cox_snell",
    "pit_test",
    "plot_forecast_check",
]


def next_psi(res: Any) -> float:
    """``psi_{N+1}``: the conditional expected duration of the next event.

    Computed by running the fitted recursion over the data plus one placeholder
    observation (``psi_{N+1}`` depends on ``x_1..x_N`` only); regressors are held at
    their last value, and a grouped fit continues the last group.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=4)
    >>> res = st.acd("duration ~ 1", sim)
    >>> bool(abs(next_psi(res) - res.forecast(1).iloc[0]) < 1e-12)
    True
    """
    m = res._model
    spec = m.spec
    th = res.params.iloc[: spec.k].to_numpy(dtype=float)
    x = np.r_[m.x, m.x[-1]]
    Z = None if m.Z is None else np.vstack([m.Z, m.Z[-1:]])
    segs = m.segments
    if segs is not None:
        segs = (*segs[:-1], (segs[-1][0], segs[-1][1] + 1))
    s = float(filter_state_groups(th, x, spec, m.b, Z, segs)[-1])
    return math.exp(s) if spec.log else s


def _check_unit(v: Any, name: str) -> np.ndarray:
    a = np.atleast_1d(np.asarray(v, dtype=float))
    if a.size == 0 or not np.all((a > 0) & (a < 1)):
        raise DataError(f"{name} must be probabilities strictly between 0 and 1, got {v!r}.")
    return a


def density_forecast(res: Any, x: Any = None, *, n_points: int = 200) -> pd.DataFrame:
    """One-step predictive density, distribution and hazard of ``x_{N+1}``.

    Parameters
    ----------
    res : ACDResult
    x : array-like, optional
        Duration values at which to evaluate; default ``n_points`` equally spaced values
        between the 0.1% and 99.9% predictive quantiles.
    n_points : int

    Returns
    -------
    DataFrame
        Columns ``x``, ``pdf`` (``f(x / psi) / psi``), ``cdf``, ``hazard``;
        ``attrs["psi"]`` holds ``psi_{N+1}`` and ``attrs["dist"]`` the error law.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=4)
    >>> res = st.acd("duration ~ 1", sim)
    >>> d = density_forecast(res, [0.5, 1.0])
    >>> bool(np.allclose(d["pdf"], np.exp(-d["x"] / d.attrs["psi"]) / d.attrs["psi"]))
    True
    """
    psi = next_psi(res)
    dist = res.dist
    if x is None:
        if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer):
            raise DataError(f"n_points must be an integer >= 2, got {n_points!r}.")
        if n_points < 2:
            raise DataError(f"n_points must be an integer >= 2, got {n_points!r}.")
        lo, hi = psi * dist.ppf(np.array([1e-3, 0.999]))
        grid = np.linspace(lo, hi, int(n_points))
    else:
        grid = np.atleast_1d(np.asarray(x, dtype=float))
        if grid.size == 0 or not np.all(np.isfinite(grid)) or (grid < 0).any():
            raise DataError("x must be finite, non-negative duration values.")
    e = grid / psi
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "x": grid,
                "pdf": dist.pdf(e) / psi,
                "cdf": dist.cdf(e),
                "hazard": dist.hazard(e) / psi,
            }
        )
    out.attrs.update(psi=psi, dist=dist.name)
    return out


def forecast_quantiles(res: Any, probs: Any = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.Series:
    """Quantiles of the one-step predictive law: ``psi_{N+1} F^{-1}(p)``.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=4)
    >>> res = st.acd("duration ~ 1", sim)
    >>> q = forecast_quantiles(res, [0.5])
    >>> bool(np.isclose(q.iloc[0], next_psi(res) * np.log(2)))
    True
    """
    p = _check_unit(probs, "probs")
    return pd.Series(next_psi(res) * res.dist.ppf(p), index=pd.Index(p, name="prob"), name="x")


def pit(res: Any) -> pd.Series:
    """Probability integral transforms ``u_i = F(x_i / psi_i)`` of the fitted law.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=4)
    >>> res = st.acd("duration ~ 1", sim)
    >>> u = pit(res)
    >>> bool(np.allclose(u, 1 - np.exp(-res.resid)))
    True
    """
    return pd.Series(res.dist.cdf(res.resid.to_numpy()), index=res.resid.index, name="pit")


def cox_snell(res: Any) -> pd.Series:
    """Cox-Snell residuals ``-log S(x_i / psi_i)`` (the integrated hazard): Exp(1) if the
    model is right. Computed from the survival function, so tiny tails stay accurate.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=4)
    >>> res = st.acd("duration ~ 1", sim)
    >>> bool(np.allclose(cox_snell(res), res.resid))  # exponential law: eps itself
    True
    """
    with np.errstate(divide="ignore"):
        r = -np.log(res.dist.sf(res.resid.to_numpy()))
    return pd.Series(r, index=res.resid.index, name="cox_snell")


def _ks_uniform(u: np.ndarray) -> float:
    return float(stats.kstest(u, "uniform").statistic)


def _boot_ks(task: tuple) -> float:
    """KS distance of the PITs of one parametric bootstrap sample: ``nobs`` durations
    simulated from the fit (per group, each group's size, for a grouped fit) and refitted
    with the same model."""
    seed, res = task
    gen = np.random.default_rng(seed)
    m = res._model
    sizes = [res.nobs] if m.segments is None else [e - s for s, e in m.segments]
    x = np.concatenate([res.simulate(k, rng=gen)["duration"].to_numpy() for k in sizes])
    groups = None if m.segments is None else np.repeat(np.arange(len(sizes)), sizes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit = type(m)(  # the model class of the fit (no import of .model: no cycle)
                x,
                order=(m.spec.p, m.spec.q),
                dist=res.dist,
                model="log" if m.spec.log else "acd",
                backcast=m.backcast,
                groups=groups,
            ).fit(cov_type="classic")
        except Exception:  # a failed refit is dropped from the null distribution
            return math.nan
    return _ks_uniform(pit(fit).to_numpy())


def pit_test(
    res: Any,
    *,
    method: str = "bootstrap",
    n_resamples: int = 199,
    rng: Any = None,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> TestResult:
    """Test that the in-sample PITs are uniform (the fitted law and dynamics are right).

    Parameters
    ----------
    res : ACDResult
    method : {"bootstrap", "ks"}
        ``"bootstrap"`` (default): the Kolmogorov-Smirnov distance of the PITs from
        U(0, 1), with a parametric bootstrap p-value (simulate ``nobs`` durations from the
        fit, refit the same model, recompute the distance), which accounts for the
        estimated parameters. ``"ks"``: the classical KS p-value, which ignores the
        estimation and is conservative (Durbin 1973; measured in the docs' atlas).
    n_resamples : int
        Bootstrap replications.
    rng, n_jobs, progress
        Seed and parallel execution of the bootstrap.

    Returns
    -------
    TestResult
        ``statistic`` = KS distance; ``extra`` holds the seed (bootstrap).

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=4)
    >>> res = st.acd("duration ~ 1", sim)
    >>> r = pit_test(res, n_resamples=19, rng=1)
    >>> bool(0 < r.pvalue <= 1), r.n_resamples
    (True, 19)
    """
    method = check_option(method, "method", ("bootstrap", "ks"))
    u = pit(res).to_numpy()
    d = _ks_uniform(u)
    h0 = f"PITs of the fitted {res.dist.name} ACD are U(0, 1)"
    if method == "ks":
        p = float(stats.kstest(u, "uniform").pvalue)
        return TestResult(
            statistic=d,
            pvalue=p,
            method="Kolmogorov-Smirnov test of PIT uniformity (estimation ignored)",
            null_hypothesis=h0,
            nobs=res.nobs,
        )
    spec = res._model.spec
    if spec.exog or spec.kind not in ("acd", "lacd1"):
        raise NotSupportedError(
            "the bootstrap PIT test needs an ACD or log-ACD fit without regressors; use "
            "method='ks' (conservative) here."
        )
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer):
        raise DataError(f"n_resamples must be a positive integer, got {n_resamples!r}.")
    if n_resamples < 19:
        raise DataError(f"n_resamples must be at least 19, got {n_resamples}.")
    ss = as_seed_sequence(rng)
    tasks = [(s, res) for s in ss.spawn(int(n_resamples))]
    null = np.asarray(
        parallel_map(_boot_ks, tasks, n_jobs=n_jobs, progress=progress, desc="PIT bootstrap")
    )
    ok = null[np.isfinite(null)]
    if ok.size < 0.9 * null.size:
        raise DataError(
            f"{null.size - ok.size} of {null.size} bootstrap refits failed; use method='ks'."
        )
    p = float((1 + np.sum(ok >= d)) / (ok.size + 1))
    return TestResult(
        statistic=d,
        pvalue=p,
        method="Kolmogorov-Smirnov test of PIT uniformity, parametric bootstrap",
        null_hypothesis=h0,
        null_distribution=ok,
        n_resamples=int(ok.size),
        nobs=res.nobs,
        extra={"seed": seed_record(ss)},
    )


def plot_forecast_check(res: Any, kind: str, ax: Any = None, *, bins: int = 20, **_: Any):
    """PIT histogram with a 95% binomial band per bin (``kind="pit"``; the title gives the
    classical KS p-value), or the Cox-Snell QQ plot against Exp(1) (``"cox-snell"``)."""
    from ..core.plotting import figure_axes

    fig, ax = figure_axes(ax)
    if kind == "pit":
        if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 2:
            raise DataError(f"bins must be an integer >= 2, got {bins!r}.")
        u = pit(res).to_numpy()
        n = u.size
        lo, hi = stats.binom.ppf([0.025, 0.975], n, 1.0 / bins) * bins / n
        ax.hist(u, bins=np.linspace(0, 1, bins + 1), density=True, color="C0", alpha=0.7)
        ax.axhline(1.0, color="C3", lw=0.8)
        ax.axhspan(lo, hi, color="grey", alpha=0.2, label="95% band per bin")
        p = stats.kstest(u, "uniform").pvalue
        ax.set(
            xlabel="PIT",
            ylabel="density",
            title=f"PIT histogram (KS p = {p:.3g}, estimation ignored)",
        )
        ax.legend(loc="lower center")
        return fig
    r = np.sort(cox_snell(res).to_numpy())
    q = stats.expon.ppf((np.arange(1, r.size + 1) - 0.5) / r.size)
    ax.plot(q, r, ".", ms=2)
    m = float(max(q.max(), r[np.isfinite(r)].max()))
    ax.plot([0, m], [0, m], color="C3", lw=0.8)
    ax.set(xlabel="Exp(1) quantiles", ylabel="Cox-Snell residuals", title="Cox-Snell residuals")
    return fig
