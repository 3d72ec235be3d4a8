"""Small inference helpers: normal/chi-square p-values, Wald intervals, coefficient tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .validation import check_alternative, check_level

__all__ = [
    "normal_pvalue",
    "normal_conf_int",
    "chi2_pvalue",
    "resampling_pvalue",
    "coefficient_table",
]


def normal_pvalue(z: float | np.ndarray, alternative: str = "two-sided") -> np.ndarray | float:
    """p-value of a standard-normal statistic ``z``.

    Examples
    --------
    >>> round(float(normal_pvalue(1.959964)), 4)
    0.05
    >>> round(float(normal_pvalue(1.644854, "greater")), 4)
    0.05
    """
    alternative = check_alternative(alternative)
    z = np.asarray(z, dtype=float)
    if alternative == "two-sided":
        p = 2 * stats.norm.sf(np.abs(z))
    elif alternative == "greater":
        p = stats.norm.sf(z)
    else:
        p = stats.norm.cdf(z)
    return p if p.ndim else float(p)


def normal_conf_int(estimate, std_error, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Wald interval ``estimate -/+ z * std_error``."""
    level = check_level(level)
    q = stats.norm.ppf(0.5 + level / 2)
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    return est - q * se, est + q * se


def chi2_pvalue(statistic: float, df: float) -> float:
    """Upper-tail chi-square p-value."""
    return float(stats.chi2.sf(statistic, df))


def resampling_pvalue(
    statistic: float, null_draws: np.ndarray, alternative: str = "greater"
) -> float:
    """Resampling p-value ``(1 + #{T* at least as extreme as T}) / (1 + B)``.

    Examples
    --------
    >>> resampling_pvalue(2.0, np.array([0.0, 1.0, 3.0]))
    0.5
    """
    alternative = check_alternative(alternative)
    t = np.asarray(null_draws, dtype=float)
    t = t[np.isfinite(t)]
    if alternative == "greater":
        k = np.sum(t >= statistic)
    elif alternative == "less":
        k = np.sum(t <= statistic)
    else:
        k = np.sum(np.abs(t) >= abs(statistic))
    return float((1 + k) / (1 + t.size))


def coefficient_table(
    params: pd.Series, bse: pd.Series, level: float = 0.95, stat_name: str = "z"
) -> pd.DataFrame:
    """statsmodels-style coefficient table: coef, std err, z, P>|z| and the interval."""
    level = check_level(level)
    z = params / bse
    lo, hi = normal_conf_int(params.to_numpy(), bse.to_numpy(), level)
    pct = f"{100 * level:g}%"
    return pd.DataFrame(
        {
            "coef": params.to_numpy(dtype=float),
            "std err": bse.to_numpy(dtype=float),
            stat_name: z.to_numpy(dtype=float),
            f"P>|{stat_name}|": normal_pvalue(z.to_numpy(dtype=float)),
            f"[{pct}": lo,
            f"{pct}]": hi,
        },
        index=params.index,
    )
