"""Conformal risk control, exchangeable and weighted: :func:`crc` and :func:`split_conformal`.

Every method of the family runs through the single weighted rule (★) solved in
:mod:`stattools.conformal.solver`; this module validates the input, picks the weights and
wraps the answer in a :class:`CRCResult`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import (
    BoundViolationWarning,
    DataError,
    InfeasibleRiskWarning,
    SmallSampleWarning,
    StattoolsWarning,
)
from ..core.plotting import figure_axes
from ..core.results import ResultBase, readonly
from ..core.validation import as_float_array, check_finite, check_level, check_option
from . import losses as _losses
from . import solver
from .weights import WeightScheme, checked_weights_range, effective_sample_size, uniform

__all__ = ["CRCResult", "crc", "split_conformal", "check_strict_level"]

_GUARANTEES = {
    "exchangeable": "E[L(lambda_hat)] <= target under exchangeability (Angelopoulos et al. 2024).",
    "non-exchangeable": (
        "E[L(lambda_hat)] <= target + B * sum_i w~_i d_TV(Z, Z^i) for fixed weights "
        "(Farinhas et al. 2024, Thm 1); the slack is 0 under exchangeability."
    ),
    "covariate shift": (
        "E[L(lambda_hat)] <= target under covariate shift with the true likelihood ratio "
        "(Tibshirani et al. 2019); an estimated ratio makes it approximate."
    ),
    "heuristic": (
        "data-dependent weights: no proven guarantee (appeal to Barber et al. 2023, §4.5)."
    ),
}
_COVERAGE = {
    "exchangeable": "coverage >= {level:g} under exchangeability (split conformal, Vovk et al.).",
    "non-exchangeable": (
        "coverage >= {level:g} - sum_i w~_i d_TV(Z, Z^i) for fixed weights (nexCP, Barber "
        "et al. 2023); the slack is 0 under exchangeability."
    ),
    "covariate shift": (
        "coverage >= {level:g} under covariate shift with the true likelihood ratio "
        "(Tibshirani et al. 2019); an estimated ratio makes it approximate."
    ),
    "heuristic": (
        "data-dependent weights: no proven coverage guarantee (appeal to Barber et al. 2023, §4.5)."
    ),
}


def _summary_quantiles(v: np.ndarray) -> np.ndarray:
    """min, median, max without interpolating between infinities (np.quantile gives NaN)."""
    v = np.asarray(v, float)
    if not v.size:
        return np.full(3, np.nan)
    s = np.sort(v)
    k = s.size // 2
    if s.size % 2:
        med = float(s[k])
    else:
        a, b = float(s[k - 1]), float(s[k])
        med = a if a == b else 0.5 * (a + b)  # python floats: 1 + inf = inf, no warning
    return np.array([s[0], med, s[-1]])


def _as_float_or_array(x: np.ndarray, scalar: bool):
    return float(x[0]) if scalar else readonly(np.asarray(x, dtype=float))


@dataclass(frozen=True, repr=False)
class CRCResult(ResultBase):
    """Result of (weighted) conformal risk control.

    Attributes
    ----------
    lambda_hat : float or ndarray
        The calibrated parameter: one value, or one per test point (per-test weights).
    feasible : bool or ndarray
        False where no lambda attains the target (``lambda_hat = lambda_max`` there).
    n_w, ess : float or ndarray
        Total calibration weight ``N_w`` and Kish effective sample size.
    min_target_risk : float or ndarray
        Smallest attainable target ``(sum_i w_i L_i(lambda_max) + w_test B) / (N_w + w_test)``.
    target_risk, bound : float
        ``alpha`` and ``B``.
    guarantee : str
        ``"exchangeable"``, ``"non-exchangeable"``, ``"covariate shift"`` or ``"heuristic"``.
    risk_curve : pandas.DataFrame
        The weighted risk bound ``(S(lambda) + w_test B) / (N_w + w_test)`` at its knots (for
        the first test point when there are several).
    """

    lambda_hat: Any
    feasible: Any
    n_w: Any
    ess: Any
    min_target_risk: Any
    target_risk: float
    bound: float
    n_test: int
    loss_name: str
    weights_name: str
    guarantee: str
    lambda_min: float
    lambda_max: float
    curve_source: tuple = ()
    nobs: int = 0
    n_clipped: int = 0
    method: str = "conformal risk control"
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    # --------------------------------------------------------------- members
    @property
    def per_test(self) -> bool:
        """Whether there is one lambda per test point."""
        return not np.isscalar(self.lambda_hat)

    @property
    def params(self) -> pd.Series:
        """``lambda_hat`` by term (``lambda_hat`` or ``lambda_hat[j]``)."""
        if self.per_test:
            lam = np.asarray(self.lambda_hat)
            return pd.Series(lam, index=[f"lambda_hat[{j}]" for j in range(lam.size)])
        return pd.Series([float(self.lambda_hat)], index=["lambda_hat"])

    @functools.cached_property
    def _curve(self) -> tuple[np.ndarray, np.ndarray]:
        # computed on first use (sorting 10^6 breakpoints is not needed for lambda_hat)
        if not self.curve_source:
            return readonly(np.zeros(0)), readonly(np.zeros(0))
        loss, w, w_test = self.curve_source
        x, y = solver.risk_curve(loss, np.asarray(w), float(w_test))
        return readonly(np.asarray(x, float)), readonly(np.asarray(y, float))

    @property
    def curve_lambda(self) -> np.ndarray:
        """Knots of the weighted risk curve (first test point)."""
        return self._curve[0]

    @property
    def curve_bound(self) -> np.ndarray:
        """Weighted risk bound at ``curve_lambda``."""
        return self._curve[1]

    @property
    def risk_curve(self) -> pd.DataFrame:
        """Weighted risk bound at the knots of the curve (columns ``lambda``, ``risk_bound``)."""
        return pd.DataFrame({"lambda": self.curve_lambda, "risk_bound": self.curve_bound})

    @property
    def needed_n_w(self) -> float:
        """``B / alpha - 1``: the total weight needed when ``L(lambda_max) = 0``."""
        return self.bound / self.target_risk - 1.0

    @property
    def is_split_cp(self) -> bool:
        """Whether this is split conformal prediction (miscoverage loss): a coverage level."""
        return self.loss_name == "miscoverage"

    @property
    def level(self) -> float:
        """Coverage level ``1 - target_risk`` (meaningful for split conformal)."""
        return 1.0 - self.target_risk

    # --------------------------------------------------------------- hooks
    def _title(self) -> str:
        return f"{self.method.capitalize()} ({self.loss_name})"

    def _target_rows(self) -> list[tuple[str, Any]]:
        if self.is_split_cp:
            return [("Coverage level", self.level)]
        return [("Target risk", self.target_risk), ("Bound B", self.bound)]

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [
            ("Method", self.method),
            ("Loss", self.loss_name),
            ("Weights", self.weights_name),
            ("Guarantee", self.guarantee),
            *self._target_rows(),
            ("Calibration points", self.nobs),
            ("Test points", self.n_test),
            ("Needed N_w", self.needed_n_w),
            ("Clipped losses", self.n_clipped),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        if not self.per_test:
            tab = pd.DataFrame(
                {
                    "lambda_hat": [float(self.lambda_hat)],
                    "feasible": [bool(self.feasible)],
                    "N_w": [float(self.n_w)],
                    "ESS": [float(self.ess)],
                    "min target risk": [float(self.min_target_risk)],
                },
                index=["calibration"],
            )
            return {"Calibration": tab}
        cols = {
            "lambda_hat": np.asarray(self.lambda_hat, float),
            "N_w": np.asarray(self.n_w, float),
            "ESS": np.asarray(self.ess, float),
            "min target risk": np.asarray(self.min_target_risk, float),
        }
        tab = pd.DataFrame(
            {k: _summary_quantiles(v) for k, v in cols.items()},
            index=["min", "median", "max"],
        )
        feas = np.asarray(self.feasible, bool)
        tab["infeasible share"] = [float((~feas).mean()) if feas.size else math.nan] * 3
        return {"Calibration over test points": tab}

    def _summary_notes(self) -> list[str]:
        if self.is_split_cp:
            text = _COVERAGE.get(self.guarantee, self.guarantee).format(level=self.level)
        else:
            text = _GUARANTEES.get(self.guarantee, self.guarantee)
        out = [text]
        if self.n_clipped:
            out.append(
                f"{self.n_clipped} calibration loss value(s) exceeded the bound B = "
                f"{self.bound:g} and were clipped to it; the guarantee covers the clipped loss."
            )
        if not np.all(self.feasible):
            out.append(
                "The target was infeasible for some test point: lambda_hat = lambda_max "
                "(the largest set) there."
            )
        return out + list(self.notes)

    def _glance_stats(self) -> dict[str, Any]:
        lam = np.atleast_1d(np.asarray(self.lambda_hat, float))
        return {
            "target_risk": self.target_risk,
            "bound": self.bound,
            "lambda_hat": float(lam[0]) if lam.size == 1 else float(np.median(lam)),
            "feasible_share": float(np.mean(self.feasible)),
            "n_w": float(np.mean(self.n_w)),
            "ess": float(np.mean(self.ess)),
            "guarantee": self.guarantee,
            "n_test": self.n_test,
        }

    def _plot(self, kind: str | None, ax, **kwargs):
        kind = check_option(kind or "risk", "kind", ("risk", "lambda"))
        fig, ax = figure_axes(ax)
        if kind == "lambda":
            lam = np.atleast_1d(np.asarray(self.lambda_hat, float))
            fin = lam[np.isfinite(lam)]
            ax.hist(fin if fin.size else [0.0], bins=min(50, max(5, fin.size // 20)), **kwargs)
            ax.set_xlabel("lambda_hat")
            ax.set_ylabel("test points")
            ax.set_title(f"{self.method}: lambda_hat over test points")
            return fig
        x, y = self.curve_lambda, self.curve_bound
        fin = np.isfinite(x)
        ax.step(x[fin], y[fin], where="post", label="weighted risk bound", **kwargs)
        ax.axhline(self.target_risk, color="k", ls="--", lw=1, label="target risk")
        lam0 = float(np.atleast_1d(self.lambda_hat)[0])
        if math.isfinite(lam0):
            ax.axvline(lam0, color="C3", lw=1, label=f"lambda_hat = {lam0:.4g}")
        ax.set_xlabel("lambda")
        ax.set_ylabel("(S(lambda) + w B) / (N_w + w)")
        ax.set_title(f"{self.method} ({self.loss_name})")
        ax.legend()
        return fig


# ----------------------------------------------------------------------------- helpers
def check_strict_level(level: Any, name: str = "level") -> float:
    """A coverage level in (0, 1) given as a number (strings such as "0.9" raise)."""
    if isinstance(level, str | bool) or not isinstance(level, int | float | np.number):
        raise DataError(f"{name} must be a number in (0, 1), got {level!r}.")
    return check_level(float(level), name)


def _check_target(target_risk: Any, bound: float) -> float:
    try:
        if isinstance(target_risk, str | bool):
            raise TypeError
        a = float(target_risk)
    except (TypeError, ValueError):
        raise DataError(
            f"target_risk must be a number in (0, bound), got {target_risk!r}."
        ) from None
    if not (0.0 < a < bound):
        raise DataError(
            f"target_risk must lie strictly between 0 and bound={bound:g}, got {target_risk!r}."
        )
    return a


def _hinge_violations(loss: Any) -> tuple[int, list[str]]:
    """Count hinge residuals beyond B (capped by the loss) and warn once with the count."""
    if not isinstance(loss, _losses.HingeLoss):
        return 0, []
    n_clip = int((np.asarray(loss.a) - max(loss.lambda_min, 0.0) > loss.bound).sum())
    if not n_clip:
        return 0, []
    msg = (
        f"{n_clip} of {loss.n} calibration residual(s) exceed the bound B = "
        f"{loss.bound:g} (largest {float(np.max(loss.a)):.4g}); their hinge loss was "
        "capped at B, and the guarantee covers the capped loss. Use a larger bound=, "
        "or y_range= to clip the predictions to the response range."
    )
    warnings.warn(msg, BoundViolationWarning, stacklevel=3)
    return n_clip, [msg]


def _resolve_loss(losses, scores, lambdas, bound, clip, monotone):
    msgs: list[str] = []
    n_clip = 0
    if scores is not None:
        if losses is not None:
            raise DataError("give either losses or scores=, not both.")
        loss: _losses.Loss = _losses.miscoverage(scores)
    elif losses is None:
        raise DataError("crc needs losses (array, callable or loss object) or scores=.")
    else:
        loss = _losses.as_loss(losses, lambdas, bound)
    if bound is not None:
        b = float(bound)
        if not (math.isfinite(b) and b > 0):
            raise DataError(f"bound must be a positive finite number, got {bound!r}.")
        if b != loss.bound:
            if isinstance(loss, _losses.GridLoss | _losses.HingeLoss):
                loss = dataclasses.replace(loss, bound=b)
            elif b < loss.bound:
                raise DataError(
                    f"bound={b:g} is below the bound {loss.bound:g} of the {loss.name} loss."
                )
            else:
                loss = dataclasses.replace(loss, bound=b)
    if isinstance(loss, _losses.GridLoss):
        table, n_clip, msgs = _losses.check_grid_table(
            np.asarray(loss.table), loss.bound, clip=clip, monotone=monotone
        )
        if n_clip or msgs:
            loss = dataclasses.replace(loss, table=table)
    for note in getattr(loss, "notes", ()):
        warnings.warn(note, StattoolsWarning, stacklevel=3)
        msgs.append(note)
    return loss, n_clip, msgs


def _resolve_weights(weights, n, time, test_time, X, X_test, test_weights):
    if weights is None:
        weights = uniform()
    if isinstance(weights, WeightScheme):
        w, w_test = weights.weights(n, time=time, test_time=test_time, X=X, X_test=X_test)
        w, lo, hi = checked_weights_range(w, n, bounded=weights.bounded)
        guarantee, name = weights.guarantee, weights.name
    else:
        w, lo, hi = checked_weights_range(weights, n)
        w_test = 1.0
        unit = lo == hi == 1.0
        guarantee = "exchangeable" if unit else "non-exchangeable"
        name = "uniform" if unit else ("per-test matrix" if w.ndim == 2 else "fixed vector")
    if test_weights is not None:
        tw = np.asarray(test_weights, dtype=float)
        if np.isnan(tw).any() or (tw <= 0).any():
            raise DataError("test_weights must be positive (w_{n+1} > 0), without NaN.")
        w_test = tw if tw.ndim else float(tw)
    scalar = w.ndim == 1 and np.ndim(w_test) == 0
    if w.ndim == 2:
        m = w.shape[0]
        if np.ndim(w_test) > 1 or np.size(w_test) not in (1, m):
            raise DataError(
                f"test weights must have one entry per weight-matrix row ({m}); "
                f"got {np.size(w_test)}."
            )
        w_test = np.array(np.broadcast_to(np.asarray(w_test, float), (m,)))
    w_test = np.atleast_1d(np.asarray(w_test, float))
    unit = lo == hi == 1.0 and bool((w_test == 1).all())
    return w, w_test, scalar, guarantee, name, unit


def crc(
    losses: Any = None,
    target_risk: float | None = None,
    weights: Any = None,
    bound: float | None = None,
    lambdas: Any = None,
    *,
    scores: Any = None,
    time: Any = None,
    test_time: Any = None,
    X: Any = None,
    X_test: Any = None,
    test_weights: Any = None,
    clip: bool = False,
    monotone: str = "raise",
    on_infeasible: str = "warn",
    method: str | None = None,
) -> CRCResult:
    """Conformal risk control with optional weights (CRC, non-X CRC, weighted split CP).

    Chooses ``lambda_hat = inf{lambda : sum_i p_i L_i(lambda) + p_{n+1} B <= alpha}`` with
    ``p_i = w_i / (N_w + w_{n+1})`` (rule ★), exactly: at the loss breakpoints for step
    losses, by a piecewise-linear solve for hinge losses, or on the grid for tabulated
    losses.

    Parameters
    ----------
    losses : array_like (n, G), callable, or Loss
        Losses over the increasing grid ``lambdas`` (``L[i, g] = L_i(lambdas[g])``), a
        callable ``f(lambdas) -> (n, G)``, or a loss object from :mod:`st.losses
        <stattools.conformal.losses>` (exact, grid-free).
    target_risk : float
        ``alpha`` in ``(0, bound)``.
    weights : None, WeightScheme, array (n,) or array (m, n)
        ``None``: unit weights (CRC). A scheme from :mod:`st.weights
        <stattools.conformal.weights>`. A fixed vector in [0, 1] (non-X CRC / nexCP), or a
        per-test matrix with one row per test point (solved in one vectorised pass).
    bound : float, optional
        ``B``; default the loss object's bound (1.0 for arrays and callables).
    lambdas : array_like (G,), optional
        Increasing grid, required for arrays and callables.
    scores : array_like (n,), optional
        Nonconformity scores: the grid-free miscoverage path ``L_i = 1{s_i > lambda}``
        (weighted split conformal), ``O(n log n)``.
    time, test_time, X, X_test : optional
        Passed to the weight scheme (calibration/test times, calibration/test features).
    test_weights : float or array (m,), optional
        ``w_{n+1}`` per test point when ``weights`` is an array (default 1).
    clip : bool, default False
        Clip losses outside ``[0, B]`` with a :class:`BoundViolationWarning` instead of
        raising.
    monotone : {"raise", "enforce"}
        Non-monotone tabulated losses raise, or are replaced by their monotone envelope
        ``sup_{l' >= l} L(l')`` with a :class:`NonMonotoneLossWarning`.
    on_infeasible : {"warn", "raise"}
        What to do when no lambda attains the target (``lambda_hat = lambda_max``).
    method : str, optional
        Label for summaries.

    Returns
    -------
    CRCResult

    Raises
    ------
    DataError
        ``target_risk`` outside ``(0, B)``; NaN losses or weights; weights outside [0, 1]
        (non-X) or negative (likelihood ratios); mismatched shapes; non-monotone or
        out-of-bound losses (unless ``monotone="enforce"`` / ``clip=True``); infeasible
        target with ``on_infeasible="raise"``.

    Warns
    -----
    InfeasibleRiskWarning
        No lambda attains the target; states ``N_w``, the needed ``N_w >= B/alpha - 1`` and
        the smallest attainable target.
    SmallSampleWarning
        Feasible, but the effective sample size is below ``1/alpha``.

    Notes
    -----
    With ``w_i = w_{n+1} = 1`` this is conformal risk control (Angelopoulos et al. 2024):
    ``E L_{n+1}(lambda_hat) <= alpha`` under exchangeability. Fixed weights in [0, 1] give
    non-exchangeable CRC (Farinhas et al. 2024): ``E L <= alpha + B sum_i w~_i d_TV(Z, Z^i)``
    with ``w~_i = w_i / (N_w + 1)``. With the miscoverage loss it is (weighted) split
    conformal prediction, the nexCP of Barber et al. (2023). If ``L(lambda_max) = 0`` and
    ``w_{n+1} = 1``, a lambda below ``lambda_max`` exists only when ``N_w >= B/alpha - 1``.
    Comparisons ``S <= c`` allow a relative floating-point slack of ``1e-10`` of the total
    weight; with unit weights, integer thresholds within ``1e-9`` are snapped.

    Not confirmed from the source: the guarantee for data-dependent weights (e.g.
    :func:`st.weights.kernel <stattools.conformal.weights.kernel>`) rests on an appeal to
    Barber et al. (2023, §4.5) without proof, so such results carry
    ``guarantee="heuristic"``; the authors' question-answering experiment was not re-run.

    References
    ----------
    Angelopoulos, A. N., Bates, S., Fisch, A., Lei, L., Schuster, T. (2024). Conformal
    risk control. ICLR. Farinhas, A., Zerva, C., Ulmer, D., Martins, A. F. T. (2024).
    Non-exchangeable conformal risk control. ICLR. Barber, R. F., Candès, E. J., Ramdas,
    A., Tibshirani, R. J. (2023). Conformal prediction beyond exchangeability. Ann. Statist.

    Examples
    --------
    >>> import numpy as np
    >>> import stattools as st
    >>> rng = np.random.default_rng(0)
    >>> s = rng.exponential(size=99)
    >>> res = st.crc(scores=s, target_risk=0.1)
    >>> bool(res.lambda_hat == np.sort(s)[89])  # the ceil((n+1)(1-alpha))-th smallest score
    True
    >>> st.crc(scores=s, target_risk=0.1, weights=st.weights.decay(0.99)).n_w > 60
    True
    """
    on_infeasible = check_option(on_infeasible, "on_infeasible", ("warn", "raise"))
    monotone = check_option(monotone, "monotone", ("raise", "enforce"))
    kw = dict(
        losses=losses,
        target_risk=target_risk,
        weights=weights,
        bound=bound,
        lambdas=lambdas,
        scores=scores,
        time=time,
        test_time=test_time,
        X=X,
        X_test=X_test,
        test_weights=test_weights,
        clip=clip,
        monotone=monotone,
        on_infeasible=on_infeasible,
        method=method,
    )
    chunks = _test_chunks(weights, X, X_test, time, test_time, test_weights)
    if chunks is not None:
        return _chunked(kw, chunks)
    if scores is not None and losses is None and weights is None and test_weights is None:
        fast = _split_fast(scores, target_risk, bound, method)
        if fast is not None:
            return fast
    loss, n_clip, msgs = _resolve_loss(losses, scores, lambdas, bound, clip, monotone)
    alpha = _check_target(target_risk, loss.bound)
    n_hinge, hmsgs = _hinge_violations(loss)
    n_clip += n_hinge
    msgs += hmsgs
    w, w_test, scalar, guarantee, wname, unit = _resolve_weights(
        weights, loss.n, time, test_time, X, X_test, test_weights
    )
    sol = solver.solve(loss, w, w_test, alpha, unit=unit)
    final = solver.final_losses(loss)
    wt = np.where(np.isfinite(w_test), w_test, 1.0)
    alpha_min = (w @ final + wt * loss.bound) / (sol.n_w + wt)
    ess = np.atleast_1d(effective_sample_size(w)) * np.ones(sol.n_w.shape)
    feas = sol.feasible
    needed = loss.bound / alpha - 1.0
    if not feas.all():
        bad = ~feas
        nw = sol.n_w[bad]
        where = "" if scalar else f" for {int(bad.sum())} of {feas.size} test points (smallest N_w "
        msg = (
            f"target_risk={alpha:g} is infeasible{where}"
            + (f"{nw.min():.4g})" if not scalar else f": N_w = {nw[0]:.4g}")
            + f"; with L(lambda_max) = 0 it needs N_w >= B/alpha - 1 = {needed:.4g}, and the "
            f"smallest attainable target is {float(alpha_min[bad].min()):.4g}. lambda_hat = "
            f"lambda_max = {loss.lambda_max:g} (the largest set) was returned. Use more "
            "calibration data, slower weight decay, or a larger target_risk."
        )
        if on_infeasible == "raise":
            raise DataError(msg)
        warnings.warn(msg, InfeasibleRiskWarning, stacklevel=2)
        msgs.append(msg)
    elif not unit and (ess < 1.0 / alpha).any():
        msg = (
            f"the effective sample size ({float(ess.min()):.3g}) is below 1/target_risk = "
            f"{1 / alpha:.3g}: lambda_hat is highly variable. Use more calibration data or "
            "slower weight decay."
        )
        warnings.warn(msg, SmallSampleWarning, stacklevel=2)
        msgs.append(msg)
    w0 = readonly(w if w.ndim == 1 else np.array(w[0]))
    if method is None:
        method = "conformal risk control" if guarantee == "exchangeable" else "non-exchangeable CRC"
        if isinstance(loss, _losses.StepLoss) and loss.name == "miscoverage":
            method = (
                "split conformal" if guarantee == "exchangeable" else "weighted split conformal"
            )
    return CRCResult(
        lambda_hat=_as_float_or_array(sol.lambda_hat, scalar),
        feasible=bool(feas[0]) if scalar else readonly(feas),
        n_w=_as_float_or_array(sol.n_w, scalar),
        ess=_as_float_or_array(ess, scalar),
        min_target_risk=_as_float_or_array(alpha_min, scalar),
        target_risk=alpha,
        bound=float(loss.bound),
        nobs=loss.n,
        n_test=int(sol.lambda_hat.size),
        loss_name=loss.name,
        weights_name=wname,
        guarantee=guarantee,
        lambda_min=float(loss.lambda_min),
        lambda_max=float(loss.lambda_max),
        curve_source=(loss, w0, float(wt[0])),
        n_clipped=n_clip,
        method=method,
        warnings=tuple(msgs),
    )


def _split_fast(scores: Any, target_risk: Any, bound: Any, method: str | None) -> Any:
    """Unit-weight split CP: one copy and one in-place partition (feasible case only).

    Same answer as the general path (:func:`solver._select_equal_jumps`): the ``k``-th
    smallest score with ``k = ceil(n - c - tol) - 1``, ``c = alpha (n + 1) - 1`` snapped.
    """
    if bound is not None and float(bound) != 1.0:
        return None
    raw = as_float_array(scores, "scores", ndim=1)
    if not math.isfinite(float(raw.sum())):  # a finite sum rules out NaN/inf cheaply
        check_finite(raw, "scores")
    alpha = _check_target(target_risk, 1.0)
    s = raw.copy()
    n = s.size
    n_w = np.array([float(n)])
    c = solver.thresholds(n_w, np.ones(1), alpha, 1.0, True)
    k = int(np.ceil(n - (c + solver._tolerance(n_w, 1.0)))[0]) - 1
    if not 0 <= k < n:
        return None  # infeasible (or degenerate): the general path warns and explains
    s.partition(k)  # in place on our copy: the loss object does not depend on the order
    loss = _losses.StepLoss(
        start=np.broadcast_to(1.0, (n,)),
        owner=np.arange(n),
        loc=s,
        jump=np.broadcast_to(1.0, (n,)),
        name="miscoverage",
    )
    return CRCResult(
        lambda_hat=float(s[k]),
        feasible=True,
        n_w=float(n),
        ess=float(n),
        min_target_risk=1.0 / (n + 1.0),
        target_risk=alpha,
        bound=1.0,
        nobs=n,
        n_test=1,
        loss_name="miscoverage",
        weights_name="uniform",
        guarantee="exchangeable",
        lambda_min=-math.inf,
        lambda_max=math.inf,
        curve_source=(loss, np.broadcast_to(1.0, (n,)), 1.0),
        method=method or "split conformal",
    )


_CHUNK_ENTRIES = 2**24  # calibration weights held at once: 128 MB of float64


def _n_rows(a: Any) -> int:
    arr = np.asarray(a)
    return int(arr.shape[0]) if arr.ndim >= 1 else 1


def _test_chunks(weights, X, X_test, time, test_time, test_weights) -> list[slice] | None:
    """Row slices of the test points when a scheme's (m, n) weight matrix would be large."""
    if not isinstance(weights, WeightScheme) or test_weights is not None:
        return None
    if X_test is not None and np.ndim(X_test) == 2 and X is not None:
        m, n = _n_rows(X_test), _n_rows(X)
    elif test_time is not None and np.ndim(test_time) == 1 and time is not None:
        m, n = _n_rows(test_time), _n_rows(time)
    else:
        return None
    step = max(1, _CHUNK_ENTRIES // max(n, 1))
    if m <= step:
        return None
    return [slice(r, min(m, r + step)) for r in range(0, m, step)]


def _chunked(kw: dict[str, Any], chunks: list[slice]) -> CRCResult:
    """Solve per row chunk of test points (bounded memory) and merge into one result."""
    parts: list[CRCResult] = []
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        for sl in chunks:
            sub = dict(kw)
            for key in ("X_test", "test_time"):
                if sub[key] is not None and np.ndim(sub[key]) >= 1:
                    sub[key] = np.asarray(sub[key])[sl]
            parts.append(crc(**sub))
    first = parts[0]

    def cat(name: str) -> np.ndarray:
        return readonly(np.concatenate([np.atleast_1d(getattr(p, name)) for p in parts]))

    feas = cat("feasible").astype(bool)
    msgs: list[str] = []
    seen: set[type] = set()
    for w in rec:  # one warning per category, with the totals where they matter
        if not issubclass(w.category, StattoolsWarning) or w.category in seen:
            continue
        seen.add(w.category)
        text = str(w.message)
        if issubclass(w.category, InfeasibleRiskWarning):
            text = (
                f"target_risk={first.target_risk:g} is infeasible for {int((~feas).sum())} of "
                f"{feas.size} test points; lambda_hat = lambda_max there. Use more calibration "
                "data, slower weight decay, or a larger target_risk."
            )
        warnings.warn(text, w.category, stacklevel=3)
        msgs.append(text)
    return dataclasses.replace(
        first,
        lambda_hat=cat("lambda_hat"),
        feasible=readonly(feas),
        n_w=cat("n_w"),
        ess=cat("ess"),
        min_target_risk=cat("min_target_risk"),
        n_test=int(feas.size),
        warnings=tuple(msgs),
    )


def split_conformal(
    scores: Any,
    level: float = 0.9,
    weights: Any = None,
    **kwargs: Any,
) -> CRCResult:
    """Split conformal prediction, plain or weighted (nexCP), as CRC with miscoverage loss.

    ``lambda_hat`` is the weighted quantile ``Q_level(sum_i p_i delta_{s_i} + p_{n+1}
    delta_{+inf})``; with unit weights the ``ceil((n+1) level)``-th smallest score, and
    ``+inf`` (with a warning) when ``1 - level < 1/(n+1)``. The prediction set of a test
    point is ``{y : s(x, y) <= lambda_hat}``.

    Parameters
    ----------
    scores : array_like (n,)
        Calibration nonconformity scores.
    level : float, default 0.9
        Target coverage ``1 - alpha``.
    weights : None, WeightScheme or array
        As in :func:`crc`; fixed weights in [0, 1] give nexCP (Barber et al. 2023), whose
        coverage is ``>= level - sum_i w~_i d_TV(Z, Z^i)``.
    **kwargs
        Further arguments of :func:`crc` (``time``, ``test_time``, ``X``, ``X_test``, ...).

    Returns
    -------
    CRCResult

    Examples
    --------
    >>> import numpy as np
    >>> res = split_conformal(np.arange(1.0, 20.0), level=0.9)
    >>> res.lambda_hat, res.method
    (18.0, 'split conformal')
    """
    level = check_strict_level(level)
    if "target_risk" in kwargs:
        raise DataError("give level= (coverage) or target_risk=, not both.")
    return crc(scores=scores, target_risk=1.0 - level, weights=weights, **kwargs)
