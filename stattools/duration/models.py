r"""The ACD model variants of R ACDm 1.1.0 on one recursion engine with an adjoint gradient.

Every model is ``x_i = psi_i eps_i`` with a state ``s_i`` (``psi_i``, ``log psi_i`` or
``psi_i^delta1``) that follows

.. math::

    s_i = \omega + \sum_t \theta_t B_t(\varepsilon_{i-l_t}, s_{i-l_t}, x_{i-l_t})
          + \sum_{j \le q} \beta_j s_{i-j} + \xi' z_{i-1},

a sum of *news terms* ``theta_t B_t`` (a coefficient times a basis function of a lagged
residual, state or duration) plus the autoregression of the state. A model is a table of
news terms (:class:`Layout`); one numba kernel runs the recursion for all of them, and one
anti-causal (adjoint) pass gives the exact gradient of the log-likelihood in every
recursion parameter, including the Box-Cox powers, ``nu`` and ``c``.

Models (ACDm's names and parameter order; ``eps = x / psi``):

* ``"lacd1"`` (``"log"``), Bauwens and Giot (2000):
  ``log psi_i = omega + sum alpha_j log eps_{i-j} + sum beta_j log psi_{i-j}``.
* ``"lacd2"``, Lunde (1999): ``log psi_i = omega + sum alpha_j eps_{i-j} + sum beta_j log psi_{i-j}``.
* ``"exacd"``, Dufour and Engle (2000):
  ``log psi_i = omega + sum (alpha_j eps_{i-j} + delta_j |eps_{i-j} - 1|) + sum beta_j log psi_{i-j}``.
* ``"amacd"`` (order ``(p, r, q)``), Hautsch (2012):
  ``psi_i = omega + sum alpha_j x_{i-j} + sum nu_j eps_{i-j} + sum beta_j psi_{i-j}``.
* ``"bacd"``, Hautsch (2003): ``psi_i^d1 = omega + sum alpha_j eps_{i-j}^d2 + sum beta_j psi_{i-j}^d1``.
* ``"abacd"``, Hautsch (2012):
  ``psi_i^d1 = omega + sum alpha_j (|eps_{i-j} - nu| + c (eps_{i-j} - nu))^d2 + sum beta_j psi_{i-j}^d1``.
* ``"aacd"``, Hautsch (2012): as ABACD with the news term multiplied by ``psi_{i-j}^d1``.
* ``"sniacd"`` (breakpoints ``b_1 < ... < b_M``), Hautsch (2012) as in ACDm's C code:
  ``psi_i = omega + sum_j [(c_0 + a_j) eps_{i-j} + sum_{k: eps_{i-j} >= b_k} (c_k + a_j)
  (eps_{i-j} - b_k)] + sum beta_j psi_{i-j}`` with ``a_1 = 0`` (a piecewise-linear news
  impact curve with slopes ``c_0``, ``c_0 + c_1``, ...; ``alpha[j] = a_j`` for ``j >= 2``).

Start of the recursion (``backcast``): every presample state equals ``s(b)``, presample
residuals equal 1 and presample durations ``b``; with ACDm's rule the first ``m`` states are
``s(b)`` and the residuals of those spells are ``x_i / b`` (ABACD and AACD: 1, as ACDm).

Differences from ACDm 1.1.0, found by reading its C code (``getLL.c``), where ACDm deviates
from its own documentation:

* AMACD with ``r > 1``: ACDm uses ``eps_{i-1}`` for every ``nu_j``; here ``nu_j`` multiplies
  ``eps_{i-j}`` as documented (identical for ``r = 1``).
* SNIACD with ``p > 1``: ACDm leaves ``a_2..a_p`` uninitialised (a loop bound is off by one);
  here they are the parameters ``alpha[2..p]`` (identical for ``p = 1``).
* ABACD and AACD: ACDm evaluates the likelihood of the first ``m`` spells at ``eps = 1`` for
  laws written in ``eps`` (e.g. the exponential); here they use ``x_i / b`` (a constant shift of
  the log-likelihood, the estimates are unaffected).

Gradients are exact (adjoint) for every recursion parameter, including ``delta1``,
``delta2``, ``nu`` and ``c``; the shape block uses the law's ``dlogpdf_shape``. The numba
kernels (forward pass, fused exponential objective and gradient, pull-form adjoint) are in
:mod:`.kernels`; a forward-mode kernel (:mod:`.kernels_tangent`, :func:`tangent_exp`) gives the
exponential QML objective, gradient, exact Hessian and information matrices in one pass (the
long-series fits and the covariances of LACD1, LACD2, AMACD and BACD use it:
:mod:`.tangent_fit`). The likelihoods of EXACD, ABACD, AACD and SNIACD are not differentiable
everywhere (kinks of ``|eps - 1|``, ``|eps - nu|`` and the hinges; a cusp at ``eps = nu`` when
``delta2 < 1``). EXACD and SNIACD have kinks at fixed points and converge in the usual sense;
ABACD and AACD are fitted along a smoothing path with a derivative-free polish on the exact
likelihood (:mod:`.kink`), and their observed Hessian is that of the smoothed likelihood.

Not confirmed from the sources: the papers' own start-up rules; the recursions follow
ACDm 1.1.0's C code (read for this implementation), with the deviations listed above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from . import kernels as _k
from . import kernels_tangent as _kt

__all__ = ["Layout", "layout", "MODELS", "forward", "negloglik_generic", "canonical_model"]

# transforms psi = T(s)
LIN, EXP, POW = 0, 1, 2
# basis codes
B_X, B_E, B_LOGE, B_ABS1, B_EPOW, B_AUG, B_AUGS, B_HINGE, B_SNI = range(9)

MODELS = ("acd", "lacd1", "lacd2", "exacd", "amacd", "bacd", "abacd", "aacd", "sniacd")
_ALIASES = {"log": "lacd1", "log1": "lacd1", "logacd": "lacd1", "log2": "lacd2"}
LABELS = {
    "acd": "ACD",
    "lacd1": "log-ACD type I",
    "lacd2": "log-ACD type II",
    "exacd": "EXACD",
    "amacd": "AMACD",
    "bacd": "Box-Cox ACD",
    "abacd": "augmented Box-Cox ACD",
    "aacd": "augmented ACD",
    "sniacd": "SNIACD",
}


def canonical_model(model: str) -> str:
    """Lower-case ACDm name of a model (``"log"`` is ``"lacd1"``); unknown names pass through.

    Examples
    --------
    >>> canonical_model("LACD2"), canonical_model("log")
    ('lacd2', 'lacd1')
    """
    key = model.lower().replace("-", "").replace("_", "")
    return _ALIASES.get(key, key)


@dataclass(frozen=True)
class Layout:
    """Table of news terms and parameter positions of one model (see the module docstring)."""

    model: str
    names: tuple[str, ...]
    transform: int
    t_coef: np.ndarray  # parameter index of each news term
    t_basis: np.ndarray  # basis code
    t_lag: np.ndarray  # lag
    t_aux: np.ndarray  # breakpoint index (SNIACD)
    i_beta: int  # index of beta_1
    q: int
    i_d1: int  # -1 when absent
    i_d2: int
    i_nu: int
    i_c: int
    bps: np.ndarray  # (0, b_1, ..., b_M)
    m: int  # max lag (ACDm's number of fixed leading states)
    eps_one: bool  # ACDm's presample residual 1 (ABACD, AACD)
    persistence: tuple[int, ...]  # indices whose sum is the persistence
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    start: tuple[float, ...]  # ACDm's start on data of mean 1
    scale: str  # how parameters scale with the time unit: "linear", "log" or "none"


def layout(
    model: str, order: tuple[int, ...], breakpoints: tuple[float, ...] = (1.0,), tau: float = 0.0
) -> Layout:
    """The :class:`Layout` of ``model`` with ``order`` (``(p, q)``, AMACD ``(p, r, q)``);
    ``tau > 0`` smooths the kink of ABACD/AACD (``|eps - nu| -> sqrt((eps - nu)^2 + tau^2)``).

    Examples
    --------
    >>> layout("abacd", (1, 1)).names
    ('omega', 'alpha[1]', 'beta[1]', 'c', 'nu', 'delta1', 'delta2')
    >>> layout("sniacd", (1, 1), (0.5, 1.5)).names
    ('omega', 'c[0]', 'c[1]', 'c[2]', 'beta[1]')
    """
    model = canonical_model(model)
    inf = math.inf
    names: list[str] = ["omega"]
    lower: list[float] = [-inf]
    upper: list[float] = [inf]
    start: list[float] = []
    terms: list[tuple[int, int, int, int]] = []
    i_d1 = i_d2 = i_nu = i_c = -1
    transform = LIN
    eps_one = False
    bps = np.zeros(1)
    if model == "amacd":
        p, r, q = order
    else:
        p, q = order
        r = 0

    def add(name: str, lo: float = -inf, hi: float = inf) -> int:
        names.append(name)
        lower.append(lo)
        upper.append(hi)
        return len(names) - 1

    def betas(lo: float, hi: float) -> int:
        first = len(names)
        for j in range(1, q + 1):
            add(f"beta[{j}]", lo, hi)
        return first

    if model in ("lacd1", "lacd2", "exacd"):
        transform = EXP
        code = B_LOGE if model == "lacd1" else B_E
        for j in range(1, p + 1):
            terms.append((add(f"alpha[{j}]"), code, j, 0))
        if model == "exacd":
            for j in range(1, p + 1):
                terms.append((add(f"delta[{j}]"), B_ABS1, j, 0))
        i_beta = betas(-1 + 1e-8, 1 - 1e-8)
        w0 = {"lacd1": 0.03, "lacd2": 0.0, "exacd": 0.0}[model]
        a0 = 0.05 if model == "exacd" else 0.03
        start = [w0] + [a0 / p] * p + ([0.0] * p if model == "exacd" else []) + [0.98 / q] * q
        if model == "exacd":
            start[-q:] = [0.9 / q] * q
        scale = "log"
    elif model == "amacd":
        for j in range(1, p + 1):
            terms.append((add(f"alpha[{j}]"), B_X, j, 0))
        for j in range(1, r + 1):
            terms.append((add(f"nu[{j}]"), B_E, j, 0))
        i_beta = betas(-inf, inf)
        start = [1 / 20] + [0.1 / p] * p + [0.0] * r + [0.8 / q] * q
        scale = "linear"
    elif model in ("bacd", "abacd", "aacd"):
        transform = POW
        eps_one = model != "bacd"
        code = {"bacd": B_EPOW, "abacd": B_AUG, "aacd": B_AUGS}[model]
        coefs = [add(f"alpha[{j}]") for j in range(1, p + 1)]
        i_beta = betas(-inf, inf)
        if model != "bacd":
            i_c = add("c", -1.0, 1.0)
            i_nu = add("nu")
            bps = np.array([float(tau)])  # read by the kernels as the smoothing tau
        i_d1 = add("delta1", 1e-3, 50.0)
        i_d2 = add("delta2", 1e-3, 50.0)
        for j, cf in enumerate(coefs, start=1):
            terms.append((cf, code, j, 0))
        start = [1 / 20] + [0.1 / p] * p + [0.8 / q] * q
        start += {"bacd": [1.0, 1.0], "abacd": [0.9, 0.01, 1.0, 1.0], "aacd": [0.8, 0.1, 1.1, 1.1]}[
            model
        ]
        scale = "none"
    elif model == "sniacd":
        bp = np.asarray(breakpoints, dtype=float)
        bps = np.r_[0.0, bp]
        cs = [add(f"c[{k}]") for k in range(bp.size + 1)]
        for k, cf in enumerate(cs):
            for j in range(1, p + 1):
                terms.append((cf, B_HINGE, j, k))
        for j in range(2, p + 1):
            terms.append((add(f"alpha[{j}]"), B_SNI, j, 0))
        i_beta = betas(-inf, inf)
        start = [1 / 10, 0.15] + [0.02] * bp.size + [0.1] * (p - 1) + [0.8 / q] * q
        scale = "linear"
    else:  # the linear ACD, for completeness (the fitted ACD uses recursion.py's filters)
        for j in range(1, p + 1):
            terms.append((add(f"alpha[{j}]"), B_X, j, 0))
        i_beta = betas(-inf, inf)
        start = [1 / 10] + [0.15 / p] * p + [0.8 / q] * q
        scale = "linear"
    lower[0] = -inf
    if model in ("lacd1", "lacd2", "exacd"):
        persistence = tuple(range(i_beta, i_beta + q))
    elif model == "amacd":
        persistence = tuple(range(1, 1 + p)) + tuple(range(i_beta, i_beta + q))
    else:
        persistence = tuple(range(i_beta, i_beta + q))
    t = np.array(terms, dtype=np.int64).reshape(-1, 4)
    return Layout(
        model=model,
        names=tuple(names),
        transform=transform,
        t_coef=np.ascontiguousarray(t[:, 0]),
        t_basis=np.ascontiguousarray(t[:, 1]),
        t_lag=np.ascontiguousarray(t[:, 2]),
        t_aux=np.ascontiguousarray(t[:, 3]),
        i_beta=i_beta,
        q=q,
        i_d1=i_d1,
        i_d2=i_d2,
        i_nu=i_nu,
        i_c=i_c,
        bps=bps,
        m=max(p, q, r),
        eps_one=eps_one,
        persistence=persistence,
        lower=tuple(lower),
        upper=tuple(upper),
        start=tuple(start),
        scale=scale,
    )


# ---------------------------------------------------------------------- wrappers
def _args(lay: Layout):
    return (
        lay.transform,
        lay.t_coef,
        lay.t_basis,
        lay.t_lag,
        lay.t_aux,
        lay.i_beta,
        lay.q,
        lay.i_d1,
        lay.i_d2,
        lay.i_nu,
        lay.i_c,
        lay.bps,
    )


def _zl(theta_x: np.ndarray, Z: np.ndarray | None, n: int) -> np.ndarray:
    """Lagged regressor input ``xi' z_{i-1}`` (presample: the column means)."""
    if Z is None or Z.shape[1] == 0:
        return np.empty(0)
    zx = Z @ theta_x
    out = np.empty(n)
    out[0] = float(Z.mean(axis=0) @ theta_x)
    out[1:] = zx[:-1]
    return out


_LOGX: list = [None, None]  # the last x and its logarithm (x is fixed during a fit)


def _logx(x: np.ndarray, lay: Layout) -> np.ndarray:
    """``log x`` for the news terms in ``log eps`` or ``eps^delta2`` (else an empty array)."""
    if lay.t_basis.size == 0 or int(lay.t_basis[0]) not in (2, 4):
        return np.empty(0)
    last, lx = _LOGX
    step = max(1, x.shape[0] // 64)
    # the same array object (a fit evaluates one x many times), checked on a sample
    with np.errstate(divide="ignore", invalid="ignore"):
        if last is x and np.array_equal(lx[::step], np.log(x[::step]), equal_nan=True):
            return lx
        lx = np.log(x)
    _LOGX[:] = [x, lx]
    return lx


def _cache_len(lay: Layout, n: int) -> int:
    return n if lay.t_basis.size and int(lay.t_basis[0]) in (2, 4, 5, 6) else 0


def _fill(th: np.ndarray, x: np.ndarray, lay: Layout, b: float, m: int, zl, eps_one: bool):
    """Run :func:`.kernels.forward`; return ``(ok, f_exp, s, psi, eps, lpsi, pw, lu)``."""
    n = x.shape[0]
    s, psi, eps = np.empty(n), np.empty(n), np.empty(n)
    lpsi = np.empty(n if lay.transform == POW else 0)
    nc = _cache_len(lay, n)
    pw, lu = np.empty(nc), np.empty(nc)
    ok, f = _k.forward(th, x, _logx(x, lay), float(b), m, *_args(lay), zl, eps_one,
                       s, psi, eps, lpsi, pw, lu)  # fmt: skip
    return ok, f, s, psi, eps, lpsi, pw, lu


def forward(
    theta: np.ndarray, x: np.ndarray, lay: Layout, b: float, acdm: bool, Z: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """State, ``psi`` and residual paths ``(s, psi, eps, ok)``; ``ok`` is False when the state
    leaves its domain (``psi <= 0``, overflow).

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 0.5])
    >>> s, psi, eps, ok = forward(np.array([0.1, 0.2, 0.1, 0.7]), x, layout("amacd", (1, 1, 1)),
    ...                           1.0, acdm=False)
    >>> psi.round(4).tolist()  # psi_2 = 0.1 + 0.2 x_1 + 0.1 x_1 / psi_1 + 0.7 psi_1
    [1.1, 1.1609, 1.4849]
    """
    kr = len(lay.names)
    th = np.ascontiguousarray(theta[:kr], dtype=float)
    zl = _zl(np.asarray(theta[kr:], dtype=float), Z, x.shape[0])
    m = lay.m if acdm else 0
    with np.errstate(all="ignore"):
        ok, _, s, psi, eps, _, _, _ = _fill(th, x, lay, b, m, zl, lay.eps_one and acdm)
    return s, psi, eps, bool(ok)


def negloglik_generic(
    theta: np.ndarray,
    shape,
    x: np.ndarray,
    lay: Layout,
    dist,
    b: float,
    acdm: bool,
    Z: np.ndarray | None = None,
    grad: bool = True,
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood and its gradient in ``(theta, shape)``.

    The recursion block of the gradient is exact (adjoint pass); the shape block uses the
    law's ``dlogpdf_shape``. The exponential law runs forward and adjoint passes in one
    numba call (:func:`.kernels.fg_exp`). Outside the parameter space the value is ``inf``.
    """
    n = x.shape[0]
    kr = len(lay.names)
    kk = theta.shape[0] + len(shape)
    th = np.ascontiguousarray(theta[:kr], dtype=float)
    zl = _zl(np.asarray(theta[kr:], dtype=float), Z, n)
    m = lay.m if acdm else 0
    eps_one = lay.eps_one and acdm
    bad = (np.inf, np.full(kk, np.nan))
    with np.errstate(all="ignore"):
        if type(dist).__name__ == "Exponential":
            ok, fs, gr, lam = _k.fg_exp(th, x, _logx(x, lay), float(b), m, *_args(lay), zl,
                                        eps_one, grad)  # fmt: skip
            f = fs / n
            if not ok or not math.isfinite(f):
                return bad
            if not grad:
                return f, np.empty(0)
            e_l = None
        else:
            if not dist.valid(shape):
                return bad
            ok, _, s, psi, eps, lpsi, pw, lu = _fill(th, x, lay, b, m, zl, eps_one)
            if not ok:
                return bad
            # the likelihood uses x / b for ACDm's fixed leading spells too
            e_l = x / psi
            f = float((np.log(psi) - dist.logpdf(e_l, shape)).sum() / n)
            if not math.isfinite(f):
                return bad
            if not grad:
                return f, np.empty(0)
            h = (1.0 + dist.score_eps(e_l, shape)) / psi
            if lay.transform == LIN:
                g = h
            elif lay.transform == EXP:
                g = h * psi
            else:
                g = h * psi / (th[lay.i_d1] * s)
            lam = np.zeros(n)
            gr = _k.adjoint(th, x, float(b), m, *_args(lay), s, psi, eps, lpsi, pw, lu, g, h,
                            False, lam)  # fmt: skip
        out = np.empty(kk)
        out[:kr] = gr / n
        if Z is not None and Z.shape[1]:
            zm = Z.mean(axis=0)
            out[kr : theta.shape[0]] = (lam[1:] @ Z[:-1] + lam[0] * zm) / n
        if len(shape):
            out[theta.shape[0] :] = -dist.dlogpdf_shape(e_l, shape).sum(axis=0) / n
    if not np.all(np.isfinite(out)):
        return bad
    return f, out


def hessian_jacobian_exp(
    theta: np.ndarray, x: np.ndarray, lay: Layout, b: float, acdm: bool, steps: np.ndarray
):
    """Exponential QML, no regressors: forward differences (steps ``steps``) of the gradient of
    the mean negative log-likelihood and of ``log psi``, from the same ``k + 1`` passes.

    Returns ``(H, log psi, d log psi / d theta)`` (``H`` symmetrised), or ``None`` when a
    pass leaves the parameter space. One pass is the forward recursion plus the adjoint, so
    the observed Hessian and the per-spell Jacobian of the covariances cost ``k + 1`` passes
    instead of ``2 (k + 1)``.

    Examples
    --------
    >>> x = np.random.default_rng(1).exponential(size=500)
    >>> lay = layout("bacd", (1, 1))
    >>> th = np.array([0.05, 0.1, 0.85, 0.6, 0.7])
    >>> H, s, jac = hessian_jacobian_exp(th, x, lay, 1.0, False, np.full(5, 1e-6))
    >>> H.shape, jac.shape, bool(np.allclose(H, H.T))
    ((5, 5), (500, 5), True)
    >>> up = forward(th + np.r_[0, 0, 0, 1e-6, 0], x, lay, 1.0, False)[1]  # psi, delta1 + h
    >>> bool(np.allclose((np.log(up) - s) / 1e-6, jac[:, 3]))
    True
    """
    n, k = x.shape[0], theta.shape[0]
    m = lay.m if acdm else 0
    eps_one = lay.eps_one and acdm

    def one(th):
        with np.errstate(all="ignore"):
            ok, _, s, psi, eps, lpsi, pw, lu = _fill(th, x, lay, b, m, np.empty(0), eps_one)
            if not ok:
                return None
            e0 = np.empty(0)
            gr = _k.adjoint(th, x, float(b), m, *_args(lay), s, psi, eps, lpsi, pw, lu, e0, e0,
                            True, np.zeros(n))  # fmt: skip
            return gr / n, np.log(psi)

    th0 = np.ascontiguousarray(theta, dtype=float)
    base = one(th0)
    if base is None:
        return None
    g0, s0 = base
    H = np.empty((k, k))
    jac = np.empty((n, k))
    for j in range(k):
        up = th0.copy()
        up[j] += steps[j]
        r = one(up)
        if r is None:
            return None
        H[:, j] = (r[0] - g0) / steps[j]
        jac[:, j] = (r[1] - s0) / steps[j]
    return 0.5 * (H + H.T), s0, jac


def tangent_exp(
    theta: np.ndarray,
    x: np.ndarray,
    lay: Layout,
    b: float,
    acdm: bool,
    hess: bool = True,
    info: bool = True,
):
    """Exponential QML without regressors, one forward-mode pass (:mod:`.kernels_tangent`):
    ``(f, g, H, G, I, J)`` of the mean negative log-likelihood (``H`` exact Hessian, ``G``
    Gauss-Newton, ``I`` score outer product, ``J`` mean ``dl dl'``; ``H`` is zero unless
    ``hess``, the other three unless ``info``), or ``None`` when the state leaves its domain
    or the layout has a news term the kernel does not handle.

    Examples
    --------
    >>> x = np.random.default_rng(1).exponential(size=500)
    >>> lay = layout("bacd", (1, 1))
    >>> th = np.array([0.05, 0.1, 0.85, 0.6, 0.7])
    >>> f, g, H, G, I, J = tangent_exp(th, x, lay, 1.0, False)
    >>> from stattools.duration.distributions import Exponential
    >>> f0, g0 = negloglik_generic(th, (), x, lay, Exponential(), 1.0, False)
    >>> bool(abs(f - f0) < 1e-14 and np.allclose(g, g0, rtol=1e-12, atol=1e-15))
    True
    """
    if not _kt.supported(lay.t_basis):
        return None
    n = x.shape[0]
    th = np.ascontiguousarray(theta[: len(lay.names)], dtype=float)
    m = lay.m if acdm else 0
    with np.errstate(all="ignore"):
        ok, f, g, H, G, In, J = _kt.tangent_exp(
            th, x, _logx(x, lay), float(b), m, lay.transform, lay.t_coef, lay.t_basis,
            lay.t_lag, lay.t_aux, lay.i_beta, lay.q, lay.i_d1, lay.i_d2, lay.bps,
            lay.eps_one and acdm, hess, info,
        )  # fmt: skip
    f = f / n
    if not ok or not math.isfinite(f) or not np.all(np.isfinite(g)):
        return None
    return f, g / n, H / n, G / n, In / n, J / n


def tangent_supported(lay: Layout) -> bool:
    """Whether :func:`tangent_exp` handles every news term of the layout (not ABACD/AACD)."""
    return _kt.supported(lay.t_basis)


def smooth_tangent(lay: Layout) -> bool:
    """Whether the layout's news terms are smooth in the parameters (codes 0, 1, 2, 4: ACD,
    LACD1/2, AMACD, BACD), so that :func:`tangent_exp`'s Hessian is the observed Hessian;
    at the kinks of EXACD and SNIACD it is the derivative almost everywhere only."""
    return bool(lay.t_basis.size) and all(int(c) in (0, 1, 2, 4) for c in lay.t_basis)


def obs_terms(theta, shape, x, lay: Layout, dist, b: float, acdm: bool, Z=None) -> np.ndarray:
    """Per-observation ``-l_i`` (NaN outside the parameter space)."""
    with np.errstate(all="ignore"):
        s, psi, eps, ok = forward(theta, x, lay, b, acdm, Z)
        if not ok:
            return np.full(x.shape[0], np.nan)
        return np.log(psi) - dist.logpdf(x / psi, shape)


@numba.njit(cache=True)
def _paths(
    theta,
    tr,
    t_coef,
    t_basis,
    t_lag,
    t_aux,
    i_beta,
    q,
    i_d1,
    i_d2,
    i_nu,
    i_c,
    bps,
    s_h,
    e_h,
    x_h,
    E,
):  # pragma: no cover - compiled
    """Conditional durations ``psi_{N+1..N+H}`` along simulated paths (``E``: paths x H)."""
    npath, H = E.shape
    m = s_h.shape[0]
    d1 = theta[i_d1] if i_d1 >= 0 else 1.0
    d2 = theta[i_d2] if i_d2 >= 0 else 1.0
    nu = theta[i_nu] if i_nu >= 0 else 0.0
    c = theta[i_c] if i_c >= 0 else 0.0
    out = np.empty((npath, H))
    s = np.empty(m + H)
    e = np.empty(m + H)
    xx = np.empty(m + H)
    nt = t_coef.shape[0]
    for r in range(npath):
        s[:m] = s_h
        e[:m] = e_h
        xx[:m] = x_h
        for h in range(H):
            i = m + h
            v = theta[0]
            for t in range(nt):
                j = i - t_lag[t]
                v += (
                    theta[t_coef[t]]
                    * _k.basis(t_basis[t], e[j], s[j], xx[j], t_aux[t], d2, nu, c, bps)[0]
                )
            for jj in range(1, q + 1):
                v += theta[i_beta + jj - 1] * s[i - jj]
            if tr == 0:
                p_ = v
            elif tr == 1:
                p_ = math.exp(v)
            else:
                p_ = v ** (1.0 / d1) if v > 0 else np.nan
            s[i] = v
            e[i] = E[r, h]
            xx[i] = p_ * E[r, h]
            out[r, h] = p_
    return out


def simulate_variant(
    model: str,
    params,
    n: int,
    rng=None,
    order: tuple[int, ...] = (1, 1),
    breakpoints: tuple[float, ...] = (1.0,),
    burn: int = 1000,
) -> np.ndarray:
    """``n`` durations from ``model`` with exponential errors (after ``burn`` spells started
    at ``psi = 1``); used by the benchmarks and tests of the variants.

    Examples
    --------
    >>> x = simulate_variant("abacd", [0.05, 0.15, 0.85, 0.3, 0.4, 0.8, 0.7], 5, rng=1)
    >>> x.shape, bool(np.all(x > 0))
    ((5,), True)
    """
    from ..core.exceptions import DataError
    from ..core.resampling import as_seed_sequence

    lay = layout(model, tuple(order), tuple(breakpoints))
    theta = np.asarray(params, dtype=float)
    if theta.shape != (len(lay.names),):
        raise DataError(f"params: {model!r} takes {len(lay.names)} values {lay.names}.")
    gen = np.random.default_rng(as_seed_sequence(rng))
    E = gen.exponential(size=(1, n + burn))
    d1 = theta[lay.i_d1] if lay.i_d1 >= 0 else 1.0
    s0 = {LIN: 1.0, EXP: 0.0, POW: 1.0}[lay.transform] ** d1
    m = max(lay.m, 1)
    psi = _paths(theta, *_args(lay), np.full(m, s0), np.ones(m), np.ones(m), E)[0]
    if not np.all(np.isfinite(psi) & (psi > 0)):
        raise DataError(
            f"params: the {model!r} recursion leaves its domain (psi <= 0 or overflow)."
        )
    return (psi * E[0])[burn:]


def forecast_generic(res, horizon: int, n_paths: int = 2000, rng=0):
    """``E[x_{N+h} | F_N]`` for the models of this module: the first step is exact, later
    steps are Monte Carlo means over ``n_paths`` paths with errors drawn from the fitted law
    (regressors held at their last value are not supported here)."""
    import pandas as pd

    from ..core.exceptions import NotSupportedError
    from ..core.resampling import as_seed_sequence

    model = res._model
    spec = model.spec
    if spec.exog:
        raise NotSupportedError(
            f"forecasts of model={spec.kind!r} with regressors are not supported."
        )
    lay = spec.layout
    theta = np.ascontiguousarray(res.params.iloc[: spec.k].to_numpy(dtype=float))
    x = np.asarray(model.x, dtype=float)
    s, psi, eps, ok = forward(theta, x, lay, model.b, spec.acdm, None)
    m = lay.m
    if x.shape[0] < m:
        raise NotSupportedError("too few observations to forecast.")
    gen = np.random.default_rng(as_seed_sequence(rng))
    E = (
        np.ones((1, 1))
        if horizon == 1
        else res.dist.rvs(n_paths * horizon, gen).reshape(n_paths, horizon)
    )
    paths = _paths(theta, *_args(lay), s[-m:].copy(), eps[-m:].copy(), x[-m:].copy(), E)
    means = paths.mean(axis=0)
    return pd.Series(means[:horizon], index=pd.RangeIndex(1, horizon + 1), name="forecast")


def model_note(spec) -> str:
    """Summary note on the model's recursion and the meaning of its persistence."""
    note = _model_note(spec)
    if spec.kind in ("exacd", "abacd", "aacd", "sniacd"):
        note += (
            " Its news term has kinks (|eps - 1|, |eps - nu| or breakpoints): the observed "
            "Hessian is a finite-difference quantity that depends on the step, so prefer "
            "cov_type='expected' (first derivatives only) for the exponential QMLE."
        )
    return note


def _model_note(spec) -> str:
    lay = spec.layout
    kind = spec.kind
    if lay.transform == EXP:
        return (
            f"{LABELS[kind]}: the recursion is on log psi, so psi > 0 for any parameters; "
            "covariance-stationary state if |sum beta| < 1. No alpha + beta = 1 test here."
        )
    if lay.transform == POW:
        return (
            f"{LABELS[kind]}: the recursion is on psi^delta1 (Box-Cox); persistence of that "
            "state = sum beta. The alpha + beta = 1 tests apply to model='acd' only."
        )
    what = "alpha + beta" if kind == "amacd" else "sum beta"
    return (
        f"{LABELS[kind]}: linear recursion on psi, persistence = {what}; the tests of "
        "alpha + beta = 1 and the tail index apply to model='acd' only."
    )
