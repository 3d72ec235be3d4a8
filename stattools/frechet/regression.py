"""Local and global Fréchet regression (Petersen and Müller 2019)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.notes import record_warnings
from ..core.resampling import check_n_jobs, single_thread_blas
from ..core.validation import check_option
from ._common import _check_kernel, resolve_inputs, resolve_space
from .bandwidth import cv_bandwidth, predict_local
from .local2d import CANDIDATES_2D, cv_bandwidth_2d, predict_local_2d
from .results import FrechetRegressionResult
from .spaces import MetricSpace

__all__ = ["frechet_regression", "global_weights", "predict_elements"]


def global_weights(X: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Global Fréchet regression weights ``s_in = 1 + (X_i - Xbar)' Sigma^-1 (x - Xbar)``.

    Returns an (m, n) array for the m rows of ``x0``; each row averages to 1.
    """
    xbar = X.mean(axis=0)
    Xc = X - xbar
    S = Xc.T @ Xc / X.shape[0]
    try:
        B = np.linalg.solve(S, (x0 - xbar).T)
    except np.linalg.LinAlgError:
        raise DataError("the predictors are collinear (singular covariance matrix).") from None
    return 1.0 + (Xc @ B).T


def _global_predict(X: np.ndarray, Z: np.ndarray, x0: np.ndarray, sp: MetricSpace) -> np.ndarray:
    if sp.hilbert:
        # n^-1 sum_i s_in Z_i = Zbar + (x - Xbar)' Sigma^-1 C with C = n^-1 sum (X_i - Xbar) Z_i,
        # so no (m x n) weight matrix is formed
        flat = Z.reshape(Z.shape[0], -1)
        xbar = X.mean(axis=0)
        Xc = X - xbar
        S = Xc.T @ Xc / X.shape[0]
        C = Xc.T @ flat / X.shape[0]
        try:
            B = np.linalg.solve(S, C)
        except np.linalg.LinAlgError:
            raise DataError("the predictors are collinear (singular covariance matrix).") from None
        lin = flat.mean(axis=0) + (x0 - xbar) @ B
        return sp.project_rows(lin.reshape(x0.shape[0], *Z.shape[1:]))
    out = []
    batched = getattr(sp, "weighted_means", None)
    for start in range(0, x0.shape[0], 256):
        W = global_weights(X, x0[start : start + 256]) / X.shape[0]
        if batched is not None:  # e.g. the sphere: one batched iteration for all rows
            out.extend(batched(Z, W))
        else:
            out.extend(sp.weighted_mean(Z, w) for w in W)
    return np.stack(out)


def _fit_local_2d(
    X: np.ndarray, Z: np.ndarray, sp: MetricSpace, bandwidth: Any, kernel: str
) -> tuple[float, str, np.ndarray]:
    """Two-predictor local fit: bandwidth in sd units of each predictor (LOO CV or float)."""
    sd = X.std(axis=0, ddof=1)
    if not (sd > 0).all():
        raise DataError("a predictor of the local fit is constant.")
    Xs = X / sd
    if isinstance(bandwidth, str):
        rule = check_option(bandwidth, "bandwidth", ("cv",))
        h, _ = cv_bandwidth_2d(Xs, Z, kernel, sp)
    else:
        h, rule = float(bandwidth), "fixed"
        if not (np.isfinite(h) and h > 0):
            raise DataError(f"bandwidth must be 'cv' or a positive number, got {bandwidth!r}.")
    with single_thread_blas():
        fitted, ok = predict_local_2d(Xs, Z, Xs, h, kernel, sp)
        larger = [c for c in CANDIDATES_2D if c > h]
        while rule == "cv" and not ok.all() and larger:  # undefined somewhere: widen
            h = float(larger.pop(0))
            fitted, ok = predict_local_2d(Xs, Z, Xs, h, kernel, sp)
    if not ok.all():
        raise DataError(
            f"bandwidth {h:.4g} (sd units) is too small: the local fit is undefined at "
            f"{int((~ok).sum())} observed point(s). Use a larger bandwidth."
        )
    return h, rule, fitted


def predict_elements(res: FrechetRegressionResult, x0: np.ndarray) -> np.ndarray:
    """Canonical fitted elements of a regression result at the predictor rows ``x0``."""
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 2 or x0.shape[1] != res.x.shape[1]:
        raise DataError(f"new predictor values must have {res.x.shape[1]} column(s).")
    if not np.isfinite(x0).all():
        raise DataError("new predictor values contain NaN.")
    if res.kind == "global":
        return _global_predict(np.asarray(res.x), np.asarray(res.Z), x0, res.space)
    if res.x.shape[1] == 2:
        sd = np.asarray(res.x).std(axis=0, ddof=1)
        preds, ok = predict_local_2d(
            np.asarray(res.x) / sd, np.asarray(res.Z), x0 / sd, res.bandwidth, res.kernel, res.space
        )
        if not ok.all():
            raise DataError(
                f"the local fit is undefined at {int((~ok).sum())} new point(s): too few "
                f"observations within bandwidth {res.bandwidth:.4g} (sd units)."
            )
        return preds
    o = np.argsort(res.x[:, 0], kind="stable")
    with single_thread_blas():
        preds, ok = predict_local(
            np.asarray(res.x[o, 0]),
            np.asarray(res.Z[o]),
            x0[:, 0],
            res.bandwidth,
            res.kernel,
            res.space,
        )
    if not ok.all():
        raise DataError(
            f"the local fit is undefined at {int((~ok).sum())} new x value(s): fewer than 3 "
            f"observations within bandwidth {res.bandwidth:.4g}."
        )
    return preds


def _check_response_scale(Z: np.ndarray, design: Any) -> None:
    """Refuse responses whose squared distances would overflow or underflow to 0/inf."""
    mag = float(np.max(np.abs(Z))) if Z.size else 0.0
    if mag > 1e150 or 0 < mag < 1e-150:
        name = ", ".join(str(c) for c in design.y.columns) if design is not None else "y"
        raise DataError(
            f"the response ({name}) has magnitude {mag:.3g}: squared distances would "
            f"{'overflow' if mag > 1 else 'underflow'}. Rescale it (e.g. divide by {mag:.3g})."
        )


def frechet_regression(
    formula: str | None = None,
    data: pd.DataFrame | None = None,
    *,
    y: Any = None,
    x: Any = None,
    space: str | MetricSpace = "euclidean",
    method: str = "local",
    bandwidth: str | float = "cv",
    kernel: str = "epanechnikov",
    folds: int | None = None,
    cv_repeats: int = 3,
    na_action: str = "raise",
    n_jobs: int = 1,
    progress: bool | None = None,
    rng: Any = None,
) -> FrechetRegressionResult:
    """Local or global Fréchet regression of metric-space responses on Euclidean predictors.

    Parameters
    ----------
    formula : str, optional
        ``"Y ~ x"`` (local: one or two predictors) or ``"Y ~ x1 + x2"``; ``Y`` may be a
        column of per-row arrays or matrices, or several numeric columns.
    data : DataFrame, optional
    y, x : array_like, optional
        Array interface instead of a formula.
    space : str or MetricSpace, default "euclidean"
    method : {"local", "global"}
    bandwidth : "cv" or float
        Local regression bandwidth; ``"cv"`` is cross-validation. With two predictors
        (R ``LocDenReg`` with 2-D x) it is in standard deviations of each predictor (product
        kernel, ``h_j = h sd(X_j)``) and ``"cv"`` is leave-one-out over 0.15-1.5 sd.
    kernel : {"epanechnikov", "triangular", "uniform"}
    folds : int or None, default None
        None: leave-one-out cross-validation at up to 250 evenly spaced points
        (deterministic); an integer k: ``cv_repeats`` random k-fold splits, averaged.
    cv_repeats : int, default 3
        Random fold assignments averaged by k-fold cross-validation.
    na_action : {"raise", "drop"}
    n_jobs : int, default 1
        Bandwidth candidates evaluated in parallel (results do not depend on it).
    progress : bool or None
        Progress bar over bandwidth candidates (None: only on a terminal).
    rng : None, int, Generator or SeedSequence
        Seed of k-fold cross-validation; ``None`` uses the fixed seed 0 (reproducible).
        Stored as ``result.seed`` when random folds were drawn.

    Returns
    -------
    FrechetRegressionResult

    Raises
    ------
    DataError
        Responses outside the space, NaN, several predictors with ``method="local"``, a
        bandwidth too small for a local fit at some observed x.

    Notes
    -----
    Local (Petersen and Müller 2019, eq. 3): at x, with ``mu_j = n^-1 sum K_h(X_i - x)(X_i - x)^j``
    and ``sigma0^2 = mu_0 mu_2 - mu_1^2``, the weights are
    ``s_in = K_h(X_i - x)[mu_2 - mu_1 (X_i - x)] / sigma0^2`` and
    ``l_hat(x) = argmin n^-1 sum s_in d^2(Y_i, w)``. Global: ``s_in = 1 + (X_i - Xbar)'
    Sigma^-1 (x - Xbar)``. In spaces embedded in a Hilbert space the minimiser is the
    projection of the linear weighted average (exact even with negative weights). The
    Fréchet ``R^2 = 1 - sum d^2(Y_i, l_hat(X_i)) / sum d^2(Y_i, ybar)``.

    References
    ----------
    Petersen, A. and Müller, H.-G. (2019). Fréchet regression for random objects with
    Euclidean predictors. Ann. Statist. 47(2), 691-719.

    Examples
    --------
    >>> import numpy as np
    >>> from stattools.frechet import Wasserstein
    >>> gen = np.random.default_rng(1)
    >>> x = np.linspace(0, 1, 60)
    >>> sp = Wasserstein(n_grid=20)
    >>> Q = x[:, None] + 0.5 * np.array([np.sort(gen.normal(size=20)) for _ in x])
    >>> fit = frechet_regression(y=Q, x=x, space=sp, method="global")
    >>> round(fit.r2, 2), fit.predict([0.5]).shape
    (0.77, (1, 20))
    """
    method = check_option(method, "method", ("local", "global"))
    kernel = _check_kernel(kernel)
    check_n_jobs(n_jobs)
    sp = resolve_space(space)
    Y, X, terms, design = resolve_inputs(formula, data, y, x, na_action)
    Z = sp.validate(Y)
    if Z.shape[0] != X.shape[0]:
        raise DataError(f"y has {Z.shape[0]} observations but x has {X.shape[0]}.")
    n = X.shape[0]
    if n < 3:
        raise DataError(f"Fréchet regression needs at least 3 observations, got {n}.")
    _check_response_scale(Z, design)
    msgs: list[str] = []
    rule = "fixed"
    seed = None
    with record_warnings(msgs):
        if method == "global":
            h = float("nan")
            with single_thread_blas():
                fitted = _global_predict(X, Z, X, sp)
        elif X.shape[1] == 2:
            h, rule, fitted = _fit_local_2d(X, Z, sp, bandwidth, kernel)
        else:
            if X.shape[1] != 1:
                raise DataError(
                    f"method='local' takes one or two predictors, got {X.shape[1]}; use "
                    "method='global'."
                )
            xv = X[:, 0]
            if isinstance(bandwidth, str):
                rule = check_option(bandwidth, "bandwidth", ("cv",))
                h, info = cv_bandwidth(
                    xv,
                    Z,
                    sp,
                    kernel=kernel,
                    folds=folds,
                    repeats=cv_repeats,
                    rng=rng,
                    n_jobs=n_jobs,
                    progress=progress,
                )
                seed = info["seed"]
            else:
                h = float(bandwidth)
                if not (np.isfinite(h) and h > 0):
                    raise DataError(
                        f"bandwidth must be 'cv' or a positive number, got {bandwidth!r}."
                    )
            o = np.argsort(xv, kind="stable")
            with single_thread_blas():
                preds, ok = predict_local(xv[o], Z[o], xv, h, kernel, sp)
            if not ok.all():
                raise DataError(
                    f"bandwidth {h:.4g} is too small: the local fit is undefined at "
                    f"{int((~ok).sum())} observed x value(s). Use a larger bandwidth."
                )
            fitted = preds
        with single_thread_blas():
            mean = sp.weighted_mean(Z, np.ones(n))
    tot = float(sp.dist2(Z, mean).sum())
    res_ss = float(sp.dist2_pairs(Z, fitted).sum())
    r2 = 1.0 - res_ss / tot if tot > 0 else float("nan")
    frame = data.loc[design.index] if design is not None and data is not None else None
    return FrechetRegressionResult(
        space=sp,
        kind=method,
        x=X,
        Z=Z,
        fitted=fitted,
        bandwidth=h,
        kernel=kernel,
        r2=r2,
        terms=tuple(terms),
        design=design,
        frechet_mean=sp.to_element(mean),
        bandwidth_rule=rule,
        warnings=tuple(msgs),
        method=f"{method} Fréchet regression",
        seed=seed,
        data=frame,
        response_names=tuple(str(c) for c in design.y.columns) if design is not None else (),
    )
