"""Bootstrap confidence bands for local Fréchet regression (scalars, vectors, distributions).

Units are resampled with replacement and the local fit is recomputed at the evaluation
points with the *same* bandwidth. Pointwise bands are percentile intervals per coordinate
(per probability level for distributions: monotone in the level, since order statistics of
monotone curves are monotone); the simultaneous band is a bootstrap-t sup band
``fit +/- c se`` with ``se`` the sandwich (HC0) standard error of the local-linear fit per
point and coordinate, and ``c`` the ``level`` quantile of ``max |fit* - fit| / se*`` over
all evaluation points and coordinates, each resample studentised by its own ``se*``. A bandwidth chosen for estimation leaves smoothing bias
in the band; undersmooth (a smaller bandwidth) for coverage. Not confirmed against a
published method: this is the standard nonparametric bootstrap applied to the embedding.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.resampling import as_seed_sequence, draw_chunks, parallel_map, seed_record
from ..core.validation import check_level
from ._common import kernel_values
from .bandwidth import predict_local

__all__ = ["confidence_bands"]


def _linear_se(x: np.ndarray, F: np.ndarray, x0: np.ndarray, h: float, kernel: str):
    """Sandwich (HC0) standard error of the local-linear fit at each ``x0``, per coordinate.

    ``se^2 = sum_i l_i^2 e_i^2`` with ``l_i`` the local-linear weights at ``x0`` and ``e_i``
    the residuals around the weighted least-squares line at ``x0`` (``x`` sorted; ``F``
    the elements in the linear chart, one row per unit). NaN where the fit is degenerate.
    """
    out = np.full((x0.size, F.shape[1]), np.nan)
    for j, c in enumerate(x0):
        lo = np.searchsorted(x, c - h, side="left")
        hi = np.searchsorted(x, c + h, side="right")
        u = x[lo:hi] - c
        t = u / h
        k = kernel_values(t, kernel)
        t0, t1, t2 = k.sum(), (k * t).sum(), (k * t * t).sum()
        det = t0 * t2 - t1 * t1
        if not det > 1e-12 * max(t0 * t2, 1e-300):
            continue
        lw = k * (t2 - t1 * t) / det
        bw = k * (t0 * t - t1) / det / h
        Fw = F[lo:hi]
        e = Fw - (lw @ Fw)[None, :] - u[:, None] * (bw @ Fw)[None, :]
        out[j] = np.sqrt((lw * lw) @ (e * e))
    return out


def _boot_chunk(task, x, Z, x0, h, kernel, space):
    size, seed = task
    gen = np.random.default_rng(seed)
    n = x.size
    d = int(np.prod(Z.shape[1:]))
    flat = Z.reshape(n, d)
    out = np.full((size, x0.size, d), np.nan)
    ses = np.full((size, x0.size, d), np.nan)
    for b in range(size):
        idx = np.sort(gen.integers(0, n, n))  # x is sorted, so sorted indices keep it sorted
        preds, ok = predict_local(x[idx], Z[idx], x0, h, kernel, space)
        out[b, ok] = preds[ok].reshape(int(ok.sum()), -1)
        ses[b] = _linear_se(x[idx], flat[idx], x0, h, kernel)
    return out, ses


def confidence_bands(
    fit: Any,
    x0: Any,
    *,
    level: float = 0.95,
    n_resamples: int = 499,
    rng: Any = None,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Pointwise and simultaneous bootstrap bands of a one-predictor local Fréchet fit.

    Parameters
    ----------
    fit : FrechetRegressionResult
        A local fit with one predictor in a space whose elements are vectors (Euclidean,
        Wasserstein).
    x0 : array_like
        Evaluation points.
    level : float, default 0.95
    n_resamples : int, default 499
    rng : None, int, Generator or SeedSequence
        Seed of the resampling; returned in ``.attrs["seed"]``.
    n_jobs : int, default 1
    progress : bool or None

    Returns
    -------
    DataFrame
        One row per evaluation point and coordinate (probability level for
        distributions): ``x``, ``coordinate``, ``estimate``, ``lower``, ``upper``
        (pointwise) and ``lower_simultaneous``, ``upper_simultaneous``; ``.attrs`` holds
        ``level``, ``n_resamples``, ``seed`` and ``critical_value`` (of the sup-t band).

    Notes
    -----
    Coverage (``frechet_regression_bands`` in ``benchmarks/VALIDITY.md``: sin(3x) plus
    N(0, 0.2^2) noise, n = 400, h = 0.08, 499 resamples, 1000 replications): pointwise
    95% bands 0.931-0.951, the simultaneous band over three points 0.947. On the same
    1000 data sets the earlier sup band, studentised by the bootstrap standard deviation
    and calibrated with 199 resamples, covered 0.925: it ignored the sampling variability
    of the standard error (in a 400-replication diagnostic the true 95% quantile of
    ``max |fit - truth| / sd*`` was 2.59, the bootstrap's 2.38 on average), which the bootstrap-t statistic carries. The
    bootstrap over units keeps the smoothing bias of the local fit (0.15-0.25 standard
    errors here), so choose an undersmoothed bandwidth; there is no finite-sample
    guarantee.

    Examples
    --------
    >>> import stattools as st
    >>> gen = np.random.default_rng(0)
    >>> x = gen.uniform(0, 1, 200)
    >>> fit = st.frechet_regression(y=np.sin(3 * x) + gen.normal(0, 0.2, 200), x=x, bandwidth=0.2)
    >>> band = confidence_bands(fit, [0.3, 0.6], n_resamples=99, rng=1)
    >>> bool((band.lower < band.estimate).all() and (band.upper_simultaneous > band.upper).all())
    True
    """
    level = check_level(level)
    if fit.kind != "local" or fit.x.shape[1] != 1:
        raise DataError("bands need a local Fréchet regression with one predictor.")
    if fit.Z.ndim != 2:
        raise DataError("bands need vector-valued elements (Euclidean or Wasserstein spaces).")
    x0 = np.asarray(x0, dtype=float).ravel()
    if x0.size == 0 or not np.isfinite(x0).all():
        raise DataError("x0 must be a non-empty array of finite evaluation points.")
    order = np.argsort(fit.x[:, 0], kind="stable")
    x, Z = np.asarray(fit.x[order, 0]), np.asarray(fit.Z[order])
    est, ok = predict_local(x, Z, x0, fit.bandwidth, fit.kernel, fit.space)
    if not ok.all():
        raise DataError("the local fit is undefined at some x0 (too few points within h).")
    ss = as_seed_sequence(rng)
    fn = functools.partial(
        _boot_chunk, x=x, Z=Z, x0=x0, h=fit.bandwidth, kernel=fit.kernel, space=fit.space
    )
    chunks = parallel_map(
        fn,
        draw_chunks(ss, int(n_resamples), chunk=32),
        n_jobs=n_jobs,
        progress=progress,
        desc="bootstrap",
    )
    boot = np.concatenate([c[0] for c in chunks])  # (B, m, d)
    bse = np.concatenate([c[1] for c in chunks])
    a = (1 - level) / 2
    lo, hi = np.nanquantile(boot, [a, 1 - a], axis=0)
    est2 = est.reshape(x0.size, -1)
    sd = _linear_se(x, Z.reshape(x.size, -1), x0, fit.bandwidth, fit.kernel)
    sd = np.where(sd > 0, sd, np.nan)  # coordinates without spread (e.g. a fixed end point)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstar = np.abs(boot - est2) / np.where(bse > 0, bse, np.nan)
    tstar[:, np.isnan(sd)] = np.nan
    sup = np.nanmax(np.where(np.isnan(tstar), -np.inf, tstar), axis=(1, 2))
    sup = sup[np.isfinite(sup)]
    crit = float(np.quantile(sup, level)) if sup.size else math.nan
    d = est2.shape[1]
    coord = fit.space.grid if hasattr(fit.space, "grid") else np.arange(d)
    out = pd.DataFrame(
        {
            "x": np.repeat(x0, d),
            "coordinate": np.tile(coord, x0.size),
            "estimate": est2.ravel(),
            "lower": lo.ravel(),
            "upper": hi.ravel(),
            "lower_simultaneous": (est2 - crit * np.nan_to_num(sd)).ravel(),
            "upper_simultaneous": (est2 + crit * np.nan_to_num(sd)).ravel(),
        }
    )
    out.attrs.update(
        level=level, n_resamples=int(n_resamples), seed=seed_record(ss), critical_value=crit
    )
    return out
