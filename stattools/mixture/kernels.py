"""numba kernels for posterior summaries: mixture densities in d dimensions."""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["mvn_mixture_density", "mixture_logpdf", "sample_mixture"]

_LOG2PI = math.log(2.0 * math.pi)


@numba.njit(cache=True)
def _mvn_kernel(x, w, mu, chol, logdet, tol):
    """Points are visited in order of their first coordinate, and only inside the slab
    |x_0 - mu_0| <= sqrt(qmax Sigma_00) where a component can exceed ``tol`` (the marginal
    Mahalanobis distance is at most the joint one)."""
    S, K, d = mu.shape
    G = x.shape[0]
    order = np.argsort(x[:, 0])
    xs = np.empty((G, d))
    for g in range(G):
        xs[g] = x[order[g]]
    first = xs[:, 0].copy()
    acc = np.zeros(G)
    out = np.zeros((S, G))
    v = np.empty(d)
    for s in range(S):
        acc[:] = 0.0
        for k in range(K):
            c = w[s, k] * math.exp(-0.5 * (d * _LOG2PI + logdet[s, k]))
            if c < tol:
                continue
            qmax = 2.0 * math.log(c / tol)  # beyond it the term is below tol
            L = chol[s, k]
            m = mu[s, k]
            half = math.sqrt(qmax) * abs(L[0, 0])  # sqrt(qmax * Sigma_00)
            lo = np.searchsorted(first, m[0] - half)
            hi = np.searchsorted(first, m[0] + half, side="right")
            if d == 2:  # scalar fast path: v = L^{-1}(x - mu) written out
                i00, l10, i11 = 1.0 / L[0, 0], L[1, 0], 1.0 / L[1, 1]
                m0, m1 = m[0], m[1]
                for g in range(lo, hi):
                    v0 = (xs[g, 0] - m0) * i00
                    v1 = (xs[g, 1] - m1 - l10 * v0) * i11
                    q = v0 * v0 + v1 * v1
                    if q < qmax:
                        acc[g] += c * math.exp(-0.5 * q)
                continue
            for g in range(lo, hi):
                q = 0.0
                for a in range(d):  # forward substitution L v = x - mu
                    t = xs[g, a] - m[a]
                    for b in range(a):
                        t -= L[a, b] * v[b]
                    v[a] = t / L[a, a]
                    q += v[a] * v[a]
                if q < qmax:
                    acc[g] += c * math.exp(-0.5 * q)
        for g in range(G):
            out[s, order[g]] = acc[g]
    return out


def mvn_mixture_density(
    x: np.ndarray, w: np.ndarray, mu: np.ndarray, cov: np.ndarray, tol: float = 1e-14
) -> np.ndarray:
    """Density draws sum_k w_k N(x | mu_k, Sigma_k) at points x (G, d) -> (S, G).

    ``w`` (S, K), ``mu`` (S, K, d), ``cov`` (S, K, d, d). Components whose largest possible
    contribution w_k N(mu_k | mu_k, Sigma_k) is below ``tol`` are skipped (absolute error at
    most K * tol). One numba pass, O(S K G d^2).

    Examples
    --------
    >>> x = np.zeros((1, 2))
    >>> f = mvn_mixture_density(x, np.ones((1, 1)), np.zeros((1, 1, 2)), np.eye(2)[None, None])
    >>> round(float(f[0, 0]), 6) == round(1 / (2 * math.pi), 6)
    True
    """
    f = np.ascontiguousarray
    cov = np.asarray(cov, dtype=float)
    L = np.linalg.cholesky(cov)
    logdet = 2.0 * np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(-1)
    return _mvn_kernel(
        f(x, dtype=float), f(w, dtype=float), f(mu, dtype=float), f(L), f(logdet), float(tol)
    )


@numba.njit(cache=True)
def _logpdf_kernel(x, w, mu, chol, logdet):
    S, K, d = mu.shape
    G = x.shape[0]
    out = np.empty((S, G))
    lt = np.empty(K)
    v = np.empty(d)
    for s in range(S):
        for g in range(G):
            mx = -np.inf
            for k in range(K):
                if w[s, k] <= 0.0:
                    lt[k] = -np.inf
                    continue
                q = 0.0
                L = chol[s, k]
                for a in range(d):
                    t = x[g, a] - mu[s, k, a]
                    for b in range(a):
                        t -= L[a, b] * v[b]
                    v[a] = t / L[a, a]
                    q += v[a] * v[a]
                lt[k] = math.log(w[s, k]) - 0.5 * (q + d * _LOG2PI + logdet[s, k])
                if lt[k] > mx:
                    mx = lt[k]
            acc = 0.0
            for k in range(K):
                acc += math.exp(lt[k] - mx)
            out[s, g] = mx + math.log(acc)
    return out


def mixture_logpdf(x: np.ndarray, w: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Pointwise log density log sum_k w_k N(x_g | mu_k, Sigma_k) per draw -> (S, G).

    Log-sum-exp in one numba pass (no underflow for outlying points); ``x`` (G, d),
    ``w`` (S, K), ``mu`` (S, K, d), ``cov`` (S, K, d, d).

    Examples
    --------
    >>> f = mixture_logpdf(np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 1, 1)),
    ...                    np.ones((1, 1, 1, 1)))
    >>> round(float(f[0, 0]), 6) == round(-0.5 * math.log(2 * math.pi), 6)
    True
    """
    f = np.ascontiguousarray
    L = np.linalg.cholesky(np.asarray(cov, dtype=float))
    logdet = 2.0 * np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(-1)
    return _logpdf_kernel(f(x, dtype=float), f(w, dtype=float), f(mu, dtype=float), f(L), f(logdet))


def sample_mixture(
    w: np.ndarray, mu: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """One data set of size n from every draw of the mixture -> (S, n, d)."""
    S, K, d = mu.shape
    cw = np.cumsum(w, axis=1)
    cw /= cw[:, -1:]
    u = rng.random((S, n))
    z = np.empty((S, n), dtype=np.int64)
    for s in range(S):
        z[s] = np.minimum(np.searchsorted(cw[s], u[s], side="right"), K - 1)
    L = np.linalg.cholesky(np.asarray(cov, dtype=float))
    e = rng.standard_normal((S, n, d))
    rows = np.arange(S)[:, None]
    return mu[rows, z] + np.einsum("snij,snj->sni", L[rows, z], e)
