"""Lag-window kernels for long-run variances and smoothing kernels for trends.

Two kinds of kernel objects live here, both small and stateless:

* :class:`LagKernel` subclasses (:class:`Bartlett`, :class:`Parzen`,
  :class:`QuadraticSpectral`) weight sample autocovariances in a HAC / long-run-variance
  estimator, with the conventions of statsmodels (``maxlags``) and arch (``bandwidth``):
  lag ``k`` gets weight ``kappa(k / (L + 1))`` for the truncated kernels and
  ``kappa(k / L)`` for the quadratic-spectral kernel. Each also carries the constants of
  the Newey-West (1994) automatic bandwidth rule.
* :class:`Epanechnikov` is the smoothing kernel of the local-linear trend.

These are standard econometric kernels, not taken from Palm and Nagler (2025), whose full
text was not available.

References
----------
Newey, W. K. and West, K. D. (1994). Automatic lag selection in covariance matrix
estimation. *Review of Economic Studies* 61, 631-653.
Andrews, D. W. K. (1991). Heteroskedasticity and autocorrelation consistent covariance
matrix estimation. *Econometrica* 59, 817-858.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..core.exceptions import DataError

__all__ = [
    "LagKernel",
    "Bartlett",
    "Parzen",
    "QuadraticSpectral",
    "Epanechnikov",
    "get_lag_kernel",
]


class LagKernel(ABC):
    """A lag window ``kappa`` with the constants of the Newey-West bandwidth rule.

    Subclasses define ``kappa(x)``, ``name``, ``constant`` (``c_k``), ``q`` (the
    characteristic exponent) and ``rate`` (exponent of the pre-whitening lag count).
    """

    name: str = ""
    constant: float = 1.0
    q: float = 1.0
    rate: float = 2 / 9
    truncated: bool = True

    @abstractmethod
    def kappa(self, x: np.ndarray) -> np.ndarray:
        """Kernel value at ``x`` (``kappa(0) = 1``)."""

    def lag_weights(self, bandwidth: float, nobs: int) -> np.ndarray:
        """Weights of lags ``0, 1, ...`` for a given bandwidth.

        Truncated kernels use ``kappa(k / (bandwidth + 1))`` for ``k <= bandwidth`` (so
        ``bandwidth`` is statsmodels' ``maxlags``); the quadratic-spectral kernel uses
        ``kappa(k / bandwidth)`` for every lag ``k < nobs`` (arch's convention).

        Examples
        --------
        >>> Bartlett().lag_weights(3, 100).tolist()
        [1.0, 0.75, 0.5, 0.25]
        """
        if self.truncated:
            k = np.arange(int(bandwidth) + 1, dtype=float)
            k = k[k < nobs]
            return self.kappa(k / (bandwidth + 1.0))
        w = np.zeros(nobs)
        w[0] = 1.0
        if bandwidth > 0 and nobs > 1:
            w[1:] = self.kappa(np.arange(1, nobs) / bandwidth)
        return w

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Bartlett(LagKernel):
    """Bartlett (Newey-West) kernel ``kappa(x) = (1 - |x|)_+``."""

    name = "bartlett"
    constant = 1.1447
    q = 1.0
    rate = 2 / 9

    def kappa(self, x: np.ndarray) -> np.ndarray:
        return np.clip(1.0 - np.abs(np.asarray(x, dtype=float)), 0.0, None)


class Parzen(LagKernel):
    """Parzen kernel: ``1 - 6x^2 + 6|x|^3`` on ``|x| <= 1/2``, ``2(1 - |x|)^3`` up to 1."""

    name = "parzen"
    constant = 2.6614
    q = 2.0
    rate = 4 / 25

    def kappa(self, x: np.ndarray) -> np.ndarray:
        a = np.abs(np.asarray(x, dtype=float))
        return np.where(a <= 0.5, 1 - 6 * a**2 * (1 - a), np.where(a <= 1, 2 * (1 - a) ** 3, 0.0))


class QuadraticSpectral(LagKernel):
    """Andrews' quadratic-spectral kernel (not truncated)."""

    name = "qs"
    constant = 1.3221
    q = 2.0
    rate = 2 / 25
    truncated = False

    def kappa(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        z = 6 * np.pi * x / 5
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 3 / z**2 * (np.sin(z) / z - np.cos(z))
        return np.where(x == 0, 1.0, out)


class Epanechnikov:
    """Epanechnikov smoothing kernel ``K(x) = 0.75 (1 - x^2)_+`` on ``[-1, 1]``.

    Examples
    --------
    >>> float(Epanechnikov()(np.array(0.0)))
    0.75
    """

    name = "epanechnikov"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(np.abs(x) < 1, 0.75 * (1 - x**2), 0.0)

    def __repr__(self) -> str:
        return "Epanechnikov()"


_KERNELS: dict[str, type[LagKernel]] = {
    "bartlett": Bartlett,
    "parzen": Parzen,
    "qs": QuadraticSpectral,
    "quadratic-spectral": QuadraticSpectral,
}


def get_lag_kernel(kernel: str | LagKernel) -> LagKernel:
    """Return a :class:`LagKernel` from a name (``"bartlett"``, ``"parzen"``, ``"qs"``).

    Examples
    --------
    >>> get_lag_kernel("parzen")
    Parzen()
    """
    if isinstance(kernel, LagKernel):
        return kernel
    if isinstance(kernel, str) and kernel.lower() in _KERNELS:
        return _KERNELS[kernel.lower()]()
    raise DataError(
        f"kernel must be one of 'bartlett', 'parzen', 'qs' or a LagKernel; got {kernel!r}."
    )
