"""Simulated regression-discontinuity designs with density, covariance and network outcomes."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from ..core.exceptions import DataError
from ..core.resampling import as_seed_sequence
from .matrices import SPD, Laplacian
from .spaces import MetricSpace, Wasserstein

__all__ = ["simulate_jump_design", "DESIGNS", "TRENDS"]

DESIGNS = ("density", "covariance", "network")


TRENDS = ("flat", "linear", "curved")


def _trend(x: np.ndarray, trend: str | None, default: np.ndarray) -> np.ndarray:
    if trend is None:
        return default
    if trend == "flat":
        return np.zeros_like(x)
    if trend == "linear":
        return 0.8 * x
    if trend == "curved":
        return np.sin(2 * np.pi * x)
    raise DataError(f"trend must be None or one of {TRENDS}, got {trend!r}.")


def simulate_jump_design(
    design: str,
    n: int = 500,
    jump: float = 0.0,
    cutoff: float = 0.5,
    rng: Any = None,
    trend: str | None = None,
) -> tuple[np.ndarray, np.ndarray, MetricSpace]:
    """Draw ``(x, Y, space)`` from one of three jump designs with ``X ~ U(0, 1)``.

    Parameters
    ----------
    design : {"density", "covariance", "network"}
        ``"density"``: normal distributions N(mu_i, s_i^2) as quantile functions on a
        100-point grid, ``mu_i = 0.3 x + jump 1{x >= c} + N(0, 0.5^2)`` and
        ``s_i = 1 + 0.2 x + 0.1 U(-1, 1)``.
        ``"covariance"``: 3 x 3 sample covariances of 20 Gaussian draws with correlation
        ``rho(x) = 0.2 + 0.1 x + jump 1{x >= c}`` between all pairs (Frobenius metric).
        ``"network"``: Laplacians of 5-node weighted graphs with edge weights
        ``U(0, 1) (1 + 0.2 x + jump 1{x >= c})``.
    n : int, default 500
    jump : float, default 0
        Size of the discontinuity (0 gives the null hypothesis).
    cutoff : float, default 0.5
    rng : None, int, Generator or SeedSequence
    trend : {None, "flat", "linear", "curved"}
        Shape ``g(x)`` of the conditional mean away from the cutoff: ``0``, ``0.8 x`` (the
        slope of the frechesTest reference design) or ``sin(2 pi x)``. It replaces
        ``0.3 x`` in the density design, ``0.1 x`` by ``0.4 g(x)`` in the covariance design
        and ``0.2 x`` by ``0.2 g(x)`` in the network design. None keeps the designs above.

    Returns
    -------
    x : (n,) array
    Y : array of responses (quantile functions, matrices or Laplacians)
    space : MetricSpace

    Notes
    -----
    Not confirmed from the source: these follow the spirit of the frechesTest replication
    designs (density, covariance and network DGPs with ``X ~ U(0, 1)``, ``c = 0.5``), whose
    exact parameter values could not be confirmed; the values above are stattools' own.

    Examples
    --------
    >>> x, Y, sp = simulate_jump_design("network", n=10, jump=0.5, rng=0)
    >>> Y.shape, type(sp).__name__
    ((10, 5, 5), 'Laplacian')
    """
    if design not in DESIGNS:
        raise DataError(f"design must be one of {DESIGNS}, got {design!r}.")
    if n < 2:
        raise DataError(f"n must be at least 2, got {n}.")
    gen = np.random.default_rng(as_seed_sequence(rng))
    x = gen.uniform(0, 1, n)
    d = (x >= cutoff).astype(float)
    if design == "density":
        sp = Wasserstein(n_grid=100)
        mu = _trend(x, trend, 0.3 * x) + jump * d + gen.normal(0, 0.5, n)
        sd = 1 + 0.2 * x + 0.1 * gen.uniform(-1, 1, n)
        Y = mu[:, None] + sd[:, None] * stats.norm.ppf(sp.grid)[None, :]
        return x, Y, sp
    if design == "covariance":
        g = 0.1 * x if trend is None else 0.4 * _trend(x, trend, x)
        rho = np.clip(0.2 + g + jump * d, -0.45, 0.95)
        p, m = 3, 20
        Y = np.empty((n, p, p))
        for i in range(n):
            S = np.full((p, p), rho[i]) + (1 - rho[i]) * np.eye(p)
            Xi = gen.multivariate_normal(np.zeros(p), S, size=m)
            Y[i] = np.cov(Xi, rowvar=False)
        return x, Y, SPD(metric="frobenius")
    p = 5
    iu, ju = np.triu_indices(p, 1)
    g = 0.2 * x if trend is None else 0.2 * _trend(x, trend, x)
    W = gen.uniform(0, 1, (n, iu.size)) * (1 + g + jump * d)[:, None]
    Y = np.zeros((n, p, p))
    Y[:, iu, ju] = -W
    Y[:, ju, iu] = -W
    Y[:, np.arange(p), np.arange(p)] = -Y.sum(axis=2)
    return x, Y, Laplacian()
