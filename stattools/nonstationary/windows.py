"""Linear functionals ``S(t) = sum_i a_i(t) e_i`` for weighted and sequential statistics.

Each :class:`LinearFunctional` maps an ``(n, B)`` matrix (data or multiplier-weighted
residuals, one column per draw) to ``(T, B)`` values of the functional, vectorised over
columns: partial sums (CUSUM bridge), moving sums (MOSUM), exponentially weighted moving
averages (EWMA, by ``scipy.signal.lfilter``) and arbitrary user weight matrices. They are
resampled by :func:`stattools.nonstationary.weighted_test` with the same multipliers as
the CUSUM test.

Not confirmed from the source
-----------------------------
Palm and Nagler (2025) state sequential and weighted relative CLTs, but the full text was
not available; these functionals and their centring are our reconstruction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from scipy import signal

from ..core.exceptions import DataError, NotSupportedError

__all__ = ["LinearFunctional", "PartialSums", "MovingSums", "EWMA", "WeightMatrix", "mosum", "ewma"]


class LinearFunctional(ABC):
    """Interface: ``apply(x)`` returns ``(T, B)`` values and ``index(n)`` their positions."""

    name: str = ""

    @abstractmethod
    def apply(self, x: np.ndarray) -> np.ndarray:
        """Values of the functional for each column of ``x`` (shape ``(n, B)``)."""

    @abstractmethod
    def index(self, n: int) -> np.ndarray:
        """0-based observation index at which each of the ``T`` values is reported."""

    def check(self, n: int) -> None:  # noqa: B027 - optional hook, no-op by default
        """Raise :class:`DataError` if the functional is undefined for ``n`` observations."""

    #: whether :meth:`local_variance` is implemented (windowed functionals)
    local = False

    def burn_in(self, n: int) -> int:
        """Leading values a locally studentised sup leaves out (none by default)."""
        return 0

    def local_variance(self, q: np.ndarray) -> np.ndarray:
        """``sum_i a_i(t)^2 q_i`` for local long-run variances ``q`` (``(n, B)``).

        The variance of ``S(t)`` for independent errors with variances ``q_i`` (the
        centring term, zero for centred input, is left out). Only windowed functionals
        implement it.
        """
        raise NotSupportedError(f"{type(self).__name__} has no local variance.")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PartialSums(LinearFunctional):
    """CUSUM bridge ``n^{-1/2} [sum_{i<=k} x_i - (k/n) sum_i x_i]``, ``k = 1..n-1``.

    Examples
    --------
    >>> PartialSums().apply(np.array([[1.0], [1.0], [-2.0]]))[:, 0].round(4).tolist()
    [0.5774, 1.1547]
    """

    name = "cusum"

    def apply(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        cs = np.cumsum(x, axis=0)
        k = np.arange(1, n)[:, None] / n
        return (cs[:-1] - k * cs[-1][None, :]) / np.sqrt(n)

    def index(self, n: int) -> np.ndarray:
        return np.arange(n - 1)

    local = True

    def local_variance(self, q: np.ndarray) -> np.ndarray:
        """Variance of the bridge ``S(k)`` for independent errors with variances ``q_i``:
        ``n^{-1} [(1 - k/n)^2 Q(k) + (k/n)^2 (Q(n) - Q(k))]``, ``Q(k) = sum_{i<=k} q_i``
        (the centring by the mean is part of the bridge, so it is kept).

        Examples
        --------
        >>> PartialSums().local_variance(np.ones((4, 1)))[:, 0].tolist()  # k (n - k) / n^2
        [0.1875, 0.25, 0.1875]
        """
        n = q.shape[0]
        cq = np.cumsum(q, axis=0)
        k = np.arange(1, n)[:, None] / n
        return ((1 - k) ** 2 * cq[:-1] + k**2 * (cq[-1][None, :] - cq[:-1])) / n


class MovingSums(LinearFunctional):
    """MOSUM ``m^{-1/2} [sum_{i=t-m+1}^{t} x_i - (m/n) sum_i x_i]`` with ``m = window * n``.

    Examples
    --------
    >>> MovingSums(0.5).apply(np.arange(4.0)[:, None] - 1.5)[:, 0].round(4).tolist()
    [-1.4142, 0.0, 1.4142]
    """

    name = "mosum"

    def __init__(self, window: float = 0.1) -> None:
        if not 0 < float(window) <= 0.5:
            raise DataError(f"window must be a fraction in (0, 0.5], got {window!r}.")
        self.window = float(window)

    def width(self, n: int) -> int:
        return max(int(round(self.window * n)), 1)

    def check(self, n: int) -> None:
        if self.width(n) < 5:
            raise DataError(
                f"MOSUM window {self.window:g} * n = {self.window * n:.3g} is below 5 "
                "observations; use a larger window or more data."
            )

    def apply(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        m = self.width(n)
        cs = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
        s = cs[m:] - cs[:-m] - (m / n) * cs[-1][None, :]
        return s / np.sqrt(m)

    def index(self, n: int) -> np.ndarray:
        return np.arange(self.width(n) - 1, n)

    local = True

    def local_variance(self, q: np.ndarray) -> np.ndarray:
        """Window means of ``q`` (``S`` is a window sum over ``sqrt(m)``).

        Examples
        --------
        >>> MovingSums(0.5).local_variance(np.ones((4, 1)))[:, 0].tolist()
        [1.0, 1.0, 1.0]
        """
        m = self.width(q.shape[0])
        cs = np.concatenate([np.zeros((1, q.shape[1])), np.cumsum(q, axis=0)])
        return (cs[m:] - cs[:-m]) / m

    def __repr__(self) -> str:
        return f"MovingSums(window={self.window:g})"


class EWMA(LinearFunctional):
    """EWMA ``z_t = (1 - lam) z_{t-1} + lam x_t`` (``z_0 = 0``), scaled by ``lam^{-1/2}``.

    Examples
    --------
    >>> EWMA(0.5).apply(np.ones((3, 1)))[:, 0].round(4).tolist()
    [0.7071, 1.0607, 1.2374]
    """

    name = "ewma"

    def __init__(self, lam: float = 0.1) -> None:
        if not 0 < float(lam) < 1:
            raise DataError(f"lam must lie in (0, 1), got {lam!r}.")
        self.lam = float(lam)

    def apply(self, x: np.ndarray) -> np.ndarray:
        z = signal.lfilter([self.lam], [1.0, -(1.0 - self.lam)], x, axis=0)
        return z / np.sqrt(self.lam)

    def index(self, n: int) -> np.ndarray:
        return np.arange(n)

    local = True

    def burn_in(self, n: int) -> int:
        """Leading values left out of a locally studentised sup (``ceil(1 / lam)``): before
        the EWMA has warmed up its local variance rests on a handful of observations."""
        return min(int(np.ceil(1.0 / self.lam)), n - 1)

    def local_variance(self, q: np.ndarray) -> np.ndarray:
        """``lam sum_{j<=t} (1 - lam)^{2(t-j)} q_j``, the variance of ``z_t / sqrt(lam)``.

        Examples
        --------
        >>> EWMA(0.5).local_variance(np.ones((2, 1)))[:, 0].tolist()
        [0.5, 0.625]
        """
        a = (1.0 - self.lam) ** 2
        return self.lam * signal.lfilter([1.0], [1.0, -a], q, axis=0)

    def __repr__(self) -> str:
        return f"EWMA(lam={self.lam:g})"


class WeightMatrix(LinearFunctional):
    """User weights: ``S(t) = sum_i A[t, i] x_i`` for a ``(T, n)`` matrix ``A``.

    Examples
    --------
    >>> WeightMatrix(np.eye(2)).apply(np.ones((2, 1)))[:, 0].tolist()
    [1.0, 1.0]
    """

    name = "weights"

    def __init__(self, a: np.ndarray) -> None:
        a = np.asarray(a, dtype=float)
        if a.ndim != 2 or not np.all(np.isfinite(a)):
            raise DataError("weights must be a finite 2-D array of shape (T, n).")
        self.a = a

    def check(self, n: int) -> None:
        if self.a.shape[1] != n:
            raise DataError(f"weights has {self.a.shape[1]} columns but the data have {n} rows.")

    def apply(self, x: np.ndarray) -> np.ndarray:
        return self.a @ x

    def index(self, n: int) -> np.ndarray:
        return np.arange(self.a.shape[0])


def mosum(window: float = 0.1) -> MovingSums:
    """Moving sums over a window of ``window * n`` observations."""
    return MovingSums(window)


def ewma(lam: float = 0.1) -> EWMA:
    """Exponentially weighted moving average with smoothing ``lam``."""
    return EWMA(lam)
