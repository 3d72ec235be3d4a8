"""High-probability risk control: Learn-then-Test (:func:`ltt`) and RCPS (:func:`rcps`).

Both work on a loss table ``L[i, g] = L_i(lambda_g)`` in ``[0, B]`` over an increasing
grid. LTT tests ``H_g : R(lambda_g) > alpha`` at every grid point with a valid p-value
and controls the family-wise error rate; the rejected set ``Lambda_hat`` satisfies
``P(sup_{lambda in Lambda_hat} R(lambda) <= alpha) >= 1 - delta`` (non-monotone risks
allowed). RCPS needs a nonincreasing risk and returns the smallest ``lambda`` whose upper
confidence bound, and that of every larger ``lambda``, is below ``alpha``.

**Covariate shift** (``weights=``, ``weight_bound=``). With calibration points drawn from
``P`` and test points from ``Q = P`` shifted in ``X`` only, ``w(x) = dQ_X/dP_X(x)`` the
likelihood ratio (normalised, ``E_P w(X) = 1``) and a known bound ``w(x) <= B_w``, the
test risk is ``R_Q(lambda) = E_P[w(X) L(lambda)]``. The importance-weighted losses
``Z_i = w(X_i) L_i(lambda) / (B B_w)`` are iid in ``[0, 1]`` with mean
``R_Q(lambda) / (B B_w)``, so every p-value and upper confidence bound of the unweighted
procedures (Hoeffding, Bentkus, HB, WSR betting, empirical Bernstein: each valid for iid
variables in ``[0, 1]``) applied to ``Z`` at target ``alpha / (B B_w)`` is valid for the
test risk, and the FWER / monotone-scan step is unchanged. The argument needs only that
each bound is valid for iid variables in ``[0, 1]``; the construction (importance weighting
with a known weight bound inside LTT/RCPS) is ours and not confirmed from a paper. Park,
Dobriban, Lee & Bastani (2022, "PAC prediction sets under covariate shift", ICLR) build PAC
prediction sets from given, bounded importance weights by rejection sampling (accept point
``i`` with probability ``w_i / B_w``; exact but randomised, not implemented here); only
their abstract was confirmed for this note. With unit weights and ``B_w = 1``,
``Z = L / B`` and every number equals the unweighted one exactly. The bound ``B_w``
enters the target (``alpha / B_w``), so a loose bound costs power and, for small ``n``,
can make every lambda infeasible (an :class:`InfeasibleRiskWarning` and
``result.bound_infeasible``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binom

from ..core.exceptions import DataError, InfeasibleRiskWarning
from ..core.plotting import figure_axes
from ..core.results import ResultBase, readonly
from ..core.validation import check_option, describe_positions
from . import losses as _losses
from .weights import effective_sample_size

__all__ = [
    "LTTResult",
    "ltt",
    "rcps",
    "hb_pvalues",
    "wsr_pvalues",
    "wsr_ucb",
    "check_shift_weights",
]

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
        Grid, empirical risk (importance-weighted ``mean(w L)`` with weights), p-values
        (LTT) and upper confidence bounds (RCPS).
    weighted : bool
        Covariate-shift (likelihood-ratio) weights were used.
    weight_bound : float
        The bound ``B_w`` on the likelihood ratio (1 without weights).
    ess : float
        Kish effective sample size of the weights (``n`` without weights).
    bound_infeasible : bool
        With these weights' bound no lambda could be certified even with zero losses.
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
    weighted: bool = False
    weight_bound: float = 1.0
    ess: float = math.nan
    bound_infeasible: bool = False

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
        ] + (
            [
                ("Weights", "likelihood ratio (covariate shift)"),
                ("Weight bound B_w", self.weight_bound),
                ("Effective sample size", round(float(self.ess), 2)),
            ]
            if self.weighted
            else []
        )

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        tab = self.table()
        j = int(np.argmin(np.abs(tab["lambda"].to_numpy() - self.lambda_hat)))
        return {"Around lambda_hat": tab.iloc[max(0, j - 2) : j + 3]}

    def _summary_notes(self) -> list[str]:
        out = [
            f"P(risk <= {self.target_risk:g} for every valid lambda) >= "
            f"{1 - self.delta:g} (Angelopoulos et al. 2021; Bates et al. 2021)."
        ]
        if self.weighted:
            out.append(
                "Risk under the test distribution (covariate shift), from the importance-"
                f"weighted losses w L / B_w with B_w = {self.weight_bound:g}; needs the "
                "normalised likelihood ratio (E w = 1) and w <= B_w everywhere."
            )
        if not self.feasible:
            out.append("No lambda on the grid is valid: lambda_hat = lambda_max (largest set).")
        if self.bound_infeasible:
            out.append("The weight bound alone makes every lambda infeasible at this n.")
        return out

    def _glance_stats(self) -> dict[str, Any]:
        return {
            "lambda_hat": float(self.lambda_hat),
            "feasible": bool(self.feasible),
            "target_risk": self.target_risk,
            "delta": self.delta,
            "n_valid": int(np.sum(self.valid)),
            "weighted": bool(self.weighted),
            "bound_infeasible": bool(self.bound_infeasible),
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


def _check_common(target_risk: Any, delta: Any, bound: Any) -> tuple:
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


#: level of the Hoeffding test that the weights are a normalised likelihood ratio
_NORMALISATION_LEVEL = 1e-6


def check_shift_weights(weights: Any, weight_bound: Any, n: int) -> tuple[np.ndarray | None, float]:
    """Validate covariate-shift weights for :func:`ltt`/:func:`rcps`.

    Returns ``(w, B_w)``, or ``(None, 1.0)`` without weights.

    Raises
    ------
    DataError
        ``weights`` not ``n`` finite non-negative numbers; ``weight_bound`` missing, not a
        finite number ``>= 1`` (a normalised ratio has ``sup w >= 1``) or below a weight;
        or a sample mean of the weights incompatible with ``E w = 1`` (Hoeffding's
        inequality for variables in ``[0, B_w]`` at level ``1e-6``): the procedures need the
        normalised likelihood ratio.

    Examples
    --------
    >>> w, bw = check_shift_weights([0.5, 1.5], 2.0, 2)
    >>> w.tolist(), bw
    ([0.5, 1.5], 2.0)
    """
    if weights is None:
        if weight_bound is not None:
            raise DataError("weight_bound is only used with weights= (likelihood ratios).")
        return None, 1.0
    if isinstance(weights, str) or callable(weights) or hasattr(weights, "weights"):
        raise DataError(
            "weights must be an array of the n likelihood ratios w(X_i) of the calibration "
            "points (evaluate a st.weights.likelihood_ratio scheme on their features first)."
        )
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise DataError("weights must be an array of non-negative numbers.") from None
    if w.ndim != 1 or w.size != n:
        raise DataError(
            f"weights must have one entry per calibration point ({n}); got shape {w.shape}."
        )
    if not np.isfinite(w).all():
        raise DataError(f"weights must be finite: {describe_positions(~np.isfinite(w))}.")
    if (w < 0).any():
        raise DataError(f"weights must be >= 0; negative at {describe_positions(w < 0)}.")
    if weight_bound is None:
        raise DataError(
            "weights need weight_bound=: a known upper bound B_w on the likelihood ratio "
            "w(x) over the whole covariate space (the guarantee rests on w <= B_w)."
        )
    if isinstance(weight_bound, str | bool):
        raise DataError(f"weight_bound must be a number >= 1, got {weight_bound!r}.")
    try:
        Bw = float(weight_bound)
    except (TypeError, ValueError):
        raise DataError(f"weight_bound must be a number >= 1, got {weight_bound!r}.") from None
    if not (math.isfinite(Bw) and Bw >= 1.0):
        raise DataError(
            f"weight_bound must be a finite number >= 1 (a normalised likelihood ratio has "
            f"sup w >= 1), got {weight_bound!r}."
        )
    if (w > Bw * (1 + 1e-12)).any():
        raise DataError(
            f"weights exceed weight_bound={Bw:g} at {describe_positions(w > Bw * (1 + 1e-12))} "
            f"(largest {w.max():.6g}); the bound must hold for every x."
        )
    slack = Bw * math.sqrt(math.log(2.0 / _NORMALISATION_LEVEL) / (2.0 * n))
    if abs(float(w.mean()) - 1.0) > slack:
        raise DataError(
            f"weights have mean {w.mean():.4g}, incompatible with a normalised likelihood "
            f"ratio (E w(X) = 1 under the calibration distribution; |mean - 1| > {slack:.3g} "
            "has probability < 1e-6 by Hoeffding's inequality). Give dQ/dP itself, not a "
            "multiple of it."
        )
    return w, Bw


def _finish(
    lam,
    valid,
    rhat,
    p,
    ucb,
    alpha,
    delta,
    B,
    proc,
    fwer,
    n,
    method,
    select="smallest",
    *,
    weighted=False,
    Bw=1.0,
    ess=math.nan,
    bound_infeasible=False,
) -> LTTResult:
    msgs: list[str] = []
    feasible = bool(valid.any())
    if feasible:
        lam_hat = float(lam[np.flatnonzero(valid)[0 if select == "smallest" else -1]])
    else:
        lam_hat = float(lam[-1])
        if bound_infeasible:
            msg = (
                f"weight_bound={Bw:g} makes every lambda infeasible: even with zero "
                f"calibration losses the {proc} statistic on w L / B_w cannot certify "
                f"target_risk={alpha:g} at delta={delta:g} with n = {n} (the effective "
                f"target is target_risk / (bound B_w) = {alpha / (B * Bw):.4g}). "
                f"lambda_hat = lambda_max = {lam_hat:g} was returned. Use more calibration "
                "data, a tighter weight bound, a larger target_risk or a larger delta."
            )
        else:
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
        weighted=weighted,
        weight_bound=Bw,
        ess=float(n) if math.isnan(ess) else float(ess),
        bound_infeasible=bound_infeasible and not feasible,
    )


def _scaled(L: np.ndarray, w: np.ndarray | None, Bw: float) -> np.ndarray:
    """``Z = w L / B_w`` (``L`` already divided by ``B``); ``L`` itself without weights."""
    return L if w is None else L * (w / Bw)[:, None]


def _ltt_pvalues(Z: np.ndarray, a: float, d: float, kind: str, binary: bool) -> np.ndarray:
    if kind == "wsr":
        return wsr_pvalues(Z, a, d)
    return hb_pvalues(Z.mean(axis=0), Z.shape[0], a, kind=kind, binary=binary)


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
    weight_bound: float | None = None,
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
        Losses are 0/1 (tighter Bentkus factor 1 instead of e). Ignored with weights
        unless every weight equals ``weight_bound`` (``w L / B_w`` is then 0/1 too).
    start : {"largest", "smallest"}
        Where the fixed sequence starts: at the largest lambda (the conservative end for
        losses that fall with lambda, e.g. recall) or at the smallest (e.g. precision,
        which is best for the smallest sets). Fix it before seeing the calibration data.
    select : {"smallest", "largest"}
        Which valid lambda is reported as ``lambda_hat``: the smallest (smallest sets, as
        :func:`~stattools.conformal.crc`) or the largest (e.g. the largest sets whose
        precision is certified). Every valid lambda carries the guarantee.
    weights : array_like (n,), optional
        Covariate-shift weights: the likelihood ratio ``w(X_i) = dQ_X/dP_X(X_i)`` of each
        calibration point, normalised so that ``E_P w(X) = 1`` (not just proportional).
        The guarantee then holds for the risk under the test distribution ``Q`` (see the
        module docstring: p-values of the importance-weighted losses ``w L / B_w``).
    weight_bound : float, optional
        Required with ``weights``: a known bound ``B_w >= 1`` with ``w(x) <= B_w`` for
        every ``x`` (not only the calibration points). Assumptions: iid calibration points
        from ``P``, a test point from ``Q`` with ``Q_{Y|X} = P_{Y|X}``, the ratio known.
        Unit weights with ``weight_bound=1`` reproduce the unweighted result exactly; a
        larger bound stays valid but is conservative (the statistic tests ``w L / B_w``
        against ``target_risk / B_w``), so unit weights with ``B_w > 1`` do not reduce.

    Returns
    -------
    LTTResult

    Raises
    ------
    DataError
        ``delta`` outside (0, 1); empty grid; losses outside [0, bound]; ``weights``
        not ``n`` finite non-negative numbers or not normalised; ``weight_bound`` missing
        or below a weight.

    Warns
    -----
    InfeasibleRiskWarning
        No lambda is valid (``result.feasible`` is False); with weights, when the bound
        ``B_w`` alone makes every lambda infeasible, the message says so and
        ``result.bound_infeasible`` is True.

    References
    ----------
    Angelopoulos, A. N., Bates, S., Candès, E. J., Jordan, M. I., Lei, L. (2021). Learn
    then test: calibrating predictive algorithms to achieve risk control. arXiv:2110.01052.
    Park, S., Dobriban, E., Lee, I., Bastani, O. (2022). PAC prediction sets under
    covariate shift. ICLR.

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

    Under covariate shift with a known ratio ``w(x) = 2x`` on ``x ~ U(0, 1)`` (bound 2):

    >>> x = rng.uniform(size=2000)
    >>> s = rng.uniform(size=2000) * x  # larger scores where the test mass is
    >>> L = (s[:, None] > grid).astype(float)
    >>> w_res = st.ltt(L, 0.1, delta=0.1, lambdas=grid, weights=2 * x, weight_bound=2.0)
    >>> bool(w_res.lambda_hat > st.ltt(L, 0.1, delta=0.1, lambdas=grid).lambda_hat)
    True
    """
    alpha, d, B = _check_common(target_risk, delta, bound)
    kind = check_option(pvalues, "pvalues", ("hb", "bentkus", "hoeffding", "wsr"))
    fwer = check_option(fwer, "fwer", _FWER)
    start = check_option(start, "start", ("largest", "smallest"))
    select = check_option(select, "select", ("smallest", "largest"))
    L, lam = _table(losses, lambdas, B)
    n = L.shape[0]
    w, Bw = check_shift_weights(weights, weight_bound, n)
    Z = _scaled(L / B, w, Bw)
    a = alpha / (B * Bw)
    if w is not None:
        binary = binary and bool(np.all(w == Bw))
    p = _ltt_pvalues(Z, a, d, kind, binary)
    valid = _fwer_reject(p, d, fwer, start)
    infeasible = False
    if w is not None and not valid.any():
        p0 = _ltt_pvalues(np.zeros((n, 1)), a, d, kind, binary)
        infeasible = not bool(_fwer_reject(np.full(lam.size, p0[0]), d, fwer, start).any())
    return _finish(
        lam,
        valid,
        Z.mean(axis=0) * B * Bw,
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
        weighted=w is not None,
        Bw=Bw,
        ess=math.nan if w is None else float(effective_sample_size(w)),
        bound_infeasible=infeasible,
    )


def _ucb(Z: np.ndarray, d: float, kind: str) -> np.ndarray:
    """Upper confidence bound of the column means of ``Z`` (values in [0, 1])."""
    n = Z.shape[0]
    rhat = Z.mean(axis=0)
    if kind == "hoeffding":
        return rhat + math.sqrt(math.log(1.0 / d) / (2.0 * n))
    if kind == "bernstein":
        if n < 2:
            raise DataError("ucb='bernstein' needs at least 2 calibration points.")
        var = np.var(Z, axis=0, ddof=1)
        return (
            rhat
            + np.sqrt(2.0 * var * math.log(2.0 / d) / n)
            + 7.0 * math.log(2.0 / d) / (3.0 * (n - 1))
        )
    if kind == "wsr":
        return wsr_ucb(Z, d)
    lo, hi = rhat.copy(), np.ones_like(rhat)
    for _ in range(60):  # UCB = sup{R : p_HB(R_hat; R) > delta}
        mid = 0.5 * (lo + hi)
        ok = _hb_at(rhat, n, mid) > d
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return hi


def rcps(
    losses: Any,
    target_risk: float,
    delta: float = 0.1,
    lambdas: Any = None,
    *,
    bound: float = 1.0,
    ucb: str = "hb",
    weights: Any = None,
    weight_bound: float | None = None,
    monotone_check: bool = True,
) -> LTTResult:
    """Risk-controlling prediction sets (Bates et al. 2021) from an upper confidence bound.

    ``lambda_hat = min{lambda_j : UCB(lambda_k) < alpha for every k >= j}``: with a
    nonincreasing risk, ``P(R(lambda_hat) <= alpha) >= 1 - delta``.

    Parameters
    ----------
    losses, target_risk, delta, lambdas, bound
        As in :func:`ltt`.
    ucb : {"hb", "hoeffding", "bernstein", "wsr"}
        Upper confidence bound: Hoeffding-Bentkus (inverted p-value, by bisection),
        Hoeffding ``R_hat + sqrt(log(1/delta) / (2n))``, empirical Bernstein (Maurer &
        Pontil) or the WSR betting bound.
    weights, weight_bound : optional
        Covariate-shift likelihood ratios and their known bound, as in :func:`ltt`: the
        bound is computed on ``w L / B_w`` and multiplied by ``B_w`` (an upper confidence
        bound of the test risk). Unit weights with ``weight_bound=1`` give the unweighted
        result exactly.
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
    >>> same = st.rcps((s[:, None] > grid).astype(float), 0.1, delta=0.1, lambdas=grid,
    ...                ucb="hoeffding", weights=np.ones(2000), weight_bound=1.0)
    >>> same.lambda_hat == res.lambda_hat
    True
    """
    alpha, d, B = _check_common(target_risk, delta, bound)
    kind = check_option(ucb, "ucb", ("hb", "hoeffding", "bernstein", "wsr"))
    L, lam = _table(losses, lambdas, B)
    if monotone_check and L.shape[1] > 1 and (np.diff(L, axis=1) > 1e-12 * B).any():
        raise DataError(
            "losses must be nonincreasing in lambda for RCPS; use st.ltt for non-monotone "
            "risks (or monotone_check=False if only the mean risk is monotone)."
        )
    n = L.shape[0]
    w, Bw = check_shift_weights(weights, weight_bound, n)
    Z = _scaled(L / B, w, Bw)
    u = _ucb(Z, d, kind) * Bw
    below = u < alpha / B
    # valid: every larger lambda also has its UCB below alpha (scan from the top)
    valid = np.flip(np.logical_and.accumulate(np.flip(below)))
    infeasible = False
    if w is not None and not valid.any():
        infeasible = not bool(_ucb(np.zeros((n, 1)), d, kind)[0] * Bw < alpha / B)
    return _finish(
        lam,
        valid,
        Z.mean(axis=0) * B * Bw,
        np.full(lam.size, np.nan),
        u * B,
        alpha,
        d,
        B,
        kind,
        "monotone scan",
        n,
        "risk-controlling prediction sets",
        weighted=w is not None,
        Bw=Bw,
        ess=math.nan if w is None else float(effective_sample_size(w)),
        bound_infeasible=infeasible,
    )


def _hb_at(rhat: np.ndarray, n: int, R: np.ndarray) -> np.ndarray:
    """HB p-value of ``H : risk > R`` elementwise in ``R``."""
    R = np.clip(R, 1e-12, 1 - 1e-12)
    hoeff = np.exp(-n * _h1(np.minimum(rhat, R), R))
    bent = math.e * binom.cdf(np.ceil(n * rhat - 1e-9), n, R)
    return np.minimum(np.minimum(hoeff, bent), 1.0)
