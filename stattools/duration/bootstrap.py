"""Fixed-window residual bootstrap of the infinite-mean test (our addition, not from the paper).

1. Fit the model restricted to ``alpha + beta = 1`` and take its residuals
   ``eps_tilde = x / psi_tilde``, rescaled to mean one.
2. Simulate the restricted model over the **same window T** (per group, when the fit
   restarts the recursion per group) with innovations drawn from those residuals, so
   ``N*(T)`` is random, as in the data (``sampling="window"``, the default); or with
   exactly the observed number of events per group (``sampling="count"``, for data
   whose number of events was fixed in advance). Each path starts at
   ``psi = omega_tilde`` and runs a burn-in of 500 events before the window opens.
3. Refit the unrestricted model (started at the restricted estimate, same law, backcast
   rule and covariance type) and compute the Wald statistic ``t*``.
4. ``p = (1 + #{t* at least as extreme as t}) / (B + 1)``; draws whose refit fails (too
   few events, no standard error, or a path needing more than 100 times the observed
   number of events to fill the window) are dropped and counted in ``n_failed``.

Seeds come from ``SeedSequence(rng).spawn(B)`` (one child per replicate) and every task
runs with BLAS pinned to one thread, so the result is identical for any ``n_jobs``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..core.exceptions import DataError, StattoolsWarning
from ..core.resampling import parallel_map
from .engine import backcast_value, covariances, fit_engine, sandwich
from .recursion import Spec, filter_state_groups
from .simulate import _run

__all__ = ["bootstrap_wald", "simulate_count", "simulate_window"]


def simulate_window(
    theta: np.ndarray,
    p: int,
    pool: np.ndarray,
    T: float,
    gen,
    burn: int = 500,
    max_events: int = 50_000_000,
) -> np.ndarray:
    """Durations of the linear ACD ``theta`` with innovations resampled from ``pool``,
    all events in ``[0, T]`` (the spell crossing ``T`` is censored and dropped).

    Returns an empty array when the path would need more than ``max_events`` events or
    overflows.
    """
    omega = float(theta[0])
    alpha = np.ascontiguousarray(theta[1 : 1 + p])
    beta = np.ascontiguousarray(theta[1 + p :])
    xh = np.full(alpha.size, omega)
    sh = np.full(beta.size, omega)
    _run(omega, alpha, beta, gen.choice(pool, burn), xh, sh, False)
    xs, total, count, chunk = [], 0.0, 0, 1024
    while total <= T:
        x, _ = _run(omega, alpha, beta, gen.choice(pool, chunk), xh, sh, False)
        xs.append(x)
        total += float(x.sum())
        count += chunk
        chunk = min(2 * chunk, 1 << 20)
        if count > max_events or not math.isfinite(total):
            return np.empty(0)
    x = np.concatenate(xs)
    return x[np.cumsum(x) <= T]


def simulate_count(
    theta: np.ndarray, p: int, pool: np.ndarray, n: int, gen, burn: int = 500
) -> np.ndarray:
    """``n`` durations of the linear ACD ``theta`` with innovations resampled from
    ``pool`` (after a burn-in of ``burn`` events from ``psi = omega``); empty on overflow."""
    omega = float(theta[0])
    alpha = np.ascontiguousarray(theta[1 : 1 + p])
    beta = np.ascontiguousarray(theta[1 + p :])
    xh = np.full(alpha.size, omega)
    sh = np.full(beta.size, omega)
    _run(omega, alpha, beta, gen.choice(pool, burn), xh, sh, False)
    x, _ = _run(omega, alpha, beta, gen.choice(pool, int(n)), xh, sh, False)
    return x if np.all(np.isfinite(x)) else np.empty(0)


def _one(task: tuple) -> float:
    seed, theta, order, pool, sizes, dist, backcast, cov_type, sampling = task
    gen = np.random.default_rng(seed)
    spec = Spec(order[0], order[1], acdm=backcast == "acdm")
    if sampling == "count":
        parts = [simulate_count(theta[: spec.k], order[0], pool, n, gen) for n in sizes]
    else:
        # a path needing 100 times the observed number of events (a restricted fit with
        # alpha ~ 0 and beta ~ 1 makes psi creep up from omega) is a failed draw, not a
        # reason to simulate up to 5e7 events
        cap = max(100 * pool.size, 100_000)
        parts = [
            simulate_window(theta[: spec.k], order[0], pool, T, gen, max_events=cap) for T in sizes
        ]
    need = max(50, 10 * (spec.k + len(dist.names)))
    if any(v.size < 3 for v in parts):
        return math.nan
    x = np.concatenate(parts)
    if x.size < need or np.ptp(x) == 0 or (dist.needs_positive and (x <= 0).any()):
        return math.nan
    segments = None
    if len(parts) > 1:
        ends = np.cumsum([v.size for v in parts])
        segments = tuple(zip((0, *ends[:-1].tolist()), ends.tolist()))
    b = backcast_value(x, backcast)
    with warnings.catch_warnings():
        # bootstrap refits near the boundary routinely warn; the statistic is what counts
        warnings.simplefilter("ignore", StattoolsWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        out = fit_engine(x, None, spec, dist, b, start=theta, segments=segments)
        mats = covariances(out.theta, x, None, spec, dist, b, segments)
        V, ok = sandwich(mats, cov_type, x.shape[0], type(dist).__name__ == "Exponential")
    if not ok:
        return math.nan
    g = np.zeros(out.theta.size)
    g[1 : spec.k] = 1.0
    var = float(g @ V @ g)
    pi = float(g @ out.theta)
    return (pi - 1.0) / math.sqrt(var) if var > 0 else math.nan


def bootstrap_wald(
    res: Any,
    theta_restricted: np.ndarray,
    *,
    n_resamples: int = 199,
    seed: np.random.SeedSequence,
    sampling: str = "window",
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool | None = None,
) -> np.ndarray:
    """Bootstrap draws ``t*`` of the Wald statistic under ``alpha + beta = 1``.

    ``seed`` is the root SeedSequence (the caller records it on the result).
    ``sampling="window"`` simulates each group over its window ``T`` (``N*`` random);
    ``"count"`` simulates exactly the observed number of events of each group.
    """
    model = res._model
    if model.spec.exog or model.spec.log:
        raise DataError(
            "the bootstrap test is available for the linear ACD without regressors; use "
            "method='wald' or method='qlr' here."
        )
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer):
        raise DataError(f"n_resamples must be a positive integer, got {n_resamples!r}.")
    if int(n_resamples) < 1:
        raise DataError(f"n_resamples must be a positive integer, got {n_resamples}.")
    spec = model.spec
    k = spec.k
    psi = filter_state_groups(theta_restricted[:k], model.x, spec, model.b, None, model.segments)
    pool = model.x / psi
    pool = pool / pool.mean()
    sizes: tuple[float, ...]
    if sampling == "count":
        segs = model.segments or ((0, model.x.shape[0]),)
        sizes = tuple(int(e - s) for s, e in segs)
    elif model.segments is None:
        sizes = (float(res.window),)
    else:  # each group's window: its share of T in proportion to its summed durations
        sums = np.array([model.x[s:e].sum() for s, e in model.segments])
        sizes = tuple(float(v) for v in res.window * sums / sums.sum())
    backcast = model.backcast if isinstance(model.backcast, str) else "mean"
    dist = res.dist
    seeds = seed.spawn(int(n_resamples))
    th = np.asarray(theta_restricted, dtype=float)
    tasks = [
        (s, th, (spec.p, spec.q), pool, sizes, dist, backcast, res.cov_type, sampling)
        for s in seeds
    ]
    out = parallel_map(
        _one, tasks, n_jobs=n_jobs, backend=backend, progress=progress, desc="bootstrap"
    )
    return np.asarray(out, dtype=float)
