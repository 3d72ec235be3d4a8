"""Limiting distributions of structural-change statistics, as R strucchange defines them.

* :func:`pvalue_efp` - p-values of the max functional of empirical fluctuation processes:
  Brownian bridge (OLS-CUSUM; Kolmogorov series), Brownian motion with linear boundary
  (Rec-CUSUM; Brown, Durbin & Evans 1975 closed form), Brownian-bridge increments
  (OLS-MOSUM; tabulated critical values of Chu, Hornik & Kuan 1995, interpolated).
* :func:`boundary_level` - the constant ``b`` with ``pvalue_efp(b) = alpha`` (boundaries).
* :func:`pvalue_fstats` - Hansen's (1997) response-surface approximation to the
  asymptotic p-values of the sup/ave/exp-F statistics of Andrews (1993) and Andrews &
  Ploberger (1994), interpolated in the trimming as strucchange's ``pvalue.Fstats``.
* :func:`pargmax_v` - the distribution function of the argmax of a two-sided Brownian
  motion with drift (Bai 1997), used for break-date confidence intervals.

The coefficient tables (``strucchange_tables.json``) were exported from strucchange 1.5.3
(internal data ``sc.beta.sup``, ``sc.beta.ave``, ``sc.beta.exp``, ``sc.me``); they are the
published numbers of Hansen (1997) and Chu, Hornik & Kuan (1995). The formulas follow the
definitions in strucchange and are checked against it in
``tests/nonstationary/test_fluctuation.py`` and ``test_fstats.py``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np
from scipy import optimize, special, stats

from ..core.exceptions import DataError

__all__ = ["pvalue_efp", "boundary_level", "pvalue_fstats", "pargmax_v", "LIMITS"]

LIMITS = ("Brownian bridge", "Brownian motion", "Brownian bridge increments")


@cache
def _tables() -> dict[str, np.ndarray]:
    text = (
        resources.files("stattools.nonstationary")
        .joinpath("strucchange_tables.json")
        .read_text(encoding="utf-8")
    )
    raw = json.loads(text)
    return {k: np.asarray(v, dtype=float) for k, v in raw.items() if k.startswith("sc.")}


def _approx(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """R ``approx(xp, fp, x, rule = 2)`` (linear, constant beyond the ends)."""
    return np.interp(x, xp, fp)


def pvalue_efp(
    x: float | np.ndarray, limit: str, k: int = 1, h: float | None = None
) -> np.ndarray | float:
    """Asymptotic p-value of the max functional of a fluctuation process (strucchange).

    Parameters
    ----------
    x : float or array
        Statistic ``max |process|`` (for Brownian motion: after dividing by ``1 + 2t``).
    limit : {"Brownian bridge", "Brownian motion", "Brownian bridge increments"}
        Limiting process (OLS-CUSUM, Rec-CUSUM, OLS-MOSUM).
    k : int
        Number of process columns (1 for the CUSUM/MOSUM processes of residuals).
    h : float, optional
        Bandwidth of the MOSUM (needed for the increments limit).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(float(pvalue_efp(1.3581, "Brownian bridge")), 4)
    0.05
    >>> round(float(pvalue_efp(0.948, "Brownian motion")), 3)
    0.05
    """
    xa = np.asarray(x, dtype=float)
    if limit == "Brownian bridge":
        i = np.arange(1, 101, dtype=float)
        s = np.sum(
            np.exp(-2.0 * i[:, None] ** 2 * np.atleast_1d(xa)[None, :] ** 2) * (-1.0) ** i[:, None],
            axis=0,
        ).reshape(xa.shape)
        p = np.where(xa < 0.1, 1.0, 1.0 - (1.0 + 2.0 * s) ** k)
    elif limit == "Brownian motion":
        nd = stats.norm.cdf
        closed = 2.0 * (
            1.0
            - nd(3.0 * xa)
            + np.exp(-4.0 * xa**2) * (nd(xa) + nd(5.0 * xa) - 1.0)
            - np.exp(-16.0 * xa**2) * (1.0 - nd(xa))
        )
        p = np.where(xa < 0.3, 1.0 - 0.1465 * xa, closed)
        p = 1.0 - (1.0 - p) ** k
    elif limit == "Brownian bridge increments":
        if h is None:
            raise DataError("h is needed for the Brownian bridge increments limit.")
        kk = min(int(k), 6)
        crit = _tables()["sc.me"][(kk - 1) * 10 : kk * 10, :]
        tableh = np.arange(1, 11) * 0.05
        ipl = np.array([_approx(np.asarray(h), tableh, crit[:, j]) for j in range(crit.shape[1])])
        p = _approx(xa, np.concatenate([[0.0], ipl]), np.array([1.0, 0.1, 0.05, 0.025, 0.01]))
    else:
        raise DataError(f"limit must be one of {LIMITS}, got {limit!r}.")
    return float(p) if np.ndim(p) == 0 else p


def boundary_level(limit: str, alpha: float = 0.05, k: int = 1, h: float | None = None) -> float:
    """The level ``b`` with ``pvalue_efp(b) = alpha`` (strucchange ``boundary``).

    strucchange solves with ``uniroot`` (tolerance about 1e-4); this solves to 1e-12.

    Examples
    --------
    >>> round(boundary_level("Brownian bridge"), 4)
    1.3581
    """

    def f(b: float) -> float:
        return float(pvalue_efp(b, limit, k=k, h=h)) - alpha

    return float(optimize.brentq(f, 1e-9, 20.0, xtol=1e-13, rtol=1e-14))


def pvalue_fstats(x: float, type: str, k: int, lam: float) -> float:
    """Hansen (1997) approximate asymptotic p-value of sup/ave/exp-F (strucchange).

    Parameters
    ----------
    x : float
        The statistic (Wald scale: ``k`` times an F statistic).
    type : {"supF", "aveF", "expF"}
    k : int
        Number of coefficients allowed to change (capped at 40, as in strucchange).
    lam : float
        ``lambda = (1 - pi0)^2 / pi0^2`` for symmetric trimming ``pi0``
        (strucchange ``Fstats()$par``).

    Examples
    --------
    >>> round(pvalue_fstats(8.85, "supF", 1, (0.85 / 0.15) ** 2), 3)
    0.045
    """
    name = {"supF": "sc.beta.sup", "aveF": "sc.beta.ave", "expF": "sc.beta.exp"}.get(type)
    if name is None:
        raise DataError(f"type must be 'supF', 'aveF' or 'expF', got {type!r}.")
    k = min(int(k), 40)
    beta = _tables()[name][(k - 1) * 25 : k * 25, :]
    m = beta.shape[1] - 1
    tau = lam if lam < 1 else 1.0 / (1.0 + np.sqrt(lam))
    dummy = beta[:, :m] @ (float(x) ** np.arange(m))
    dummy = dummy * (dummy > 0)
    pp = stats.chi2.sf(dummy, beta[:, m])
    if tau == 0.5:
        return float(stats.chi2.sf(x, k))
    if tau <= 0.01:
        return float(pp[24])
    if tau >= 0.49:
        return float(((0.5 - tau) * pp[0] + (tau - 0.49) * stats.chi2.sf(x, k)) * 100)
    taua = (0.51 - tau) * 50
    tau1 = int(np.floor(taua))
    return float((tau1 + 1 - taua) * pp[tau1 - 1] + (taua - tau1) * pp[tau1])


def pargmax_v(
    x: float | np.ndarray, xi: float = 1.0, phi1: float = 1.0, phi2: float = 1.0
) -> np.ndarray | float:
    """P(argmax V <= x) for Bai's (1997) two-sided Brownian motion with drift.

    The limit of a rescaled break-date estimator with regime-specific second moments
    (``xi``) and error scales (``phi1``, ``phi2``); as strucchange's ``pargmaxV``.

    Examples
    --------
    >>> round(float(pargmax_v(0.0)), 6)
    0.5
    """
    xa = np.asarray(x, dtype=float)
    phi = xi * (phi2 / phi1) ** 2
    ax = np.abs(xa)
    with np.errstate(divide="ignore", invalid="ignore"):
        lx = np.log(ax)
        frac = xi / phi
        g1 = (
            -np.exp(lx / 2 - ax / 8 - np.log(2 * np.pi) / 2)
            - (phi / xi * (phi + 2 * xi) / (phi + xi))
            * np.exp(frac * (1 + frac) * ax / 2 + special.log_ndtr(-(0.5 + frac) * np.sqrt(ax)))
            + np.exp(
                np.log(ax / 2 - 2 + (phi + 2 * xi) ** 2 / ((phi + xi) * xi))
                + special.log_ndtr(-np.sqrt(ax) / 2)
            )
        )
        f2 = xi**2 / phi
        g2 = (
            1
            + np.sqrt(f2) * np.exp(lx / 2 - f2 * ax / 8 - np.log(2 * np.pi) / 2)
            + (xi / phi * (2 * phi + xi) / (phi + xi))
            * np.exp(
                (phi + xi) * ax / 2 + special.log_ndtr(-(phi + xi / 2) / np.sqrt(phi) * np.sqrt(ax))
            )
            - np.exp(
                np.log((2 * phi + xi) ** 2 / ((phi + xi) * phi) - 2 + f2 * ax / 2)
                + special.log_ndtr(-np.sqrt(f2) * np.sqrt(ax) / 2)
            )
        )
    p = np.where(xa < 0, g1, g2)
    return float(p) if np.ndim(p) == 0 else p
