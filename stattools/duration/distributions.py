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
* Generalised F (kappa, eta, gamma), q-Weibull (a, q) and the q-Weibull/exponential
  mixture (p, a, q, lambda): ACDm 1.1.0's parametrisations and unit-mean scales (its
  ``getLL.c``), given in the class docstrings.

Every law with shapes evaluates its log density, ``score_eps`` and the shape derivatives
``d log f / d shape`` in closed form in one compiled pass (:meth:`Innovation.loglik_parts`,
kernels in :mod:`.laws_fused`); the shape-only constants (the log scale and its
derivatives, with the digamma function) come from ``_consts``. A shape outside the
parameter space gives NaN values (hence an infinite objective), never an exception.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from scipy import special

from ..core.exceptions import DataError
from .laws_fused import _qweibull_logscale, _qweibull_parts, _qweibull_scale, law_arrays

__all__ = [
    "Innovation",
    "Exponential",
    "Weibull",
    "GeneralizedGamma",
    "Burr",
    "GeneralizedF",
    "QWeibull",
    "MixQWeibullExponential",
    "LogNormal",
    "get_distribution",
    "log_moment",
]


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
    _code: int = 0  # kernel code in :mod:`.laws_fused` (0: no compiled kernel)

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

    @property
    def log_scale(self) -> tuple[bool, ...]:
        """Which shapes the optimiser handles on the log scale: those on ``(lo, hi)`` with
        ``lo > 0`` and a wide range (``hi >= 10``); the others (e.g. q-Weibull ``q`` in
        ``(1, 2)``, a mixing weight) stay on their natural scale."""
        return tuple(lo > 0 and hi >= 10 for lo, hi in self.bounds)

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

    def _consts(self, shape: tuple[float, ...]) -> np.ndarray:
        """Shape-only constants of the compiled kernel (laws with ``_code > 0``)."""
        raise NotImplementedError  # pragma: no cover - every law with a kernel overrides

    def loglik_parts(
        self, e: np.ndarray, shape: Sequence[float] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(log f(e), e d log f / d e, d log f / d shape)`` in one pass (the last n x n_shape).

        Analytic and compiled for every law with shapes; a shape outside the parameter
        space (:meth:`valid`) gives NaN arrays (an infinite objective in a fit).
        """
        s = self._shape(shape)
        e = np.asarray(e, dtype=float)
        if not self._code:
            return self.logpdf(e, s), self.score_eps(e, s), self.dlogpdf_shape(e, s)
        flat = np.ascontiguousarray(e.reshape(-1))
        c = self.kernel_consts(s)
        if c is None:
            nan = np.full(flat.shape[0], np.nan)
            return (
                nan.reshape(e.shape),
                nan.reshape(e.shape),
                np.full((flat.shape[0], len(s)), np.nan),
            )
        with np.errstate(all="ignore"):
            lf, sc, D = law_arrays(self._code, c, flat, len(s))
        return lf.reshape(e.shape), sc.reshape(e.shape), D

    def kernel_consts(self, shape: Sequence[float]) -> np.ndarray | None:
        """The kernel's constants at ``shape``, or ``None`` where ``shape`` is outside the
        parameter space or they are not finite (an infinite objective, never an error)."""
        s = tuple(float(v) for v in shape)
        if not self._code or not self.valid(s):
            return None
        try:
            c = self._consts(s)
        except (ValueError, OverflowError, ZeroDivisionError):
            return None
        return c if np.all(np.isfinite(c)) else None

    def dlogpdf_shape(self, e: np.ndarray, shape: Sequence[float] | None = None) -> np.ndarray:
        """``d log f(e) / d shape`` (n x n_shape): analytic for the laws with a compiled
        kernel, else central differences (one-sided where a step would leave the space)."""
        s = list(self._shape(shape))
        e = np.asarray(e, dtype=float)
        if self._code:
            return self.loglik_parts(e, s)[2]
        out = np.empty((e.shape[0], len(s)))
        for j in range(len(s)):
            h = 1e-6 * max(abs(s[j]), 1e-2)
            up, dn = list(s), list(s)
            up[j] += h
            dn[j] -= h
            if self.valid(up) and self.valid(dn):
                out[:, j] = (self.logpdf(e, up) - self.logpdf(e, dn)) / (2 * h)
            elif self.valid(up):
                out[:, j] = (self.logpdf(e, up) - self.logpdf(e, s)) / h
            else:
                out[:, j] = (self.logpdf(e, s) - self.logpdf(e, dn)) / h
        return out

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
    _code = 1

    def _consts(self, shape):
        (k,) = shape
        g1, p1 = special.gammaln(1.0 + 1.0 / k), special.digamma(1.0 + 1.0 / k)
        return np.array([k, -g1, p1 / (k * k)])

    @staticmethod
    def _lam(k: float) -> float:
        return 1.0 / math.gamma(1.0 + 1.0 / k)

    def logpdf(self, e, shape=None):
        (k,) = self._shape(shape)
        lam = self._lam(k)
        e = np.asarray(e, dtype=float)
        with np.errstate(divide="ignore"):
            lz = np.log(e / lam)
        return math.log(k / lam) + (k - 1.0) * lz - np.exp(k * lz)

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
    _code = 2

    def _consts(self, shape):
        k, nu = shape
        L = float(special.gammaln(nu) - special.gammaln(nu + 1.0 / k))
        pk = float(special.digamma(nu + 1.0 / k))
        pn = float(special.digamma(nu))
        return np.array(
            [k, nu, L, pk / (k * k), pn - pk, math.log(k) - L - float(special.gammaln(nu)), pn]
        )

    @staticmethod
    def _lam(k: float, nu: float) -> float:
        return math.exp(special.gammaln(nu) - special.gammaln(nu + 1.0 / k))

    def logpdf(self, e, shape=None):
        k, nu = self._shape(shape)
        loglam = float(special.gammaln(nu) - special.gammaln(nu + 1.0 / k))  # log domain:
        with np.errstate(divide="ignore"):  # lam underflows for large nu and small k
            lz = np.log(np.asarray(e, dtype=float)) - loglam
        return math.log(k) - loglam - special.gammaln(nu) + (k * nu - 1.0) * lz - np.exp(k * lz)

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
    _code = 3

    def _consts(self, shape):
        kap, s2 = shape
        a, ik = 1.0 / s2, 1.0 / kap
        L = self._loglam(kap, s2)
        d1, d2, d3 = (float(v) for v in special.digamma([1.0 + ik, a - ik, a + 1.0]))
        Lk = (-math.log(s2) + d1 - d2) * ik * ik
        Ls = (1.0 + ik) * a + (d2 - d3) * a * a
        return np.array([kap, s2, L, Lk, Ls])

    def valid(self, shape=None):
        kappa, s2 = self._shape(shape)
        return super().valid(shape) and kappa > s2 * (1.0 + 1e-6)

    @staticmethod
    def _loglam(kappa: float, s2: float) -> float:
        a, ik = 1.0 / s2, 1.0 / kappa
        lg = special.gammaln([1.0 + ik, a - ik, a + 1.0])
        return float((1.0 + ik) * math.log(s2) - lg[0] - lg[1] + lg[2])

    @classmethod
    def _lam(cls, kappa: float, s2: float) -> float:
        return math.exp(cls._loglam(kappa, s2))

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


class LogNormal(Innovation):
    """Log-normal law with unit mean: ``log eps ~ N(-sigma^2 / 2, sigma^2)``.

    The limit of the generalised gamma law as ``nu -> inf`` (with ``k -> 0``; Lawless 1980):
    where a generalised gamma fit runs to its bound of ``nu``, fit this law instead.

    Examples
    --------
    >>> d = LogNormal(0.8)
    >>> from scipy.integrate import quad
    >>> round(quad(lambda u: u * float(d.pdf(np.array([u]))[0]), 0, np.inf)[0], 6)
    1.0
    """

    name = "log-normal"
    names = ("sigma",)
    bounds = ((1e-3, 20.0),)
    start = (1.0,)
    _code = 4

    def _consts(self, shape):
        (sig,) = shape
        return np.array([sig, -math.log(sig) - 0.5 * math.log(2 * math.pi)])

    def _z(self, e, shape):
        (sig,) = self._shape(shape)
        with np.errstate(divide="ignore"):
            le = np.log(np.asarray(e, dtype=float))
        return (le + 0.5 * sig * sig) / sig, le, sig

    def logpdf(self, e, shape=None):
        z, le, sig = self._z(e, shape)
        return -le - math.log(sig) - 0.5 * math.log(2 * math.pi) - 0.5 * z * z

    def score_eps(self, e, shape=None):
        z, _, sig = self._z(e, shape)
        return -1.0 - z / sig

    def cdf(self, e, shape=None):
        return special.ndtr(self._z(e, shape)[0])

    def sf(self, e, shape=None):
        return special.ndtr(-self._z(e, shape)[0])

    def ppf(self, p, shape=None):
        (sig,) = self._shape(shape)
        return np.exp(-0.5 * sig * sig + sig * special.ndtri(np.asarray(p, dtype=float)))


class QWeibull(Innovation):
    """q-Weibull law with shapes ``a``, ``q`` (``1 < q < 2``) and unit mean, as in ACDm.

    ``f(e) = (2 - q) a / b^a e^(a-1) (1 - (1 - q) (e/b)^a)^(1/(1-q))`` with ACDm's scale
    ``b = Gamma(1/(q-1)) a (q-1)^((1+a)/a) / (Gamma(1/a) Gamma(1/(q-1) - 1/a - 1) (2 - q))``
    (so that ``E eps = 1``); the mean is finite iff ``1/(q-1) - 1/a - 1 > 0``, and ``q -> 1``
    gives the Weibull law. ACDm's formula for ``b`` holds for ``q > 1`` only, so ``q`` is
    restricted to ``(1, 2)`` (a heavy-tailed, Burr XII-type law); ACDm's default start
    ``q = 0.8`` gives ``-Inf`` there, so the start here is ``(a, q) = (0.8, 1.2)``.
    Survival ``S(e) = (1 + (q-1)(e/b)^a)^(-(2-q)/(q-1))``.

    Examples
    --------
    >>> d = QWeibull(1.0, 1.15)
    >>> from scipy.integrate import quad
    >>> round(quad(lambda u: u * float(d.pdf(np.array([u]))[0]), 0, np.inf)[0], 6)
    1.0
    """

    name = "q-weibull"
    names = ("a", "q")
    bounds = ((0.05, 50.0), (1.0 + 1e-6, 2.0 - 1e-6))
    start = (0.8, 1.2)
    _code = 5

    def _consts(self, shape):
        a, q = shape
        lb, la, lq = _qweibull_logscale(a, q)
        return np.array(
            [a, q, lb, la, lq, math.log(a) + math.log(2.0 - q) - a * lb, 1.0 / (q - 1.0)]
        )

    def valid(self, shape=None):
        a, q = self._shape(shape)
        return super().valid(shape) and 1.0 / (q - 1.0) - 1.0 / a - 1.0 > 1e-6

    def logpdf(self, e, shape=None):
        a, q = self._shape(shape)
        return _qweibull_parts(e, a, q, _qweibull_scale(a, q))[0]

    def score_eps(self, e, shape=None):
        a, q = self._shape(shape)
        w = _qweibull_parts(e, a, q, _qweibull_scale(a, q))[1]
        return (a - 1.0) - a * w / ((q - 1.0) * (1.0 + w))

    def sf(self, e, shape=None):
        a, q = self._shape(shape)
        w = _qweibull_parts(e, a, q, _qweibull_scale(a, q))[1]
        return np.exp(-(2.0 - q) / (q - 1.0) * np.log1p(w))

    def cdf(self, e, shape=None):
        a, q = self._shape(shape)
        w = _qweibull_parts(e, a, q, _qweibull_scale(a, q))[1]
        return -np.expm1(-(2.0 - q) / (q - 1.0) * np.log1p(w))

    def ppf(self, p, shape=None):
        a, q = self._shape(shape)
        p = np.asarray(p, dtype=float)
        w = np.expm1(-(q - 1.0) / (2.0 - q) * np.log1p(-p))
        return _qweibull_scale(a, q) * (w / (q - 1.0)) ** (1.0 / a)


class GeneralizedF(Innovation):
    """Generalised F law with shapes ``kappa``, ``eta``, ``gamma`` and unit mean, as in ACDm.

    ``f(e) = gamma eta^eta e^(kappa gamma - 1) (eta + (e/lam)^gamma)^(-(eta + kappa))
    / (B(kappa, eta) lam^(kappa gamma))`` (Hautsch's parametrisation; ``(e/lam)^gamma / eta``
    is beta-prime(kappa, eta)), with ``lam = Gamma(kappa) Gamma(eta) / (eta^(1/gamma)
    Gamma(kappa + 1/gamma) Gamma(eta - 1/gamma))`` so that ``E eps = 1`` (ACDm's likelihood,
    ``getLL.c``; ACDm's ``dgenf(forceExpectation=TRUE)`` multiplies by ``eta^(1/gamma)``
    instead of dividing and does not have mean one). The mean is finite iff
    ``eta gamma > 1``; ``eta -> inf`` gives the generalised gamma law with shapes
    ``(gamma, kappa)``, where the fit runs to the upper bound of ``eta`` (flagged).

    Examples
    --------
    >>> d = GeneralizedF(2.0, 3.0, 1.5)
    >>> from scipy.integrate import quad
    >>> round(quad(lambda u: u * float(d.pdf(np.array([u]))[0]), 0, np.inf)[0], 6)
    1.0
    """

    name = "generalized F"
    names = ("kappa", "eta", "gamma")
    bounds = ((0.01, 1e4), (0.01, 1e5), (0.01, 50.0))
    start = (0.4, 0.7, 2.5)
    _code = 6

    def _consts(self, shape):
        k, eta, g = shape
        L = self._loglam(k, eta, g)
        pk, pe, pkg, peg, pke = (
            float(v) for v in special.digamma([k, eta, k + 1.0 / g, eta - 1.0 / g, k + eta])
        )
        return np.array(
            [
                k,
                eta,
                g,
                L,
                pk - pkg,
                pe - 1.0 / (eta * g) - peg,
                (math.log(eta) + pkg - peg) / (g * g),
                math.log(g) - k * math.log(eta) - float(special.betaln(k, eta)),
                -math.log(eta) - pk + pke,
                -k / eta - pe + pke,
            ]
        )

    def valid(self, shape=None):
        k, eta, g = self._shape(shape)
        return super().valid(shape) and eta * g > 1.0 + 1e-6

    @staticmethod
    def _loglam(k: float, eta: float, g: float) -> float:
        lg = special.gammaln([k, eta, k + 1.0 / g, eta - 1.0 / g])
        return float(lg[0] + lg[1] - math.log(eta) / g - lg[2] - lg[3])

    @classmethod
    def _lam(cls, k: float, eta: float, g: float) -> float:
        return math.exp(cls._loglam(k, eta, g))

    def _y(self, e, shape) -> tuple[np.ndarray, float, float, float]:
        k, eta, g = self._shape(shape)
        with np.errstate(divide="ignore"):
            le = np.log(np.asarray(e, dtype=float))
        y = np.exp(g * (le - math.log(self._lam(k, eta, g)))) / eta  # beta-prime(k, eta)
        return y, k, eta, g

    def logpdf(self, e, shape=None):
        k, eta, g = self._shape(shape)
        lam = self._lam(k, eta, g)
        with np.errstate(divide="ignore"):
            le = np.log(np.asarray(e, dtype=float))
        y = np.exp(g * (le - math.log(lam))) / eta
        const = math.log(g) - k * math.log(eta) - special.betaln(k, eta) - k * g * math.log(lam)
        return const + (k * g - 1.0) * le - (eta + k) * np.log1p(y)

    def score_eps(self, e, shape=None):
        y, k, eta, g = self._y(e, shape)
        return (k * g - 1.0) - (eta + k) * g * y / (1.0 + y)

    def cdf(self, e, shape=None):
        y, k, eta, _ = self._y(e, shape)
        return special.betainc(k, eta, y / (1.0 + y))

    def sf(self, e, shape=None):
        y, k, eta, _ = self._y(e, shape)
        return special.betainc(eta, k, 1.0 / (1.0 + y))

    def ppf(self, p, shape=None):
        k, eta, g = self._shape(shape)
        w = special.betaincinv(k, eta, np.asarray(p, dtype=float))
        with np.errstate(divide="ignore"):
            y = w / (1.0 - w)
        return self._lam(k, eta, g) * (eta * y) ** (1.0 / g)


class MixQWeibullExponential(Innovation):
    """Mixture ``p`` q-Weibull(a, q) + ``(1 - p)`` exponential(mean ``lambda``), unit mean (ACDm).

    ACDm's ``mixqwe``: the q-Weibull component has scale ``b = b0(a, q) (1 - (1-p) lambda) / p``
    (``b0`` the unit-mean q-Weibull scale of :class:`QWeibull`), so the component means are
    ``(1 - (1-p) lambda) / p`` and ``lambda`` and ``E eps = 1``; this needs
    ``(1 - p) lambda < 1`` and the q-Weibull conditions ``1 < q < 2``,
    ``1/(q-1) - 1/a - 1 > 0``. The mixture is not identified when ``p`` is 0 or 1.

    Examples
    --------
    >>> d = MixQWeibullExponential(0.7, 1.3, 1.2, 1.2)
    >>> from scipy.integrate import quad
    >>> round(quad(lambda u: u * float(d.pdf(np.array([u]))[0]), 0, np.inf)[0], 6)
    1.0
    """

    name = "q-weibull/exponential mixture"
    names = ("p", "a", "q", "lambda")
    bounds = ((1e-6, 1.0 - 1e-6), (0.05, 50.0), (1.0 + 1e-6, 2.0 - 1e-6), (1e-6, 1e3))
    start = (0.7, 1.3, 1.2, 1.2)
    _code = 7

    def _consts(self, shape):
        p, a, q, lam = shape
        lb0, la, lq = _qweibull_logscale(a, q)
        mfac = 1.0 - (1.0 - p) * lam
        LB = lb0 + math.log(mfac) - math.log(p)
        head = [p, a, q, lam, LB, la, lq, lam / mfac - 1.0 / p, -(1.0 - p) / mfac]
        tail = [math.log(a) + math.log(2.0 - q) - a * LB, 1.0 / (q - 1.0), math.log(p)]
        return np.array(head + tail + [math.log(1.0 - p) - math.log(lam)])

    def valid(self, shape=None):
        p, a, q, lam = self._shape(shape)
        return (
            super().valid(shape)
            and 1.0 / (q - 1.0) - 1.0 / a - 1.0 > 1e-6
            and (1.0 - p) * lam < 1.0 - 1e-9
        )

    @staticmethod
    def _b(p: float, a: float, q: float, lam: float) -> float:
        return _qweibull_scale(a, q) * (1.0 - (1.0 - p) * lam) / p

    def _parts(self, e, shape):
        p, a, q, lam = self._shape(shape)
        e = np.asarray(e, dtype=float)
        lq, w = _qweibull_parts(e, a, q, self._b(p, a, q, lam))
        l1 = math.log(p) + lq
        l2 = math.log(1.0 - p) - math.log(lam) - e / lam
        return l1, l2, w, (p, a, q, lam)

    def logpdf(self, e, shape=None):
        l1, l2, _, _ = self._parts(e, shape)
        return np.logaddexp(l1, l2)

    def score_eps(self, e, shape=None):
        l1, l2, w, (_, a, q, lam) = self._parts(e, shape)
        r = np.exp(l1 - np.logaddexp(l1, l2))  # posterior weight of the q-Weibull part
        s_q = (a - 1.0) - a * w / ((q - 1.0) * (1.0 + w))
        return r * s_q - (1.0 - r) * np.asarray(e, dtype=float) / lam

    def sf(self, e, shape=None):
        p, a, q, lam = self._shape(shape)
        e = np.asarray(e, dtype=float)
        w = _qweibull_parts(e, a, q, self._b(p, a, q, lam))[1]
        return p * np.exp(-(2.0 - q) / (q - 1.0) * np.log1p(w)) + (1.0 - p) * np.exp(-e / lam)

    def cdf(self, e, shape=None):
        return 1.0 - self.sf(e, shape)

    def ppf(self, p, shape=None):
        """Quantiles by bisection in ``log e`` between the two components' quantiles."""
        pm, a, q, lam = self._shape(shape)
        u = np.atleast_1d(np.asarray(p, dtype=float))
        b = self._b(pm, a, q, lam)
        with np.errstate(divide="ignore"):
            wq = np.expm1(-(q - 1.0) / (2.0 - q) * np.log1p(-u))
            c1 = np.log(b) + np.log(wq / (q - 1.0)) / a
            c2 = np.log(lam) + np.log(-np.log1p(-u))
        lo, hi = np.minimum(c1, c2), np.maximum(c1, c2)
        inner = np.isfinite(lo) & np.isfinite(hi)
        lo, hi = np.where(inner, lo, 0.0), np.where(inner, hi, 0.0)
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            below = self.cdf(np.exp(mid), shape) < u
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        out = np.exp(0.5 * (lo + hi))
        out = np.where(u <= 0.0, 0.0, np.where(u >= 1.0, np.inf, out))
        out = np.where(np.isnan(u), np.nan, out)
        return out.reshape(np.shape(p))

    def rvs(self, size, rng, shape=None):
        """Component draw then inversion within the component."""
        pm, a, q, lam = self._shape(shape)
        pick = rng.random(size) < pm
        u = rng.random(size)
        wq = np.expm1(-(q - 1.0) / (2.0 - q) * np.log1p(-u))
        xq = self._b(pm, a, q, lam) * (wq / (q - 1.0)) ** (1.0 / a)
        return np.where(pick, xq, -lam * np.log1p(-u))


def log_moment(alpha: float, beta: float, law: Innovation) -> float:
    """``gamma = E log(alpha eps + beta)`` under ``law`` (quadrature on the probability scale).

    The ACD(1,1) is strictly stationary iff ``gamma < 0`` (Nelson's condition).

    Examples
    --------
    >>> round(log_moment(0.15, 0.9, Exponential()), 3)
    0.04
    """
    from scipy import integrate

    if alpha <= 0:
        return math.log(beta) if beta > 0 else -math.inf

    def f(p: float) -> float:
        e = float(law.ppf(np.array([p]))[0])
        return math.log(alpha * e + beta) if alpha * e + beta > 0 else -1e300

    val = integrate.quad(f, 0.0, 1.0, limit=200, points=[1e-6, 0.5, 1 - 1e-6])[0]
    return float(val)


_LAWS: dict[str, type[Innovation]] = {
    "exponential": Exponential,
    "weibull": Weibull,
    "burr": Burr,
    "generalized_gamma": GeneralizedGamma,
    "gengamma": GeneralizedGamma,
    "generalized_f": GeneralizedF,
    "genf": GeneralizedF,
    "qweibull": QWeibull,
    "q_weibull": QWeibull,
    "mixqwe": MixQWeibullExponential,
    "lognormal": LogNormal,
    "log_normal": LogNormal,
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
        "dist must be one of 'exponential', 'weibull', 'burr', 'generalized_gamma', "
        f"'genf', 'qweibull', 'mixqwe', 'lognormal' or an Innovation instance; got {dist!r}."
    )
