"""Brute-force recomputation of the default jump statistic (issue 14 item 2).

Independent of ``stattools.frechet.statistic``: plain Python loops over the definition in
the docstrings of :func:`stattools.frechet.frechet_jump` and
:mod:`stattools.frechet.statistic` (``variance="residual"``), for three stated data sets
(density / Wasserstein quantile functions, 3 x 3 covariances with the Frobenius metric,
5-node graph Laplacians), all generated below with numpy's PCG64 from fixed seeds, at a
fixed ``h_V``. The data are chosen so that no projection is active (monotone averages,
positive definite averages, feasible Laplacian averages); the script asserts it, so the
weighted Fréchet means are the plain weighted averages.

Quantities: the one-sided Fréchet variances ``V_+/-`` and the pooled ``V_p``; the residual
variances ``V~_+/-`` (local-linear intercepts of the squared distances to the one-sided
local-linear line); the HC3 contributions ``c_i = w_i e_i / (1 - h_ii)``; ``var_diff``,
``sigma2_+/-``, ``U_n``, ``F_n``, ``lambda``, ``T_n`` and its two parts; the Satterthwaite
degrees of freedom ``nu = 3 (sum c^2)^2 / sum c^4``; and, for 250 Rademacher multipliers
drawn by ``numpy.random.default_rng(SEED_XI).choice([-1.0, 1.0], size=(250, n_window))``
(window points in data order), the bootstrap mean parts ``M*_b`` and the p-value
``mean_b P(F(1, nu) >= T_n - M*_b)``.

Run: ``.venv/bin/python tests/reference/frechet/frechestest_default_bruteforce.py``
(writes ``frechestest_default_bruteforce.json`` beside it, with versions).
"""

from __future__ import annotations

import datetime
import json
import platform
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

HERE = Path(__file__).resolve().parent
C, H, SEED_XI, B = 0.5, 0.3, 77, 250


def kern(t):
    return 0.75 * (1 - t * t) if abs(t) <= 1 else 0.0


def make_data(kind, seed, n=90):
    g = np.random.default_rng(seed)
    x = g.uniform(0, 1, n)
    if kind == "density":
        grid = (np.arange(100) + 0.5) / 100
        z = stats.norm.ppf(grid)
        mu = 0.5 * x + 0.4 * (x >= C) + g.normal(0, 0.5, n)
        sd = 1 + 0.2 * x + 0.1 * g.uniform(-1, 1, n)
        Y = [list(mu[i] + sd[i] * z) for i in range(n)]
        return x, Y, {"w": [1 / 100] * 100}
    if kind == "covariance":
        Y = []
        for i in range(n):
            rho = 0.2 + 0.3 * x[i]
            S = np.full((3, 3), rho) + (1 - rho) * np.eye(3)
            D = g.multivariate_normal(np.zeros(3), S, size=20)
            Y.append(np.cov(D, rowvar=False).ravel().tolist())
        return x, Y, {"w": [1.0] * 9}
    Y = []
    for i in range(n):
        W = np.zeros((5, 5))
        for a in range(5):
            for b in range(a + 1, 5):
                W[a, b] = W[b, a] = g.uniform() * (1 + 0.2 * x[i] + 0.3 * (x[i] >= C))
        Y.append((np.diag(W.sum(1)) - W).ravel().tolist())
    return x, Y, {"w": [1.0] * 25}


def d2(a, b, w):
    return sum(wm * (am - bm) ** 2 for am, bm, wm in zip(a, b, w))


def wavg(Y, s):
    tot = sum(s)
    return [sum(si * y[m] for si, y in zip(s, Y)) / tot for m in range(len(Y[0]))]


def check_inactive(kind, v):
    """The weighted average is already in the space (no projection)."""
    if kind == "density":
        assert all(v[m + 1] >= v[m] for m in range(len(v) - 1))
    elif kind == "covariance":
        assert np.linalg.eigvalsh(np.reshape(v, (3, 3))).min() > 0
    else:
        L = np.reshape(v, (5, 5))
        off = L[~np.eye(5, dtype=bool)]
        assert off.max() <= 0 and np.allclose(L.sum(1), 0)


def side(kind, x, Y, w, sign):
    """Local-linear weights, fits and residual pieces of one side (loops)."""
    idx = [i for i in range(len(x)) if abs(x[i] - C) <= H and ((x[i] >= C) == (sign > 0))]
    u = [x[i] - C for i in idx]
    k = [kern(ui / H) for ui in u]
    t0 = sum(k)
    t1 = sum(ki * ui / H for ki, ui in zip(k, u))
    t2 = sum(ki * (ui / H) ** 2 for ki, ui in zip(k, u))
    det = t0 * t2 - t1 * t1
    s = [ki * (t2 - t1 * ui / H) / det for ki, ui in zip(k, u)]
    b = [ki * (t0 * ui / H - t1) / det / H for ki, ui in zip(k, u)]
    Ys = [Y[i] for i in idx]
    a = [sum(si * y[m] for si, y in zip(s, Ys)) for m in range(len(w))]
    slope = [sum(bi * y[m] for bi, y in zip(b, Ys)) for m in range(len(w))]
    check_inactive(kind, a)
    V = sum(si * d2(y, a, w) for si, y in zip(s, Ys))
    eps, r = [], []
    for ui, y in zip(u, Ys):
        line = [a[m] + slope[m] * ui for m in range(len(w))]
        check_inactive(kind, line)
        eps.append([y[m] - line[m] for m in range(len(w))])
        r.append(d2(y, line, w))
    Vr = sum(si * ri for si, ri in zip(s, r))
    br = sum(bi * ri for bi, ri in zip(b, r))
    e = [ri - Vr - br * ui for ri, ui in zip(r, u)]
    lev = [min(max(si + bi * ui, 0.0), 0.99) for si, bi, ui in zip(s, b, u)]
    c = [si * ei / (1 - li) for si, ei, li in zip(s, e, lev)]
    q = sum(si * si for si in s)
    return dict(idx=idx, u=u, s=s, b=b, a=a, V=V, Vr=Vr, e=e, lev=lev, c=c, q=q, eps=eps)


def statistic(kind, x, Y, w):
    R, L = side(kind, x, Y, w, +1), side(kind, x, Y, w, -1)
    sbar = {i: si / 2 for i, si in zip(R["idx"], R["s"])}
    sbar.update({i: si / 2 for i, si in zip(L["idx"], L["s"])})
    ids = sorted(sbar)
    mp = wavg([Y[i] for i in ids], [sbar[i] for i in ids])
    check_inactive(kind, mp)
    Vp = sum(sbar[i] * d2(Y[i], mp, w) for i in ids)
    var_r = sum(ci * ci for ci in R["c"])
    var_l = sum(ci * ci for ci in L["c"])
    var_diff = var_r + var_l
    sig_r, sig_l = var_r / R["q"], var_l / L["q"]
    U = (R["Vr"] - L["Vr"]) ** 2
    F = Vp - (R["V"] + L["V"]) / 2
    ar, al = sum(abs(si) for si in R["s"]), sum(abs(si) for si in L["s"])
    lam = ar / (ar + al)
    qbar = (R["q"] + L["q"]) / 2
    var_part = U / var_diff
    mean_part = F**2 / (lam * (1 - lam) * (sig_l + sig_r) * qbar)
    T = var_part + mean_part
    c_all = [*R["c"], *L["c"]]
    nu = 3 * sum(ci**2 for ci in c_all) ** 2 / sum(ci**4 for ci in c_all)
    # wild bootstrap of the mean part: window points in data order, one multiplier each
    order = sorted(R["idx"] + L["idx"])
    xi_all = np.random.default_rng(SEED_XI).choice([-1.0, 1.0], size=(B, len(order)))
    mstar = []
    for row in xi_all:
        xi = dict(zip(order, row))
        D = [0.0] * len(w)
        sig = []
        for sgn, S in ((-1.0, L), (1.0, R)):
            E = [xi[i] * ei / (1 - li) for i, ei, li in zip(S["idx"], S["e"], S["lev"])]
            a_e = sum(si * Ei for si, Ei in zip(S["s"], E))
            b_e = sum(bi * Ei for bi, Ei in zip(S["b"], E))
            Er = [Ei - a_e - b_e * ui for Ei, ui in zip(E, S["u"])]
            vs = sum((si * er / (1 - li)) ** 2 for si, er, li in zip(S["s"], Er, S["lev"]))
            sig.append(max(vs / S["q"], 1e-12))
            for i, si, li, ep in zip(S["idx"], S["s"], S["lev"], S["eps"]):
                for m in range(len(w)):
                    D[m] += sgn * xi[i] * si / (1 - li) * ep[m]
        Fs = sum(wm * Dm * Dm for wm, Dm in zip(w, D)) / 4
        mstar.append(Fs**2 / (lam * (1 - lam) * (sig[0] + sig[1]) * qbar))
    p = float(np.mean([stats.f.sf(max(T - m, 0.0), 1, nu) for m in mstar]))
    return dict(
        V_plus=R["V"], V_minus=L["V"], V_pooled=Vp, Vr_plus=R["Vr"], Vr_minus=L["Vr"],
        var_diff=var_diff, sigma2_plus=sig_r, sigma2_minus=sig_l, U_n=U, F_n=F,
        lambda_hat=lam, var_part=var_part, mean_part=mean_part, T_n=T, nu=nu,
        mean_part_boot_first5=mstar[:5], mean_part_boot_mean=float(np.mean(mstar)),
        pvalue=p, n_window=len(order),
    )  # fmt: skip


def main():
    out = {
        "provenance": {
            "script": "tests/reference/frechet/frechestest_default_bruteforce.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "date": datetime.date.today().isoformat(),
            "settings": {
                "cutoff": C,
                "h_V": H,
                "kernel": "epanechnikov",
                "seed_xi": SEED_XI,
                "n_resamples": B,
            },  # fmt: skip
        }
    }
    for kind, seed in (("density", 141), ("covariance", 142), ("network", 143)):
        x, Y, meta = make_data(kind, seed)
        out[kind] = {"seed": seed, "x": list(map(float, x)), "Y": Y,
                     "result": statistic(kind, x, Y, meta["w"])}  # fmt: skip
    (HERE / "frechestest_default_bruteforce.json").write_text(json.dumps(out))
    print({k: v["result"]["T_n"] for k, v in out.items() if k != "provenance"})


if __name__ == "__main__":
    main()
