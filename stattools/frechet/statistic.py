"""The jump statistic at one bandwidth: one-sided fits, variances and the chi-square(1) form.

Two variance estimators are offered.

``variance="residual"`` (default)
    Squared distances are taken to the one-sided local-linear *line* evaluated at each
    observation, ``r_i = d^2(Y_i, P(a + b u_i))`` (``P`` the space's projection), so a trend
    of the conditional mean inside the window does not leak into the variance. The
    one-sided variances are the local-linear intercepts ``V~ = sum s_i r_i``; the variance
    of ``V~_+ - V~_-`` is the (cluster-)robust sandwich ``sum_g (sum_{i in g} w_i e_i)^2``
    with ``w_i = s_i^+`` on the right, ``-s_i^-`` on the left and ``e_i`` the residuals of
    the local-linear fit of ``r``: divided by one minus their leverage (HC3) without
    clusters, summed within clusters with the CR1 factor ``G / (G - 1)`` with ``cluster=``.
    It uses the finite-sample weights, so a bandwidth wider than the data on a side cannot
    inflate the statistic.

``variance="frechestest"``
    The statistic of the author's R package frechesTest: ``V = sum s_i d^2(Y_i, l)`` and
    ``sigma^2 = sum |s_i| (d_i^2 - V)^2 / sum |s_i|`` with the asymptotic scaling
    ``S_K / (n h f_X(c))``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from ..core.exceptions import ApproximationWarning, BoundaryWarning, SmallSampleWarning
from ._common import kernel_constant, kernel_values
from .spaces import MetricSpace

__all__ = ["jump_statistic", "side_fit", "VARIANCES"]

VARIANCES = ("residual", "frechestest")


def _mean(space: MetricSpace, Z: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, bool]:
    nz = s != 0
    if space.hilbert:
        a = space.linear_average(Z[nz], s[nz])
        m = space.project(a)
        active = bool(np.linalg.norm(m - a) > 1e-10 * max(1.0, float(np.linalg.norm(a))))
        return m, active
    return space.weighted_mean(Z[nz], s[nz]), False


def side_fit(u: np.ndarray, h: float, kernel: str) -> dict[str, Any]:
    """Local-linear intercept and slope weights of the points ``u`` (one side, ``t = u/h``).

    Returns ``k`` (kernel values), ``s`` (intercept weights, summing to 1), ``b`` (slope
    weights per unit of ``u``), ``det`` and ``s02`` (for the degeneracy check).
    """
    t = u / h
    k = kernel_values(t, kernel)
    t0, t1, t2 = k.sum(), (k * t).sum(), (k * t * t).sum()
    det = t0 * t2 - t1 * t1
    if not det > 0:
        z = np.zeros_like(u)
        return {"k": k, "s": z, "b": z, "det": 0.0, "s02": t0 * t2}
    return {
        "k": k,
        "s": k * (t2 - t1 * t) / det,
        "b": k * (t0 * t - t1) / det / h,
        "det": det,
        "s02": t0 * t2,
    }


def _side_warnings(name: str, npos: int, ndist: int, neg: float) -> list[tuple[str, type]]:
    out: list[tuple[str, type]] = []
    if npos < 20:
        out.append(
            (
                f"only {npos} observations within the bandwidth on the {name}; the "
                "chi-square approximation may be poor.",
                SmallSampleWarning,
            )
        )
    if ndist < 5:
        out.append(
            (
                f"only {ndist} distinct x values within the bandwidth on the {name} (mass "
                "points); consider a larger bandwidth.",
                SmallSampleWarning,
            )
        )
    # sum(s) = 1, so the negative mass is below half of sum|s| by construction; the check
    # is on the negative mass itself (sum|s| > 2: strong extrapolation to c)
    if neg > 0.5:
        out.append(
            (
                f"negative local-linear weights sum to {-neg:.2f} on the {name} (the fit "
                "extrapolates to the cutoff): the boundary fit is unstable; use a larger "
                "bandwidth.",
                BoundaryWarning,
            )
        )
    return out


def _robust_sum(contrib: np.ndarray, groups: np.ndarray | None) -> tuple[float, int]:
    """``sum_g (sum_{i in g} c_i)^2`` and the number of groups (each point alone if None)."""
    if groups is None:
        return float(contrib @ contrib), int(contrib.size)
    _, inv = np.unique(groups, return_inverse=True)
    tot = np.bincount(inv.ravel(), weights=contrib)
    return float(tot @ tot), int(tot.size)


def jump_statistic(
    u: np.ndarray,
    Z: np.ndarray,
    h: float,
    space: MetricSpace,
    *,
    kernel: str = "epanechnikov",
    f_hat: float,
    n: int,
    variance: str = "residual",
    cluster: np.ndarray | None = None,
) -> dict[str, Any] | str:
    """All quantities of the jump statistic at bandwidth ``h`` (``u = X - c``).

    Returns a dict, or a string giving the reason when the test is undefined.
    """
    inside = np.abs(u) <= h
    u, Z = u[inside], Z[inside]
    cl = None if cluster is None else np.asarray(cluster)[inside]
    flat = Z.reshape(Z.shape[0], -1)
    out: dict[str, Any] = {"warnings": []}
    fits: dict[str, dict[str, Any]] = {}
    for side, name in ((1, "right"), (-1, "left")):
        mask = (u >= 0) if side > 0 else (u < 0)
        us = u[mask]
        fit = side_fit(us, h, kernel)
        npos = int((fit["k"] > 0).sum())
        if npos < 5:
            return (
                f"only {npos} observations with positive kernel weight on the {name} of the "
                f"cutoff at bandwidth {h:.4g} (need 5); use a larger bandwidth."
            )
        if not fit["det"] > 1e-12 * fit["s02"]:
            return (
                f"the local-linear fit on the {name} of the cutoff is degenerate (fewer than 2 "
                f"distinct x values within bandwidth {h:.4g}); use a larger bandwidth."
            )
        s_on = fit["s"]
        on = s_on != 0
        out["warnings"] += _side_warnings(
            name, npos, np.unique(us[on]).size, -float(s_on[s_on < 0].sum())
        )
        Zs = Z[mask]
        m, active = _mean(space, Zs, s_on)
        d2 = space.dist2(Zs[on], m)
        V = float(s_on[on] @ d2)
        a = np.abs(s_on[on])
        sig2_ft = float(a @ (d2 - V) ** 2 / a.sum())
        # residual-based quantities: distances to the local-linear line at each point
        lin = (s_on @ flat[mask])[None, :] + us[on, None] * (fit["b"] @ flat[mask])[None, :]
        line = space.project_rows(lin.reshape(int(on.sum()), *Z.shape[1:]))
        r = space.dist2_pairs(Zs[on], line)
        Vr = float(s_on[on] @ r)
        slope_r = float(fit["b"][on] @ r)
        e = r - Vr - slope_r * us[on]
        s_full = np.zeros(u.size)
        idx = np.flatnonzero(mask)[on]
        s_full[idx] = s_on[on]
        e_full = np.zeros(u.size)
        e_full[idx] = e
        # leverage of each point in its side's local-linear fit (HC3-type scaling below)
        lev = np.zeros(u.size)
        lev[idx] = np.clip(s_on[on] + fit["b"][on] * us[on], 0.0, 0.99)
        eps_full = np.zeros((u.size, flat.shape[1]))
        eps_full[idx] = flat[mask][on] - lin.reshape(int(on.sum()), -1)
        b_full = np.zeros(u.size)
        b_full[idx] = fit["b"][on]
        fits[name] = dict(
            s=s_full,
            e=e_full,
            lev=lev,
            eps=eps_full,
            b=b_full,
            m=m,
            V=V,
            d2=d2,
            d2_excess=float(a @ (d2 - r)) / a.sum(),
            Vr=Vr,
            sig2_ft=sig2_ft,
            q=float(s_on @ s_on),
            active=active,
            npos=npos,
            neff=float(a.sum() ** 2 / (s_on @ s_on)),
            asum=float(a.sum()),
        )
    L, R = fits["left"], fits["right"]
    sbar = (L["s"] + R["s"]) / 2
    mp, act_p = _mean(space, Z, sbar)
    Vp = float(sbar[sbar != 0] @ space.dist2(Z[sbar != 0], mp))
    SK = kernel_constant(kernel)
    lam = R["asum"] / (R["asum"] + L["asum"])
    F = Vp - (L["V"] + R["V"]) / 2
    if variance == "frechestest":
        for f, name in ((L, "left"), (R, "right")):
            if not f["V"] > 0:
                advice = (
                    "the conditional mean changes strongly within the window: use a SMALLER "
                    "bandwidth, or variance='residual'"
                    if f["d2_excess"] > 0.5 * max(f["Vr"], 0.0)
                    else "too few points carry the boundary fit: use a larger bandwidth"
                )
                return (
                    f"the estimated Fréchet variance on the {name} is {f['V']:.3g} <= 0 "
                    f"(negative local-linear weights); {advice}."
                )
        sig_l, sig_r = L["sig2_ft"], R["sig2_ft"]
        scale = SK / (n * h * f_hat)
        q_l = q_r = scale
        U = (R["V"] - L["V"]) ** 2
    else:
        for f, name in ((L, "left"), (R, "right")):
            if not f["Vr"] > 0:
                return (
                    f"the residual Fréchet variance on the {name} is {f['Vr']:.3g} <= 0 "
                    "(strongly negative local-linear weights with few points): use a larger "
                    "bandwidth."
                )
        if cl is None:  # HC3: residuals over one minus their leverage
            cr = R["s"] * R["e"] / (1.0 - R["lev"])
            cleft = L["s"] * L["e"] / (1.0 - L["lev"])
        else:  # CR1: cluster sums with the factor G / (G - 1)
            cr, cleft = R["s"] * R["e"], L["s"] * L["e"]
        contrib = cr - cleft
        keep = (R["s"] != 0) | (L["s"] != 0)
        ck = None if cl is None else cl[keep]
        tot, G = _robust_sum(contrib[keep], ck)
        dof = G / (G - 1.0) if cl is not None else 1.0
        var_diff = dof * tot
        vl = dof * _robust_sum(cleft[keep], ck)[0]
        vr = dof * _robust_sum(cr[keep], ck)[0]
        q_l, q_r = L["q"], R["q"]
        sig_l, sig_r = vl / q_l, vr / q_r
        U = (R["Vr"] - L["Vr"]) ** 2
        out["n_clusters"] = G if cl is not None else None
        out["_boot"] = dict(
            u=u[keep],
            cluster=ck,
            sides=[
                {k: f[k][keep] for k in ("s", "b", "e", "lev", "eps")} | {"q": f["q"]}
                for f in (L, R)
            ],
            lam=lam,
            shape=Z.shape[1:],
        )
    floored = []
    if sig_l < 1e-12:
        sig_l = 1e-12
        floored.append("left")
    if sig_r < 1e-12:
        sig_r = 1e-12
        floored.append("right")
    for name in floored:
        out["warnings"].append(
            (
                f"the variance of squared distances on the {name} is below 1e-12 "
                "(degenerate responses); it was floored.",
                ApproximationWarning,
            )
        )
    if variance == "frechestest":
        var_diff = (sig_l + sig_r) * scale
    elif floored:
        var_diff = max(var_diff, sig_l * q_l + sig_r * q_r)
    var_part = U / var_diff
    q_bar = (q_l + q_r) / 2
    mean_part = F**2 / (lam * (1 - lam) * (sig_l + sig_r) * q_bar)
    out.update(
        statistic=var_part + mean_part,
        mean_left=L["m"],
        mean_right=R["m"],
        mean_pooled=mp,
        var_left=L["V"],
        var_right=R["V"],
        var_resid_left=L["Vr"],
        var_resid_right=R["Vr"],
        var_pooled=Vp,
        sigma2_left=sig_l,
        sigma2_right=sig_r,
        se_var_diff=float(np.sqrt(var_diff)),
        U_n=U,
        F_n=F,
        var_part=var_part,
        mean_part=mean_part,
        lambda_hat=lam,
        S_K=SK,
        n_left=L["npos"],
        n_right=R["npos"],
        n_eff_left=L["neff"],
        n_eff_right=R["neff"],
        projection_active=bool(L["active"] or R["active"] or act_p),
    )
    return out


def _bm_traces(X: np.ndarray, A: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    """``tr(G)`` and ``tr(G^2)`` of ``G = M' diag(d) M``, ``M = I - X A`` (one side).

    ``X`` is the (m, 2) local-linear design and ``A`` the (2, m) weighted least-squares
    map, so ``M M' = I + Q`` with ``Q = U V'`` of rank <= 6; both traces follow from
    ``6 x 6`` matrices in ``O(m)`` (a dense ``m x m`` product at 10^5 points is avoided).
    """
    C = A @ A.T
    U = np.hstack([-X, -A.T, X @ C])
    Vm = np.hstack([A.T, X, X])
    qdiag = np.einsum("ij,ij->i", U, Vm)
    tr1 = float(d @ (1.0 + qdiag))  # tr(D M M') = sum_i d_i (M M')_ii
    UdU = (U * d[:, None]).T @ U
    VdV = (Vm * d[:, None]).T @ Vm
    # tr(D P D P) with P = I + Q symmetric: sum d_i^2 (1 + 2 Q_ii) + sum_ik d_i d_k Q_ik^2
    tr2 = float(d @ (d * (1.0 + 2.0 * qdiag)) + np.sum(UdU * VdV))
    return tr1, tr2


def _poly_jump(
    u: np.ndarray, y: np.ndarray, h: float, kernel: str, degree: int, hc: str, cluster
) -> dict[str, float] | None:
    """Jump of one-sided local-polynomial intercepts (points with ``|u| <= h``), its
    sandwich standard error (``hc``: "hc2" or "hc3"; CR1 with ``cluster``) and the
    Bell-McCaffrey degrees of freedom of that variance (``G - 1`` with clusters)."""
    contrib = np.zeros(u.size)
    means = {}
    tr1 = tr2 = 0.0
    for side in (1, -1):
        mask = (u >= 0) if side > 0 else (u < 0)
        t = u[mask] / h
        k = kernel_values(t, kernel)
        X = np.vander(t, degree + 1, increasing=True)
        XtK = X.T * k
        gram = XtK @ X
        if np.sum(k > 0) <= degree or np.linalg.cond(gram) > 1e12:
            return None
        A = np.linalg.solve(gram, XtK)  # (degree + 1, m): coefficients on the t scale
        beta = A @ y[mask]
        means[side] = float(beta[0])
        resid = y[mask] - X @ beta
        if cluster is None:
            lev = np.clip(np.einsum("ij,ji->i", X, A), 0.0, 0.99)
            w = A[0] / (np.sqrt(1.0 - lev) if hc == "hc2" else (1.0 - lev))
            t1, t2 = _bm_traces(X, A, w * w)
            tr1, tr2 = tr1 + t1, tr2 + t2
        else:
            w = A[0]
        contrib[mask] = side * w * resid
    keep = contrib != 0
    cl = None if cluster is None else np.asarray(cluster)[keep]
    tot, G = _robust_sum(contrib[keep], cl)
    dof = G / (G - 1.0) if cl is not None else 1.0
    if cl is not None:
        nu = float(G - 1) if G > 1 else math.nan
    else:
        nu = tr1 * tr1 / tr2 if tr2 > 0 else math.inf
    return {
        "estimate": means[1] - means[-1],
        "mean_left": means[-1],
        "mean_right": means[1],
        "std_error": float(np.sqrt(dof * tot)),
        "df": nu,
    }


def scalar_jump_inference(
    u: np.ndarray, y: np.ndarray, h: float, kernel: str, cluster: np.ndarray | None
) -> dict[str, float] | None:
    """Signed jump ``l_+ - l_-`` of scalar responses, its robust standard error and df.

    Local-linear fits on each side at bandwidth ``h`` (``u = X - c``). Without clusters
    the standard error is the HC2 sandwich (residuals around each side's line divided by
    the square root of one minus their leverage, as rdrobust's ``vce="hc2"``) and the
    degrees of freedom are Bell and McCaffrey's (2002) Satterthwaite approximation
    ``nu = tr(G)^2 / tr(G^2)``, ``G = M' diag(a^2) M`` (``M`` the residual maker of the
    two one-sided fits, ``a`` the HC2-scaled weights of the jump), the small-sample
    interval recommended by Imbens and Kolesár (2016). With ``cluster`` the sum runs
    over clusters with the CR1 factor ``G / (G - 1)`` and ``nu = G - 1``.

    Also returns the robust bias-corrected quantities of Calonico, Cattaneo and
    Titiunik (2014) with pilot bandwidth ``b = h``: ``estimate_bc`` (equal to the
    one-sided local-quadratic jump at ``h``), ``std_error_rb`` (its HC3 sandwich; CR1
    with clusters) and ``df_rb``, as rdrobust's "Robust" row with ``h = b``.

    Returns None when a side has no non-degenerate local-linear fit.
    """
    inside = np.abs(u) <= h
    u, y = u[inside], y[inside]
    cl = None if cluster is None else np.asarray(cluster)[inside]
    out = _poly_jump(u, y, h, kernel, 1, "hc2", cl)
    if out is None:
        return None
    rb = _poly_jump(u, y, h, kernel, 2, "hc3", cl)
    out["estimate_bc"] = math.nan if rb is None else rb["estimate"]
    out["std_error_rb"] = math.nan if rb is None else rb["std_error"]
    out["df_rb"] = math.nan if rb is None else rb["df"]
    return out


def satterthwaite_df(boot: dict[str, Any]) -> float:
    """Degrees of freedom of the robust variance of ``V_+ - V_-`` (Satterthwaite).

    With contributions ``c_g`` (HC3-scaled per observation, or cluster sums),
    ``nu = 3 (sum c_g^2)^2 / sum c_g^4``: the Satterthwaite approximation of
    ``sum c_g^2`` by a scaled chi-square, with the fourth moments of ``c_g`` estimated
    under normality (``E c^4 = 3 sigma^4``). Large when many observations carry the
    variance, small when a few dominate (narrow windows).
    """
    L, R = boot["sides"]
    if boot["cluster"] is None:
        c = R["s"] * R["e"] / (1.0 - R["lev"]) - L["s"] * L["e"] / (1.0 - L["lev"])
    else:
        _, inv = np.unique(boot["cluster"], return_inverse=True)
        c = np.bincount(inv.ravel(), weights=R["s"] * R["e"] - L["s"] * L["e"])
    c2 = c * c
    den = float(c2 @ c2)
    return 3.0 * float(c2.sum()) ** 2 / den if den > 0 else math.inf


def multiplier_pvalue(
    boot: dict[str, Any],
    var_part: float,
    mean_part: float,
    space: MetricSpace,
    n_resamples: int,
    gen: np.random.Generator,
    chunk: int = 250,
) -> tuple[float, float, np.ndarray]:
    """Small-sample p-value of the residual jump statistic ``T_n = W + M``.

    ``W`` (the variance part, a squared studentised difference of one-sided variances) is
    referred to ``F(1, nu)`` with the Satterthwaite degrees of freedom of its robust
    variance (:func:`satterthwaite_df`). ``M`` (the mean part) is ``O_p(1 / (n h))`` and so
    neglected by the chi-square(1) limit, but it adds a positive bias that grows with the
    dimension of the space and shrinks with the effective sample size per side (on average
    0.5-0.8 with 5-node networks or 3 x 3 covariances at 13-30 effective points per side).
    Its null distribution is drawn by a wild (multiplier) bootstrap with Rademacher
    multipliers ``xi`` (one per observation, or one per cluster): the jump of the one-sided
    means becomes ``D* = sum_i (s_i^+ - s_i^-) eps_i xi_i / (1 - h_ii)``, ``eps_i`` the
    residual of ``Y_i`` around its side's local-linear line in the space's linear chart
    (HC3-scaled by its leverage ``h_ii``; unscaled with clusters), ``F* = ||D*||^2 / 4``
    (the Hilbert identity), and the variances in its denominator are recomputed from the
    bootstrap residuals of the squared distances (refitted lines), so ``M*`` is
    studentised as ``M``. Treating ``W`` and ``M`` as independent (they are
    asymptotically: one is linear in the squared distances, the other quadratic in the
    residuals), the p-value is the Rao-Blackwellised average
    ``mean_b P(F(1, nu) >= T_n - M*_b)``.

    Returns the p-value, ``nu`` and the draws ``M*``.
    """
    L, R = boot["sides"]
    cl = boot["cluster"]
    u = boot["u"]
    npts = u.size
    if cl is not None:
        _, inv = np.unique(cl, return_inverse=True)
        inv = inv.ravel()
        G = int(inv.max()) + 1
        dof = G / (G - 1.0)
    lam = boot["lam"]
    zero = np.zeros(boot["shape"])
    q_bar = (L["q"] + R["q"]) / 2
    draws = []
    done = 0
    while done < n_resamples:
        m = min(chunk, n_resamples - done)
        if cl is None:
            xi = gen.choice(np.array([-1.0, 1.0]), size=(m, npts))
        else:
            xi = gen.choice(np.array([-1.0, 1.0]), size=(m, G))[:, inv]
        sig, D = [], 0.0
        for sgn, f in ((-1.0, L), (1.0, R)):
            on = f["s"] != 0
            # residuals over one minus their leverage (HC3) without clusters, as in T_n
            scale = 1.0 / (1.0 - f["lev"]) if cl is None else np.ones(npts)
            E = xi * (f["e"] * scale)[None, :]
            # residuals of the bootstrap squared distances around their refitted line
            Er = E - (E @ f["s"])[:, None] - (E @ f["b"])[:, None] * u[None, :]
            if cl is None:
                c = np.where(on, f["s"] * Er / (1.0 - f["lev"]), 0.0)
                var_side = (c * c).sum(axis=1)
            else:
                c = np.where(on, f["s"] * Er, 0.0)
                tot = np.stack([np.bincount(inv, weights=row, minlength=G) for row in c])
                var_side = dof * (tot * tot).sum(axis=1)
            sig.append(np.maximum(var_side / f["q"], 1e-12))
            D = D + sgn * ((xi * (f["s"] * scale)[None, :]) @ f["eps"])
        F = space.dist2(np.reshape(D, (m, *boot["shape"])), zero) / 4.0
        draws.append(F**2 / (lam * (1 - lam) * (sig[0] + sig[1]) * q_bar))
        done += m
    mstar = np.concatenate(draws)
    nu = satterthwaite_df(boot)
    T = var_part + mean_part
    rest = np.maximum(T - mstar, 0.0)
    sf = stats.chi2.sf(rest, 1) if math.isinf(nu) else stats.f.sf(rest, 1, nu)
    return float(np.mean(sf)), nu, mstar
