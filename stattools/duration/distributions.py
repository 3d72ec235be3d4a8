"""Innovation laws of ACD models, each normalised to ``E[eps] = 1``.

Every law is a small object with the shape parameters as ``params`` (a tuple of
floats; the exponential law has none) and vectorised ``logpdf``, ``pdf``, ``cdf``,
``sf``, ``ppf``, ``hazard`` and ``rvs``. Model code also uses ``score_eps``, the
derivative ``eps * d log f / d eps``, which gives the analytic gradient of the
likelihood in the recursion parameters.

Scale constants (so that the mean is one):

* Weibull(k): ``lam = 1 / Gamma(1 + 1/k)``.
* Generalised gamma (Stacy) (k, nu): ``lam = Gamma(nu) / Gamma(nu + 1/k)``.
* Burr XII (kappa, sigma2) as in Grammig and Maurer (2000):
  ``S(e) = (1 + sigma2 (e/lam)^kappa)^(-1/sigma2)``, finite mean iff ``kappa > sigma2``,
  ``lam = sigma2^(1+1/kappa) Gamma(1/sigma2 + 1) / (Gamma(1 + 1/kappa)
  Gamma(1/sigma2 - 1/kappa))``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from scipy import special

from ..core.exceptions import DataError

__all__ = ["Innovation", "Exponential", "Weibull", "GeneralizedGamma", "Burr", "get_distribution"]


class Innovation(ABC):
    """Abstract innovation law with unit mean.

    Subclasses define ``names`` (shape-parameter names), ``bounds``, ``start``,
    ``needs_positive`` (whether ``log eps`` is needed, so zero durations are invalid)
    and the methods below, each taking the shape parameters as a tuple ``shape``.
    """

    name: str = ""
    names: tuple[str, ...] = ()
    bounds: tuple[tuple[float, float], ...] = ()
    start: tuple[float, ...] = ()
    needs_positive: bool = True

    def __init__(self, *shape: float) -> None:
        self.params: tuple[float, ...] = tuple(float(s) for s in shape) if shape else self.start
        if len(self.params) != len(self.names):
            raise DataError(
                f"{type(self).__name__} takes {len(self.names)} shape parameter(s) "
                f"{self.names}, got {len(self.params)}."
            )

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={v:.4g}" for n, v in zip(self.names, self.params))
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params == other.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.params))

    def _shape(self, shape: Sequence[float] | None) -> tuple[float, ...]:
        return self.params if shape is None else tuple(float(s) for s in shape)

    def valid(self, shape: Sequence[float] | None = None) -> bool:
        """Whether ``shape`` lies inside the parameter space."""
        s = self._shape(shape)
        return all(lo <= v <= hi for v, (lo, hi) in zip(s, self.bounds))

    @abstractmethod
    def logpdf(self, e: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """Log density at ``e``."""

    @abstractmethod
    def score_eps(self, e: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """``e * d log f(e) / d e``."""

    @abstractmethod
    def cdf(self, e: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """Distribution function."""

    @abstractmethod
    def ppf(self, p: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """Quantile function."""

    def pdf(self, e: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """Density."""
        return np.exp(self.logpdf(e, shape))

    def sf(self, e: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """Survival function."""
        return 1.0 - self.cdf(e, shape)

    def hazard(self, e: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """Hazard ``f / (1 - F)``."""
        e = np.asarray(e, dtype=float)
        return self.pdf(e, shape) / self.sf(e, shape)

    def rvs(
        self, size: int, rng: np.random.Generator, shape: Sequence[float] | None = None
    ) -> np.ndarray:
        """Draws by inversion of uniforms."""
        return self.ppf(rng.random(size), shape)

    def with_params(self, shape: Sequence[float]) -> Innovation:
        """A copy with new shape parameters."""
        return type(self)(*shape)


class Exponential(Innovation):
    """Unit exponential law (the QMLE when used for estimation).

    Examples
    --------
    >>> d = Exponential()
    >>> float(d.cdf(np.array([1.0]))[0]).__round__(6)
    0.632121
    """

    name = "exponential"
    needs_positive = False

    def logpdf(self, e, shape=None):
        return -np.asarray(e, dtype=float)

    def score_eps(self, e, shape=None):
        return -np.asarray(e, dtype=float)

    def cdf(self, e, shape=None):
        return -np.expm1(-np.asarray(e, dtype=float))

    def sf(self, e, shape=None):
        return np.exp(-np.asarray(e, dtype=float))

    def ppf(self, p, shape=None):
        return -np.log1p(-np.asarray(p, dtype=float))

    def rvs(self, size, rng, shape=None):
        return rng.standard_exponential(size)


class Weibull(Innovation):
    """Weibull law with shape ``k`` and unit mean (scale ``1/Gamma(1+1/k)``).

    Examples
    --------
    >>> d = Weibull(0.8)
    >>> from scipy.integrate import quad
    >>> round(quad(lambda u: u * float(d.pdf(np.array([u]))[0]), 0, np.inf)[0], 6)
    1.0
    """

    name = "weibull"
    names = ("k",)
    bounds = ((0.05, 50.0),)
    start = (1.0,)

    @staticmethod
    def _lam(k: float) -> float:
        return 1.0 / math.gamma(1.0 + 1.0 / k)

    def logpdf(self, e, shape=None):
        (k,) = self._shape(shape)
        lam = self._lam(k)
        e = np.asarray(e, dtype=float)
        z = e / lam
        with np.errstate(divide="ignore"):
            return math.log(k / lam) + (k - 1.0) * np.log(z) - z**k

    def score_eps(self, e, shape=None):
        (k,) = self._shape(shape)
        z = np.asarray(e, dtype=float) / self._lam(k)
        return (k - 1.0) - k * z**k

    def cdf(self, e, shape=None):
        (k,) = self._shape(shape)
        return -np.expm1(-((np.asarray(e, dtype=float) / self._lam(k)) ** k))

    def sf(self, e, shape=None):
        (k,) = self._shape(shape)
        return np.exp(-((np.asarray(e, dtype=float) / self._lam(k)) ** k))

    def ppf(self, p, shape=None):
        (k,) = self._shape(shape)
        return self._lam(k) * (-np.log1p(-np.asarray(p, dtype=float))) ** (1.0 / k)


class GeneralizedGamma(Innovation):
    """Generalised gamma (Stacy) law with shapes ``k``, ``nu`` and unit mean.

    ``f(e) = k e^(k nu - 1) exp(-(e/lam)^k) / (lam^(k nu) Gamma(nu))`` with
    ``lam = Gamma(nu) / Gamma(nu + 1/k)``; ``nu = 1`` is the Weibull law.

    Examples
    --------
    >>> d = GeneralizedGamma(1.2, 0.7)
    >>> round(float(d.cdf(d.ppf(np.array([0.3])))[0]), 10)
    0.3
    """

    name = "generalized gamma"
    names = ("k", "nu")
    bounds = ((0.05, 50.0), (0.05, 100.0))
    start = (1.0, 1.0)

    @staticmethod
    def _lam(k: float, nu: float) -> float:
        return math.exp(special.gammaln(nu) - special.gammaln(nu + 1.0 / k))

    def logpdf(self, e, shape=None):
        k, nu = self._shape(shape)
        lam = self._lam(k, nu)
        e = np.asarray(e, dtype=float)
        z = e / lam
        with np.errstate(divide="ignore"):
            return math.log(k / lam) - special.gammaln(nu) + (k * nu - 1.0) * np.log(z) - z**k

    def score_eps(self, e, shape=None):
        k, nu = self._shape(shape)
        z = np.asarray(e, dtype=float) / self._lam(k, nu)
        return (k * nu - 1.0) - k * z**k

    def cdf(self, e, shape=None):
        k, nu = self._shape(shape)
        return special.gammainc(nu, (np.asarray(e, dtype=float) / self._lam(k, nu)) ** k)

    def sf(self, e, shape=None):
        k, nu = self._shape(shape)
        return special.gammaincc(nu, (np.asarray(e, dtype=float) / self._lam(k, nu)) ** k)

    def ppf(self, p, shape=None):
        k, nu = self._shape(shape)
        g = special.gammaincinv(nu, np.asarray(p, dtype=float))
        return self._lam(k, nu) * g ** (1.0 / k)


class Burr(Innovation):
    """Burr XII law with shapes ``kappa``, ``sigma2`` and unit mean (needs kappa > sigma2).

    ``S(e) = (1 + sigma2 (e/lam)^kappa)^(-1/sigma2)``; ``sigma2 -> 0`` gives the Weibull
    law (Grammig and Maurer, 2000, parametrisation, as in ACDm).

    Examples
    --------
    >>> d = Burr(1.5, 0.4)
    >>> from scipy.integrate import quad
    >>> round(quad(lambda u: float(d.pdf(np.array([u]))[0]), 0, np.inf)[0], 6)
    1.0
    """

    name = "burr"
    names = ("kappa", "sigma2")
    bounds = ((0.05, 50.0), (1e-6, 50.0))
    start = (1.2, 0.3)

    def valid(self, shape=None):
        kappa, s2 = self._shape(shape)
        return super().valid(shape) and kappa > s2 * (1.0 + 1e-6)

    @staticmethod
    def _lam(kappa: float, s2: float) -> float:
        a = 1.0 / s2
        log_mean_unit = (
            -(1.0 + 1.0 / kappa) * math.log(s2)
            + special.gammaln(1.0 + 1.0 / kappa)
            + special.gammaln(a - 1.0 / kappa)
            - special.gammaln(a + 1.0)
        )
        return math.exp(-log_mean_unit)

    def logpdf(self, e, shape=None):
        kappa, s2 = self._shape(shape)
        lam = self._lam(kappa, s2)
        z = np.asarray(e, dtype=float) / lam
        with np.errstate(divide="ignore"):
            return (
                math.log(kappa / lam)
                + (kappa - 1.0) * np.log(z)
                - (1.0 / s2 + 1.0) * np.log1p(s2 * z**kappa)
            )

    def score_eps(self, e, shape=None):
        kappa, s2 = self._shape(shape)
        zk = (np.asarray(e, dtype=float) / self._lam(kappa, s2)) ** kappa
        return (kappa - 1.0) - (1.0 + s2) * kappa * zk / (1.0 + s2 * zk)

    def sf(self, e, shape=None):
        kappa, s2 = self._shape(shape)
        zk = (np.asarray(e, dtype=float) / self._lam(kappa, s2)) ** kappa
        return np.exp(-np.log1p(s2 * zk) / s2)

    def cdf(self, e, shape=None):
        kappa, s2 = self._shape(shape)
        zk = (np.asarray(e, dtype=float) / self._lam(kappa, s2)) ** kappa
        return -np.expm1(-np.log1p(s2 * zk) / s2)

    def ppf(self, p, shape=None):
        kappa, s2 = self._shape(shape)
        p = np.asarray(p, dtype=float)
        zk = np.expm1(-s2 * np.log1p(-p)) / s2
        return self._lam(kappa, s2) * zk ** (1.0 / kappa)


_LAWS: dict[str, type[Innovation]] = {
    "exponential": Exponential,
    "weibull": Weibull,
    "burr": Burr,
    "generalized_gamma": GeneralizedGamma,
    "gengamma": GeneralizedGamma,
}


def get_distribution(dist: str | Innovation) -> Innovation:
    """Return an :class:`Innovation` from a name or an instance.

    Examples
    --------
    >>> get_distribution("weibull")
    Weibull(k=1)
    """
    if isinstance(dist, Innovation):
        return dist
    if isinstance(dist, str):
        key = dist.lower().replace(" ", "_").replace("-", "_")
        if key in _LAWS:
            return _LAWS[key]()
    raise DataError(
        "dist must be one of 'exponential', 'weibull', 'burr', 'generalized_gamma' "
        f"or an Innovation instance; got {dist!r}."
    )
