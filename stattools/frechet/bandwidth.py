"""Local-linear Fréchet predictions in blocks, and k-fold cross-validated bandwidths."""

from __future__ import annotations

import contextlib
import functools
import warnings
from typing import Any

import numba
import numpy as np

from ..core.exceptions import TuningWarning
from ..core.resampling import as_seed_sequence, parallel_map
from ..core.validation import check_option
from ._common import bw_nrd0
from .spaces import MetricSpace

__all__ = ["predict_local", "cv_bandwidth", "bandwidth_candidates"]


@numba.njit(cache=True)
def _block_weights(xw, xb, h, kid, labw, labb, usew):  # pragma: no cover - compiled
    b, w = xb.size, xw.size
    W = np.zeros((b, w))
    good = np.zeros(b, dtype=np.bool_)
    for j in range(b):
        t0 = t1 = t2 = 0.0
        cnt = 0
        for i in range(w):
            if not usew[i] or labw[i] != labb[j]:
                continue
            t = (xw[i] - xb[j]) / h
            a = abs(t)
            if a > 1.0:
                continue
            if kid == 0:
                k = 0.75 * (1.0 - t * t)
            elif kid == 1:
                k = 1.0 - a
            else:
                k = 0.5
            if k <= 0.0:
                continue
            W[j, i] = k
            t0 += k
            t1 += k * t
            t2 += k * t * t
            cnt += 1
        det = t0 * t2 - t1 * t1
        if cnt >= 3 and det > 1e-12 * t0 * t2:
            good[j] = True
            for i in range(w):
                if W[j, i] != 0.0:
                    t = (xw[i] - xb[j]) / h
                    W[j, i] = W[j, i] * (t2 - t1 * t) / det
        else:
            for i in range(w):
                W[j, i] = 0.0
    return W, good


_KID = {"epanechnikov": 0, "triangular": 1, "uniform": 2}


def predict_local(
    x_train: np.ndarray,
    Z: np.ndarray,
    x0: np.ndarray,
    h: float,
    kernel: str,
    space: MetricSpace,
    *,
    labels: np.ndarray | None = None,
    labels0: np.ndarray | None = None,
    train: np.ndarray | None = None,
    exact: bool = True,
    block: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Local-linear Fréchet regression predictions at the points ``x0``.

    Training points enter the fit at ``x0[j]`` only if their label equals ``labels0[j]``
    (one-sided fits at a cutoff) and ``train`` is True for them (cross-validation folds).
    ``x_train`` must be sorted. For Hilbert spaces the prediction is the projection of
    the weighted average (one matrix product per block of points); otherwise
    ``exact=True`` runs the space's weighted mean per point and ``exact=False`` projects
    the linear average (extrinsic approximation).

    Returns
    -------
    preds : array (m, ...) canonical predictions (NaN rows where undefined)
    ok : bool array (m,) whether the local-linear design was non-degenerate
    """
    m = x0.size
    preds = np.full((m, *Z.shape[1:]), np.nan)
    ok = np.zeros(m, dtype=bool)
    if m == 0:
        return preds, ok
    kid = _KID[kernel]
    n = x_train.size
    lab = np.zeros(n, np.int64) if labels is None else np.asarray(labels, np.int64)
    lab0 = np.zeros(m, np.int64) if labels0 is None else np.asarray(labels0, np.int64)
    use = np.ones(n, bool) if train is None else np.asarray(train, bool)
    order = np.argsort(x0, kind="stable")
    flat = Z.reshape(Z.shape[0], -1)
    # callers wrap whole fits in single_thread_blas() once (re-entering it per call is costly)
    _predict_blocks(
        x_train, Z, flat, x0, h, kid, lab, lab0, use, order, block, space, exact, preds, ok
    )
    return preds, ok


def _predict_blocks(
    x_train, Z, flat, x0, h, kid, lab, lab0, use, order, block, space, exact, preds, ok
) -> None:
    for start in range(0, x0.size, block):
        idx = order[start : start + block]
        xb = np.ascontiguousarray(x0[idx], dtype=float)
        lo = np.searchsorted(x_train, xb.min() - h, side="left")
        hi = np.searchsorted(x_train, xb.max() + h, side="right")
        W, good = _block_weights(
            np.ascontiguousarray(x_train[lo:hi], dtype=float),
            xb,
            float(h),
            kid,
            lab[lo:hi],
            np.ascontiguousarray(lab0[idx]),
            use[lo:hi],
        )
        ok[idx] = good
        if not good.any():
            continue
        gi = idx[good]
        Wg = W[good]
        if space.hilbert or not exact:
            A = (Wg @ flat[lo:hi]).reshape(gi.size, *Z.shape[1:])
            preds[gi] = space.project_rows(A)
        else:
            for j, r in zip(gi, Wg):
                nz = r != 0
                preds[j] = space.weighted_mean(Z[lo:hi][nz], r[nz])


def single_thread_blas():
    """Limit BLAS to one thread: many small matrix products run faster without threads."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn/scipy stacks
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def bandwidth_candidates(
    x: np.ndarray, cutoff: float | None, n_candidates: int = 10, min_points: int = 10
) -> np.ndarray:
    """Geometric bandwidth grid from ``max(1.5 * smallest gap, h_min)`` to ``range / 3``.

    ``h_min`` is the distance from the cutoff to the ``min_points``-th nearest point on
    each side (the larger of the two); without a cutoff, the widest span of 5 consecutive
    points (so every local fit has at least 5 points). The smallest candidate can thus
    be fitted at all.
    """
    xs = np.sort(x)
    gaps = np.diff(xs)
    gaps = gaps[gaps > 0]
    rng_ = xs[-1] - xs[0]
    lo = 1.5 * gaps.min() if gaps.size else rng_ / 100
    if cutoff is not None:
        right = np.sort(xs[xs >= cutoff] - cutoff)
        left = np.sort(cutoff - xs[xs < cutoff])
        need = [s[min(min_points, s.size) - 1] for s in (left, right) if s.size]
        hmin = max(need) if need else lo
    else:  # every point has >= 5 neighbours within h (span of 5 consecutive points)
        k = min(4, xs.size - 1)
        hmin = float((xs[k:] - xs[:-k]).max()) if k > 0 else lo
    lo = max(lo, hmin)
    hi = max(rng_ / 3, lo * 1.0001)
    return np.geomspace(lo, hi, n_candidates)


def _cv_score(
    h: float,
    x: np.ndarray,
    Z: np.ndarray,
    fold: np.ndarray,
    labels: np.ndarray,
    valid: np.ndarray,
    kernel: str,
    space: MetricSpace,
    folds: int,
) -> tuple[float, float]:
    """Mean validation loss at bandwidth ``h`` and its standard error."""
    losses: list[np.ndarray] = []
    tried = 0
    for f in range(folds):
        va = np.flatnonzero(valid & (fold == f))
        if va.size == 0:
            continue
        preds, ok = predict_local(
            x,
            Z,
            x[va],
            h,
            kernel,
            space,
            labels=labels,
            labels0=labels[va],
            train=fold != f,
            exact=False,
        )
        tried += va.size
        if ok.any():
            losses.append(space.dist2_pairs(Z[va][ok], preds[ok]))
    d2 = np.concatenate(losses) if losses else np.empty(0)
    if tried == 0 or d2.size < 0.5 * tried:
        return np.inf, np.inf
    se = float(d2.std(ddof=1) / np.sqrt(d2.size)) if d2.size > 1 else np.inf
    return float(d2.mean()), se


def cv_bandwidth(
    x: np.ndarray,
    Z: np.ndarray,
    space: MetricSpace,
    *,
    cutoff: float | None = None,
    kernel: str = "epanechnikov",
    folds: int = 5,
    n_candidates: int = 10,
    max_validation: int = 50,
    rule: str = "min",
    rng: Any = None,
    n_jobs: int = 1,
) -> tuple[float, dict[str, Any]]:
    """K-fold cross-validated bandwidth of a local-linear Fréchet regression.

    With a cutoff, folds are drawn within each side, every training fit uses only points
    on the side of the validation point, and validation points are those within the
    largest candidate of the cutoff. At most ``max_validation`` validation points per side
    and fold are used (evenly spaced in x), which keeps the cost linear in n; each is
    scored by ``d^2(Y_j, l_hat(X_j))``. Candidates run over ``n_jobs``.

    ``rule="min"`` (default) takes the minimiser; ``rule="1se"`` the largest candidate
    whose mean loss is within one standard error of the smallest (Breiman et al. 1984).
    When the loss curve is flat the minimiser can pick small, noisy bandwidths (less power,
    occasionally a negative one-sided variance); the one-SE rule then picks large ones,
    which risks smoothing bias at the cutoff. Check the sensitivity to the bandwidth.

    Returns the chosen bandwidth and a dict with ``candidates``, ``scores`` and ``rule``.
    Below ``2 * folds`` points on a side the rule falls back to ``bw.nrd0`` (Silverman),
    enlarged to the smallest candidate if needed, with a :class:`TuningWarning`; so does a
    choice at either end of the candidate grid.

    Examples
    --------
    >>> from stattools.frechet import Euclidean
    >>> gen = np.random.default_rng(0)
    >>> x = gen.uniform(-1, 1, 300)
    >>> y = np.sin(3 * x) + (x >= 0) + gen.normal(0, 0.5, 300)
    >>> h, info = cv_bandwidth(x, y[:, None], Euclidean(), cutoff=0.0, rng=0)
    >>> round(h, 4), info["candidates"].size
    (0.2634, 10)
    """
    rule = check_option(rule, "rule", ("1se", "min"))
    x = np.asarray(x, dtype=float)
    order = np.argsort(x, kind="stable")
    x, Z = x[order], Z[order]
    labels = (x >= cutoff).astype(np.int64) if cutoff is not None else np.zeros(x.size, np.int64)
    counts = np.bincount(labels, minlength=2)[: 2 if cutoff is not None else 1]
    if counts.min() < 2 * folds:
        h = max(bw_nrd0(x), float(bandwidth_candidates(x, cutoff)[0]))
        warnings.warn(
            f"too few points per side ({counts.min()}) for {folds}-fold cross-validation; "
            f"used Silverman's rule h = {h:.4g}. Pass a numeric bandwidth to override.",
            TuningWarning,
            stacklevel=3,
        )
        return h, {"candidates": np.array([h]), "scores": np.array([np.nan]), "rule": "nrd0"}
    cands = bandwidth_candidates(x, cutoff, n_candidates)
    gen = np.random.default_rng(as_seed_sequence(rng))
    fold = np.empty(x.size, dtype=np.int64)
    valid = np.zeros(x.size, dtype=bool)
    near = np.abs(x - cutoff) <= cands[-1] if cutoff is not None else np.ones(x.size, bool)
    for lab in np.unique(labels):
        ids = np.flatnonzero(labels == lab)
        fold[ids] = gen.permutation(np.arange(ids.size) % folds)
        for f in range(folds):
            cand = ids[(fold[ids] == f) & near[ids]]
            if cand.size > max_validation:
                cand = cand[np.linspace(0, cand.size - 1, max_validation).round().astype(int)]
            valid[cand] = True
    score = functools.partial(
        _cv_score,
        x=x,
        Z=Z,
        fold=fold,
        labels=labels,
        valid=valid,
        kernel=kernel,
        space=space,
        folds=folds,
    )
    with single_thread_blas():  # many small matrix products: threads only add overhead
        out = parallel_map(score, list(cands), n_jobs=n_jobs, progress=False)
    scores = np.array([o[0] for o in out])
    ses = np.array([o[1] for o in out])
    if not np.isfinite(scores).any():
        h = float(cands[-1])
    elif rule == "min":
        h = float(cands[int(np.argmin(scores))])
    else:  # one-standard-error rule: the largest h within one SE of the minimum
        best = int(np.argmin(scores))
        limit = scores[best] + (ses[best] if np.isfinite(ses[best]) else 0.0)
        h = float(cands[np.flatnonzero(scores <= limit).max()])
    if np.isfinite(scores).any() and h in (cands[0], cands[-1]):
        edge = "smallest" if h == cands[0] else "largest"
        warnings.warn(
            f"cross-validation chose the {edge} candidate bandwidth ({h:.4g}); the loss may "
            "be flat or still falling. Check the sensitivity to a numeric bandwidth.",
            TuningWarning,
            stacklevel=3,
        )
    return h, {"candidates": cands, "scores": scores, "se": ses, "rule": f"cv ({rule})"}
