"""Fréchet analysis of variance for k groups of random objects (Dubey and Müller 2019)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.exceptions import DataError
from ..core.formula import Design
from ..core.resampling import draw_chunks, parallel_map
from ..core.results import InvalidTestResult, TestResult
from ..core.validation import check_option
from ._common import resolve_space
from .spaces import MetricSpace

__all__ = ["frechet_anova", "anova_statistic"]

METHOD = "Fréchet ANOVA (Dubey-Müller)"
H0 = "all groups have the same Fréchet mean and Fréchet variance"


def anova_statistic(Z: np.ndarray, g: np.ndarray, k: int, sp: MetricSpace) -> dict[str, Any]:
    """``T_n``, ``F_n``, ``U_n`` and per-group Fréchet variances for integer labels ``g``."""
    n = Z.shape[0]
    lam = np.bincount(g, minlength=k) / n
    V = np.empty(k)
    s2 = np.empty(k)
    for j in range(k):
        Zj = Z[g == j]
        mj = sp.weighted_mean(Zj, np.ones(Zj.shape[0]))
        d2 = sp.dist2(Zj, mj)
        V[j] = d2.mean()
        s2[j] = (d2**2).mean() - V[j] ** 2
    mp = sp.weighted_mean(Z, np.ones(n))
    Vp = float(sp.dist2(Z, mp).mean())
    F = Vp - float(lam @ V)
    out = {"F_n": F, "V_pooled": Vp, "V": V, "sigma2": s2, "lambda": lam}
    if (s2 <= 1e-14 * max(1.0, float(np.abs(V).max()))).any():
        out["statistic"] = float("nan")
        return out
    U = 0.0
    for j in range(k):
        for m in range(j + 1, k):
            U += lam[j] * lam[m] * (V[j] - V[m]) ** 2 / (s2[j] * s2[m])
    T = n * U / float((lam / s2).sum()) + n * F**2 / float((lam**2 * s2).sum())
    out.update(U_n=U, statistic=T)
    return out


def _resample_chunk(
    task: tuple[int, Any], Z: np.ndarray, g: np.ndarray, k: int, sp: MetricSpace, boot: bool
):
    size, seed = task
    gen = np.random.default_rng(seed)
    out = []
    for _ in range(size):
        if boot:  # pooled bootstrap: draw from all units, keep the group sizes
            out.append(anova_statistic(Z[gen.integers(0, Z.shape[0], Z.shape[0])], g, k, sp))
        else:
            out.append(anova_statistic(Z, gen.permutation(g), k, sp))
    return [o["statistic"] for o in out]


def frechet_anova(
    formula: str | None = None,
    data: pd.DataFrame | None = None,
    *,
    y: Any = None,
    groups: Any = None,
    space: str | MetricSpace = "euclidean",
    method: str = "asymptotic",
    n_resamples: int = 999,
    rng: Any = None,
    n_jobs: int = 1,
    progress: bool | None = None,
    na_action: str = "raise",
) -> TestResult | InvalidTestResult:
    """k-sample test of equal Fréchet means and variances (Dubey and Müller 2019).

    Parameters
    ----------
    formula : str, optional
        ``"Y ~ group"``: ``Y`` a column of per-row objects (or several numeric columns),
        ``group`` a column of labels.
    data : DataFrame, optional
    y, groups : array_like, optional
        Array interface instead of a formula.
    space : str or MetricSpace, default "euclidean"
    method : {"asymptotic", "permutation", "bootstrap"}
        chi-square(k - 1) p-value, or a resampling p-value
        ``(1 + #{T* >= T}) / (n_resamples + 1)`` with group labels permuted (exact under
        equal distributions) or units drawn with replacement from the pooled sample into
        groups of the observed sizes (bootstrap under H0).
    n_resamples : int, default 999
    rng : None, int, Generator or SeedSequence
    n_jobs : int, default 1
    progress : bool or None
    na_action : {"raise", "drop"}

    Returns
    -------
    TestResult or InvalidTestResult
        ``extra`` holds ``F_n``, ``U_n``, ``V_pooled`` and each group's ``V[...]``, ``n[...]``.
        Invalid when a group has zero variance of squared distances.

    Raises
    ------
    DataError
        Fewer than 2 groups, a group with fewer than 2 units, responses outside the space.

    Notes
    -----
    With ``lambda_j = n_j / n``, group Fréchet variances ``V_j``, the pooled variance ``V_p``
    and ``sigma_j^2`` the variance of ``d^2(Y, mu_j)`` in group j:
    ``F_n = V_p - sum lambda_j V_j``,
    ``U_n = sum_{j<l} lambda_j lambda_l (V_j - V_l)^2 / (sigma_j^2 sigma_l^2)`` and
    ``T_n = n U_n / sum(lambda_j / sigma_j^2) + n F_n^2 / sum lambda_j^2 sigma_j^2``, which is
    asymptotically chi-square(k - 1) under H0.

    References
    ----------
    Dubey, P. and Müller, H.-G. (2019). Fréchet analysis of variance for random objects.
    Biometrika 106(4), 803-821.

    Examples
    --------
    >>> import numpy as np
    >>> gen = np.random.default_rng(2)
    >>> y = np.concatenate([gen.normal(0, 1, 100), gen.normal(0, 2, 100)])
    >>> res = frechet_anova(y=y, groups=np.repeat(["a", "b"], 100))
    >>> res.df, res.pvalue < 0.01
    (1, True)
    """
    method = check_option(method, "method", ("asymptotic", "permutation", "bootstrap"))
    sp = resolve_space(space)
    if formula is not None:
        if data is None:
            raise DataError("a formula needs data= (a pandas DataFrame).")
        design = Design.from_formula(formula, data, na_action=na_action)
        rhs = formula.split("~", 1)[1].strip()
        if rhs in data.columns:
            labels = data.loc[design.index, rhs].to_numpy()
        else:
            Xd = design.X.drop(columns=["Intercept"], errors="ignore").to_numpy()
            labels = np.unique(Xd, axis=0, return_inverse=True)[1].ravel()
        yv = design.y.iloc[:, 0] if design.y.shape[1] == 1 else design.y.to_numpy(float)
    else:
        if y is None or groups is None:
            raise DataError("give a formula and data=, or both y= and groups=.")
        yv, labels = y, np.asarray(groups)
    Z = sp.validate(yv if not isinstance(yv, pd.Series) or yv.dtype == object else yv.to_numpy())
    if len(labels) != Z.shape[0]:
        raise DataError(f"groups has {len(labels)} labels but y has {Z.shape[0]} observations.")
    if pd.isna(pd.Series(labels)).any():
        raise DataError("groups contains missing labels.")
    names, g = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    k = names.size
    counts = np.bincount(g, minlength=k)
    if k < 2:
        raise DataError(f"Fréchet ANOVA needs at least 2 groups, got {k}.")
    if counts.min() < 2:
        small = ", ".join(names[counts < 2])
        raise DataError(f"every group needs at least 2 observations; too small: {small}.")
    st_ = anova_statistic(Z, g, k, sp)
    extra: dict[str, Any] = {"F_n": st_["F_n"], "V_pooled": st_["V_pooled"], "k": k}
    for j, nm in enumerate(names):
        extra[f"V[{nm}]"] = float(st_["V"][j])
        extra[f"n[{nm}]"] = int(counts[j])
    n = Z.shape[0]
    if not np.isfinite(st_["statistic"]):
        bad = ", ".join(names[st_["sigma2"] <= 1e-14 * max(1.0, float(np.abs(st_["V"]).max()))])
        return InvalidTestResult(
            f"the variance of squared distances is zero in group(s) {bad} (degenerate responses).",
            method=METHOD,
            null_hypothesis=H0,
            nobs=n,
            extra=extra,
        )
    T = float(st_["statistic"])
    extra["U_n"] = float(st_["U_n"])
    if method == "asymptotic":
        return TestResult(
            statistic=T,
            pvalue=float(stats.chi2.sf(T, k - 1)),
            method=METHOD,
            null_hypothesis=H0,
            df=k - 1,
            nobs=n,
            extra=extra,
        )
    fn = functools.partial(_resample_chunk, Z=Z, g=g, k=k, sp=sp, boot=method == "bootstrap")
    chunks = parallel_map(
        fn,
        draw_chunks(rng, int(n_resamples), chunk=64),
        n_jobs=n_jobs,
        progress=progress,
        desc=method,
    )
    null = np.concatenate([np.asarray(c, dtype=float) for c in chunks])
    p = (1 + np.sum(null >= T)) / (null.size + 1)
    return TestResult(
        statistic=T,
        pvalue=float(p),
        method=f"{METHOD}, {method}",
        null_hypothesis=H0,
        df=k - 1,
        nobs=n,
        extra=extra,
        null_distribution=null,
        n_resamples=int(n_resamples),
    )
