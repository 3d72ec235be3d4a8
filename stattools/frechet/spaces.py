"""Metric spaces for Fréchet regression: one small protocol and its implementations.

Every space converts user responses to a *canonical* numpy array with :meth:`validate`
(one row per observation) and then works on that array only:

* ``dist2(Z, z)`` - squared distances of every row of ``Z`` to one element ``z``;
* ``weighted_mean(Z, w)`` - the weighted Fréchet mean ``argmin_w sum_i w_i d^2(Z_i, w)``,
  weights may be negative (local-linear weights are) as long as they sum to a positive number;
* ``linear_average(Z, w)`` and ``project(A)`` - in spaces that embed isometrically into a
  Hilbert space (``hilbert = True``) the weighted mean is the metric projection of the
  linear weighted average onto the (closed, convex) image of the space; for the sphere
  ``project`` is the extrinsic normalisation, used only as a fast approximation;
* ``to_element(z)`` - the element in the user's representation (a quantile function, a
  matrix, a unit vector).

:mod:`stattools.frechet.matrices` holds the matrix spaces (SPD, correlation, Laplacian).
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..core.exceptions import ApproximationWarning, ConvergenceWarning, DataError
from ..core.validation import describe_positions
from ._pav import decreasing_rows, weighted_pav, weighted_pav_rows

__all__ = [
    "MetricSpace",
    "Euclidean",
    "Wasserstein",
    "Sphere",
    "as_rows",
    "check_weights",
    "cell_weights",
]


def cell_weights(grid: np.ndarray) -> np.ndarray:
    """Quadrature weights of a grid in (0, 1): the widths of the cells ``[0, m_1], [m_1,
    m_2], ..., [m_{M-1}, 1]`` with ``m_j`` the midpoints between neighbouring levels.

    They sum to 1 and equal ``1/M`` on the midpoint grid ``(m - 1/2)/M``.

    Examples
    --------
    >>> cell_weights(np.array([0.125, 0.375, 0.625, 0.875])).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    g = np.asarray(grid, dtype=float)
    edges = np.concatenate([[0.0], (g[:-1] + g[1:]) / 2, [1.0]])
    return np.diff(edges)


def check_weights(w: np.ndarray, n: int) -> np.ndarray:
    """Validate a weight vector of length ``n`` with a positive sum."""
    w = np.asarray(w, dtype=float)
    if w.shape != (n,):
        raise DataError(f"weights must have shape ({n},), got {w.shape}.")
    if not np.isfinite(w).all():
        raise DataError("weights contain NaN or infinite values.")
    if not w.sum() > 0:
        raise DataError(f"weights must sum to a positive number, got {w.sum():.3g}.")
    return w


def as_rows(Y: Any, name: str = "Y") -> np.ndarray | list[np.ndarray]:
    """Per-observation float arrays: one float ndarray (n, ...) when the input is a numeric
    array (fast path), else a list of arrays (a list or a Series of per-row objects)."""
    if hasattr(Y, "to_numpy") and getattr(Y, "ndim", 1) == 2 and Y.shape[1] == 1:
        Y = Y.iloc[:, 0]
    if hasattr(Y, "to_numpy"):
        Y = Y.to_numpy()
    if isinstance(Y, np.ndarray) and Y.dtype != object:
        try:
            arr = np.asarray(Y, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{name} must be numeric.") from None
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise DataError(f"{name} is empty.")
        bad = ~np.isfinite(arr.reshape(arr.shape[0], -1)).all(axis=1)
        rows: Any = arr
    else:
        try:
            rows = [np.asarray(r, dtype=float) for r in Y]
        except (TypeError, ValueError):
            raise DataError(f"{name} must hold numeric arrays, one per observation.") from None
        if not rows:
            raise DataError(f"{name} is empty.")
        bad = np.array([not np.isfinite(r).all() for r in rows])
    if bad.any():
        raise DataError(
            f"{name} contains NaN or infinite values in rows {describe_positions(bad)}."
        )
    return rows


def _stack(rows: np.ndarray | list[np.ndarray], name: str, what: str) -> np.ndarray:
    if isinstance(rows, np.ndarray):
        return rows
    shapes = {r.shape for r in rows}
    if len(shapes) > 1:
        first = rows[0].shape
        bad = np.array([r.shape != first for r in rows])
        raise DataError(
            f"every {what} in {name} must have the same shape; row 0 has {first}, "
            f"mismatching rows: {describe_positions(bad)}."
        )
    return np.stack(rows).astype(float)


class MetricSpace(ABC):
    """Abstract metric space (the protocol every space implements).

    Subclasses implement :meth:`validate`, :meth:`dist2` and :meth:`project`; Hilbert spaces
    (``hilbert = True``) inherit the weighted mean ``project(linear_average(Z, w))``.
    """

    name: str = "metric space"
    hilbert: bool = True
    plot_kind: str = "bars"  # "curve", "bars" or "matrix"

    @abstractmethod
    def validate(self, Y: Any) -> np.ndarray:
        """Check responses and return their canonical array (one row per observation)."""

    @abstractmethod
    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Squared distances of the rows of ``Z`` (canonical) to the element ``z``."""

    @abstractmethod
    def project(self, a: np.ndarray) -> np.ndarray:
        """Project an ambient element onto the space (metric projection in Hilbert spaces)."""

    def dist2_pairs(self, Z1: np.ndarray, Z2: np.ndarray) -> np.ndarray:
        """Squared distances between matching rows of ``Z1`` and ``Z2``."""
        return np.array([self.dist2(a[None], b)[0] for a, b in zip(Z1, Z2)])

    def project_rows(self, A: np.ndarray) -> np.ndarray:
        """:meth:`project` applied to every row of ``A``."""
        return np.stack([self.project(a) for a in A]) if len(A) else A.copy()

    def linear_average(self, Z: np.ndarray, w: np.ndarray) -> np.ndarray:
        """The linear weighted average ``sum_i w_i Z_i / sum_i w_i`` in the ambient space."""
        w = check_weights(w, Z.shape[0])
        return np.tensordot(w, Z, axes=(0, 0)) / w.sum()

    def weighted_mean(self, Z: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Weighted Fréchet mean ``argmin_omega sum_i w_i d^2(Z_i, omega)`` (canonical)."""
        return self.project(self.linear_average(Z, w))

    def to_element(self, z: np.ndarray) -> Any:
        """The element ``z`` in the user's representation."""
        return np.array(z, dtype=float)

    def frechet_mean(self, Y: Any, weights: Any = None) -> Any:
        """Weighted Fréchet mean ``argmin_w sum_i w_i d^2(Y_i, w)`` of responses ``Y``.

        ``Y`` is given as for :meth:`validate` (one element per row); the mean is returned
        in the user's representation. ``weights`` default to equal weights.

        Examples
        --------
        >>> Euclidean().frechet_mean([1.0, 2.0, 6.0])
        3.0
        """
        Z = self.validate(Y)
        w = np.ones(Z.shape[0]) if weights is None else check_weights(weights, Z.shape[0])
        return self.to_element(self.weighted_mean(Z, w))

    def frechet_variance(self, Y: Any, weights: Any = None) -> float:
        """Weighted Fréchet variance ``sum_i w_i d^2(Y_i, mean) / sum_i w_i``.

        Examples
        --------
        >>> Euclidean().frechet_variance([1.0, 2.0, 6.0])
        4.666666666666667
        """
        Z = self.validate(Y)
        w = np.ones(Z.shape[0]) if weights is None else check_weights(weights, Z.shape[0])
        m = self.weighted_mean(Z, w)
        return float(w @ self.dist2(Z, m) / w.sum())

    def distance(self, a: Any, b: Any) -> float:
        """Distance between two elements given in the user's representation."""
        Z = self.validate([a, b])
        return float(np.sqrt(self.dist2(Z[:1], Z[1])[0]))

    def plot_axis(self) -> tuple[np.ndarray | None, str, str]:
        """(x values, x label, y label) used when plotting elements."""
        return None, "coordinate", "value"

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


# ============================================================================ Euclidean
class Euclidean(MetricSpace):
    """Euclidean space R^d (scalars when d = 1) with the usual distance.

    Examples
    --------
    >>> sp = Euclidean()
    >>> Z = sp.validate([1.0, 2.0, 6.0])
    >>> sp.to_element(sp.weighted_mean(Z, np.array([1.0, 1.0, -0.5])))
    0.0
    """

    name = "Euclidean"
    plot_kind = "bars"

    def validate(self, Y: Any) -> np.ndarray:
        """Return an (n, d) array; 1-D input is a column of scalars."""
        rows = as_rows(Y)
        if isinstance(rows, np.ndarray):
            return rows.reshape(rows.shape[0], -1)
        return _stack([np.atleast_1d(r).ravel() for r in rows], "Y", "vector")

    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        return ((Z - z) ** 2).sum(axis=1)

    def dist2_pairs(self, Z1: np.ndarray, Z2: np.ndarray) -> np.ndarray:
        return ((Z1 - Z2) ** 2).sum(axis=1)

    def project(self, a: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=float)

    def project_rows(self, A: np.ndarray) -> np.ndarray:
        return np.asarray(A, dtype=float)

    def to_element(self, z: np.ndarray) -> Any:
        z = np.asarray(z, dtype=float)
        return float(z[0]) if z.size == 1 else z.copy()


# ============================================================================ Wasserstein
class Wasserstein(MetricSpace):
    """One-dimensional distributions under the 2-Wasserstein metric, as quantile functions.

    Parameters
    ----------
    grid : array_like, optional
        Probability levels ``0 < u_1 < ... < u_M < 1``; default ``M = n_grid`` midpoints
        ``(m - 1/2)/M``. The quadrature weights depend on the grid only (never on whether
        it was passed): each level gets the width of its cell in (0, 1), bounded by the
        midpoints between neighbouring levels (:func:`cell_weights`); they sum to 1 and are
        ``1/M`` on the midpoint grid.
    n_grid : int, default 100
    input : {"quantiles", "samples", "densities"}
        How responses are given: quantile functions on ``grid``; raw samples (empirical
        quantiles, numpy ``quantile_method``); or densities evaluated on ``support``.
    support : array_like, optional
        Strictly increasing points where densities are evaluated (``input="densities"``).
    bounds : (lower, upper), optional
        Support constraint (either may be None); the projection clips after PAV, which is
        exact for box-constrained isotonic regression.
    monotone : {"error", "project"}
        What to do with decreasing quantile rows: raise, or PAV-project with a warning.
    quantile_method : str, default "linear"
        ``numpy.quantile`` method for ``input="samples"``.

    Notes
    -----
    ``d^2(Q_1, Q_2) = sum_m omega_m (Q_1(u_m) - Q_2(u_m))^2``. The weighted Fréchet mean is
    the weighted pool-adjacent-violators fit of ``q = s'Q`` with the quadrature weights,
    which is the exact metric projection onto monotone functions; sorting ``q`` is not.

    Examples
    --------
    >>> sp = Wasserstein(n_grid=4)
    >>> Q = sp.validate(np.array([[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0]]))
    >>> sp.weighted_mean(Q, np.array([1.5, -0.5])).tolist()
    [-0.5, 1.0, 2.5, 4.0]
    """

    name = "2-Wasserstein"
    plot_kind = "curve"

    def __init__(
        self,
        grid: Any = None,
        n_grid: int = 100,
        input: str = "quantiles",
        support: Any = None,
        bounds: tuple[float | None, float | None] | None = None,
        monotone: str = "error",
        quantile_method: str = "linear",
    ) -> None:
        if grid is None:
            if int(n_grid) < 2:
                raise DataError(f"n_grid must be at least 2, got {n_grid}.")
            m = int(n_grid)
            self.grid = (np.arange(m) + 0.5) / m
            self.qweights = cell_weights(self.grid)
            self._user_grid = False
        else:
            g = np.asarray(grid, dtype=float).ravel()
            if g.size < 2 or not np.isfinite(g).all() or (np.diff(g) <= 0).any():
                raise DataError("grid must be a strictly increasing array of at least 2 levels.")
            if g[0] <= 0 or g[-1] >= 1:
                raise DataError(f"grid must lie in (0, 1); got [{g[0]:.4g}, {g[-1]:.4g}].")
            self.grid = g
            self.qweights = cell_weights(g)
            self._user_grid = True
        if input not in ("quantiles", "samples", "densities"):
            raise DataError(f"input must be 'quantiles', 'samples' or 'densities', got {input!r}.")
        if monotone not in ("error", "project"):
            raise DataError(f"monotone must be 'error' or 'project', got {monotone!r}.")
        self.input = input
        self.monotone = monotone
        self.quantile_method = quantile_method
        self.support = None
        if support is not None:
            s = np.asarray(support, dtype=float).ravel()
            if s.size < 2 or (np.diff(s) <= 0).any() or not np.isfinite(s).all():
                raise DataError("support must be a strictly increasing finite array.")
            self.support = s
        if input == "densities" and self.support is None:
            raise DataError("input='densities' needs support= (the points of the densities).")
        lo, hi = bounds if bounds is not None else (None, None)
        self.bounds = (lo, hi)

    def __repr__(self) -> str:
        g = "user" if self._user_grid else "midpoint"
        return (
            f"Wasserstein(M={self.grid.size}, grid={g}, input={self.input!r}, "
            f"bounds={self.bounds}, monotone={self.monotone!r})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Wasserstein)
            and repr(self) == repr(other)
            and np.array_equal(self.grid, other.grid)
        )

    __hash__ = MetricSpace.__hash__

    # ------------------------------------------------------------ conversion
    def validate(self, Y: Any) -> np.ndarray:
        """Quantile functions (n, M) on the grid, from quantiles, samples or densities."""
        rows = as_rows(Y)
        if self.input == "samples":
            small = np.array([r.size < 2 for r in rows])
            if small.any():
                raise DataError(
                    f"each sample in Y needs at least 2 values; too small: {describe_positions(small)}."
                )
            return np.stack([np.quantile(r, self.grid, method=self.quantile_method) for r in rows])
        if self.input == "densities":
            return self._from_densities(_stack(rows, "Y", "density"))
        Q = _stack(rows, "Y", "quantile function")
        if Q.ndim != 2 or Q.shape[1] != self.grid.size:
            raise DataError(
                f"quantile functions in Y must have {self.grid.size} values (one per grid "
                f"level); got shape {Q.shape[1:]}. Use the same grid for all inputs, or pass "
                "raw samples with space=st.frechet.Wasserstein(input='samples') (densities: "
                "input='densities', support=...)."
            )
        return self._check_monotone(Q)

    def _check_monotone(self, Q: np.ndarray) -> np.ndarray:
        bad = decreasing_rows(np.ascontiguousarray(Q), 1e-10)
        if bad.any():
            msg = f"quantile functions in Y decrease in rows {describe_positions(bad)}"
            if self.monotone == "error":
                raise DataError(
                    msg + "; pass monotone='project' to replace them by their isotonic projection."
                )
            warnings.warn(
                msg + "; they were replaced by their weighted isotonic projection.",
                ApproximationWarning,
                stacklevel=3,
            )
            Q = Q.copy()
            Q[bad] = weighted_pav_rows(Q[bad], self.qweights)
        return Q

    def _from_densities(self, D: np.ndarray) -> np.ndarray:
        s = self.support
        if D.shape[1] != s.size:
            raise DataError(
                f"densities in Y must have {s.size} values (one per support point); got "
                f"{D.shape[1]}."
            )
        neg = (D < 0).any(axis=1)
        if neg.any():
            raise DataError(f"densities in Y are negative in rows {describe_positions(neg)}.")
        seg = (D[:, 1:] + D[:, :-1]) / 2 * np.diff(s)
        cdf = np.concatenate([np.zeros((D.shape[0], 1)), np.cumsum(seg, axis=1)], axis=1)
        total = cdf[:, -1]
        if (total <= 0).any():
            raise DataError("a density in Y integrates to zero.")
        off = np.abs(total - 1) > 1e-6
        if off.any():
            warnings.warn(
                f"densities in Y do not integrate to 1 in rows {describe_positions(off)}; "
                "they were renormalised.",
                ApproximationWarning,
                stacklevel=3,
            )
        cdf = cdf / total[:, None]
        Q = np.empty((D.shape[0], self.grid.size))
        for r in range(D.shape[0]):
            c = cdf[r]
            j = np.clip(np.searchsorted(c, self.grid, side="left"), 1, s.size - 1)
            c0, c1 = c[j - 1], c[j]
            frac = np.where(c1 > c0, (self.grid - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.0)
            Q[r] = s[j - 1] + np.clip(frac, 0.0, 1.0) * (s[j] - s[j - 1])
        return Q

    # ------------------------------------------------------------ geometry
    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        return ((Z - z) ** 2) @ self.qweights

    def dist2_pairs(self, Z1: np.ndarray, Z2: np.ndarray) -> np.ndarray:
        return ((Z1 - Z2) ** 2) @ self.qweights

    def _clip(self, q: np.ndarray) -> np.ndarray:
        lo, hi = self.bounds
        if lo is not None or hi is not None:
            q = np.clip(q, lo, hi)
        return q

    def project(self, a: np.ndarray) -> np.ndarray:
        """Weighted PAV with the quadrature weights, then clipping to ``bounds``."""
        return self._clip(weighted_pav(a, self.qweights))

    def project_rows(self, A: np.ndarray) -> np.ndarray:
        if len(A) == 0:
            return A.copy()
        return self._clip(weighted_pav_rows(A, self.qweights))

    def plot_axis(self) -> tuple[np.ndarray | None, str, str]:
        return self.grid, "probability level u", "quantile Q(u)"

    def from_histogram(self, counts: Any, breaks: Any) -> np.ndarray:
        """Quantile functions on the grid of histograms or frequency tables.

        Each row of ``counts`` (k bins) with the ``k + 1`` increasing ``breaks`` defines the
        distribution uniform within each bin with the bin's share of the total count; its
        quantile function is evaluated exactly at the grid levels. (R ``CreateDensity``
        additionally smooths the histogram with a kernel; this is the unsmoothed
        histogram density.) Returns an (n, M) array usable as responses.

        Examples
        --------
        >>> sp = Wasserstein(grid=[0.25, 0.5, 0.75])
        >>> sp.from_histogram([[1, 1]], [0.0, 1.0, 3.0]).tolist()
        [[0.5, 1.0, 2.0]]
        """
        C = np.atleast_2d(np.asarray(counts, dtype=float))
        b = np.asarray(breaks, dtype=float).ravel()
        if b.size != C.shape[1] + 1 or (np.diff(b) <= 0).any() or not np.isfinite(b).all():
            raise DataError(
                f"breaks must be {C.shape[1] + 1} strictly increasing finite values (one more "
                "than the number of bins)."
            )
        if not np.isfinite(C).all() or (C < 0).any():
            raise DataError("counts must be finite and non-negative.")
        tot = C.sum(axis=1)
        if (tot <= 0).any():
            raise DataError(f"histograms in rows {describe_positions(tot <= 0)} are empty.")
        cdf = np.concatenate([np.zeros((C.shape[0], 1)), np.cumsum(C, axis=1)], axis=1)
        cdf /= tot[:, None]
        Q = np.empty((C.shape[0], self.grid.size))
        for r in range(C.shape[0]):
            pos = np.flatnonzero(C[r] > 0)  # empty bins are gaps in the support
            pu = np.column_stack([cdf[r][pos], cdf[r][pos + 1]]).ravel()
            px = np.column_stack([b[pos], b[pos + 1]]).ravel()
            Q[r] = np.interp(self.grid, pu, px)
        return Q

    def to_density(self, q: Any, n_points: int = 101) -> tuple[np.ndarray, np.ndarray]:
        """Density of a quantile function on the grid (R ``qf2pdf`` analogue).

        The density at ``Q(u)`` is ``1 / Q'(u)``, with ``Q'`` from finite differences of
        the piecewise-linear quantile function (flat pieces are atoms and are skipped);
        it is interpolated to ``n_points`` equally spaced support points between the first
        and last quantile and rescaled so that it integrates (trapezoid rule) to the
        probability ``u_M - u_1`` that this range carries.

        Returns
        -------
        support, density : arrays of length ``n_points``

        Examples
        --------
        >>> from scipy import stats
        >>> sp = Wasserstein(n_grid=400)
        >>> x, f = sp.to_density(stats.norm.ppf(sp.grid))
        >>> bool(abs(f[50] - stats.norm.pdf(0.0)) < 0.01)
        True
        """
        q = np.asarray(q, dtype=float).ravel()
        if q.size != self.grid.size:
            raise DataError(f"q must have {self.grid.size} values, got {q.size}.")
        dq = np.diff(q)
        du = np.diff(self.grid)
        ok = dq > 1e-12 * max(1.0, float(np.ptp(q)))
        if ok.sum() < 2:
            raise DataError("the quantile function is (nearly) constant: no density exists.")
        mid = (q[1:] + q[:-1])[ok] / 2
        dens = du[ok] / dq[ok]
        support = np.linspace(q[0], q[-1], int(n_points))
        f = np.interp(support, mid, dens)
        area = float(np.sum((f[1:] + f[:-1]) / 2 * np.diff(support)))
        mass = float(self.grid[-1] - self.grid[0])
        return support, f * (mass / area) if area > 0 else f


# ============================================================================ Sphere
class Sphere(MetricSpace):
    """The unit sphere S^{p-1} with the geodesic (great-circle) distance.

    Parameters
    ----------
    normalize : bool, default False
        Rescale rows to unit norm instead of rejecting rows with ``|‖y‖ - 1| > 1e-8``.
    compositions : bool, default False
        Responses are compositions (non-negative rows summing to 1), mapped to the sphere by
        :meth:`from_compositions` with ``eps``.
    eps : float, default 0.01
        Zero-share offset of the square-root map.
    positive_orthant : bool, default False
        Restrict Fréchet means to the positive orthant (natural for compositions).

    Notes
    -----
    The intrinsic weighted mean minimises ``sum_i w_i arccos^2 <y_i, omega>``. It is computed
    with L-BFGS-B on the scale-invariant objective of ``omega / ‖omega‖`` (bounds ``omega >= 0``
    give the positive orthant), started from the extrinsic mean and the three heaviest
    observations; the best optimum is kept. The spec suggests a Riemannian trust-region
    Newton method; this is a different optimiser for the same objective.

    Examples
    --------
    >>> sp = Sphere()
    >>> Z = sp.validate(np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> np.round(sp.weighted_mean(Z, np.array([1.0, 1.0])), 6).tolist()
    [0.707107, 0.707107]
    """

    name = "sphere"
    hilbert = False
    plot_kind = "bars"

    def __init__(
        self,
        normalize: bool = False,
        compositions: bool = False,
        eps: float = 0.01,
        positive_orthant: bool = False,
    ) -> None:
        if not eps >= 0:
            raise DataError(f"eps must be non-negative, got {eps}.")
        self.normalize = bool(normalize)
        self.compositions = bool(compositions)
        self.eps = float(eps)
        self.positive_orthant = bool(positive_orthant)

    def __repr__(self) -> str:
        return (
            f"Sphere(normalize={self.normalize}, compositions={self.compositions}, "
            f"eps={self.eps}, positive_orthant={self.positive_orthant})"
        )

    @staticmethod
    def from_compositions(Z: Any, eps: float = 0.01) -> np.ndarray:
        """Square-root map ``z -> sqrt((z + eps/p) / (1 + eps))`` of compositions to S^{p-1}.

        Zero shares are allowed (``eps`` only keeps the image away from the boundary).

        Examples
        --------
        >>> Sphere.from_compositions([[0.5, 0.5, 0.0]], eps=0.0).round(4).tolist()
        [[0.7071, 0.7071, 0.0]]
        """
        C = _stack(as_rows(Z, "compositions"), "compositions", "composition")
        if C.ndim != 2 or C.shape[1] < 2:
            raise DataError("compositions must be rows with at least 2 parts.")
        neg = (C < 0).any(axis=1)
        if neg.any():
            raise DataError(f"compositions have negative shares in rows {describe_positions(neg)}.")
        off = np.abs(C.sum(axis=1) - 1) > 1e-5
        if off.any():
            raise DataError(
                f"compositions must sum to 1 (within 1e-5); rows {describe_positions(off)} do "
                "not. Divide each row by its total first."
            )
        C = C / C.sum(axis=1, keepdims=True)  # remove rounding error
        p = C.shape[1]
        return np.sqrt((C + eps / p) / (1 + eps))

    @staticmethod
    def to_compositions(Y: Any, eps: float = 0.01) -> np.ndarray:
        """Inverse of :meth:`from_compositions` (clipped at 0 and renormalised)."""
        Y = np.asarray(Y, dtype=float)
        p = Y.shape[-1]
        C = np.clip(Y**2 * (1 + eps) - eps / p, 0.0, None)
        return C / C.sum(axis=-1, keepdims=True)

    def validate(self, Y: Any) -> np.ndarray:
        """Unit vectors (n, p); compositions are mapped first when ``compositions=True``."""
        if self.compositions:
            return self.from_compositions(Y, self.eps)
        U = _stack(as_rows(Y), "Y", "vector")
        if U.ndim != 2 or U.shape[1] < 2:
            raise DataError("sphere responses must be vectors with at least 2 coordinates.")
        nrm = np.linalg.norm(U, axis=1)
        if self.normalize:
            if (nrm == 0).any():
                raise DataError("sphere responses include zero vectors that cannot be normalised.")
            return U / nrm[:, None]
        bad = np.abs(nrm - 1) > 1e-8
        if bad.any():
            raise DataError(
                f"sphere responses must have unit norm; rows {describe_positions(bad)} do not "
                "(pass normalize=True, or compositions=True for shares)."
            )
        if self.positive_orthant and (U < -1e-12).any():
            raise DataError("positive_orthant=True needs non-negative responses.")
        return U

    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        return np.arccos(np.clip(Z @ z, -1.0, 1.0)) ** 2

    def dist2_pairs(self, Z1: np.ndarray, Z2: np.ndarray) -> np.ndarray:
        return np.arccos(np.clip((Z1 * Z2).sum(axis=1), -1.0, 1.0)) ** 2

    def project(self, a: np.ndarray) -> np.ndarray:
        """Extrinsic projection ``a / ‖a‖`` (clipped to the orthant when requested)."""
        a = np.asarray(a, dtype=float)
        if self.positive_orthant:
            a = np.clip(a, 0.0, None)
        nrm = np.linalg.norm(a)
        if nrm < 1e-8:
            warnings.warn(
                "the extrinsic mean is (nearly) zero, so the Fréchet mean on the sphere is not "
                "unique; spread-out data or cancelling weights cause this.",
                ConvergenceWarning,
                stacklevel=3,
            )
            return np.eye(a.size)[0]
        return a / nrm

    def project_rows(self, A: np.ndarray) -> np.ndarray:
        A = np.clip(A, 0.0, None) if self.positive_orthant else np.asarray(A, dtype=float)
        nrm = np.linalg.norm(A, axis=1, keepdims=True)
        return A / np.where(nrm < 1e-300, 1.0, nrm)

    def _objective(self, Z: np.ndarray, w: np.ndarray):
        def f(v: np.ndarray) -> tuple[float, np.ndarray]:
            r = np.linalg.norm(v)
            x = v / r
            t = np.clip(Z @ x, -1 + 1e-15, 1 - 1e-15)
            th = np.arccos(t)
            val = float(w @ th**2)
            g_t = -2 * th / np.sqrt(1 - t**2)
            gx = (w * g_t) @ Z
            grad = (gx - x * (x @ gx)) / r
            return val, grad

        return f

    def weighted_mean(self, Z: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Intrinsic weighted Fréchet mean (multistart L-BFGS-B, best optimum kept)."""
        from scipy.optimize import minimize

        w = check_weights(w, Z.shape[0])
        w = w / w.sum()
        keep = w != 0
        Zk, wk = Z[keep], w[keep]
        f = self._objective(Zk, wk)
        starts = [self.project(wk @ Zk)]
        for i in np.argsort(-wk)[:3]:
            starts.append(Zk[i].copy())
        bounds = [(0.0, None)] * Z.shape[1] if self.positive_orthant else None
        sols = []
        for s0 in starts:
            s0 = np.where(s0 <= 0, 1e-6, s0) if self.positive_orthant else s0
            res = minimize(
                f,
                s0,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 500},
            )
            x = res.x / np.linalg.norm(res.x)
            sols.append((f(x)[0], x))
        sols.sort(key=lambda t: t[0])
        best_val, best = sols[0]
        for val, x in sols[1:]:
            same_val = abs(val - best_val) <= 1e-9 * max(1.0, abs(best_val))
            if same_val and np.arccos(np.clip(x @ best, -1, 1)) > 1e-4:
                warnings.warn(
                    "multistart optima of the spherical Fréchet mean disagree: the mean is "
                    "not unique (data too spread out, or strongly negative weights).",
                    ConvergenceWarning,
                    stacklevel=3,
                )
                break
        return best

    def weighted_means(self, Z: np.ndarray, W: np.ndarray) -> np.ndarray:
        """Weighted Fréchet means for every row of the weight matrix ``W`` (m, n) at once.

        A batched Riemannian gradient (Karcher) iteration from the extrinsic means, with
        per-row step halving so the objective never increases; O(m n p) per iteration with
        matrix products. Rows that do not converge (tolerance 1e-10 on the gradient norm
        within 100 iterations), whose extrinsic mean is nearly zero, or that leave the
        positive orthant when ``positive_orthant=True``, fall back to the multistart
        :meth:`weighted_mean`. Agreement with it is tested to 1e-8.
        """
        W = np.asarray(W, dtype=float)
        tot = W.sum(axis=1)
        if not (tot > 0).all():
            raise DataError("every row of weights must sum to a positive number.")
        W = W / tot[:, None]
        A = W @ Z
        if self.positive_orthant:
            A = np.clip(A, 0.0, None)
        nrm = np.linalg.norm(A, axis=1)
        bad = nrm < 1e-8
        om = A / np.where(bad, 1.0, nrm)[:, None]

        def objective(om_: np.ndarray) -> np.ndarray:
            th = np.arccos(np.clip(om_ @ Z.T, -1.0, 1.0))
            return (W * th * th).sum(axis=1)

        step = np.ones(W.shape[0])
        val = objective(om)
        done = bad.copy()
        for _ in range(100):
            act = ~done
            if not act.any():
                break
            Om = om[act]
            C = np.clip(Om @ Z.T, -1.0, 1.0)
            th = np.arccos(C)
            sn = np.sqrt(np.maximum(1.0 - C * C, 0.0))
            f = np.where(th > 1e-8, th / np.where(sn > 0, sn, 1.0), 1.0)
            Wf = W[act] * f
            v = Wf @ Z - (Wf * C).sum(axis=1)[:, None] * Om
            gn = np.linalg.norm(v, axis=1)
            conv = gn < 1e-10
            t = (step[act] * gn)[:, None]
            u = v / np.where(gn > 0, gn, 1.0)[:, None]
            cand = Om * np.cos(t) + u * np.sin(t)
            cand /= np.linalg.norm(cand, axis=1, keepdims=True)
            th_c = np.arccos(np.clip(cand @ Z.T, -1.0, 1.0))
            cv = (W[act] * th_c * th_c).sum(axis=1)
            better = cv <= val[act] + 1e-15 * np.abs(val[act])
            idx = np.flatnonzero(act)
            upd = idx[better & ~conv]
            om[upd] = cand[better & ~conv]
            val[upd] = cv[better & ~conv]
            step[idx[~better]] *= 0.5
            step[upd] = np.minimum(step[upd] * 1.5, 1.0)
            done[idx[conv | (step[idx] < 1e-12)]] = True
        # rows that stopped by tiny steps without a small gradient are re-checked below
        C = np.clip(om @ Z.T, -1.0, 1.0)
        th = np.arccos(C)
        sn = np.sqrt(np.maximum(1.0 - C * C, 0.0))
        f = np.where(th > 1e-8, th / np.where(sn > 0, sn, 1.0), 1.0)
        Wf = W * f
        g = np.linalg.norm(Wf @ Z - (Wf * C).sum(axis=1)[:, None] * om, axis=1)
        redo = bad | ~(g < 1e-8)
        if self.positive_orthant:
            redo |= (om < -1e-12).any(axis=1)
        for j in np.flatnonzero(redo):
            om[j] = self.weighted_mean(Z, W[j])
        return om

    def to_element(self, z: np.ndarray) -> Any:
        return np.array(z, dtype=float)

    def plot_axis(self) -> tuple[np.ndarray | None, str, str]:
        lab = "composition share (square of coordinate)" if self.compositions else "value"
        return None, "coordinate", lab
