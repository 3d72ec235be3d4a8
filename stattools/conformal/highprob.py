"""High-probability risk control: Learn-then-Test (:func:`ltt`) and RCPS (:func:`rcps`).

Both work on a loss table ``L[i, g] = L_i(lambda_g)`` in ``[0, B]`` over an increasing
grid. LTT tests ``H_g : R(lambda_g) > alpha`` at every grid point with a valid p-value
and controls the family-wise error rate; the rejected set ``Lambda_hat`` satisfies
``P(sup_{lambda in Lambda_hat} R(lambda) <= alpha) >= 1 - delta`` (non-monotone risks
allowed). RCPS needs a nonincreasing risk and returns the smallest ``lambda`` whose upper
confidence bound, and that of every larger ``lambda``, is below ``alpha``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from ..core.exceptions import DataError, InfeasibleRiskWarning, NotSupportedError
from ..core.plotting import figure_axes
from ..core.results import ResultBase, readonly
from ..core.validation import check_option
from . import losses as _losses

__all__ = ["LTTResult", "ltt", "rcps", "hb_pvalues", "wsr_pvalues", "wsr_ucb"]

_FWER = ("fixed-sequence", "bonferroni", "holm")


# ----------------------------------------------------------------------------- p-values
def _h1(a: np.ndarray, b: float) -> np.ndarray:
    a = np.asarray(a, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / b), 0.0)
        t2 = np.where(a < 1, (1 - a) * np.log(np.where(a < 1, 1 - a, 1.0) / (1 - b)), -np.inf)
    return t1 + t2


def hb_pvalues(
    risk_hat: Any, n: int, alpha: float, *, kind: str = "hb", binary: bool = False
) -> np.ndarray:
    """Hoeffding-Bentkus p-values of ``H : R > alpha`` (Angelopoulos et al. 2021, §3).

    ``p = min(exp(-n h1(min(R_hat, alpha), alpha)), e P(Bin(n, alpha) <= ceil(n R_hat)))``;
    factor 1 instead of ``e`` for binary losses. ``kind="bentkus"`` gives the second term
    only, ``kind="hoeffding"`` the first.

    Examples
    --------
    >>> hb_pvalues([0.05, 0.2], 500, 0.1).round(6).tolist()
    [9.6e-05, 1.0]
    """
    r = np.asarray(risk_hat, float)
    hoeff = np.exp(-n * _h1(np.minimum(r, alpha), alpha))
    bent = (1.0 if binary else math.e) * binom.cdf(np.ceil(n * r - 1e-9), n, alpha)
    if kind == "hoeffding":
        return np.minimum(hoeff, 1.0)
    if kind == "bentkus":
        return np.minimum(bent, 1.0)
    return np.minimum(np.minimum(hoeff, bent), 1.0)


def _wsr_nu(L: np.ndarray, delta: float) -> np.ndarray:
    """Predictable bets of Waudby-Smith & Ramdas (as in Bates et al. 2021, RCPS code)."""
    n = L.shape[0]
    t = np.arange(1, n + 1, dtype=float)[:, None]
    mu = (0.5 + np.cumsum(L, axis=0)) / (t + 1)
    sig = (0.25 + np.cumsum((L - mu) ** 2, axis=0)) / (t + 1)
    sig = np.vstack([np.full((1, L.shape[1]), 0.25), sig[:-1]])
    return np.minimum(1.0, np.sqrt(2.0 * math.log(1.0 / delta) / (n * sig)))


def _wsr_logcap(L: np.ndarray, nu: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``max_t log K_t(R)`` with ``K_t(R) = prod_{i<=t} (1 - nu_i (L_i - R))``."""
    with np.errstate(divide="ignore"):
        return np.max(np.cumsum(np.log(np.maximum(1.0 - nu * (L - R), 0.0)), axis=0), axis=0)


def wsr_pvalues(L: Any, alpha: float, delta: float) -> np.ndarray:
    """Betting (Waudby-Smith-Ramdas) p-values of ``H : R > alpha`` per column of ``L``.

    ``p = min(1, 1 / max_t K_t(alpha))``, valid by Ville's inequality for predictable
    bets ``nu_i`` (losses in [0, 1]).
    """
    L = np.asarray(L, float)
    nu = _wsr_nu(L, delta)
    return np.minimum(1.0, np.exp(-_wsr_logcap(L, nu, np.full(L.shape[1], alpha))))


def wsr_ucb(L: Any, delta: float, tol: float = 1e-10) -> np.ndarray:
    """WSR upper confidence bound ``sup{R : max_t K_t(R) < 1/delta}`` per column (bisection)."""
    L = np.asarray(L, float)
    nu = _wsr_nu(L, delta)
    lo, hi = np.zeros(L.shape[1]), np.ones(L.shape[1])
    target = math.log(1.0 / delta)
    while (hi - lo).max() > tol:
        mid = 0.5 * (lo + hi)
        big = _wsr_logcap(L, nu, mid) >= target
        hi, lo = np.where(big, mid, hi), np.where(big, lo, mid)
    return hi


def _fwer_reject(p: np.ndarray, delta: float, fwer: str, start: str = "largest") -> np.ndarray:
    G = p.size
    rej = np.zeros(G, bool)
    if fwer == "bonferroni":
        return p <= delta / G
    if fwer == "holm":
        order = np.argsort(p, kind="stable")
        for k, j in enumerate(order):
            if p[j] > delta / (G - k):
                break
            rej[j] = True
        return rej
    seq = range(G - 1, -1, -1) if start == "largest" else range(G)
    for j in seq:  # fixed sequence, by default from the conservative (largest) lambda
        if p[j] > delta:
            break
        rej[j] = True
    return rej


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class LTTResult(ResultBase):
    """Result of :func:`ltt` or :func:`rcps`.

    Attributes
    ----------
    lambda_hat : float
        Smallest valid lambda (the smallest set); ``lambda_max`` if none is valid.
    valid : ndarray of bool
        The valid set ``Lambda_hat`` on the grid.
    lambdas, risk_hat, grid_pvalues, ucb : ndarray
        Grid, empirical risk, p-values (LTT) and upper confidence bounds (RCPS).
    """

    lambda_hat: float
    feasible: bool
    lambdas: np.ndarray
    valid: np.ndarray
    risk_hat: np.ndarray
    grid_pvalues: np.ndarray
    ucb: np.ndarray
    target_risk: float
    delta: float
    bound: float
    procedure: str
    fwer: str
    nobs: int = 0
    method: str = "learn then test"
    warnings: tuple[str, ...] = ()

    @property
    def params(self) -> pd.Series:
        """``lambda_hat``."""
        return pd.Series([float(self.lambda_hat)], index=["lambda_hat"])

    @property
    def valid_lambdas(self) -> np.ndarray:
        """Grid values in the valid set."""
        return np.asarray(self.lambdas)[np.asarray(self.valid)]

    def table(self) -> pd.DataFrame:
        """Per grid point: lambda, empirical risk, p-value, UCB, valid."""
        return pd.DataFrame(
            {
                "lambda": self.lambdas,
                "risk_hat": self.risk_hat,
                "pvalue": self.grid_pvalues,
                "ucb": self.ucb,
                "valid": self.valid,
            }
        )

    def _title(self) -> str:
        return self.method.capitalize()

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [
            ("Method", self.method),
            ("Statistic", self.procedure),
            ("FWER control", self.fwer),
            ("Target risk", self.target_risk),
            ("delta", self.delta),
            ("Bound B", self.bound),
            ("Calibration points", self.nobs),
            ("Grid size", int(np.size(self.lambdas))),
            ("Valid lambdas", int(np.sum(self.valid))),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        tab = self.table()
        j = int(np.argmin(np.abs(tab["lambda"].to_numpy() - self.lambda_hat)))
        return {"Around lambda_hat": tab.iloc[max(0, j - 2) : j + 3]}

    def _summary_notes(self) -> list[str]:
        out = [
            f"P(risk <= {self.target_risk:g} for every valid lambda) >= "
            f"{1 - self.delta:g} (Angelopoulos et al. 2021; Bates et al. 2021)."
        ]
        if not self.feasible:
            out.append("No lambda on the grid is valid: lambda_hat = lambda_max (largest set).")
        return out

    def _glance_stats(self) -> dict[str, Any]:
        return {
            "lambda_hat": float(self.lambda_hat),
            "feasible": bool(self.feasible),
            "target_risk": self.target_risk,
            "delta": self.delta,
            "n_valid": int(np.sum(self.valid)),
        }

    def _plot(self, kind: str | None, ax, **kwargs):
        kind = check_option(kind or "risk", "kind", ("risk", "pvalues"))
        fig, ax = figure_axes(ax)
        lam = np.asarray(self.lambdas)
        if kind == "pvalues":
            ax.plot(lam, self.grid_pvalues, label="p-value", **kwargs)
            ax.axhline(self.delta, color="k", ls="--", lw=1, label="delta")
            ax.set_ylabel("p-value")
        else:
            ax.plot(lam, self.risk_hat, label="empirical risk", **kwargs)
            if np.isfinite(self.ucb).any():
                ax.plot(lam, self.ucb, label="upper confidence bound")
            ax.axhline(self.target_risk, color="k", ls="--", lw=1, label="target risk")
            ax.set_ylabel("risk")
        v = np.asarray(self.valid)
        if v.any():
            ax.scatter(lam[v], np.zeros(v.sum()), marker="|", color="C2", label="valid")
        ax.set_xlabel("lambda")
        ax.legend()
        return fig


# ----------------------------------------------------------------------------- entry points
def _table(losses: Any, lambdas: Any, bound: float) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(losses, _losses.Loss) and not isinstance(losses, _losses.GridLoss):
        if lambdas is None:
            raise DataError("lambdas must be given (a non-empty increasing grid).")
        lam = np.asarray(lambdas, float)
        if lam.size == 0:
            raise DataError("lambdas is empty: give a non-empty increasing grid.")
        return np.asarray(losses.values(lam), float), lam
    if lambdas is not None and np.size(lambdas) == 0:
        raise DataError("lambdas is empty: give a non-empty increasing grid.")
    g = losses if isinstance(losses, _losses.GridLoss) else _losses.custom(losses, lambdas, bound)
    if g.lambdas.size == 0:
        raise DataError("lambdas is empty: give a non-empty increasing grid.")
    t = np.asarray(g.table)
    if np.isnan(t).any() or (t < 0).any() or (t > bound).any():
        raise DataError(f"losses must lie in [0, bound={bound:g}] without NaN.")
    return t, np.asarray(g.lambdas, float)


def _check_common(target_risk: Any, delta: Any, bound: Any, weights: Any) -> tuple:
    if weights is not None:
        raise NotSupportedError(
            "weighted LTT/RCPS has no theory behind it (no valid weighted p-value is known); "
            "use st.crc for weighted risk control in expectation."
        )
    try:
        d = float(delta)
    except (TypeError, ValueError):
        raise DataError(f"delta must be a number in (0, 1), got {delta!r}.") from None
    if isinstance(delta, str | bool) or not 0.0 < d < 1.0:
        raise DataError(f"delta must lie strictly between 0 and 1, got {delta!r}.")
    B = float(bound)
    if not (math.isfinite(B) and B > 0):
        raise DataError(f"bound must be a positive finite number, got {bound!r}.")
    if isinstance(target_risk, str | bool) or not 0.0 < float(target_risk) < B:
        raise DataError(f"target_risk must lie strictly between 0 and bound={B:g}.")
    return float(target_risk), d, B


def _finish(
    lam, valid, rhat, p, ucb, alpha, delta, B, proc, fwer, n, method, select="smallest"
) -> LTTResult:
    msgs: list[str] = []
    feasible = bool(valid.any())
    if feasible:
        lam_hat = float(lam[np.flatnonzero(valid)[0 if select == "smallest" else -1]])
    else:
        lam_hat = float(lam[-1])
        msg = (
            f"no lambda on the grid is valid at target_risk={alpha:g}, delta={delta:g} "
            f"(n = {n}); lambda_hat = lambda_max = {lam_hat:g} was returned. Use more "
            "calibration data, a larger target_risk or a larger delta."
        )
        warnings.warn(msg, InfeasibleRiskWarning, stacklevel=3)
        msgs.append(msg)
    return LTTResult(
        lambda_hat=lam_hat,
        feasible=feasible,
        lambdas=readonly(lam),
        valid=readonly(valid),
        risk_hat=readonly(rhat),
        grid_pvalues=readonly(p),
        ucb=readonly(ucb),
        target_risk=alpha,
        delta=delta,
        bound=B,
        procedure=proc,
        fwer=fwer,
        nobs=n,
        method=method,
        warnings=tuple(msgs),
    )


def ltt(
    losses: Any,
    target_risk: float,
    delta: float = 0.1,
    lambdas: Any = None,
    *,
    bound: float = 1.0,
    pvalues: str = "hb",
    fwer: str = "fixed-sequence",
    binary: bool = False,
    start: str = "largest",
    select: str = "smallest",
    weights: Any = None,
) -> LTTResult:
    """Learn then Test: all lambdas whose risk is certified ``<= target_risk`` w.p. 1 - delta.

    Parameters
    ----------
    losses : array_like (n, G), callable or Loss
        Losses on the grid ``lambdas`` (any shape in lambda: non-monotone allowed), in
        ``[0, bound]``.
    target_risk : float
        ``alpha``.
    delta : float, default 0.1
        Error probability in (0, 1).
    lambdas : array_like (G,)
        Increasing, non-empty grid.
    bound : float, default 1.0
        Losses are divided by it (the p-values need losses in [0, 1]).
    pvalues : {"hb", "bentkus", "hoeffding", "wsr"}
        Hoeffding-Bentkus (default), Bentkus, Hoeffding or betting (WSR) p-values.
    fwer : {"fixed-sequence", "bonferroni", "holm"}
        Family-wise error control; the fixed sequence starts at the largest lambda (the
        conservative end) and stops at the first non-rejection.
    binary : bool
        Losses are 0/1 (tighter Bentkus factor 1 instead of e).
    start : {"largest", "smallest"}
        Where the fixed sequence starts: at the largest lambda (the conservative end for
        losses that fall with lambda, e.g. recall) or at the smallest (e.g. precision,
        which is best for the smallest sets). Fix it before seeing the calibration data.
    select : {"smallest", "largest"}
        Which valid lambda is reported as ``lambda_hat``: the smallest (smallest sets, as
        :func:`~stattools.conformal.crc`) or the largest (e.g. the largest sets whose
        precision is certified). Every valid lambda carries the guarantee.
    weights : None
        Weighted LTT has no theory: anything but ``None`` raises ``NotImplementedError``.

    Returns
    -------
    LTTResult

    Raises
    ------
    DataError
        ``delta`` outside (0, 1); empty grid; losses outside [0, bound].

    References
    ----------
    Angelopoulos, A. N., Bates, S., Candès, E. J., Jordan, M. I., Lei, L. (2021). Learn
    then test: calibrating predictive algorithms to achieve risk control. arXiv:2110.01052.

    Examples
    --------
    >>> import numpy as np
    >>> import stattools as st
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(size=2000)
    >>> grid = np.linspace(0, 1, 101)
    >>> res = st.ltt((s[:, None] > grid).astype(float), 0.1, delta=0.1, lambdas=grid)
    >>> bool(0.9 <= res.lambda_hat <= 0.95)
    True
    """
    alpha, d, B = _check_common(target_risk, delta, bound, weights)
    kind = check_option(pvalues, "pvalues", ("hb", "bentkus", "hoeffding", "wsr"))
    fwer = check_option(fwer, "fwer", _FWER)
    start = check_option(start, "start", ("largest", "smallest"))
    L, lam = _table(losses, lambdas, B)
    L = L / B
    n = L.shape[0]
    rhat = L.mean(axis=0)
    if kind == "wsr":
        p = wsr_pvalues(L, alpha / B, d)
    else:
        p = hb_pvalues(rhat, n, alpha / B, kind=kind, binary=binary)
    select = check_option(select, "select", ("smallest", "largest"))
    valid = _fwer_reject(p, d, fwer, start)
    return _finish(
        lam,
        valid,
        rhat * B,
        p,
        np.full(lam.size, np.nan),
        alpha,
        d,
        B,
        kind,
        fwer,
        n,
        "learn then test",
        select,
    )


def rcps(
    losses: Any,
    target_risk: float,
    delta: float = 0.1,
    lambdas: Any = None,
    *,
    bound: float = 1.0,
    ucb: str = "hb",
    weights: Any = None,
    monotone_check: bool = True,
) -> LTTResult:
    """Risk-controlling prediction sets (Bates et al. 2021) from an upper confidence bound.

    ``lambda_hat = min{lambda_j : UCB(lambda_k) < alpha for every k >= j}``: with a
    nonincreasing risk, ``P(R(lambda_hat) <= alpha) >= 1 - delta``.

    Parameters
    ----------
    losses, target_risk, delta, lambdas, bound, weights
        As in :func:`ltt`.
    ucb : {"hb", "hoeffding", "bernstein", "wsr"}
        Upper confidence bound: Hoeffding-Bentkus (inverted p-value, by bisection),
        Hoeffding ``R_hat + sqrt(log(1/delta) / (2n))``, empirical Bernstein (Maurer &
        Pontil) or the WSR betting bound.
    monotone_check : bool, default True
        Raise if a calibration loss increases in lambda (RCPS needs a nonincreasing risk;
        use :func:`ltt` otherwise).

    Returns
    -------
    LTTResult

    Examples
    --------
    >>> import numpy as np
    >>> import stattools as st
    >>> s = np.random.default_rng(0).uniform(size=2000)
    >>> grid = np.linspace(0, 1, 101)
    >>> res = st.rcps((s[:, None] > grid).astype(float), 0.1, delta=0.1, lambdas=grid,
    ...               ucb="hoeffding")
    >>> bool(0.9 <= res.lambda_hat <= 0.95)
    True
    """
    alpha, d, B = _check_common(target_risk, delta, bound, weights)
    kind = check_option(ucb, "ucb", ("hb", "hoeffding", "bernstein", "wsr"))
    L, lam = _table(losses, lambdas, B)
    if monotone_check and L.shape[1] > 1 and (np.diff(L, axis=1) > 1e-12 * B).any():
        raise DataError(
            "losses must be nonincreasing in lambda for RCPS; use st.ltt for non-monotone "
            "risks (or monotone_check=False if only the mean risk is monotone)."
        )
    L = L / B
    n = L.shape[0]
    rhat = L.mean(axis=0)
    if kind == "hoeffding":
        u = rhat + math.sqrt(math.log(1.0 / d) / (2.0 * n))
    elif kind == "bernstein":
        if n < 2:
            raise DataError("ucb='bernstein' needs at least 2 calibration points.")
        var = np.var(L, axis=0, ddof=1)
        u = (
            rhat
            + np.sqrt(2.0 * var * math.log(2.0 / d) / n)
            + 7.0 * math.log(2.0 / d) / (3.0 * (n - 1))
        )
    elif kind == "wsr":
        u = wsr_ucb(L, d)
    else:
        lo, hi = rhat.copy(), np.ones_like(rhat)
        for _ in range(60):  # UCB = sup{R : p_HB(R_hat; R) > delta}
            mid = 0.5 * (lo + hi)
            ok = _hb_at(rhat, n, mid) > d
            lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
        u = hi
    below = u < alpha / B
    # valid: every larger lambda also has its UCB below alpha (scan from the top)
    valid = np.flip(np.logical_and.accumulate(np.flip(below)))
    return _finish(
        lam,
        valid,
        rhat * B,
        np.full(lam.size, np.nan),
        u * B,
        alpha,
        d,
        B,
        kind,
        "monotone scan",
        n,
        "risk-controlling prediction sets",
    )


def _hb_at(rhat: np.ndarray, n: int, R: np.ndarray) -> np.ndarray:
    """HB p-value of ``H : risk > R`` elementwise in ``R``."""
    R = np.clip(R, 1e-12, 1 - 1e-12)
    hoeff = np.exp(-n * _h1(np.minimum(rhat, R), R))
    bent = math.e * binom.cdf(np.ceil(n * rhat - 1e-9), n, R)
    return np.minimum(np.minimum(hoeff, bent), 1.0)
