"""Fixed-window residual bootstrap of the infinite-mean test (our addition, not from the paper).

1. Fit the model restricted to ``alpha + beta = 1`` and take its residuals
   ``eps_tilde = x / psi_tilde``, rescaled to mean one.
2. Simulate the restricted model over the **same window T** (per group, when the fit
   restarts the recursion per group) with innovations drawn from those residuals, so
   ``N*(T)`` is random, as in the data (``sampling="window"``, the default); or with
   exactly the observed number of events per group (``sampling="count"``, for data
   whose number of events was fixed in advance). Each path starts at
   ``psi = omega_tilde`` and runs a burn-in of 500 events before the window opens;
   when the restricted intercept is at its bound (``omega_tilde <= 1e-4 b``, ``b`` the
   presample value of the fit, the data's mean duration for the default backcast) a
   path from ``psi = omega_tilde`` would stay at ``psi ~ 0`` and never fill the window,
   so it starts at ``psi = b`` instead, without burn-in.
3. Refit the unrestricted model exactly as the data were fitted (same law, backcast
   rule, covariance type and default starting values) and compute the Wald statistic
   ``t*``. (Until December 2026 the refit started at the restricted estimate, on the
   boundary ``pi = 1``; it ended at a bound, e.g. ``alpha = 0, beta = 1``, with no
   standard error, in about a third more draws: 7.6% against 5.1% at ``n = 500``,
   ``alpha = 0.05``, Exp errors, count sampling.)
4. ``p = (1 + #{t* at least as extreme as t}) / (B + 1)`` over the draws with a defined
   ``t*``. A draw fails, is dropped and is counted by type (:data:`FAILURES`):
   ``"too_few_events"`` (fewer events than the fit needs, or constant durations) and
   ``"no_standard_error"`` (the refit's Hessian is not positive definite, typically an
   estimate at a bound) are the bootstrap analogues of data on which ``t`` itself is
   undefined, so dropping them gives the bootstrap law of ``t`` given that ``t`` is
   defined, the law the test needs; ``"simulation"`` (a path needing more than 100 times
   the observed number of events to fill the window, or overflowing) has no such
   analogue and is a selection. It is rare since the start rule of step 2 (0.13% of the
   draws over the 48 designs of the size table, at most 0.8% in one; mostly paths of a
   restricted fit with ``omega`` at its bound whose ``psi`` decays: with ``omega = 0`` and
   ``pi = 1``, ``log psi`` drifts down); before
   it, every draw of a replication with ``omega_tilde`` at its bound failed (2-10% of the
   replications at ``n = 500``, whose p-value was then NaN).

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

__all__ = ["FAILURES", "bootstrap_wald", "simulate_count", "simulate_window"]

#: failure types of a bootstrap draw (module docstring, step 4)
FAILURES = ("simulation", "too_few_events", "no_standard_error")
#: restricted intercepts at or below this multiple of the presample value ``b`` are at
#: their bound: paths then start at ``psi = b`` (module docstring, step 2)
OMEGA_AT_BOUND = 1e-4


def path_start(theta: np.ndarray, b: float) -> float | None:
    """Initial ``psi`` of a bootstrap path: ``None`` (start at ``omega`` with a burn-in)
    unless the intercept is at its bound, then the presample value ``b``.

    Examples
    --------
    >>> path_start(np.array([0.05, 0.1, 0.9]), 37.0) is None, path_start(np.zeros(3), 37.0)
    (True, 37.0)
    """
    return float(b) if float(theta[0]) <= OMEGA_AT_BOUND * float(b) else None


def _init(theta: np.ndarray, p: int, pool: np.ndarray, gen, burn: int, start: float | None):
    """Recursion parameters and state after the burn-in (or at ``start``, no burn-in)."""
    omega = float(theta[0])
    alpha = np.ascontiguousarray(theta[1 : 1 + p])
    beta = np.ascontiguousarray(theta[1 + p :])
    s0 = omega if start is None else float(start)
    xh = np.full(alpha.size, s0)
    sh = np.full(beta.size, s0)
    if start is None and burn > 0:
        _run(omega, alpha, beta, gen.choice(pool, burn), xh, sh, False)
    return omega, alpha, beta, xh, sh


def simulate_window(
    theta: np.ndarray,
    p: int,
    pool: np.ndarray,
    T: float,
    gen,
    burn: int = 500,
    max_events: int = 50_000_000,
    start: float | None = None,
) -> np.ndarray:
    """Durations of the linear ACD ``theta`` with innovations resampled from ``pool``,
    all events in ``[0, T]`` (the spell crossing ``T`` is censored and dropped).

    The path starts at ``psi = omega`` with ``burn`` discarded events, or at
    ``psi = start`` without burn-in. Returns an empty array when the path would need
    more than ``max_events`` events or overflows.
    """
    x = _window_path(theta, p, pool, T, gen, burn, max_events, start)
    return np.empty(0) if x is None else x


def _window_path(
    theta: np.ndarray,
    p: int,
    pool: np.ndarray,
    T: float,
    gen,
    burn: int = 500,
    max_events: int = 50_000_000,
    start: float | None = None,
) -> np.ndarray | None:
    """:func:`simulate_window`, but ``None`` when the path fails (an empty array is a
    legitimate window without a complete spell)."""
    omega, alpha, beta, xh, sh = _init(theta, p, pool, gen, burn, start)
    xs, total, count, chunk = [], 0.0, 0, 1024
    while total <= T:
        x, _ = _run(omega, alpha, beta, gen.choice(pool, chunk), xh, sh, False)
        xs.append(x)
        total += float(x.sum())
        count += chunk
        chunk = min(2 * chunk, 1 << 20)
        if count > max_events or not math.isfinite(total):
            return None
    x = np.concatenate(xs)
    return x[np.cumsum(x) <= T]


def simulate_count(
    theta: np.ndarray,
    p: int,
    pool: np.ndarray,
    n: int,
    gen,
    burn: int = 500,
    start: float | None = None,
) -> np.ndarray:
    """``n`` durations of the linear ACD ``theta`` with innovations resampled from
    ``pool`` (after a burn-in of ``burn`` events from ``psi = omega``, or from
    ``psi = start`` without burn-in); empty on overflow."""
    omega, alpha, beta, xh, sh = _init(theta, p, pool, gen, burn, start)
    x, _ = _run(omega, alpha, beta, gen.choice(pool, int(n)), xh, sh, False)
    return x if np.all(np.isfinite(x)) else np.empty(0)


def _one(task: tuple) -> tuple[float, int]:
    """One draw: ``(t*, 0)``, or ``(nan, k)`` with ``FAILURES[k - 1]`` the failure type."""
    seed, theta, order, pool, sizes, dist, backcast, cov_type, sampling, start = task
    gen = np.random.default_rng(seed)
    spec = Spec(order[0], order[1], acdm=backcast == "acdm")
    th = theta[: spec.k]
    if sampling == "count":
        parts = [simulate_count(th, order[0], pool, n, gen, start=start) for n in sizes]
        if any(v.size == 0 for v in parts):
            return math.nan, 1
    else:
        # a path needing 100 times the observed number of events is a failed draw, not a
        # reason to simulate up to 5e7 events
        cap = max(100 * pool.size, 100_000)
        paths = [
            _window_path(th, order[0], pool, T, gen, max_events=cap, start=start) for T in sizes
        ]
        if any(v is None for v in paths):
            return math.nan, 1
        parts = [v for v in paths if v is not None]
    need = max(50, 10 * (spec.k + len(dist.names)))
    if any(v.size < 3 for v in parts):
        return math.nan, 2
    x = np.concatenate(parts)
    if x.size < need or np.ptp(x) == 0 or (dist.needs_positive and (x <= 0).any()):
        return math.nan, 2
    segments = None
    if len(parts) > 1:
        ends = np.cumsum([v.size for v in parts])
        segments = tuple(zip((0, *ends[:-1].tolist()), ends.tolist()))
    b = backcast_value(x, backcast)
    with warnings.catch_warnings():
        # bootstrap refits near the boundary routinely warn; the statistic is what counts
        warnings.simplefilter("ignore", StattoolsWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        # the same estimator as the fit of the data (its default starting values): a refit
        # started at the restricted estimate stalled at a bound more often (step 3)
        out = fit_engine(x, None, spec, dist, b, segments=segments)
        mats = covariances(out.theta, x, None, spec, dist, b, segments)
        V, ok = sandwich(mats, cov_type, x.shape[0], type(dist).__name__ == "Exponential")
    if not ok:
        return math.nan, 3
    g = np.zeros(out.theta.size)
    g[1 : spec.k] = 1.0
    var = float(g @ V @ g)
    pi = float(g @ out.theta)
    return ((pi - 1.0) / math.sqrt(var), 0) if var > 0 else (math.nan, 3)


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
) -> tuple[np.ndarray, dict[str, int]]:
    """Bootstrap draws ``t*`` of the Wald statistic under ``alpha + beta = 1``.

    ``seed`` is the root SeedSequence (the caller records it on the result).
    ``sampling="window"`` simulates each group over its window ``T`` (``N*`` random);
    ``"count"`` simulates exactly the observed number of events of each group.

    Returns the ``n_resamples`` draws (NaN where a draw failed) and the number of failed
    draws of each type in :data:`FAILURES`.
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
    start = path_start(th, model.b)
    tasks = [
        (s, th, (spec.p, spec.q), pool, sizes, dist, backcast, res.cov_type, sampling, start)
        for s in seeds
    ]
    out = parallel_map(
        _one, tasks, n_jobs=n_jobs, backend=backend, progress=progress, desc="bootstrap"
    )
    draws = np.array([v for v, _ in out], dtype=float)
    codes = np.array([c for _, c in out], dtype=int)
    return draws, {name: int(np.sum(codes == i + 1)) for i, name in enumerate(FAILURES)}
