"""Probability densities under the Fisher-Rao metric, through the square-root representation.

The square-root map ``f -> psi = sqrt(f)`` sends densities on an interval to the positive
orthant of the unit sphere of L^2, where the Fisher-Rao geometry is the great-circle
geometry (Srivastava, Jermyn and Joshi 2007). On a grid with quadrature weights ``omega``
the vector ``(sqrt(f(x_m) omega_m))_m`` has unit Euclidean norm, so every computation is
delegated to a :class:`~stattools.frechet.Sphere` with ``positive_orthant=True``
(composition, not inheritance).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..core.exceptions import ApproximationWarning, DataError
from ..core.validation import describe_positions
from .spaces import MetricSpace, Sphere, _stack, as_rows

__all__ = ["FisherRao"]


def _trapezoid_weights(s: np.ndarray) -> np.ndarray:
    d = np.diff(s)
    w = np.zeros(s.size)
    w[:-1] += d / 2
    w[1:] += d / 2
    return w


class FisherRao(MetricSpace):
    """Densities on an interval under the Fisher-Rao metric (square-root densities).

    ``d(f, g) = arccos(int sqrt(f g))``, the great-circle distance between ``sqrt f`` and
    ``sqrt g`` on the unit sphere of L^2 (the Fisher-Rao distance with the usual
    information-metric normalisation is twice this). Usable wherever a space is (means,
    variances, regression, jump test, ANOVA, change points).

    Parameters
    ----------
    support : array_like
        Strictly increasing points where every density is evaluated (at least 3).

    Notes
    -----
    Responses are densities ``f_i(x_m)`` on ``support`` (one row each). With trapezoid
    weights ``omega_m`` the canonical rows are ``psi_im = sqrt(f_i(x_m) omega_m)``, unit
    vectors in the positive orthant; densities whose trapezoid integral is off 1 by more
    than 1e-6 are renormalised with an :class:`ApproximationWarning`. The weighted
    Fréchet mean is the intrinsic spherical mean of :class:`~stattools.frechet.Sphere`
    restricted to the positive orthant (every square-root density lies there), and
    :meth:`to_element` maps it back to the density ``psi_m^2 / omega_m``. The space is not a
    Hilbert space (``hilbert = False``): local-linear lines used for residuals are
    normalised extrinsically, as for the sphere.

    The phase (warping-function) space of elastic functional data analysis is not
    implemented. R ``frechet`` 0.3.0 and frechesTest have no Fisher-Rao density space, so
    the references are closed forms: the Bhattacharyya coefficient of two normal
    densities and the geodesic midpoint (``tests/frechet/test_spaces_new.py``).

    References
    ----------
    Srivastava, A., Jermyn, I. and Joshi, S. (2007). Riemannian analysis of probability
    density functions with applications in vision. *Proc. IEEE CVPR*.
    Petersen, A. and Müller, H.-G. (2019). Fréchet regression for random objects with
    Euclidean predictors. *Ann. Statist.* 47, 691-719.

    Examples
    --------
    >>> from scipy import stats
    >>> x = np.linspace(-8, 8, 801)
    >>> sp = FisherRao(support=x)
    >>> f, g = stats.norm.pdf(x, -1, 1), stats.norm.pdf(x, 1, 1)
    >>> round(sp.distance(f, g), 4)  # arccos(exp(-1/2))
    0.9191
    >>> m = sp.frechet_mean([f, g])  # the geodesic midpoint, a density peaked at 0
    >>> float(x[np.argmax(m)])
    0.0
    """

    name = "densities (Fisher-Rao)"
    hilbert = False
    plot_kind = "curve"

    def __init__(self, support: Any) -> None:
        try:
            s = np.asarray(support, dtype=float).ravel()
        except (TypeError, ValueError):
            raise DataError("support must be a numeric array.") from None
        if s.size < 3 or not np.isfinite(s).all() or (np.diff(s) <= 0).any():
            raise DataError("support must be a strictly increasing finite array of 3+ points.")
        self.support = s
        self.qweights = _trapezoid_weights(s)
        self._sphere = Sphere(positive_orthant=True)

    def __repr__(self) -> str:
        s = self.support
        return f"FisherRao(support=[{s[0]:.4g}, {s[-1]:.4g}], M={s.size})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FisherRao) and np.array_equal(self.support, other.support)

    __hash__ = MetricSpace.__hash__

    def validate(self, Y: Any) -> np.ndarray:
        """Square-root densities ``sqrt(f(x_m) omega_m)`` (unit rows), shape (n, M).

        Raises
        ------
        DataError
            Wrong length, negative values or a zero integral (naming the rows).

        Warns
        -----
        ApproximationWarning
            Densities whose integral is off 1 by more than 1e-6 (renormalised).
        """
        D = _stack(as_rows(Y), "Y", "density")
        if D.ndim != 2 or D.shape[1] != self.support.size:
            raise DataError(
                f"densities in Y must have {self.support.size} values (one per support "
                f"point); got shape {D.shape[1:]}."
            )
        neg = (D < 0).any(axis=1)
        if neg.any():
            raise DataError(f"densities in Y are negative in rows {describe_positions(neg)}.")
        total = D @ self.qweights
        zero = ~(total > 0)
        if zero.any():
            raise DataError(f"densities in Y integrate to zero in rows {describe_positions(zero)}.")
        off = np.abs(total - 1) > 1e-6
        if off.any():
            warnings.warn(
                f"densities in Y do not integrate to 1 in rows {describe_positions(off)}; "
                "they were renormalised.",
                ApproximationWarning,
                stacklevel=3,
            )
        return np.sqrt(D * self.qweights / total[:, None])

    def dist2(self, Z: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self._sphere.dist2(Z, z)

    def dist2_pairs(self, Z1: np.ndarray, Z2: np.ndarray) -> np.ndarray:
        return self._sphere.dist2_pairs(Z1, Z2)

    def project(self, a: np.ndarray) -> np.ndarray:
        """Extrinsic projection onto the orthant of the sphere (clip at 0, normalise)."""
        return self._sphere.project(a)

    def project_rows(self, A: np.ndarray) -> np.ndarray:
        return self._sphere.project_rows(A)

    def weighted_mean(self, Z: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Intrinsic weighted Fréchet mean of square-root densities (positive orthant)."""
        return self._sphere.weighted_mean(Z, w)

    def weighted_means(self, Z: np.ndarray, W: np.ndarray) -> np.ndarray:
        """Weighted means for every row of ``W`` (the sphere's batched iteration)."""
        return self._sphere.weighted_means(Z, W)

    def to_element(self, z: np.ndarray) -> Any:
        """The density ``psi_m^2 / omega_m`` on ``support``."""
        z = np.asarray(z, dtype=float)
        w = np.where(self.qweights > 0, self.qweights, 1.0)
        return z * z / w

    def plot_axis(self) -> tuple[np.ndarray | None, str, str]:
        return self.support, "x", "density"
