"""Matrix-valued metric spaces: covariance (SPD/PSD), correlation and graph-Laplacian matrices.

All three embed isometrically into a space of matrices with the Frobenius norm (after a
chart for the power, log-Euclidean, Cholesky and log-Cholesky metrics), so the weighted
Fréchet mean is the metric projection of the linear weighted average, even with negative
weights.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..core.exceptions import ConvergenceWarning, DataError
from ..core.validation import describe_positions
from .spaces import MetricSpace, _stack, as_rows

__all__ = ["SPD", "Correlation", "Laplacian", "psd_project", "nearest_correlation"]

_METRICS = ("frobenius", "power", "log_euclidean", "cholesky", "log_cholesky")


def _matrices(Y: Any, tol: float) -> np.ndarray:
    rows = as_rows(Y)
    S = _stack(rows, "Y", "matrix")
    if S.ndim != 3 or S.shape[1] != S.shape[2]:
        raise DataError(f"matrix responses must be square p x p arrays; got shape {S.shape[1:]}.")
    scale = np.maximum(np.abs(S).max(axis=(1, 2)), 1.0)
    asym = np.abs(S - S.transpose(0, 2, 1)).max(axis=(1, 2)) > tol * scale
    if asym.any():
        raise DataError(f"matrices in Y are not symmetric in rows {describe_positions(asym)}.")
    return (S + S.transpose(0, 2, 1)) / 2


def _eig_apply(S: np.ndarray, fn) -> np.ndarray:
    lam, V = np.linalg.eigh(S)
    return (V * fn(lam)[..., None, :]) @ np.swapaxes(V, -1, -2)


def psd_project(A: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Frobenius projection of a symmetric matrix (or stack) onto ``{S : S >= floor * I}``.

    Examples
    --------
    >>> psd_project(np.array([[1.0, 2.0], [2.0, 1.0]])).round(3).tolist()
    [[1.5, 1.5], [1.5, 1.5]]
    """
    A = (A + np.swapaxes(A, -1, -2)) / 2
    return _eig_apply(A, lambda lam: np.maximum(lam, floor))


def nearest_correlation(
    A: np.ndarray, tol: float = 1e-10, max_iter: int = 100
) -> tuple[np.ndarray, bool]:
    """Higham's alternating projections (with Dykstra's correction) to the nearest correlation.

    Returns the matrix and whether the iteration converged.

    Examples
    --------
    >>> C, ok = nearest_correlation(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]))
    >>> C.round(4)[0].tolist(), ok
    ([1.0, 0.7607, 0.1573], True)
    """
    Y = (A + A.T) / 2
    dS = np.zeros_like(Y)
    for _ in range(max_iter):
        R = Y - dS
        X = psd_project(R)
        dS = X - R
        Y_new = X.copy()
        np.fill_diagonal(Y_new, 1.0)
        delta = np.linalg.norm(Y_new - Y) / max(np.linalg.norm(Y), 1e-300)
        Y = Y_new
        if delta < tol:
            return Y, True
    return Y, False


# ============================================================================ SPD
class SPD(MetricSpace):
    """Covariance matrices (symmetric positive semi-definite) under one of five metrics.

    Parameters
    ----------
    metric : {"frobenius", "power", "log_euclidean", "cholesky", "log_cholesky"}
        ``frobenius``: ``‖S_1 - S_2‖_F`` with projection onto the PSD cone. ``power``:
        ``‖S_1^a - S_2^a‖_F / a`` (``alpha``), same projection in the chart. ``log_euclidean``:
        ``‖log S_1 - log S_2‖_F``. ``cholesky``: ``‖L_1 - L_2‖_F`` for Cholesky factors.
        ``log_cholesky`` (Lin 2019): strict lower parts and log-diagonals of the factors.
    alpha : float, default 0.5
        Power of the power metric (0 means log-Euclidean).
    eps : float, default 0
        Eigenvalue floor of the PSD projection (``eps > 0`` gives PD means).
    regularize : float, optional
        Add ``regularize * I`` to every input matrix (for singular input under log metrics).
    tol : float, default 1e-8
        Relative asymmetry tolerance (below it, inputs are symmetrised).

    Examples
    --------
    >>> sp = SPD(metric="log_cholesky")
    >>> Z = sp.validate([np.eye(2), 4 * np.eye(2)])
    >>> sp.to_element(sp.weighted_mean(Z, np.array([0.5, 0.5]))).round(6).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """

    name = "SPD matrices"
    plot_kind = "matrix"

    def __init__(
        self,
        metric: str = "frobenius",
        alpha: float = 0.5,
        eps: float = 0.0,
        regularize: float | None = None,
        tol: float = 1e-8,
    ) -> None:
        if metric not in _METRICS:
            raise DataError(f"metric must be one of {_METRICS}, got {metric!r}.")
        if metric == "power" and alpha == 0:
            metric = "log_euclidean"
        if metric == "power" and not np.isfinite(alpha):
            raise DataError(f"alpha must be finite, got {alpha}.")
        self.metric = metric
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.regularize = regularize
        self.tol = float(tol)

    def __repr__(self) -> str:
        a = f", alpha={self.alpha}" if self.metric == "power" else ""
        return f"SPD(metric={self.metric!r}{a}, eps={self.eps}, regularize={self.regularize})"

    @property
    def _needs_pd(self) -> bool:
        return self.metric in ("log_euclidean", "cholesky", "log_cholesky") or (
            self.metric == "power" and self.alpha <= 0
        )

    def validate(self, Y: Any) -> np.ndarray:
        """Check symmetric PSD input and return it in the metric's chart, (n, p, p)."""
        S = _matrices(Y, self.tol)
        if self.regularize:
            S = S + float(self.regularize) * np.eye(S.shape[1])
        lam = np.linalg.eigvalsh(S)
        nrm = np.maximum(np.linalg.norm(S, axis=(1, 2)), 1e-300)
        notpsd = lam[:, 0] < -1e-10 * nrm
        if notpsd.any():
            raise DataError(f"matrices in Y are not PSD in rows {describe_positions(notpsd)}.")
        if self._needs_pd:
            notpd = lam[:, 0] <= 1e-12 * nrm
            if notpd.any():
                raise DataError(
                    f"metric={self.metric!r} needs positive definite matrices; rows "
                    f"{describe_positions(notpd)} are singular. Use metric='frobenius' or "
                    "regularize=eps."
                )
        return self._chart(S)

    def _chart(self, S: np.ndarray) -> np.ndarray:
        m = self.metric
        if m == "frobenius":
            return S
        if m == "power":
            a = self.alpha
            return _eig_apply(S, lambda lam: np.maximum(lam, 0.0) ** a)
        if m == "log_euclidean":
            return _eig_apply(S, np.log)
        L = np.linalg.cholesky(S)
        if m == "log_cholesky":
            idx = np.arange(S.shape[1])
            L[..., idx, idx] = np.log(L[..., idx, idx])
        return L

    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        d2 = ((Z - z) ** 2).sum(axis=(1, 2))
        return d2 / self.alpha**2 if self.metric == "power" else d2

    def project(self, a: np.ndarray) -> np.ndarray:
        """Metric projection of a chart-space matrix onto the chart's image."""
        m = self.metric
        if m in ("frobenius", "power"):
            floor = self.eps if m == "frobenius" else self.eps**self.alpha if self.eps else 0.0
            return psd_project(a, floor)
        if m == "log_euclidean":
            return (a + np.swapaxes(a, -1, -2)) / 2
        L = np.tril(a)
        if m == "cholesky":
            idx = np.arange(L.shape[-1])
            L[..., idx, idx] = np.maximum(L[..., idx, idx], 0.0)
        return L

    def project_rows(self, A: np.ndarray) -> np.ndarray:
        return self.project(A) if len(A) else A.copy()

    def to_element(self, z: np.ndarray) -> Any:
        """The covariance matrix of a chart point."""
        m = self.metric
        if m == "frobenius":
            return np.array(z, dtype=float)
        if m == "power":
            return _eig_apply(z, lambda lam: np.maximum(lam, 0.0) ** (1.0 / self.alpha))
        if m == "log_euclidean":
            return _eig_apply(z, np.exp)
        L = np.array(z, dtype=float)
        if m == "log_cholesky":
            idx = np.arange(L.shape[-1])
            L[..., idx, idx] = np.exp(L[..., idx, idx])
        return L @ np.swapaxes(L, -1, -2)


# ============================================================================ Correlation
class Correlation(MetricSpace):
    """Correlation matrices (PSD, unit diagonal) with the Frobenius distance.

    The projection is Higham's (2002) alternating-projections algorithm (tolerance
    ``tol``, at most ``max_iter`` iterations; a :class:`ConvergenceWarning` otherwise).

    Examples
    --------
    >>> sp = Correlation()
    >>> Z = sp.validate([np.eye(2), np.array([[1.0, 0.8], [0.8, 1.0]])])
    >>> sp.weighted_mean(Z, np.array([-1.0, 2.0])).round(3).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    name = "correlation matrices"
    plot_kind = "matrix"

    def __init__(self, tol: float = 1e-10, max_iter: int = 100) -> None:
        self.tol = float(tol)
        self.max_iter = int(max_iter)

    def __repr__(self) -> str:
        return f"Correlation(tol={self.tol}, max_iter={self.max_iter})"

    def validate(self, Y: Any) -> np.ndarray:
        C = _matrices(Y, 1e-8)
        diag = np.abs(np.diagonal(C, axis1=1, axis2=2) - 1).max(axis=1) > 1e-8
        if diag.any():
            raise DataError(
                f"correlation matrices must have a unit diagonal; rows {describe_positions(diag)} "
                "do not."
            )
        lam = np.linalg.eigvalsh(C)
        notpsd = lam[:, 0] < -1e-10 * C.shape[1]
        if notpsd.any():
            raise DataError(f"matrices in Y are not PSD in rows {describe_positions(notpsd)}.")
        return C

    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        return ((Z - z) ** 2).sum(axis=(1, 2))

    def project(self, a: np.ndarray) -> np.ndarray:
        a = (a + a.T) / 2
        if np.abs(np.diag(a) - 1).max() < 1e-12 and np.linalg.eigvalsh(a)[0] >= 0:
            return a
        C, ok = nearest_correlation(a, self.tol, self.max_iter)
        if not ok:
            warnings.warn(
                f"the nearest-correlation projection did not converge in {self.max_iter} "
                "iterations; raise max_iter.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return C


# ============================================================================ Laplacian
class Laplacian(MetricSpace):
    """Graph Laplacians of weighted undirected networks with the Frobenius distance.

    The space is ``{L symmetric, L 1 = 0, -max_weight <= L_ij <= 0 for i != j}``. The
    projection eliminates the diagonal and solves the resulting bounded least-squares
    problem in the ``p(p-1)/2`` edge weights exactly with ``scipy.optimize.lsq_linear``.

    Parameters
    ----------
    max_weight : float, optional
        Upper bound ``W`` on edge weights (none by default).
    tol : float, default 1e-8

    Examples
    --------
    >>> sp = Laplacian()
    >>> L1 = np.array([[1.0, -1.0], [-1.0, 1.0]])
    >>> Z = sp.validate([L1, 0 * L1])
    >>> sp.weighted_mean(Z, np.array([-1.0, 2.0])).round(6).tolist() == [[0, 0], [0, 0]]
    True
    """

    name = "graph Laplacians"
    plot_kind = "matrix"

    def __init__(self, max_weight: float | None = None, tol: float = 1e-8) -> None:
        if max_weight is not None and not max_weight > 0:
            raise DataError(f"max_weight must be positive, got {max_weight}.")
        self.max_weight = max_weight
        self.tol = float(tol)

    def __repr__(self) -> str:
        return f"Laplacian(max_weight={self.max_weight})"

    def validate(self, Y: Any) -> np.ndarray:
        L = _matrices(Y, self.tol)
        off = L - np.einsum("nij,ij->nij", L, np.eye(L.shape[1]))
        check_laplacian_entries(L, off, self.tol, self.max_weight)
        return L

    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        return ((Z - z) ** 2).sum(axis=(1, 2))

    def _feasible(self, a: np.ndarray) -> bool:
        p = a.shape[0]
        off = a[~np.eye(p, dtype=bool)]
        ok = np.abs(a.sum(axis=1)).max() <= 1e-12 * max(1.0, np.abs(a).max()) and off.max() <= 0
        if self.max_weight is not None:
            ok = ok and (-off).max() <= self.max_weight
        return bool(ok)

    def project(self, a: np.ndarray) -> np.ndarray:
        from scipy.optimize import lsq_linear

        a = (a + a.T) / 2
        if self._feasible(a):
            return a
        p = a.shape[0]
        iu, ju = np.triu_indices(p, 1)
        k = iu.size
        # unknowns x_e = -L_ij >= 0 per edge e = (i, j); L_ii = sum_j x_ij
        rows_off = -np.sqrt(2.0) * np.eye(k)
        inc = np.zeros((p, k))
        inc[iu, np.arange(k)] = 1.0
        inc[ju, np.arange(k)] = 1.0
        M = np.vstack([rows_off, inc])
        b = np.concatenate([np.sqrt(2.0) * a[iu, ju], np.diag(a)])
        ub = np.inf if self.max_weight is None else float(self.max_weight)
        res = lsq_linear(M, b, bounds=(0.0, ub), method="bvls", tol=1e-14)
        L = np.zeros((p, p))
        L[iu, ju] = -res.x
        L[ju, iu] = -res.x
        np.fill_diagonal(L, res.x @ inc.T)
        return L


def check_laplacian_entries(
    L: np.ndarray, off: np.ndarray, tol: float, max_weight: float | None, hint: str = ""
) -> None:
    """Raise :class:`DataError` naming the rows of a stack of graph Laplacians ``L`` whose
    row sums are not 0, whose off-diagonal entries ``off`` (any layout, one row per
    matrix) are positive, or whose edge weights exceed ``max_weight``.

    Examples
    --------
    >>> L = np.array([[[1.0, -1.0], [-1.0, 1.0]]])
    >>> check_laplacian_entries(L, np.array([[-1.0, -1.0]]), 1e-10, None) is None
    True
    """
    scale = np.maximum(np.abs(L).max(axis=(1, 2)), 1.0)
    rows_ = np.abs(L.sum(axis=2)).max(axis=1) > tol * scale
    if rows_.any():
        raise DataError(f"Laplacian row sums are not 0 in rows {describe_positions(rows_)}{hint}.")
    flat = off.reshape(off.shape[0], -1)
    pos = flat.max(axis=1) > tol * scale
    if pos.any():
        raise DataError(
            f"Laplacians have positive off-diagonal entries in rows {describe_positions(pos)}."
        )
    if max_weight is not None:
        big = (-flat).max(axis=1) > max_weight * (1 + tol)
        if big.any():
            raise DataError(f"edge weights exceed max_weight in rows {describe_positions(big)}.")
