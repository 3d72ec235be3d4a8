r"""Two-step starting values for the shape parameters of an ACD fit under a shaped law.

Step 1 is the exponential QML fit of the recursion (consistent for the conditional mean
whatever the error law, cheap and robust); step 2 fits the shapes by maximum likelihood on
its residuals :math:`e_i = x_i / \hat\psi_i` (no recursion: one vectorised density pass per
evaluation), from the best few points of a small grid of shapes. The joint fit then starts
at (exponential estimate, residual shapes), close to the joint optimum: few full-data passes,
and in the right basin where the likelihood of a mixture has a second one at a bound (the
q-Weibull/exponential mixture, whose fit from the law's fixed start ran to ``q = 1``).

The engine keeps this start only if its objective is below that of the fixed starts
(:func:`.engine._starts`), so a fit can only start better than before.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
from scipy import optimize

from .distributions import Exponential, Innovation
from .recursion import Spec, filter_state_groups

__all__ = ["shape_grid", "residual_shapes", "two_step_start"]

_N_SHAPE = 20_000  # residuals used for the shape fit (the first ones)
_N_BEST = 3  # grid points from which the residual likelihood is maximised


def shape_grid(dist: Innovation) -> list[tuple[float, ...]]:
    """Candidate shapes: the law's start and, per shape, a factor 1/2 and 2 around it (log
    scale shapes) or 10, 50 and 90 percent of its range (bounded shapes); valid ones only.

    Examples
    --------
    >>> from stattools.duration.distributions import Weibull
    >>> shape_grid(Weibull())
    [(1.0,), (0.5,), (2.0,)]
    """
    axes = []
    for s0, (lo, hi), lg in zip(dist.start, dist.bounds, dist.log_scale):
        if lg:
            vals = [s0, min(max(s0 / 2, lo), hi), min(max(s0 * 2, lo), hi)]
        else:
            vals = [s0] + [lo + f * (hi - lo) for f in (0.1, 0.5, 0.9)]
        axes.append(list(dict.fromkeys(vals)))
    out = [tuple(float(v) for v in c) for c in itertools.product(*axes)]
    return [c for c in out if dist.kernel_consts(c) is not None or not dist._code]


def _residual_problem(e: np.ndarray, dist: Innovation) -> tuple[Callable, list, np.ndarray]:
    """Mean negative log density of ``e`` and its gradient in the shapes (log scale where
    :attr:`Innovation.log_scale`), with the box of the shapes on that scale."""
    lg = np.array(dist.log_scale, dtype=bool)
    bounds = [
        (math.log(lo), math.log(hi)) if m else (lo, hi) for m, (lo, hi) in zip(lg, dist.bounds)
    ]
    lo = np.array([b[0] for b in dist.bounds])
    hi = np.array([b[1] for b in dist.bounds])

    def nat(u: np.ndarray) -> np.ndarray:
        v = u.copy()
        v[lg] = np.exp(u[lg])
        return np.clip(v, lo, hi)

    def fg(u: np.ndarray) -> tuple[float, np.ndarray]:
        s = nat(u)
        with np.errstate(all="ignore"):
            lf, _, D = dist.loglik_parts(e, tuple(s))
        f = -float(np.mean(lf))
        g = -D.mean(axis=0)
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return 1e10, np.zeros(u.shape[0])
        g[lg] *= s[lg]
        return f, g

    def to_u(s) -> np.ndarray:
        u = np.asarray(s, dtype=float).copy()
        u[lg] = np.log(u[lg])
        return u

    return fg, bounds, (nat, to_u)


def residual_shapes(e: np.ndarray, dist: Innovation) -> tuple[np.ndarray, float] | None:
    """ML estimate of the shapes of ``dist`` on the unit-mean residuals ``e`` (multi-start:
    the grid of :func:`shape_grid`, L-BFGS-B from its best ``3`` points); ``None`` if no grid
    point has a finite likelihood.

    Examples
    --------
    >>> from stattools.duration.distributions import Weibull
    >>> e = Weibull(0.7).rvs(20_000, np.random.default_rng(1))
    >>> s, _ = residual_shapes(e, Weibull())
    >>> bool(abs(s[0] - 0.7) < 0.02)
    True
    """
    e = np.ascontiguousarray(e, dtype=float)
    fg, bounds, (nat, to_u) = _residual_problem(e, dist)
    scored = [(fg(to_u(c))[0], c) for c in shape_grid(dist)]
    scored = sorted((t for t in scored if t[0] < 1e10), key=lambda t: t[0])
    if not scored:
        return None
    best = None
    for _, c in scored[:_N_BEST]:
        r = optimize.minimize(
            fg, to_u(c), jac=True, method="L-BFGS-B", bounds=bounds,
            options={"maxiter": 200, "ftol": 1e-12, "gtol": 1e-8},
        )  # fmt: skip
        if best is None or r.fun < best.fun:
            best = r
    return nat(best.x), float(best.fun)


def two_step_start(
    x: np.ndarray,
    Z: np.ndarray | None,
    spec: Spec,
    dist: Innovation,
    b: float,
    segments,
    fit_exp: Callable,
) -> np.ndarray | None:
    """Start ``(recursion parameters, shapes)`` from the exponential QML fit of ``x``
    (``fit_exp(x, Z, spec, Exponential(), b, segments)`` -> ``FitOutput``) and the shape ML on
    its first ``20,000`` residuals; ``None`` where a step fails (the engine then uses its
    fixed starts).

    Examples
    --------
    >>> import stattools as st
    >>> from stattools.duration.distributions import Weibull
    >>> from stattools.duration.engine import fit_engine
    >>> from stattools.duration.recursion import Spec
    >>> sim = st.simulate_acd(3000, omega=0.05, alpha=0.1, beta=0.85, dist=Weibull(0.7),
    ...                       rng=1)
    >>> x = sim["duration"].to_numpy()
    >>> def fit_exp(x, Z, spec, dist, b, segments):
    ...     return fit_engine(x, Z, spec, dist, b, segments=segments)
    >>> th = two_step_start(x, None, Spec(), Weibull(), float(x.mean()), None, fit_exp)
    >>> bool(abs(th[-1] - 0.7) < 0.05)  # the Weibull shape from the residuals
    True
    """
    if not dist.names:
        return None
    out = fit_exp(x, Z, spec, Exponential(), b, segments)
    th = np.asarray(out.theta, dtype=float)
    if not (math.isfinite(out.llf) and np.all(np.isfinite(th))):
        return None
    n = min(x.shape[0], _N_SHAPE)
    seg = None
    if segments is not None:
        seg = tuple((s, min(t, n)) for s, t in segments if s < n)
    with np.errstate(all="ignore"):
        st = filter_state_groups(th, x[:n], spec, b, None if Z is None else Z[:n], seg)
        psi = np.exp(st) if spec.log or spec.generic else st
        e = x[:n] / psi
    if not (np.all(np.isfinite(e)) and np.all(e >= 0)):
        return None
    sh = residual_shapes(e, dist)
    if sh is None:
        return None
    return np.r_[th, sh[0]]
