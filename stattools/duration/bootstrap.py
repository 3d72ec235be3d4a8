"""Fixed-window residual bootstrap of the infinite-mean test (our addition, not from the paper).

1. Fit the model restricted to ``alpha + beta = 1`` and take its residuals, rescaled to
   mean one.
2. Simulate the restricted model over the **same window T** with innovations drawn from
   those residuals, so ``N*(T)`` is random, as in the data.
3. Refit and compute the robust Wald statistic ``t*``.
4. ``p = (1 + #{t* at least as extreme as t}) / (B + 1)``.

Seeds come from ``SeedSequence(rng).spawn(B)`` (one child per replicate), so the result
is identical for any ``n_jobs``.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.exceptions import DataError, StattoolsWarning
from ..core.resampling import as_seed_sequence, parallel_map
from .recursion import filter_state_groups
from .simulate import _run

if TYPE_CHECKING:  # pragma: no cover
    from .results import ACDResult

__all__ = ["bootstrap_wald"]


def _simulate_window(theta: np.ndarray, p: int, pool: np.ndarray, T: float, gen, burn: int = 500):
    omega = float(theta[0])
    alpha = np.ascontiguousarray(theta[1 : 1 + p])
    beta = np.ascontiguousarray(theta[1 + p :])
    xh = np.full(alpha.size, omega)
    sh = np.full(beta.size, omega)
    _run(omega, alpha, beta, gen.choice(pool, burn), xh, sh, False)
    xs, total, chunk = [], 0.0, 1024
    while total <= T:
        x, _ = _run(omega, alpha, beta, gen.choice(pool, chunk), xh, sh, False)
        xs.append(x)
        total += float(x.sum())
        chunk = min(2 * chunk, 1 << 20)
        if sum(len(v) for v in xs) > 50_000_000 or not math.isfinite(total):
            return np.empty(0)
    x = np.concatenate(xs)
    return x[np.cumsum(x) <= T]


def _one(task: tuple) -> float:
    seed, theta, order, pool, T = task
    from .model import ACD

    gen = np.random.default_rng(seed)
    x = _simulate_window(theta, order[0], pool, T, gen)
    need = max(50, 10 * (1 + order[0] + order[1]))
    if x.size < need or np.ptp(x) == 0:
        return math.nan
    with warnings.catch_warnings():
        # bootstrap refits near the boundary routinely warn; the statistic is what counts
        warnings.simplefilter("ignore", StattoolsWarning)
        fit = ACD(x, order=order, window=T).fit()
    pers = fit.persistence
    return (pers.value - 1.0) / pers.se if pers.se > 0 else math.nan


def bootstrap_wald(
    res: ACDResult,
    theta_restricted: np.ndarray,
    *,
    n_resamples: int = 199,
    rng: Any = None,
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool | None = None,
) -> np.ndarray:
    """Bootstrap draws ``t*`` of the Wald statistic under ``alpha + beta = 1``."""
    model = res._model
    if model.spec.exog or model.spec.log or not res.qmle:
        raise DataError(
            "the bootstrap test is available for the exponential QMLE of the linear ACD "
            "without regressors."
        )
    if int(n_resamples) < 1:
        raise DataError(f"n_resamples must be a positive integer, got {n_resamples}.")
    spec = model.spec
    psi = filter_state_groups(theta_restricted, model.x, spec, model.b, None, model.segments)
    pool = model.x / psi
    pool = pool / pool.mean()
    seeds = as_seed_sequence(rng).spawn(int(n_resamples))
    tasks = [(s, np.asarray(theta_restricted), (spec.p, spec.q), pool, res.window) for s in seeds]
    out = parallel_map(
        _one, tasks, n_jobs=n_jobs, backend=backend, progress=progress, desc="bootstrap"
    )
    return np.asarray(out, dtype=float)
