r"""Newton-type fits of the ACD variants on growing subsamples with forward-mode passes.

The problems are the engine's (:class:`.engine._Problem`): ``fgh(phi, hess)`` returns
``(f, g, H, G, I, J)`` from one pass of :func:`.models.tangent_exp` (``H`` the exact Hessian,
``G`` the Gauss-Newton matrix ``mean eps dl dl'``), ``at_bound``, ``clip``. A Gauss-Newton
pass costs about one objective + adjoint gradient; the exact Hessian about twice that.

Why Gauss-Newton: the exponential quasi-likelihood's Hessian is ``G + mean (1 - eps) d^2 l``,
and the second term has mean zero at the truth, so at ``n = 10^6`` Gauss-Newton steps
contract almost as fast as Newton's while needing first derivatives only (and stay
positive semi-definite far from the optimum). The last full-data steps carry the exact
Hessian, which the covariances then reuse.
"""

from __future__ import annotations

import numpy as np

__all__ = ["newton_tangent", "admissible", "fit_tangent_long"]


def newton_tangent(
    prob,
    phi: np.ndarray,
    tol: float,
    max_iter: int = 20,
    hess: bool = True,
    switch: float = 0.0,
    r0=None,
):
    """Newton steps with the exact Hessian of one forward-mode pass per iterate (the
    Gauss-Newton matrix ``G`` where it is not positive definite, or throughout when not
    ``hess``: a cheaper pass), halving steps until the objective falls. Returns
    ``(phi, done, r)``: ``r = (f, g, H, G, I, J)`` at ``phi``; ``done`` when the largest free
    score is below ``tol``. Each accepted trial point already carries the next iterate's
    gradient and matrices, so a step costs one pass. With ``switch > 0`` (and not ``hess``)
    the trial points after a score below ``switch`` get the exact Hessian too, so that the
    last pass usually carries it (``r[2]`` is zero where it does not). ``r0``: the pass at
    ``phi`` when known."""
    r = prob.fgh(phi, hess) if r0 is None else r0
    if r is None:
        return phi, False, None
    for _ in range(max_iter):
        f, g, H, G = r[0], r[1], r[2], r[3]
        free = ~prob.at_bound(phi, g)
        gmax = float(np.max(np.abs(g[free]), initial=0.0))
        if gmax < tol:
            return phi, True, r
        step = np.zeros_like(phi)
        for M in (H, G) if (hess or H.any()) else (G,):
            try:
                Mf = M[np.ix_(free, free)]
                np.linalg.cholesky(Mf)
                step[free] = np.linalg.solve(Mf, g[free])
                break
            except np.linalg.LinAlgError:
                continue
        else:
            break
        t, acc = 1.0, None
        want = hess or gmax < switch
        for _ in range(20):
            cand = prob.clip(phi - t * step)
            rc = prob.fgh(cand, want)
            if rc is not None and (
                rc[0] < f or (rc[0] <= f + 1e-13 * abs(f) and np.max(np.abs(rc[1][free])) < gmax)
            ):
                acc = rc
                break
            t /= 2
        if acc is None:
            break
        phi, r = cand, acc
    free = ~prob.at_bound(phi, r[1])
    return phi, bool(np.max(np.abs(r[1][free]), initial=0.0) < tol), r


def admissible(prob, phi: np.ndarray, home: np.ndarray, halvings: int = 12):
    """``phi`` moved back along the segment towards ``home`` (``home + t (phi - home)``,
    ``t = 1, 1/2, 1/4, ...``, then ``home``) until the state of ``prob`` stays in its
    domain. Returns ``(phi', r, moved)`` (``r`` the first-order pass at ``phi'``) or ``None``
    when even ``home`` is outside.

    Why: the admissible region of the linear and Box-Cox recursions (``psi_i > 0`` for every
    spell) depends on the data, and a subsample's optimum can lie outside the full series'
    region. BACD with a small ``delta2`` is the case met: ``alpha eps^delta2 ~ alpha + alpha
    delta2 log eps``, so ``omega`` and ``alpha`` are separately identified only by the tail of
    ``log eps``; the first 20,000 spells of a series simulated at ``(0.05, 0.1, 0.85, 1.4,
    0.4)`` (``n = 300,000``, rng 3) have their maximum at ``omega = -0.40``, ``delta1 =
    3.5``, ``delta2 = 0.13`` (3.4 log-likelihood units above the truth there), where the
    state of the full series turns negative; the full series' maximum is near the truth.
    """
    t = 1.0
    for _ in range(halvings):
        cand = prob.clip(home + t * (phi - home))
        r = prob.fgh(cand, False)
        if r is not None:
            return cand, r, t < 1.0
        t /= 2
    r = prob.fgh(home, False)
    return None if r is None else (home, r, True)


def _stage(prob, phi: np.ndarray, home: np.ndarray, tol: float, tried: list, **kw):
    """:func:`newton_tangent` on ``prob`` from ``phi`` (moved into its admissible region by
    :func:`admissible`). When ``phi`` had to be moved, the subsample that produced it was
    misleading (its optimum lies where this sample's likelihood does not exist), so the fit
    is also run from ``home`` (the start that led there, admissible) and the better of the
    two kept (unless ``home`` is in ``tried``, the homes this stage already ran from).
    Returns ``(phi, done, r)`` or ``None``."""
    adm = admissible(prob, phi, home)
    if adm is None:
        return None
    ph, r0, moved = adm
    if kw.get("hess", True):  # r0 carries no Hessian
        r0 = None
    out = newton_tangent(prob, ph, tol, r0=r0, **kw)
    if moved and not any(np.array_equal(home, h) for h in tried):
        tried.append(home)
        alt = newton_tangent(prob, home, tol, **kw)
        if out[2] is None or (
            alt[2] is not None and (alt[2][0], not alt[1]) < (out[2][0], not out[1])
        ):
            out = alt
    return None if out[2] is None else out


def _distinct(runs: list, gap: float = 1e-3) -> list:
    """The runs ``(f, phi, home)`` sorted by ``f``, without those within ``gap`` (sup norm
    of ``phi``) of a better one: the local optima the stages carry on."""
    out: list = []
    for run in sorted(runs, key=lambda t: t[0]):
        if all(np.max(np.abs(run[1] - o[1])) > gap for o in out):
            out.append(run)
    return out


def fit_tangent_long(prob, make, n: int, cands, tol: float, sub: int, big: float):
    """Long series, exponential QML (``prob.tangent_ok()``): Gauss-Newton steps (one
    first-order forward-mode pass each) from every start ``cands`` (``(f0, phi0)`` pairs) on
    the first ``sub`` spells (``make(size)`` builds the problem of the first ``size``
    spells), then on ``5 sub`` spells, then on the full data to the tolerance ``tol`` of the
    polish, the last steps with the exact Hessian (smooth news terms: the pass the
    covariances need). Returns ``(phi, r)`` (``r`` the pass at ``phi``), or ``None`` when a
    stage fails (the caller then takes its quasi-Newton path).

    Every distinct optimum of a stage (:func:`_distinct`) goes on to the next one, which
    keeps the best: a subsample's likelihood can rank its local optima otherwise than the
    full series' (BACD, ``n = 70,000``, rng 1: the screen's best optimum led to a local
    maximum of the full series 1.5 log-likelihood units below the global one). The
    screens' optima usually coincide, so this costs nothing then. Each stage starts inside
    its sample's admissible region (:func:`admissible`, :func:`_stage`)."""
    from .models import smooth_tangent

    smooth = smooth_tangent(prob.spec.layout)
    small = make(sub)
    runs = []
    for f0, p0 in cands:
        if f0 >= big:
            continue
        ph, _, r = newton_tangent(small, p0, 1e-6, max_iter=40, hess=False)
        if r is not None:
            runs.append((r[0], ph, p0))
    if not runs:
        return None
    runs = _distinct(runs)
    size = 5 * sub
    while size * 3 < n:
        mid, tried = make(size), []
        nxt = [(st[2][0], st[0], home) for _, ph, home in runs
               if (st := _stage(mid, ph, home, 1e-6, tried, hess=False)) is not None]  # fmt: skip
        if not nxt:
            return None
        runs = _distinct(nxt)
        size *= 10
    sw, tried = (1e-5 if smooth else 0.0), []
    fin = [st for _, ph, home in runs
           if (st := _stage(prob, ph, home, tol, tried, max_iter=30, hess=False, switch=sw))
           is not None]  # fmt: skip
    if not fin:
        return None
    best, done, r = min(fin, key=lambda st: st[2][0])
    if not done:
        return None
    if smooth and not r[2].any():  # the last pass had no Hessian: one more at the estimate
        r = prob.fgh(best, True)
    return (best, r) if r is not None else None
