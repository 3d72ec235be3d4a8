"""Simulation of ACD and log-ACD durations, by count or over a fixed window ``[0, T]``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numba
import numpy as np
import pandas as pd

from ..core.exceptions import DataError, NonStationaryWarning
from ..core.resampling import as_seed_sequence, seed_record
from .distributions import Innovation, get_distribution, log_moment

__all__ = ["simulate_acd"]


@numba.njit(cache=True)
def _run(omega, alpha, beta, eps, xh, sh, log):  # pragma: no cover - compiled
    """Advance the recursion over ``eps``; ``xh``/``sh`` hold the last p / q values
    (most recent first) of x (or log eps for the log-ACD) and of psi (or log psi)."""
    n = eps.shape[0]
    p = alpha.shape[0]
    q = beta.shape[0]
    x = np.empty(n)
    psi = np.empty(n)
    for i in range(n):
        s = omega
        for j in range(p):
            s += alpha[j] * xh[j]
        for j in range(q):
            s += beta[j] * sh[j]
        ps = np.exp(s) if log else s
        xi = ps * eps[i]
        x[i] = xi
        psi[i] = ps
        for j in range(p - 1, 0, -1):
            xh[j] = xh[j - 1]
        for j in range(q - 1, 0, -1):
            sh[j] = sh[j - 1]
        if p > 0:
            xh[0] = np.log(eps[i]) if log else xi
        if q > 0:
            sh[0] = s
    return x, psi


def simulate_acd(
    nobs: int | None = None,
    *,
    omega: float,
    alpha: float | Sequence[float],
    beta: float | Sequence[float] = (),
    window: float | None = None,
    dist: str | Innovation = "exponential",
    model: str = "acd",
    burn: int = 500,
    start: float | None = None,
    rng: Any = None,
    max_events: int = 50_000_000,
) -> pd.DataFrame:
    """Simulate ACD(p, q) durations, either ``nobs`` of them or all events in ``[0, T]``.

    Parameters
    ----------
    nobs : int, optional
        Number of durations (give exactly one of ``nobs`` and ``window``).
    omega, alpha, beta : float or sequence
        Recursion parameters (``alpha + beta >= 1`` is allowed).
    window : float, optional
        Window length ``T``: events are generated until the cumulative time passes ``T``;
        the spell that crosses ``T`` is censored and dropped, so ``N(T)`` is random.
    dist : str or Innovation
        Innovation law (unit mean); an instance carries its shape parameters.
    model : {"acd", "log"}
        Linear ACD or log-ACD (type I).
    burn : int, default 500
        Discarded initial durations (the recursion starts at ``psi = start``).
    start : float, optional
        Initial ``psi`` (log-ACD: ``log psi``): default ``omega / (1 - pi)`` when
        ``pi < 1``, else ``omega``.
    rng : None, int, Generator or SeedSequence
    max_events : int
        Guard against windows that would need more events than memory allows.

    Returns
    -------
    DataFrame
        Columns ``duration``, ``psi`` (true conditional duration) and ``time`` (event time
        from 0). ``attrs`` holds ``window`` (``T``; the sum of durations for ``nobs``),
        ``n_events`` (``N(T)``), the true parameters and ``seed`` (``rng=attrs["seed"]``
        reproduces the sample, also when ``rng=None``).

    Examples
    --------
    >>> sim = simulate_acd(window=1000.0, omega=0.05, alpha=0.1, beta=0.9, rng=0)
    >>> sim.attrs["n_events"] == len(sim), bool(sim["time"].iloc[-1] <= 1000.0)
    (True, True)
    """
    if (nobs is None) == (window is None):
        raise DataError("give exactly one of nobs (a count) and window (a time T).")
    if nobs is not None and (isinstance(nobs, bool) or not isinstance(nobs, int | np.integer)):
        raise DataError(f"nobs must be a positive integer, got {nobs!r}.")
    for _name, _val in (("omega", omega), ("alpha", alpha), ("beta", beta)):
        _arr = np.asarray(_val)
        if _arr.dtype.kind not in "iuf" or not np.all(np.isfinite(_arr)):
            raise DataError(f"{_name} must be finite number(s), got {_val!r}.")
    log = model == "log"
    if model not in ("acd", "log"):
        raise DataError(f"model must be 'acd' or 'log'; got {model!r}.")
    law = get_distribution(dist)
    a = np.atleast_1d(np.asarray(alpha, dtype=float))
    b = np.atleast_1d(np.asarray(beta, dtype=float))
    for nm, v in (("omega", np.atleast_1d(omega)), ("alpha", a), ("beta", b)):
        if not np.all(np.isfinite(v)):
            raise DataError(f"{nm} must be finite; got {v.tolist()}.")
    if not log:
        if omega <= 0:
            raise DataError(f"omega must be positive for the ACD; got {omega}.")
        for nm, v in (("alpha", a), ("beta", b)):
            if (v < 0).any():
                raise DataError(f"{nm} must be non-negative for the ACD; got {v.tolist()}.")
        if a.size == 1 and b.size <= 1:
            gam = log_moment(float(a[0]), float(b[0]) if b.size else 0.0, law)
            if gam >= 0:
                raise DataError(
                    f"alpha = {a.tolist()}, beta = {b.tolist()} give an explosive ACD: "
                    f"E log(alpha eps + beta) = {gam:.4g} >= 0 under {law!r}, so the "
                    "durations diverge (not strictly stationary). alpha + beta > 1 is "
                    "allowed only while E log(alpha eps + beta) < 0."
                )
        elif a.sum() + b.sum() >= 1:
            warnings.warn(
                f"alpha + beta = {a.sum() + b.sum():.4g} >= 1 in an ACD{(a.size, b.size)}: "
                "strict stationarity is not checked for orders other than (1, 1); the "
                "path may explode (an overflow raises DataError).",
                NonStationaryWarning,
                stacklevel=2,
            )
    elif b.size and np.abs(b).sum() >= 1:
        raise DataError(
            f"the log-ACD needs sum |beta| < 1 to be stationary; got beta = {b.tolist()}."
        )
    ss = as_seed_sequence(rng)
    gen = np.random.default_rng(ss)
    pi = a.sum() + b.sum()
    if start is None:
        start = omega / (1 - b.sum()) if log else (omega / (1 - pi) if pi < 1 else omega)
    xh = np.full(a.size, 0.0 if log else float(start))
    sh = np.full(b.size, float(start))
    if burn > 0:
        _run(float(omega), a, b, law.rvs(int(burn), gen), xh, sh, log)
    if nobs is not None:
        if isinstance(nobs, bool) or not isinstance(nobs, int | np.integer) or nobs < 1:
            raise DataError(f"nobs must be a positive integer, got {nobs!r}.")
        x, psi = _run(float(omega), a, b, law.rvs(int(nobs), gen), xh, sh, log)
        T = float(x.sum())
    else:
        if isinstance(window, bool) or not isinstance(window, int | float | np.number):
            raise DataError(f"window must be a positive number, got {window!r}.")
        T = float(window)
        if not (T > 0 and np.isfinite(T)):
            raise DataError(f"window must be positive, got {window}.")
        xs, ps, total, count = [], [], 0.0, 0
        chunk = 4096
        while total <= T:
            x_c, p_c = _run(float(omega), a, b, law.rvs(chunk, gen), xh, sh, log)
            xs.append(x_c)
            ps.append(p_c)
            total += float(x_c.sum())
            count += chunk
            if count > max_events:
                raise DataError(
                    f"more than max_events={max_events} events before T={T}; shorten the window."
                )
            chunk = min(chunk * 2, 1 << 20)
        x, psi = np.concatenate(xs), np.concatenate(ps)
        keep = np.cumsum(x) <= T
        x, psi = x[keep], psi[keep]
    if not (np.all(np.isfinite(x)) and x.sum() < np.finfo(float).max):
        raise DataError(
            "simulated durations overflow: the recursion explodes (E log(alpha eps + beta) "
            ">= 0, not strictly stationary); simulate fewer events."
        )
    out = pd.DataFrame({"duration": x, "psi": psi, "time": np.cumsum(x)})
    out.attrs.update(
        {
            "window": T,
            "window_column": "duration",
            "n_events": int(x.size),
            "omega": float(omega),
            "alpha": a.tolist(),
            "beta": b.tolist(),
            "dist": repr(law),
            "model": model,
            "seed": seed_record(ss),  # rng=attrs["seed"] reproduces the sample
        }
    )
    return out
