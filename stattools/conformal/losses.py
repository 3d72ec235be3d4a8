"""Loss objects for conformal risk control (``st.losses``).

A loss object holds the calibration data of one loss family and describes
``L_i(lambda)``, i = 1..n, as a function of the set-size parameter ``lambda``: each
``L_i`` is nonincreasing and right-continuous in ``lambda`` and lies in ``[0, bound]``.
Three representations cover every loss, and the solver in
:mod:`stattools.conformal.solver` has one exact algorithm for each:

* ``"step"`` - piecewise-constant losses, given by their value just below ``lambda_min``
  and a list of breakpoints (owner, location, downward jump): :func:`miscoverage`,
  :func:`fnr`, :func:`best_f1`;
* ``"linear"`` - the lambda-insensitive absolute ("hinge") loss of intervals,
  ``min(B, (|r| - lambda)_+)``, piecewise linear with kinks at ``|r| - B`` and ``|r|``:
  :func:`interval_hinge`;
* ``"grid"`` - an ``(n, G)`` array of losses over an increasing lambda grid, or a user
  callable evaluated on it: :func:`custom`.

Examples
--------
>>> import numpy as np
>>> import stattools as st
>>> loss = st.losses.miscoverage([0.5, 1.5, 2.5])
>>> loss.values([0.0, 1.0, 2.0, 3.0]).tolist()
[[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.exceptions import DataError, NonMonotoneLossWarning
from ..core.results import readonly
from ..core.validation import as_float_array, check_finite, describe_positions

__all__ = [
    "Loss",
    "StepLoss",
    "HingeLoss",
    "GridLoss",
    "miscoverage",
    "fnr",
    "best_f1",
    "interval_hinge",
    "custom",
    "as_loss",
]

_MONO_TOL = 1e-12


class Loss:
    """Interface of every loss object: ``kind``, ``n``, ``bound``, the lambda range, values.

    Attributes
    ----------
    kind : {"step", "linear", "grid"}
    bound : float
        ``B``, the upper bound of the loss (the lower bound is 0).
    lambda_min, lambda_max : float
        Range of lambda; ``lambda_max`` is returned when the target is infeasible.
    name : str
    """

    kind: str = ""
    name: str = ""
    bound: float = 1.0
    lambda_min: float = -math.inf
    lambda_max: float = math.inf

    @property
    def n(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def values(self, lambdas: Any) -> np.ndarray:  # pragma: no cover - interface
        """Losses ``L_i(lambda_g)`` as an ``(n, G)`` array."""
        raise NotImplementedError


@dataclass(frozen=True)
class StepLoss(Loss):
    """Piecewise-constant losses: start values and breakpoints (owner, location, jump).

    ``L_i(lambda) = start_i - sum of jump_k over breakpoints k of i with loc_k <= lambda``
    (right-continuous, nonincreasing). Locations below ``lambda_min`` are moved to it.
    """

    start: np.ndarray
    owner: np.ndarray
    loc: np.ndarray
    jump: np.ndarray
    bound: float = 1.0
    lambda_min: float = -math.inf
    lambda_max: float = math.inf
    name: str = "step"
    kind: str = field(default="step", init=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        loc = np.maximum(np.asarray(self.loc, dtype=float), self.lambda_min)
        object.__setattr__(self, "start", readonly(np.asarray(self.start, dtype=float)))
        object.__setattr__(self, "owner", readonly(np.asarray(self.owner, dtype=np.int64)))
        object.__setattr__(self, "loc", readonly(loc))
        object.__setattr__(self, "jump", readonly(np.asarray(self.jump, dtype=float)))

    @property
    def n(self) -> int:
        """Number of calibration points."""
        return int(self.start.size)

    def values(self, lambdas: Any) -> np.ndarray:
        """``(n, G)`` losses on the grid (consistent with the breakpoints by construction)."""
        lam = np.atleast_1d(np.asarray(lambdas, dtype=float))
        out = np.repeat(self.start[:, None], lam.size, axis=1)
        order = np.argsort(lam, kind="stable")
        pos = np.searchsorted(lam[order], self.loc, side="left")  # first grid point >= loc
        dec = np.zeros((self.n, lam.size + 1))
        np.add.at(dec, (self.owner, pos), self.jump)
        cum = np.cumsum(dec[:, :-1], axis=1)
        out[:, order] -= cum
        # jumps such as 1/|Y| do not sum exactly to the start value: remove the residue
        return np.where(np.abs(out) < 1e-12, 0.0, out)


@dataclass(frozen=True)
class HingeLoss(Loss):
    """Interval hinge loss ``min(B, (a_i - lambda)_+)`` with ``a_i = |y_i - yhat_i|``."""

    a: np.ndarray
    bound: float = 1.0
    lambda_min: float = 0.0
    lambda_max: float = math.inf
    name: str = "interval hinge"
    kind: str = field(default="linear", init=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", readonly(np.asarray(self.a, dtype=float)))

    @property
    def n(self) -> int:
        """Number of calibration points."""
        return int(self.a.size)

    def values(self, lambdas: Any) -> np.ndarray:
        """``(n, G)`` losses on the grid."""
        lam = np.atleast_1d(np.asarray(lambdas, dtype=float))
        return np.minimum(self.bound, np.maximum(self.a[:, None] - lam[None, :], 0.0))


@dataclass(frozen=True)
class GridLoss(Loss):
    """Losses tabulated on an increasing lambda grid: ``L[i, g] = L_i(lambdas[g])``.

    Between grid points the loss is taken as constant from the left grid point (so the
    solver returns a grid value, conservative for losses that keep decreasing).
    """

    table: np.ndarray
    lambdas: np.ndarray
    bound: float = 1.0
    name: str = "custom"
    kind: str = field(default="grid", init=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", readonly(np.asarray(self.table, dtype=float)))
        object.__setattr__(self, "lambdas", readonly(np.asarray(self.lambdas, dtype=float)))

    @property
    def lambda_min(self) -> float:  # type: ignore[override]
        """First grid value."""
        return float(self.lambdas[0])

    @property
    def lambda_max(self) -> float:  # type: ignore[override]
        """Last grid value (returned when the target is infeasible)."""
        return float(self.lambdas[-1])

    @property
    def n(self) -> int:
        """Number of calibration points."""
        return int(self.table.shape[0])

    def values(self, lambdas: Any = None) -> np.ndarray:
        """The table (``lambdas`` must be ``None`` or the grid itself)."""
        if lambdas is not None and not np.array_equal(np.asarray(lambdas, float), self.lambdas):
            idx = np.searchsorted(self.lambdas, np.asarray(lambdas, float), side="right") - 1
            if (idx < 0).any():
                raise DataError("lambdas below the first grid value of a tabulated loss.")
            return self.table[:, idx]
        return np.asarray(self.table)


# ----------------------------------------------------------------------------- factories
def miscoverage(scores: Any) -> StepLoss:
    """Miscoverage loss ``L_i(lambda) = 1{s_i > lambda}`` (split conformal prediction).

    Parameters
    ----------
    scores : array_like, shape (n,)
        Nonconformity scores of the calibration points (e.g. ``|y - yhat|``).

    Returns
    -------
    StepLoss
        One breakpoint of height 1 at each score; ``lambda`` ranges over the real line and
        the infeasible answer is ``+inf`` (an infinite interval / the full set).

    Raises
    ------
    DataError
        NaN or infinite scores, or an empty array.

    Examples
    --------
    >>> miscoverage([3.0, 1.0]).values([2.0]).ravel().tolist()
    [1.0, 0.0]
    """
    s = check_finite(as_float_array(scores, "scores", ndim=1), "scores")
    n = s.size
    ones = np.broadcast_to(1.0, (n,))  # stride-0 views: no allocation for 10^6 scores
    return StepLoss(
        start=ones,
        owner=np.arange(n),
        loc=s,
        jump=ones,
        bound=1.0,
        lambda_min=-math.inf,
        lambda_max=math.inf,
        name="miscoverage",
    )


def _labels(labels: Any, shape: tuple[int, ...], name: str = "labels") -> np.ndarray:
    raw = np.asarray(labels)
    if raw.dtype == bool or np.issubdtype(raw.dtype, np.integer):
        y = raw  # no float copy of a large 0/1 matrix
        if y.ndim != 2:
            raise DataError(f"{name} must be a 2-D array, got {y.ndim} dimension(s).")
    else:
        y = as_float_array(labels, name, ndim=2)
    if y.shape != shape:
        raise DataError(f"{name} must have the shape of the probabilities {shape}, got {y.shape}.")
    if y.dtype == bool:
        return y
    if y.size and (y.min() < 0 or y.max() > 1 or not np.issubdtype(y.dtype, np.integer)):
        check_finite(y, name)
        bad = ~np.isin(y, (0, 1))
        if bad.any():
            raise DataError(
                f"{name} must be 0/1 indicators; other values: {describe_positions(bad)}."
            )
    return y != 0


def _probs(probs: Any, name: str = "probs") -> np.ndarray:
    p = as_float_array(probs, name, ndim=2)
    if p.size and 0.0 <= p.min() and p.max() <= 1.0:  # NaN fails both comparisons
        return p
    check_finite(p, name)
    bad = (p < 0) | (p > 1)
    if bad.any():
        raise DataError(f"{name} must lie in [0, 1]; values outside: {describe_positions(bad)}.")
    return p


def fnr(probs: Any, labels: Any) -> StepLoss:
    """False-negative rate of multilabel sets ``C_lambda(x) = {k : f_k(x) >= 1 - lambda}``.

    ``L_i(lambda) = 1 - |Y_i ∩ C_lambda(X_i)| / |Y_i|``, with a jump of ``1/|Y_i|`` at
    ``1 - f_k(X_i)`` for every true label k; ``lambda`` ranges over [0, 1] (at 1 every label
    is in the set) and the bound is 1.

    Parameters
    ----------
    probs : array_like, shape (n, K)
        Predicted probabilities (scores in [0, 1]) of the K labels.
    labels : array_like, shape (n, K)
        True label indicators (0/1).

    Returns
    -------
    StepLoss

    Warns
    -----
    UserWarning
        Not warned; rows with no true label have ``L = 0`` for every lambda and are
        counted in ``notes`` (the caller warns once, with the count).

    Examples
    --------
    >>> p = [[0.9, 0.2, 0.6]]
    >>> y = [[1, 0, 1]]
    >>> fnr(p, y).values([0.0, 0.1, 0.4, 0.5]).round(2).tolist()
    [[1.0, 0.5, 0.0, 0.0]]
    """
    p = _probs(probs)
    y = _labels(labels, p.shape)
    card = y.sum(axis=1)
    flat = np.flatnonzero(y)  # row-major: rows ascending, as np.nonzero
    rows = flat // p.shape[1]
    inv = np.divide(1.0, card, out=np.zeros(card.size), where=card > 0)
    jump = inv[rows]
    empty = int((card == 0).sum())
    notes = (f"{empty} calibration row(s) have no true label; their loss is 0.",) if empty else ()
    return StepLoss(
        start=(card > 0).astype(float),
        owner=rows,
        loc=1.0 - p.ravel()[flat],
        jump=jump,
        bound=1.0,
        lambda_min=0.0,
        lambda_max=1.0,
        name="false-negative rate",
        notes=notes,
    )


def best_f1(probs: Any, f1: Any) -> StepLoss:
    """``1 -`` best F1 among the candidates in the set ``{k : f_k(x) >= 1 - lambda}``.

    The set-valued loss of question answering (Farinhas et al. 2024, §5): each example
    has K candidate answers with scores ``f_k`` and quality ``F1_k`` (against the truth);
    the loss of a set is ``1 - max_{k in set} F1_k`` (1 for the empty set). It is
    nonincreasing in lambda, with a downward jump wherever the running maximum of F1
    (candidates in decreasing score order) increases.

    Parameters
    ----------
    probs : array_like, shape (n, K)
        Candidate scores in [0, 1].
    f1 : array_like, shape (n, K)
        Quality of each candidate in [0, 1] (e.g. token F1 against the reference).

    Returns
    -------
    StepLoss

    Examples
    --------
    >>> best_f1([[0.9, 0.5]], [[0.2, 1.0]]).values([0.0, 0.1, 0.5]).round(2).tolist()
    [[1.0, 0.8, 0.0]]
    """
    p = _probs(probs)
    q = check_finite(as_float_array(f1, "f1", ndim=2), "f1")
    if q.shape != p.shape:
        raise DataError(f"f1 must have the shape of probs {p.shape}, got {q.shape}.")
    if ((q < 0) | (q > 1)).any():
        raise DataError("f1 must lie in [0, 1].")
    n, k = p.shape
    order = np.argsort(-p, axis=1, kind="stable")
    ps = np.take_along_axis(p, order, axis=1)
    qs = np.take_along_axis(q, order, axis=1)
    run = np.maximum.accumulate(qs, axis=1)
    prev = np.concatenate([np.zeros((n, 1)), run[:, :-1]], axis=1)
    gain = run - prev
    rows, cols = np.nonzero(gain > 0)
    return StepLoss(
        start=np.ones(n),
        owner=rows,
        loc=1.0 - ps[rows, cols],
        jump=gain[rows, cols],
        bound=1.0,
        lambda_min=0.0,
        lambda_max=1.0,
        name="1 - best F1",
    )


def interval_hinge(residuals: Any, bound: float | None = None, y_range: Any = None) -> HingeLoss:
    """Lambda-insensitive absolute loss of the interval ``yhat ± lambda``.

    ``L_i(lambda) = min(B, (|r_i| - lambda)_+)`` with ``r_i = y_i - yhat_i``: zero when the
    interval covers ``y_i``, otherwise the distance to it, capped at ``B``.

    Parameters
    ----------
    residuals : array_like, shape (n,)
        Calibration residuals ``y - yhat``.
    bound : float, optional
        ``B``. Residuals beyond ``B`` are capped by the ``min`` (a bounded loss is needed
        for the guarantee). Required unless ``y_range`` is given.
    y_range : (lo, hi), optional
        Known range of the response; gives ``B = hi - lo`` (predictions should then be
        clipped to the range, which :func:`~stattools.conformal.conformal_regression` does).

    Returns
    -------
    HingeLoss

    Raises
    ------
    DataError
        Missing or non-positive bound, NaN residuals.

    Examples
    --------
    >>> interval_hinge([0.5, -2.0], bound=1.0).values([0.0, 0.5, 1.5]).tolist()
    [[0.5, 0.0, 0.0], [1.0, 1.0, 0.5]]
    """
    r = check_finite(as_float_array(residuals, "residuals", ndim=1), "residuals")
    if bound is None and y_range is None:
        raise DataError(
            "the interval hinge loss needs bound= (B) or y_range=(lo, hi); "
            "an unbounded loss has no risk guarantee."
        )
    if bound is None:
        lo, hi = (float(v) for v in y_range)
        bound = hi - lo
    b = float(bound)
    if not (math.isfinite(b) and b > 0):
        raise DataError(f"bound must be a positive finite number, got {bound!r}.")
    return HingeLoss(a=np.abs(r), bound=b, name="interval hinge")


def custom(fn: Callable[[np.ndarray], Any] | Any, lambdas: Any, bound: float = 1.0) -> GridLoss:
    """A user loss: a callable ``fn(lambdas) -> (n, G)`` array, or the array itself.

    The losses are checked for NaN and for monotonicity in lambda by :func:`crc`.

    Parameters
    ----------
    fn : callable or array_like
        ``fn(lambdas)`` returns ``L[i, g] = L_i(lambdas[g])``; or the ``(n, G)`` table.
    lambdas : array_like, shape (G,)
        Strictly increasing grid.
    bound : float, default 1.0
        ``B``.

    Returns
    -------
    GridLoss

    Examples
    --------
    >>> s = np.array([0.2, 0.7])
    >>> custom(lambda lam: (s[:, None] > lam).astype(float), [0.0, 0.5, 1.0]).table.tolist()
    [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    """
    lam = check_finite(as_float_array(lambdas, "lambdas", ndim=1), "lambdas")
    if lam.size > 1 and (np.diff(lam) <= 0).any():
        raise DataError("lambdas must be strictly increasing.")
    table = fn(lam) if callable(fn) else fn
    t = as_float_array(table, "losses", ndim=(1, 2))
    if t.ndim == 1:
        t = t[:, None]
    if t.shape[1] != lam.size:
        raise DataError(
            f"losses must have one column per lambda: got shape {t.shape} for {lam.size} lambdas."
        )
    return GridLoss(table=t, lambdas=lam, bound=float(bound))


def as_loss(losses: Any, lambdas: Any, bound: float | None) -> Loss:
    """Normalise the ``losses`` argument of :func:`crc` to a loss object."""
    if isinstance(losses, Loss):
        return losses
    if lambdas is None:
        raise DataError(
            "losses given as an array or callable need lambdas= (the increasing grid the "
            "columns refer to); or pass a loss object such as st.losses.fnr(probs, labels)."
        )
    return custom(losses, lambdas, 1.0 if bound is None else bound)


def check_grid_table(
    table: np.ndarray, bound: float, *, clip: bool, monotone: str
) -> tuple[np.ndarray, int, list[str]]:
    """Validate a grid table: NaN, bounds (clip or raise) and monotonicity.

    Returns the table to use, the number of clipped entries and warning messages.
    """
    from ..core.exceptions import BoundViolationWarning

    msgs: list[str] = []
    if np.isnan(table).any():
        raise DataError(f"losses contain NaN values: {describe_positions(np.isnan(table))}.")
    eps = 1e-12 * max(1.0, bound)  # rounding residue is not a bound violation
    table = np.where((table < 0) & (table > -eps), 0.0, table)
    table = np.where((table > bound) & (table < bound + eps), bound, table)
    out_of = (table < 0) | (table > bound)
    n_clip = int(out_of.sum())
    if n_clip:
        if not clip:
            raise DataError(
                f"losses must lie in [0, bound={bound:g}]; {n_clip} value(s) outside "
                f"(max {np.nanmax(table):.4g}, min {np.nanmin(table):.4g}). Raise bound=, or "
                "pass clip=True to clip them (the guarantee then covers the clipped loss)."
            )
        table = np.clip(table, 0.0, bound)
        msg = (
            f"{n_clip} loss value(s) outside [0, {bound:g}] were clipped; the risk guarantee "
            "covers the clipped loss. Use a larger bound= to avoid this."
        )
        warnings.warn(msg, BoundViolationWarning, stacklevel=3)
        msgs.append(msg)
    if table.shape[1] > 1:
        inc = np.diff(table, axis=1) > _MONO_TOL * max(1.0, bound)
        if inc.any():
            rows = np.flatnonzero(inc.any(axis=1))
            if monotone == "raise":
                raise DataError(
                    f"losses must be nonincreasing in lambda; {rows.size} row(s) increase "
                    f"(first rows: {', '.join(map(str, rows[:5]))}). Fix the loss, pass "
                    "monotone='enforce' to use its monotone envelope sup_{l' >= l} L(l') "
                    "(valid but conservative), or use Learn-then-Test (st.ltt) for non-monotone "
                    "risks."
                )
            table = np.maximum.accumulate(table[:, ::-1], axis=1)[:, ::-1]
            msg = (
                f"losses of {rows.size} calibration row(s) increase in lambda; the monotone "
                "envelope sup_{l' >= l} L(l') was used (valid, conservative)."
            )
            warnings.warn(msg, NonMonotoneLossWarning, stacklevel=3)
            msgs.append(msg)
    return table, n_clip, msgs
