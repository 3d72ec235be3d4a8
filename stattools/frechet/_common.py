"""Shared pieces of the Fréchet family: kernels, local-linear weights, inputs, spaces by name."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.formula import Design
from .correlation import PowerCorrelation
from .matrices import SPD, Correlation, Laplacian
from .networks import DirectedLaplacian
from .spaces import Euclidean, MetricSpace, Sphere, Wasserstein

__all__ = [
    "KERNELS",
    "kernel_values",
    "kernel_constant",
    "local_linear_weights",
    "one_sided_weights",
    "bw_nrd0",
    "kde_at",
    "resolve_space",
    "resolve_inputs",
]

KERNELS = ("epanechnikov", "triangular", "uniform")


def _check_kernel(kernel: str) -> str:
    if kernel not in KERNELS:
        raise DataError(f"kernel must be one of {KERNELS}, got {kernel!r}.")
    return kernel


def kernel_values(t: np.ndarray, kernel: str) -> np.ndarray:
    """Kernel ``K(t)`` supported on [-1, 1] (Epanechnikov, triangular or uniform)."""
    a = np.abs(t)
    inside = a <= 1
    if kernel == "epanechnikov":
        return np.where(inside, 0.75 * (1 - t * t), 0.0)
    if kernel == "triangular":
        return np.where(inside, 1 - a, 0.0)
    if kernel == "uniform":
        return np.where(inside, 0.5, 0.0)
    raise DataError(f"kernel must be one of {KERNELS}, got {kernel!r}.")


@functools.cache
def kernel_constant(kernel: str) -> float:
    """Boundary constant ``S_K = int_0^inf (k2 - u k1)^2 K(u)^2 du / (k0 k2 - k1^2)^2``.

    Computed by quadrature; 4.498 (Epanechnikov), 4.8 (triangular), 4.0 (uniform).

    Examples
    --------
    >>> round(kernel_constant("uniform"), 6), round(kernel_constant("triangular"), 6)
    (4.0, 4.8)
    """
    from scipy.integrate import quad

    _check_kernel(kernel)

    def k(u: float) -> float:
        return float(kernel_values(np.array(u), kernel))

    kap = [quad(lambda u, j=j: u**j * k(u), 0, 1)[0] for j in range(3)]
    num = quad(lambda u: (kap[2] - u * kap[1]) ** 2 * k(u) ** 2, 0, 1)[0]
    return num / (kap[0] * kap[2] - kap[1] ** 2) ** 2


def local_linear_weights(u: np.ndarray, h: float, kernel: str) -> tuple[np.ndarray, float, float]:
    """Local-linear weights ``s_i = K_h(u_i)[S_2 - S_1 u_i] / (S_0 S_2 - S_1^2)`` at u = 0.

    Returns the weights (summing to 1), the determinant ``S_0 S_2 - S_1^2`` and
    ``S_0 S_2`` on the rescaled ``t = u / h`` scale (for degeneracy checks).
    """
    t = u / h
    k = kernel_values(t, kernel)
    t0, t1, t2 = k.sum(), (k * t).sum(), (k * t * t).sum()
    det = t0 * t2 - t1 * t1
    if not det > 0:
        return np.zeros_like(u), 0.0, t0 * t2
    return k * (t2 - t1 * t) / det, det, t0 * t2


def one_sided_weights(
    u: np.ndarray, h: float, kernel: str, side: int
) -> tuple[np.ndarray, int, bool]:
    """One-sided local-linear weights at the cutoff (side +1: u >= 0; side -1: u < 0).

    Returns the weights (zero off the side), the number of points with positive kernel
    weight on the side, and whether the design is degenerate
    (``S_0 S_2 - S_1^2 <= 1e-12 S_0 S_2``).
    """
    mask = (u >= 0) if side > 0 else (u < 0)
    s = np.zeros_like(u)
    k = kernel_values(u[mask] / h, kernel)
    npos = int((k > 0).sum())
    w, det, s02 = local_linear_weights(u[mask], h, kernel)
    degenerate = not det > 1e-12 * s02
    s[mask] = w
    return s, npos, degenerate


def bw_nrd0(x: np.ndarray) -> float:
    """R's ``bw.nrd0``: ``0.9 min(sd, IQR / 1.34) n^(-1/5)``."""
    x = np.asarray(x, dtype=float)
    sd = float(np.std(x, ddof=1)) if x.size > 1 else 0.0
    q75, q25 = np.percentile(x, [75, 25])
    lo = min(sd, (q75 - q25) / 1.34)
    if not lo > 0:
        lo = sd if sd > 0 else (abs(float(x[0])) if x[0] != 0 else 1.0)
    return 0.9 * lo * x.size ** (-0.2)


def kde_at(x: np.ndarray, c: float) -> float:
    """Gaussian kernel density estimate of ``x`` at ``c`` with the ``bw.nrd0`` bandwidth."""
    bw = bw_nrd0(x)
    z = (c - np.asarray(x, dtype=float)) / bw
    return float(np.exp(-0.5 * z * z).sum() / (x.size * bw * np.sqrt(2 * np.pi)))


_SPACES = {
    "euclidean": Euclidean,
    "wasserstein": Wasserstein,
    "spd": SPD,
    "correlation": Correlation,
    "sphere": Sphere,
    "laplacian": Laplacian,
    "correlation_power": PowerCorrelation,
    "directed_laplacian": DirectedLaplacian,
}


def resolve_space(space: str | MetricSpace) -> MetricSpace:
    """A space instance from a name (``"wasserstein"``, ``"spd"``, ...) or an instance."""
    if isinstance(space, MetricSpace):
        return space
    if isinstance(space, str):
        key = space.lower()
        if key in ("composition", "compositions", "simplex"):
            return Sphere(compositions=True, positive_orthant=True)
        if key in _SPACES:
            return _SPACES[key]()
    raise DataError(
        f"space must be a MetricSpace or one of {sorted(_SPACES) + ['compositions']}, "
        f"got {space!r}."
    )


def _response(design: Design) -> Any:
    y = design.y
    if y.shape[1] == 1:
        col = y.iloc[:, 0]
        return col if col.dtype == object else col.to_numpy(dtype=float)
    return y.to_numpy(dtype=float)


def resolve_inputs(
    formula: str | None,
    data: pd.DataFrame | None,
    y: Any,
    x: Any,
    na_action: str = "raise",
) -> tuple[Any, np.ndarray, list[str], Design | None]:
    """Response rows, regressor matrix (no intercept), regressor names and the design."""
    if formula is not None:
        if y is not None or x is not None:
            raise DataError("give either a formula with data=, or y= and x=, not both.")
        if data is None:
            raise DataError("a formula needs data= (a pandas DataFrame).")
        design = Design.from_formula(formula, data, na_action=na_action)
        X = design.X.drop(columns=["Intercept"], errors="ignore")
        if X.shape[1] == 0:
            raise DataError(f"formula {formula!r} needs at least one regressor on the right.")
        return _response(design), X.to_numpy(dtype=float), list(X.columns), design
    if y is None or x is None:
        raise DataError("give a formula and data=, or both y= and x=.")
    xa = np.asarray(x, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    if xa.ndim != 2:
        raise DataError(f"x must be 1-D or 2-D, got {xa.ndim} dimensions.")
    if not np.isfinite(xa).all():
        raise DataError("x contains NaN or infinite values; drop or impute them first.")
    names = ["x"] if xa.shape[1] == 1 else [f"x{j + 1}" for j in range(xa.shape[1])]
    return y, xa, names, None
