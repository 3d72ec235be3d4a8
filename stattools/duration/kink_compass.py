"""The compass search on the exact likelihood of the kinked ACD variants (ABACD, AACD): the
derivative-free polish of the general path of :mod:`.kink` (see its module docstring)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .recursion import negloglik_groups

__all__ = ["compass"]

_LEVELS = (1e-3, 1e-4, 1e-5, 1e-6)
_HESS = 200_000  # spells of the Hessian that gives the search directions of a long series


def _fval(prob, phi: np.ndarray) -> float:
    """Exact objective (mean negative log-likelihood) at ``phi``; ``inf`` when undefined."""
    th = prob.theta(phi)
    if not prob.feasible(th):
        return math.inf
    sp = prob.spec
    f, _ = negloglik_groups(th[: sp.k], tuple(th[sp.k :]), prob.x, sp, prob.dist, prob.b,
                            prob.Z, prob.segments, grad=False)  # fmt: skip
    return float(f) if math.isfinite(f) else math.inf


def compass(
    prob, phi: np.ndarray, fval=None, levels=_LEVELS, max_sweeps: int = 40, dirs=None
) -> tuple[np.ndarray, float, bool, int]:
    """Compass search from ``phi`` on ``fval`` (default: ``prob``'s exact objective); ``prob``
    provides ``clip`` (the box of the parameters).

    Returns ``(phi, f, certified, n_eval)``; ``certified`` when, at every step level, a sweep
    over all coordinates found no improving move before ``max_sweeps`` sweeps. With ``dirs``
    (a ``k x k`` matrix) the moves are ``+-level * dirs[:, j]`` instead of relative steps along
    the axes.

    Examples
    --------
    >>> class Box:  # no bounds
    ...     def clip(self, p):
    ...         return p
    >>> kinked = lambda p: abs(p[0] - 0.2) + 2 * abs(p[1] - 1.0)  # minimum at (0.2, 1)
    >>> phi, f, ok, _ = compass(Box(), np.array([0.198, 0.998]), kinked)
    >>> np.round(phi, 6).tolist(), ok
    ([0.2, 1.0], True)

    On a kinked ridge, moves along the axes stall where moves along the ridge do not:

    >>> ridge = lambda p: abs(p[0] - p[1]) * 100 + abs(p[0] + p[1] - 2)  # minimum at (1, 1)
    >>> d = np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)
    >>> along = compass(Box(), np.array([0.5, 0.5]), ridge, levels=(0.1, 0.01, 1e-3), dirs=d)
    >>> axes = compass(Box(), np.array([0.5, 0.5]), ridge, levels=(0.1, 0.01, 1e-3))
    >>> np.round(along[0], 3).tolist(), axes[0].tolist()
    ([1.0, 1.0], [0.5, 0.5])
    """
    fv = fval if fval is not None else (lambda p: _fval(prob, p))
    return _compass(prob, phi, levels, max_sweeps, fv, dirs)


def _directions(problem, x, Z, spec, dist, b, phi, tau):
    """Search directions of a long series: the eigenvectors of the smoothed (``tau``)
    Hessian on its first ``_HESS`` spells at ``phi``, each scaled to one standard error of
    the full series (columns); ``None`` when that Hessian is not positive definite."""
    sub = problem(x[:_HESS], None if Z is None else Z[:_HESS], dataclasses.replace(spec, tau=tau),
                  dist, b, False, None, log_shapes=True)  # fmt: skip
    H = sub.hessian(phi)
    if not np.all(np.isfinite(H)):
        return None
    lam, V = np.linalg.eigh(H)
    if lam[0] <= 0:
        return None
    return V / np.sqrt(lam * x.shape[0])


def _compass(prob, phi, levels, max_sweeps, fval, dirs=None):
    phi = np.asarray(phi, dtype=float).copy()
    f = fval(phi)
    n_eval = 1
    k = phi.shape[0]
    certified = True
    for rel in levels:
        for _ in range(max_sweeps):
            improved = False
            for j in range(k):
                h = rel * max(abs(phi[j]), 0.1)
                for sgn in (1.0, -1.0):
                    cand = phi.copy()
                    if dirs is None:
                        cand[j] += sgn * h
                    else:  # along column j of dirs, rel in its units
                        cand += sgn * rel * dirs[:, j]
                    cand = prob.clip(cand)
                    if np.array_equal(cand, phi):
                        continue
                    fc = fval(cand)
                    n_eval += 1
                    if fc < f:
                        phi, f, improved = cand, fc, True
                        break
            if not improved:
                break
        else:
            certified = False  # still improving at this step size when the budget ran out
    return phi, f, certified, n_eval
