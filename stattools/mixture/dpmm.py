"""``st.dpmm``: Dirichlet-process Gaussian mixtures by blocked Gibbs (default) or PyMC."""

from __future__ import annotations

import importlib.util
import inspect
import math
import warnings
from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import (
    DataError,
    MissingDependencyError,
    MixingWarning,
    NotSupportedError,
    TiesWarning,
    TruncationWarning,
)
from ..core.formula import Design
from ..core.resampling import RngLike, as_seed_sequence, parallel_map, seed_record
from .collapsed import collapsed_1d
from .gibbs import gibbs_1d, gibbs_nd
from .measures import MixingMeasure
from .results import DPMMResult

__all__ = ["dpmm", "DEFAULT_PRIOR_1D", "DEFAULT_PRIOR_ND"]

#: NIG base measure on the standardised scale (1-D).
DEFAULT_PRIOR_1D = {"m0": 0.0, "kappa0": 0.02, "a0": 2.0, "b0": 0.3}
#: NIW base measure on the standardised scale (d dimensions; psi0 = psi_scale * I).
DEFAULT_PRIOR_ND = {"m0": 0.0, "kappa0": 0.02, "nu0": None, "psi_scale": 0.1}

RHAT_MAX = 1.01
ESS_MIN = 100.0
INVARIANTS = ["alpha", "n_clusters", "log_lik"]


def _positive(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a positive number; got {value!r}.") from None
    if not (math.isfinite(v) and v > 0):
        raise DataError(f"{name} must be a positive number; got {value!r}.")
    return v


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise DataError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _alpha_prior(alpha: Any) -> tuple[bool, float, float, float]:
    """(learn, initial value, a, b) from a fixed positive alpha or ('gamma', a, b)."""
    if isinstance(alpha, tuple | list):
        if len(alpha) != 3 or alpha[0] != "gamma":
            raise DataError(f"alpha must be a positive number or ('gamma', a, b); got {alpha!r}.")
        a = _positive(alpha[1], "alpha prior shape a")
        b = _positive(alpha[2], "alpha prior rate b")
        return True, a / b, a, b
    a0 = _positive(alpha, "alpha (concentration)")
    return False, a0, 1.0, 1.0


PRIOR_SCALES = ("standardised", "data")


def _prior(
    prior: Mapping[str, Any] | None,
    d: int,
    scale: float | None,
    sd: np.ndarray,
    center: np.ndarray | None = None,
    prior_scale: str = "standardised",
) -> dict:
    """Kernel hyperparameters on the standardised scale.

    ``prior_scale="data"``: the hyperparameters are in data units and are mapped exactly
    (y_std = (y - center) / sd): m0 -> (m0 - center) / sd, b0 -> b0 / sd^2, tau0 -> tau0 / sd,
    Psi0 -> D^-1 Psi0 D^-1 (D = diag sd); kappa0, a0 and nu0 are scale-free.
    """
    if prior_scale not in PRIOR_SCALES:
        raise DataError(f"prior_scale must be one of {PRIOR_SCALES}; got {prior_scale!r}.")
    if prior is not None and not isinstance(prior, Mapping):
        raise DataError("prior must be a mapping of hyperparameters (see DEFAULT_PRIOR_1D).")
    user = dict(prior or {})
    on_data = prior_scale == "data"
    center = np.zeros(d) if center is None else np.asarray(center, dtype=float)
    if d == 1:
        allowed = set(DEFAULT_PRIOR_1D) | {"tau0"}
        base = dict(DEFAULT_PRIOR_1D, tau0=2.0)
        needed = {"m0", "tau0"} if scale is not None else {"m0", "b0"}
    else:
        allowed = set(DEFAULT_PRIOR_ND) | {"psi0"}
        base = dict(DEFAULT_PRIOR_ND, psi0=None)
        needed = {"m0"}
    bad = set(user) - allowed
    if bad:
        raise DataError(f"unknown prior hyperparameters {sorted(bad)}; allowed: {sorted(allowed)}.")
    if d == 1 and "tau0" in user and scale is None:
        raise DataError(
            "prior tau0 (the prior sd of the means) is used only with a known component sd: "
            "give scale=..., or drop tau0 (with a free scale the means have prior "
            "N(m0, sigma^2 / kappa0))."
        )
    if d > 1 and "psi0" in user and "psi_scale" in user:
        raise DataError("give prior psi0 (a full d x d matrix) or psi_scale, not both.")
    if on_data and needed - set(user):
        raise DataError(
            f"prior_scale='data' needs the location/scale hyperparameters "
            f"{sorted(needed - set(user))} in data units (the defaults are standardised)."
        )
    if on_data and d > 1 and not ({"psi0", "psi_scale"} & set(user)):
        raise DataError("prior_scale='data' needs prior psi0 (or psi_scale) in data units.")
    base.update(user)
    m0 = np.asarray(base["m0"], dtype=float)
    if m0.ndim > 1 or m0.size not in (1, d) or not np.all(np.isfinite(m0)):
        raise DataError(f"prior m0 must be a finite scalar or a vector of length {d}.")
    m0 = np.broadcast_to(m0, (d,)).astype(float)
    if on_data:
        m0 = (m0 - center) / sd
    cfg: dict[str, Any] = {"m0": m0, "k0": _positive(base["kappa0"], "prior kappa0")}
    cfg["prior_scale"] = prior_scale
    if d == 1:
        cfg["m0"] = float(m0[0])
        unit = sd[0] if on_data else 1.0
        cfg["a0"] = _positive(base["a0"], "prior a0")
        cfg["b0"] = _positive(base["b0"], "prior b0") / unit**2
        cfg["tau0sq"] = (_positive(base["tau0"], "prior tau0") / unit) ** 2
        cfg["known_var"] = 0.0 if scale is None else (_positive(scale, "scale") / sd[0]) ** 2
    else:
        if scale is not None:
            raise NotSupportedError("a known scale is supported for 1-D outcomes only.")
        nu0 = d + 2.0 if base["nu0"] is None else float(base["nu0"])
        if not nu0 > d - 1:
            raise DataError(f"prior nu0 must exceed d - 1 = {d - 1}; got {nu0}.")
        cfg["nu0"] = nu0
        if base["psi0"] is not None:
            psi0 = np.asarray(base["psi0"], dtype=float)
            if psi0.shape != (d, d) or not np.allclose(psi0, psi0.T):
                raise DataError(f"prior psi0 must be a symmetric {d} x {d} matrix.")
            if not np.all(np.isfinite(psi0)) or np.linalg.eigvalsh(psi0).min() <= 0:
                raise DataError("prior psi0 must be positive definite.")
        else:
            psi0 = np.eye(d) * _positive(base["psi_scale"], "prior psi_scale")
            psi0 = psi0 * max(nu0 - d - 1, 1.0)
        cfg["psi0"] = psi0 / np.outer(sd, sd) if on_data else psi0
    return cfg


def _run_chain(seed: int, *, ys: np.ndarray, cfg: dict) -> dict:
    if cfg["sampler"] == "collapsed":
        out = collapsed_1d(
            ys[:, 0], cfg["K"], cfg["n_tune"], cfg["n_draws"], cfg["thin"], cfg["m0"],
            cfg["k0"], cfg["a0"], cfg["b0"], cfg["known_var"], cfg["tau0sq"], cfg["alpha0"],
            cfg["a_alpha"], cfg["b_alpha"], cfg["learn_alpha"], seed, cfg["keep_labels"],
            cfg["split_merge"],
        )  # fmt: skip
        names = ["w", "mu", "var", "alpha", "nocc", "ll", "labels", "overflow", "sm_accepted"]
        return dict(zip(names, out))
    if ys.shape[1] == 1:
        out = gibbs_1d(
            ys[:, 0], cfg["K"], cfg["n_tune"], cfg["n_draws"], cfg["thin"], cfg["m0"],
            cfg["k0"], cfg["a0"], cfg["b0"], cfg["known_var"], cfg["tau0sq"], cfg["alpha0"],
            cfg["a_alpha"], cfg["b_alpha"], cfg["learn_alpha"], seed, cfg["keep_labels"],
            cfg["disc"],
        )  # fmt: skip
    else:
        out = gibbs_nd(
            ys, cfg["K"], cfg["n_tune"], cfg["n_draws"], cfg["thin"], np.ascontiguousarray(cfg["m0"]),
            cfg["k0"], cfg["nu0"], cfg["psi0"], cfg["alpha0"], cfg["a_alpha"], cfg["b_alpha"],
            cfg["learn_alpha"], seed, cfg["keep_labels"], cfg["disc"],
        )  # fmt: skip
    return dict(zip(["w", "mu", "var", "alpha", "nocc", "ll", "labels"], out))


def _response(formula: str, data: pd.DataFrame, na_action: str) -> tuple[np.ndarray, list[str]]:
    design = Design.from_formula(formula, data, na_action=na_action)
    if design.terms != ["Intercept"]:
        raise NotSupportedError(
            f"dpmm fits unconditional mixtures: the right-hand side must be '1'; got terms "
            f"{design.terms}."
        )
    try:
        y = design.y.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"the response {design.response} must be numeric.") from None
    bad = ~np.isfinite(y)
    if bad.any():
        col = design.response[int(np.nonzero(bad.any(0))[0][0])]
        raise DataError(f"column {col!r} contains infinite values.")
    if y.shape[0] < 2:
        raise DataError(f"dpmm needs at least 2 observations; got {y.shape[0]}.")
    sd = _robust_sd(y)
    if np.any(sd == 0):
        col = design.response[int(np.nonzero(sd == 0)[0][0])]
        raise DataError(f"column {col!r} has zero variance.")
    # component variances live on the data scale: sd^2 times standardised variances that
    # range over ~1e-8..1e8, so sd^2 must stay well inside the floating-point range
    lsd = np.log10(sd)
    bad = (lsd > 145) | (lsd < -145) | (np.abs(y).max(0) > 1e150)
    if np.any(bad):
        j = int(np.nonzero(bad)[0][0])
        raise DataError(
            f"column {design.response[j]!r} has magnitude {np.abs(y[:, j]).max():.3g} and sd "
            f"{sd[j]:.3g}: component variances would overflow/underflow double precision. "
            "Rescale the column (e.g. divide by a power of 10) before fitting."
        )
    return y, design.response


def _robust_sd(y: np.ndarray) -> np.ndarray:
    """Column sds without overflow: s0 * sd(y / s0) with s0 = max |y|."""
    s0 = np.abs(y).max(0)
    s0 = np.where(s0 > 0, s0, 1.0)
    with np.errstate(over="ignore", under="ignore"):
        return s0 * (y / s0).std(0)


#: share of observations equal to another observation above which TiesWarning is emitted
TIES_SHARE = 0.5


def _ties_message(y: np.ndarray, response: list[str]) -> str | None:
    n = y.shape[0]
    counts = np.unique(y, axis=0, return_counts=True)[1]
    share = float(counts[counts > 1].sum()) / n
    if share > TIES_SHARE:
        return (
            f"ties: {100 * share:.0f}% of the observations of {', '.join(response)} equal "
            "another observation; a Gaussian mixture will build tiny-variance clusters on the tied "
            "values (the density and cluster counts then describe the rounding). Jitter the "
            "data by the rounding unit or model them as discrete."
        )
    return None


def dpmm(
    formula: str,
    data: pd.DataFrame,
    *,
    truncation: int = 30,
    sampler: str = "gibbs",
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    thin: int = 1,
    alpha: Any = ("gamma", 1.0, 1.0),
    prior: Mapping[str, Any] | None = None,
    scale: float | None = None,
    grid: Any = None,
    reference: MixingMeasure | None = None,
    keep_labels: bool | None = None,
    rng: RngLike = None,
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool | None = None,
    na_action: str = "raise",
    check: bool = True,
    pointwise: bool | None = None,
    prior_scale: str = "standardised",
    process: str = "dp",
    discount: float = 0.0,
    split_merge: int | None = None,
) -> DPMMResult:
    """Dirichlet-process Gaussian mixture by blocked Gibbs sampling (or PyMC's NUTS).

    Parameters
    ----------
    formula : str
        ``"y ~ 1"`` (1-D) or ``"y1 + y2 ~ 1"`` (multivariate). Only ``1`` on the right.
    data : pandas.DataFrame
    truncation : int, default 30
        Stick-breaking truncation level K >= 2.
    sampler : {"gibbs", "collapsed", "pymc"}
        ``"gibbs"``: blocked Gibbs (Ishwaran and James, 2001) in numba, one kernel per
        chain. ``"collapsed"`` (1-D): Neal's (2000) algorithm 3 with the atoms and weights
        integrated out and alpha by Escobar and West (1995); each kept draw of G is built
        from the partition (Dirichlet weights, posterior atoms, a stick-broken DP remainder
        in the other K - C slots), plus ``split_merge`` merge-split proposals per sweep
        (Dahl's sequentially-allocated merge-split). It is the better-mixing sampler for
        large n: at n = 10^4, K = 50 its ESS per CPU second for the number of clusters was
        ~10x the blocked sampler's with the default 3 proposals per sweep
        (``benchmarks/RESULTS.md``), but a sweep costs more: 2000 sweeps took ~5.1 s CPU
        against 3.3 s for the blocked sampler on a quiet machine, so the default stays
        ``"gibbs"`` (which also covers d > 1 and Pitman-Yor).
        ``"pymc"``: the same model with ``pm.StickBreakingWeights`` and NUTS, for any
        d >= 1 (slow, for cross-checks; see Notes for the multivariate prior).
    split_merge : int, optional
        Merge-split proposals per sweep of ``sampler="collapsed"`` (default 3; 0 turns
        them off). Each proposal picks two observations at random: if they share a cluster,
        its other members are allocated one by one (random order) to the two sides with
        probabilities proportional to size times predictive density, and the split is
        accepted by Metropolis-Hastings; otherwise the merge of their clusters is proposed
        with the reverse ratio (Dahl, 2003). The move leaves the exact posterior invariant:
        alone it reproduces the posterior over all 203 partitions of 6 points (tested).
    process : {"dp", "pitman-yor"}
        Stick-breaking prior of the weights: the Dirichlet process (V_k ~ Beta(1, alpha)) or
        the Pitman-Yor process with ``discount`` d in [0, 1) (V_k ~ Beta(1 - d, alpha + k d);
        Pitman and Yor, 1997; as R's BNPmix), whose number of clusters grows like n^d.
        ``prior=`` keeps holding the base-measure hyperparameters; alpha > 0.
    discount : float, default 0
        Pitman-Yor discount d (only with ``process="pitman-yor"``).
    chains, draws, tune, thin : int
        Chains, kept draws per chain, burn-in sweeps, thinning.
    alpha : float or ("gamma", a, b)
        Fixed DP concentration, or a Gamma(a, rate b) prior (default Gamma(1, 1)).
    prior : mapping, optional
        Base-measure hyperparameters, on the scale named by ``prior_scale``. 1-D NIG:
        ``m0, kappa0, a0, b0`` (defaults 0, 0.02, 2, 0.3 standardised); with ``scale``
        given, ``m0`` and ``tau0`` (prior sd of the means, default 2; ``tau0`` without
        ``scale`` raises). d-D NIW: ``m0`` (scalar or length-d), ``kappa0, nu0`` and either
        ``psi_scale`` (defaults 0, 0.02, d + 2, 0.1; Psi0 = psi_scale max(nu0 - d - 1, 1) I,
        so E Sigma = psi_scale I when nu0 >= d + 2) or ``psi0``, a full positive-definite
        d x d scale matrix Sigma_0 (E Sigma = Psi0 / (nu0 - d - 1)).
    prior_scale : {"standardised", "data"}
        ``"standardised"`` (default): the prior is for the data centred and divided by
        their sd, so it adapts to the data (convenient, but then it depends on the data,
        and strict simulation-based calibration is impossible). ``"data"``: the
        hyperparameters are in data units (m0 and b0, or tau0 with ``scale``, or psi0 /
        psi_scale in d-D, are required) and are mapped exactly to the sampler's scale, so
        the prior does not depend on the data. ``summary()`` states the scale used.
    scale : float, optional
        Known common component standard deviation (data units; 1-D only).
    grid : array_like, optional
        Points for the posterior density draws (1-D); default 200 points over the data
        range +/- 10 %. For d > 1 the marginal densities are stored on per-dimension grids.
    reference : MixingMeasure, optional
        A reference mixing measure (e.g. the truth in a simulation): the distances W_1, W_2
        and W_Phi (Phi(x) = exp(x) - 1) from every draw of G to it (atom locations) are
        stored as ``w1``, ``w2`` and ``orlicz`` in ``idata["posterior"]``.
    keep_labels : bool, optional
        Keep the cluster labels of every draw (for :meth:`DPMMResult.coclustering`);
        default True when n <= 2000.
    rng : None, int, Generator or SeedSequence
        One SeedSequence child per chain: the draws do not depend on ``n_jobs``.
    n_jobs, backend, progress
        Chains run through :func:`stattools.core.resampling.parallel_map`.
    na_action : {"raise", "drop"}
    check : bool, default True
        Check truncation adequacy, mixing and PyMC divergences (warnings below); False
        skips all three (``converged`` is then None).
    pointwise : bool, optional
        Store the pointwise ``log_likelihood`` group (so ``az.loo`` and ``az.compare``
        work) and a ``posterior_predictive`` group (one replicated data set per draw);
        default True when chains x draws x n <= 10^7 (80 MB per group).

    Returns
    -------
    DPMMResult
        Posterior draws of the mixing measure and an ArviZ DataTree (``result.idata``,
        built on first access: the fit, summaries and mixing checks need neither ArviZ nor
        xarray, only ``idata`` does):
        ``posterior`` holds only label-invariant scalars (``alpha``, ``n_clusters``
        (occupied), ``log_lik``, ``w_last``, the weight of the last stick), so
        ``az.summary(result.idata)`` is short; ``density`` the density draws on the grid;
        ``mixing_measure`` the component draws; ``observed_data`` the outcome ``y``; with
        ``pointwise``, ``log_likelihood`` (``y``: log p(y_i | G), for ``az.loo``) and
        ``posterior_predictive`` (``y``: replicated data).

    Raises
    ------
    DataError
        NaN/infinite data, fewer than 2 observations, zero variance, ``truncation < 2``,
        non-positive concentration or prior parameters.
    NotImplementedError
        Terms other than ``1``; a known ``scale`` with d > 1.

    Warns
    -----
    TruncationWarning
        Posterior mean of the last weight w_K > 1e-3, or 4 n exp(-(K - 1) / alpha_97.5) >
        0.01 (Ishwaran and James' bound with the posterior 97.5 % quantile of alpha).
    MixingWarning
        R-hat > 1.01 or bulk ESS < 100 for alpha, the number of occupied clusters or the
        log-likelihood (label-invariant quantities; component parameters are not checked,
        they switch labels). PyMC divergences also warn.

    Notes
    -----
    y_i | z_i ~ N(mu_{z_i}, Sigma_{z_i}), z_i ~ Cat(w), w_k = V_k prod_{l<k} (1 - V_l),
    V_k ~ Beta(1, alpha), V_K = 1; (mu_k, Sigma_k) ~ NIG / NIW; alpha ~ Gamma(a, b). The
    data are standardised internally and every draw is reported on the data scale.
    The posterior predictive density is the average over draws of sum_k w_k N(x | theta_k),
    exact under the truncated model.

    Each sweep updates the labels, then alpha | z with the sticks integrated out (one slice
    step in log alpha), Metropolis swaps of adjacent labels (Papaspiliopoulos and Roberts,
    2008), the sticks and the atoms (see :mod:`stattools.mixture.gibbs`). The tests check
    the sampler against the exact posterior obtained by enumerating set partitions (n = 6).
    The number of occupied clusters mixes slowly (small clusters in the tails appear and
    vanish rarely) and overestimates the number of components (Miller and Harrison, 2014);
    ``n_clusters(kind="mtm")`` post-processes the draws.

    ``sampler="pymc"`` uses the same priors as the Gibbs sampler, with no mismatch: the
    NIG prior in 1-D (``InverseGamma`` variances, ``Normal`` means), and for d > 1 the NIW
    prior written through the Bartlett decomposition, because PyMC has no inverse-Wishart
    distribution: Sigma_k^{-1} = P_k P_k^T, P_k = L0 A_k with L0 L0^T = Psi0^{-1},
    (A_k)_ii^2 ~ chi^2(nu0 - i), (A_k)_{i>j} ~ N(0, 1), so Sigma_k ~ IW(nu0, Psi0) exactly,
    and mu_k = m0 + P_k^{-T} e_k / sqrt(kappa0), e_k ~ N(0, I), so mu_k | Sigma_k ~
    N(m0, Sigma_k / kappa0) (an ``LKJCholeskyCov`` prior would only approximate it). The
    likelihood is a vectorised log-sum-exp ``pm.Potential``; labels, occupied counts and
    the log-likelihood are drawn/evaluated afterwards from p(z | w, theta) for every draw.
    What differs is the sampler, not the model: NUTS moves poorly between modes of the
    (label-switching, multimodal) posterior, so its alpha and occupied-cluster draws mix
    far more slowly than the Gibbs ones, while the predictive density agrees (tested).

    Not confirmed from the source: the default hyperparameters are this package's choice,
    not those of Guha, Ho and Nguyen (2023), whose simulation design could not be read.

    References
    ----------
    Ishwaran, H., James, L. F. (2001). Gibbs sampling methods for stick-breaking priors.
    JASA 96, 161-173. Neal, R. M. (2000). Markov chain sampling methods for Dirichlet
    process mixture models. JCGS 9, 249-265. Dahl, D. B. (2003). An improved merge-split
    sampler for conjugate Dirichlet process mixture models. Technical report 1086,
    Department of Statistics, University of Wisconsin-Madison (the report itself could not
    be consulted here; the move follows its published description, and its exactness is
    checked by enumeration). Jain, S., Neal, R. M. (2004). A split-merge Markov chain
    Monte Carlo procedure for the Dirichlet process mixture model. JCGS 13, 158-182.

    Examples
    --------
    Two well-separated clusters (``check=False`` skips the R-hat/ESS checks, which such
    short chains fail for the number of clusters; real analyses keep them on):

    >>> import pandas as pd
    >>> import stattools as st
    >>> G0 = st.MixingMeasure([0.5, 0.5], [-3.0, 3.0], scale=1.0)
    >>> df = pd.DataFrame({"y": G0.sample(200, rng=0)})
    >>> fit = st.dpmm("y ~ 1", df, truncation=20, alpha=0.5, chains=2, draws=1000,
    ...               tune=200, rng=1, check=False)
    >>> int(fit.n_clusters().idxmax())  # occupied clusters overestimate (Miller-Harrison)
    4
    >>> dens = fit.predictive_density([-3.0, 0.0, 3.0])
    >>> bool(dens["mean"].iloc[0] > 10 * dens["mean"].iloc[1])
    True
    """
    y, response = _response(formula, data, na_action)
    n, d = y.shape
    cfg = _settings(
        n, d, _robust_sd(y), truncation=truncation, sampler=sampler, chains=chains,
        draws=draws, tune=tune, thin=thin, alpha=alpha, prior=prior, scale=scale,
        keep_labels=keep_labels, prior_scale=prior_scale, process=process, discount=discount,
        split_merge=split_merge,
    )  # fmt: skip
    K, chains, learn, alpha0 = cfg["K"], cfg["chains"], cfg["learn_alpha"], cfg["alpha0"]
    center, sd = y.mean(0), _robust_sd(y)
    ys = np.ascontiguousarray((y - center) / sd)
    cfg.update(_prior(prior, d, scale, sd, center, prior_scale))
    ties = _ties_message(y, response)
    ss = as_seed_sequence(rng)
    seed = seed_record(ss)
    children = ss.spawn(chains + 1)  # one per chain, the last for the predictive draws
    notes: list[str] = []
    overflow = 0
    if sampler in ("gibbs", "collapsed"):
        seeds = [int(c.generate_state(1)[0]) for c in children[:chains]]
        outs = parallel_map(
            partial(_run_chain, ys=ys, cfg=cfg),
            seeds,
            n_jobs=n_jobs,
            backend=backend,
            progress=progress,
            desc="dpmm chains",
        )
        raw = {k: np.stack([o[k] for o in outs]) for k in outs[0]}
        overflow = int(raw.pop("overflow", np.zeros(1)).sum())
        n_acc = int(raw.pop("sm_accepted", np.zeros(1)).sum())
        n_prop = chains * cfg["split_merge"] * (cfg["n_tune"] + cfg["n_draws"] * cfg["thin"])
        sm = (
            f" + {cfg['split_merge']} merge-split proposals per sweep, {n_acc / n_prop:.1%} "
            "accepted"
            if n_prop
            else ""
        )
        method = (
            f"DP Gaussian mixture (collapsed Gibbs, Neal's algorithm 3{sm})"
            if sampler == "collapsed"
            else "DP Gaussian mixture (blocked Gibbs)"
            if process == "dp"
            else f"Pitman-Yor (discount {cfg['disc']:g}) Gaussian mixture (blocked Gibbs)"
        )
    else:
        from .pymc_backend import sample_pymc_1d, sample_pymc_nd

        pm_seed = int(ss.generate_state(1)[0])
        if d == 1:
            raw = sample_pymc_1d(ys[:, 0], cfg, pm_seed, progress)
        else:
            raw = sample_pymc_nd(ys, cfg, pm_seed, progress)
        method = "DP Gaussian mixture (PyMC NUTS)"
        if raw.pop("divergences") > 0:
            notes.append("divergences")
    result = DPMMResult.from_draws(
        raw,
        y=y,
        center=center,
        sd=sd,
        grid=grid,
        formula=formula,
        response=tuple(response),
        sampler=sampler,
        truncation=K,
        method=method,
        alpha_fixed=None if learn else alpha0,
        prior_info=_prior_info(prior, prior_scale, cfg, d),
        pointwise=bool(chains * cfg["n_draws"] * n <= 10**7 if pointwise is None else pointwise),
        rng=np.random.default_rng(children[chains]),
    )
    if reference is not None:
        result = result.with_distances(reference)
    msgs: list[str] = [] if ties is None else [ties]
    if overflow:
        msgs.append(
            f"truncation K = {K} is below the number of clusters of the collapsed sampler's "
            f"partition in {overflow} kept draws (their smallest clusters were folded into the "
            f"remainder of G): refit with a larger truncation."
        )
    if check and "divergences" in notes:
        msgs.append(
            "PyMC reported divergent transitions: NUTS explores DP mixtures poorly "
            "(multimodal, label switching); use sampler='gibbs'."
        )
    if check:
        msgs += _truncation_messages(result, n, K, cfg["disc"])
        msgs += _mixing_messages(result, chains)
    for m in msgs:
        cls = (
            TiesWarning
            if m.startswith("ties: ")
            else TruncationWarning
            if m.startswith("truncation")
            else MixingWarning
        )
        warnings.warn(m, cls, stacklevel=2)
    mixing = [m for m in msgs if not m.startswith(("truncation", "ties: "))]
    converged = not mixing if check else None
    return result.with_status(tuple(msgs), converged, seed)


SAMPLERS = ("gibbs", "collapsed", "pymc")
#: merge-split proposals per sweep of sampler="collapsed" (split_merge=None)
SPLIT_MERGE_DEFAULT = 3
PROCESSES = ("dp", "pitman-yor")


def _prior_info(prior: Mapping[str, Any] | None, prior_scale: str, cfg: dict, d: int) -> str:
    """One line for the summary: which scale the prior is on, and its values."""
    given = ", ".join(f"{k}={v!r}" for k, v in dict(prior or {}).items()) or "defaults"
    base = "NIG" if d == 1 else "NIW"
    if prior_scale == "data":
        return f"{base} on the data scale ({given})"
    return f"{base} on the standardised scale: data centred, divided by their sd ({given})"


_SIGNATURE = inspect.signature(dpmm)


def _settings(
    n: int, d: int, sd: np.ndarray, *, truncation, sampler, chains, draws, tune, thin, alpha,
    prior, scale, keep_labels, prior_scale="standardised", process="dp", discount=0.0,
    split_merge=None,
) -> dict:  # fmt: skip
    """Validate the sampler options and build the kernel configuration (no data needed)."""
    K = _count(truncation, "truncation", 2)
    if K > 32767:
        raise DataError("truncation must be at most 32767.")
    if sampler not in SAMPLERS:
        raise DataError(f"sampler must be one of {SAMPLERS}; got {sampler!r}.")
    if sampler == "pymc" and importlib.util.find_spec("pymc") is None:
        raise MissingDependencyError(
            'sampler="pymc" needs PyMC, which is not installed: pip install "stattools[bayes]" '
            '(or use the default sampler="gibbs", which needs no optional package).'
        )
    chains = _count(chains, "chains", 1)
    draws = _count(draws, "draws", 1)
    tune = _count(tune, "tune", 0)
    thin = _count(thin, "thin", 1)
    learn, alpha0, a_alpha, b_alpha = _alpha_prior(alpha)
    if process not in PROCESSES:
        raise DataError(f"process must be one of {PROCESSES}; got {process!r}.")
    try:
        disc = float(discount)
    except (TypeError, ValueError):
        raise DataError(f"discount must be a number in [0, 1); got {discount!r}.") from None
    if not 0.0 <= disc < 1.0:
        raise DataError(f"discount must be in [0, 1); got {discount!r}.")
    if process == "dp" and disc != 0.0:
        raise DataError("discount is a Pitman-Yor parameter: use process='pitman-yor'.")
    if process == "pitman-yor" and sampler != "gibbs":
        raise DataError("process='pitman-yor' is implemented for sampler='gibbs' only.")
    if sampler == "collapsed" and d > 1:
        raise NotSupportedError(
            "sampler='collapsed' is implemented for 1-D outcomes; use sampler='gibbs' for d > 1."
        )
    if split_merge is None:
        n_sm = SPLIT_MERGE_DEFAULT if sampler == "collapsed" else 0
    else:
        if sampler != "collapsed":
            raise DataError("split_merge is an option of sampler='collapsed'.")
        n_sm = _count(split_merge, "split_merge", 0)
    cfg = _prior(prior, d, scale, sd, None, prior_scale)
    keep = n <= 2000 if keep_labels is None else bool(keep_labels)
    cfg.update(
        K=K, n_tune=tune, n_draws=draws, thin=thin, alpha0=alpha0, a_alpha=a_alpha,
        b_alpha=b_alpha, learn_alpha=learn, keep_labels=keep, chains=chains, disc=disc,
        process=process, sampler=sampler, split_merge=n_sm,
    )  # fmt: skip
    return cfg


def check_fit_options(fit: Mapping[str, Any] | None) -> dict:
    """Validate keyword arguments meant for :func:`dpmm` without fitting (for studies).

    Raises ``DataError`` naming unknown or reserved keywords and bad values.
    """
    if fit is None:
        return {}
    if not isinstance(fit, Mapping):
        raise DataError(f"fit must be a dict of dpmm keyword arguments; got {fit!r}.")
    params = _SIGNATURE.parameters
    allowed = set(params) - {"formula", "data"}
    bad = sorted(set(fit) - allowed)
    if bad:
        raise DataError(f"fit has unknown dpmm arguments {bad}; allowed: {sorted(allowed)}.")
    reserved = sorted(set(fit) & {"rng", "n_jobs", "backend", "progress"})
    if reserved:
        raise DataError(f"fit must not set {reserved}: the study controls them.")
    names = ("truncation", "sampler", "chains", "draws", "tune", "thin", "alpha", "prior",
             "scale", "keep_labels", "prior_scale", "process", "discount",
             "split_merge")  # fmt: skip
    kw = {k: fit.get(k, params[k].default) for k in names}
    _settings(100, 1, np.ones(1), **kw)
    return dict(fit)


def _truncation_messages(res: DPMMResult, n: int, K: int, disc: float = 0.0) -> list[str]:
    w_last = float(res._invariant("w_last").mean())
    a975 = float(np.quantile(res._invariant("alpha"), 0.975))
    # Ishwaran-James' bound is for the DP; Pitman-Yor tails are heavier: check w_K only
    bound = 4 * n * math.exp(-(K - 1) / a975) if disc == 0.0 else 0.0
    if w_last > 1e-3 or bound > 0.01:
        k_new = math.ceil(1 + a975 * math.log(400 * n))
        return [
            f"truncation K = {K} looks too small: posterior mean weight of the last stick "
            f"{w_last:.2g}, Ishwaran-James bound 4 n exp(-(K - 1)/alpha_97.5) = {bound:.2g}; "
            f"refit with truncation >= {k_new}."
        ]
    return []


def _mixing_messages(res: DPMMResult, chains: int) -> list[str]:
    diag = res.diagnostics()
    bad = []
    for name, row in diag.iterrows():
        if chains > 1 and np.isfinite(row["r_hat"]) and row["r_hat"] > RHAT_MAX:
            bad.append(f"{name} (R-hat {row['r_hat']:.3f})")
        elif np.isfinite(row["ess_bulk"]) and row["ess_bulk"] < ESS_MIN:
            bad.append(f"{name} (bulk ESS {row['ess_bulk']:.0f})")
    if bad:
        return [
            "the chains mix poorly for " + ", ".join(bad) + f" (thresholds R-hat <= {RHAT_MAX}, "
            f"bulk ESS >= {ESS_MIN:g}): increase draws/tune or thin, and check the trace plot."
        ]
    return []
