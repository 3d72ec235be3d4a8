"""Result of ``st.dpmm``: posterior draws of the mixing measure plus an ArviZ DataTree."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError, MissingDependencyError
from ..core.plotting import figure_axes
from ..core.resampling import RngLike
from ..core.results import ResultBase, readonly
from ..core.validation import check_level
from . import clustering as _clustering
from . import plots as _plots
from .diagnostics import ess_bulk, ess_tail, rhat_rank
from .distances import orlicz_wasserstein, wasserstein
from .gibbs import mixture_density_1d
from .kernels import mixture_logpdf, mvn_mixture_density, sample_mixture
from .measures import MTM_C, MTM_R, MixingMeasure, mtm_counts
from .partition import PartitionEstimate

__all__ = ["DPMMResult"]


def _mixture_density(x: np.ndarray, w: np.ndarray, mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """sum_k w_k N(x | mu_k, var_k) for draws (S, K) on points x (G,) -> (S, G).

    Components contributing less than 1e-14 anywhere are skipped (numba kernel).
    """
    f = np.ascontiguousarray
    return mixture_density_1d(
        f(x, dtype=float), f(w, dtype=float), f(mu, dtype=float), f(var, dtype=float), 1e-14
    )


def _mvn_density(x: np.ndarray, w: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Mixture density at points x (G, d) for draws w (S, K), mu (S, K, d), cov (S, K, d, d)."""
    return mvn_mixture_density(x, w, mu, cov, 1e-14)


def _default_grid(y: np.ndarray, size: int = 200) -> np.ndarray:
    lo, hi = float(y.min()), float(y.max())
    pad = 0.1 * (hi - lo)
    return np.linspace(lo - pad, hi + pad, size)


@dataclass(frozen=True, repr=False)
class DPMMResult(ResultBase):
    """Posterior of a Dirichlet-process Gaussian mixture (from :func:`stattools.dpmm`).

    Attributes
    ----------
    idata : xarray.DataTree
        ``posterior``: label-invariant draws (``alpha``, ``n_clusters``, ``log_lik``,
        ``w_last``); ``density``: density draws on ``x``; ``mixing_measure``: ``weight``,
        ``loc``, ``scale`` (sd in 1-D, covariance otherwise) by component;
        ``observed_data``: the outcome. Built on first access (needs ``xarray``, the
        ``bayes`` extra); every other method works from the stored arrays, so the fit and
        its summaries run on the core install.
    groups : dict
        The same draws as numpy arrays: ``{group: {"vars": {name: (dims, array)},
        "coords": {...}}}``.
    labels : ndarray or None
        Cluster labels per (chain, draw, observation) when kept.
    y : ndarray, shape (n, d)
        The outcome used.
    """

    groups: Any
    y: np.ndarray
    labels: np.ndarray | None
    formula: str
    response: tuple[str, ...]
    sampler: str
    truncation: int
    method: str
    alpha_fixed: float | None = None
    warnings: tuple[str, ...] = ()
    converged: bool | None = None
    seed: Any = None
    prior_info: str = ""
    _conf_int_kind = "ETI"

    # ------------------------------------------------------------------ build
    @classmethod
    def from_draws(cls, raw: dict, *, y, center, sd, grid, formula, response, sampler,
                   truncation, method, alpha_fixed, prior_info: str = "", pointwise: bool = False,
                   rng: np.random.Generator | None = None) -> DPMMResult:  # fmt: skip
        """Assemble the result from standardised-scale draws with a leading chain axis.

        ``pointwise``: also store the ``log_likelihood`` (per observation) and
        ``posterior_predictive`` (one replicated data set per draw, from ``rng``) groups.
        """
        n, d = y.shape
        C, S, K = raw["w"].shape
        w = raw["w"]
        coords = {"chain": np.arange(C), "draw": np.arange(S), "component": np.arange(K)}
        post_vars: dict[str, Any] = {
            "alpha": (("chain", "draw"), raw["alpha"]),
            "n_clusters": (("chain", "draw"), raw["nocc"].astype(float)),
            "log_lik": (("chain", "draw"), raw["ll"] - n * float(np.log(sd).sum())),
            "w_last": (("chain", "draw"), w[..., -1]),
        }
        if d == 1:
            mu = center[0] + sd[0] * raw["mu"]
            var = sd[0] ** 2 * raw["var"]
            x = _default_grid(y[:, 0]) if grid is None else np.asarray(grid, dtype=float).ravel()
            if x.size == 0 or not np.all(np.isfinite(x)):
                raise DataError("grid must be a non-empty array of finite values.")
            dens = _mixture_density(
                x, w.reshape(C * S, K), mu.reshape(C * S, K), var.reshape(C * S, K)
            )
            post_vars["density"] = (("chain", "draw", "x"), dens.reshape(C, S, -1))
            coords["x"] = x
            mm = {
                "weight": (("chain", "draw", "component"), w),
                "loc": (("chain", "draw", "component"), mu),
                "scale": (("chain", "draw", "component"), np.sqrt(var)),
            }
        else:
            mu = center + sd * raw["mu"]
            cov = raw["var"] * sd[:, None] * sd[None, :]
            grids = np.stack([_default_grid(y[:, j], 100) for j in range(d)])
            wf = w.reshape(C * S, K)
            dens = np.stack(
                [
                    _mixture_density(
                        grids[j], wf, mu[..., j].reshape(C * S, K), cov[..., j, j].reshape(C * S, K)
                    ).reshape(C, S, -1)
                    for j in range(d)
                ],
                axis=2,
            )
            post_vars["density"] = (("chain", "draw", "dim", "x_index"), dens)
            coords.update(
                dim=list(response), x_index=np.arange(grids.shape[1]), dim2=list(response)
            )
            mm = {
                "weight": (("chain", "draw", "component"), w),
                "loc": (("chain", "draw", "component", "dim"), mu),
                "scale": (("chain", "draw", "component", "dim", "dim2"), cov),
            }
        dens_var = post_vars.pop("density")
        dcoords = {k: v for k, v in coords.items() if k not in ("component", "dim2")}
        if d > 1:
            dcoords["x"] = (("dim", "x_index"), grids)
        groups = {
            "posterior": {"vars": post_vars, "coords": {"chain": coords["chain"],
                                                       "draw": coords["draw"]}},
            "density": {"vars": {"density": dens_var}, "coords": dcoords},
            "mixing_measure": {"vars": mm, "coords": coords},
            "observed_data": {"vars": {"y": (("obs", "dim_y"), y)},
                              "coords": {"dim_y": list(response)}},
        }  # fmt: skip
        if pointwise:
            wf = w.reshape(C * S, K)
            muf = mu.reshape(C * S, K, d)
            covf = (var if d == 1 else cov).reshape(C * S, K, d, d)
            ll = mixture_logpdf(y, wf, muf, covf).reshape(C, S, n)
            groups["log_likelihood"] = {"vars": {"y": (("chain", "draw", "obs"), ll)}, "coords": {}}
            g = rng if rng is not None else np.random.default_rng(0)
            yrep = sample_mixture(wf, muf, covf, n, g).reshape(C, S, n, d)
            groups["posterior_predictive"] = {
                "vars": {"y": (("chain", "draw", "obs", "dim_y"), yrep)},
                "coords": {"dim_y": list(response)},
            }
        labels = raw.get("labels")
        labels = None if labels is None or labels.size == 0 else readonly(labels)
        return cls(
            groups=groups, y=readonly(y), labels=labels, formula=formula, response=response,
            sampler=sampler, truncation=truncation, method=method, alpha_fixed=alpha_fixed,
            prior_info=prior_info,
        )  # fmt: skip

    def with_status(
        self, warnings: tuple[str, ...], converged: bool | None, seed: Any = None
    ) -> DPMMResult:
        """A copy carrying the warnings, convergence flag and seed record (``rng=seed``
        reproduces the fit)."""
        return replace(self, warnings=tuple(warnings), converged=converged, seed=seed)

    def with_distances(self, reference: MixingMeasure) -> DPMMResult:
        """A copy whose ``idata['posterior']`` also holds w1, w2 and orlicz to ``reference``."""
        if not isinstance(reference, MixingMeasure):
            raise DataError("reference must be a MixingMeasure.")
        if reference.dim != self.dim:
            raise DataError(f"reference has dimension {reference.dim}, the outcome {self.dim}.")
        dims = ("chain", "draw")
        post = dict(self.groups["posterior"]["vars"])
        post.update(
            w1=(dims, self.distance_to(reference, "w1")),
            w2=(dims, self.distance_to(reference, "w2")),
            orlicz=(dims, self.distance_to(reference, "orlicz", phi="exp")),
        )
        groups = dict(self.groups)
        groups["posterior"] = {"vars": post, "coords": self.groups["posterior"]["coords"]}
        return replace(self, groups=groups)

    @cached_property
    def idata(self) -> Any:
        """The draws as an ArviZ-ready ``xarray.DataTree`` (built on first access).

        Raises :class:`~stattools.core.exceptions.MissingDependencyError` when xarray is not
        installed (``pip install "stattools[bayes]"``).
        """
        try:
            xr = importlib.import_module("xarray")
        except ImportError:
            raise MissingDependencyError(
                "DPMMResult.idata is an xarray DataTree, but xarray is not installed: "
                'pip install "stattools[bayes]" (the fit, summaries, diagnostics and '
                "densities work without it)."
            ) from None
        return xr.DataTree.from_dict(
            {name: xr.Dataset(g["vars"], coords=g["coords"]) for name, g in self.groups.items()}
        )

    # ------------------------------------------------------------------ basics
    @property
    def nobs(self) -> int:  # type: ignore[override]
        """Number of observations."""
        return int(self.y.shape[0])

    @property
    def dim(self) -> int:
        """Dimension of the outcome."""
        return int(self.y.shape[1])

    @property
    def chains(self) -> int:
        """Number of chains."""
        return int(self._invariant("alpha").shape[0])

    @property
    def draws(self) -> int:
        """Kept draws per chain."""
        return int(self._invariant("alpha").shape[1])

    def _invariant(self, name: str) -> np.ndarray:
        return np.asarray(self.groups["posterior"]["vars"][name][1], dtype=float)

    @property
    def params(self) -> pd.Series:
        """Posterior means of alpha and of the number of occupied clusters."""
        return pd.Series(
            [self._invariant("alpha").mean(), self._invariant("n_clusters").mean()],
            index=["alpha", "n_clusters"],
        )

    @property
    def bse(self) -> pd.Series:
        """Posterior standard deviations."""
        return pd.Series(
            [self._invariant("alpha").std(ddof=1), self._invariant("n_clusters").std(ddof=1)],
            index=["alpha", "n_clusters"],
        )

    @property
    def tvalues(self) -> pd.Series:
        """Not applicable to posterior summaries (NaN)."""
        return pd.Series(np.nan, index=self.params.index)

    @property
    def pvalues(self) -> pd.Series:
        """Not applicable to posterior summaries (NaN)."""
        return pd.Series(np.nan, index=self.params.index)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Equal-tailed credible intervals (``attrs['kind'] == 'ETI'``)."""
        level = check_level(level)
        q = [(1 - level) / 2, (1 + level) / 2]
        rows = [np.quantile(self._invariant(k), q) for k in ("alpha", "n_clusters")]
        df = pd.DataFrame(rows, index=["alpha", "n_clusters"], columns=["lower", "upper"])
        df.attrs["level"] = level
        df.attrs["kind"] = "ETI"
        return df

    # ------------------------------------------------------------------ draws
    def _flat(self, name: str) -> np.ndarray:
        v = np.asarray(self.groups["mixing_measure"]["vars"][name][1])
        return v.reshape(-1, *v.shape[2:])

    def mixing_measures(self) -> list[MixingMeasure]:
        """Every draw of G as a location-scale :class:`MixingMeasure` (chains concatenated)."""
        w, mu, sc = self._flat("weight"), self._flat("loc"), self._flat("scale")
        out = []
        for s in range(w.shape[0]):
            keep = w[s] > 0
            ws = w[s][keep] / w[s][keep].sum()
            out.append(MixingMeasure(ws, mu[s][keep], sc[s][keep]))
        return out

    def distance_to(
        self, G0: MixingMeasure, metric: str = "w1", phi: Any = "exp", ground: str = "location"
    ) -> np.ndarray:
        """Distance from every draw of G to ``G0``: ``"w1"``, ``"w2"`` or ``"orlicz"``.

        Returns an array of shape (chains, draws). Locations are compared by default.
        """
        if metric not in ("w1", "w2", "orlicz"):
            raise DataError(f"metric must be 'w1', 'w2' or 'orlicz'; got {metric!r}.")
        vals = []
        for G in self.mixing_measures():
            Gl = G if ground != "location" else MixingMeasure(G.weights, G.atoms)
            Hl = G0 if ground != "location" else MixingMeasure(G0.weights, G0.atoms)
            if metric == "orlicz":
                vals.append(orlicz_wasserstein(Gl, Hl, phi=phi, ground=ground))
            else:
                vals.append(wasserstein(Gl, Hl, p=1 if metric == "w1" else 2, ground=ground))
        return np.asarray(vals).reshape(self.chains, self.draws)

    def predictive_density(self, grid: Any = None, level: float = 0.95) -> pd.DataFrame:
        """Posterior mean density with pointwise equal-tailed ``level`` bands.

        ``grid``: points (m,) in 1-D or (m, d); default the stored grid (1-D).
        Returns columns ``x`` (or the response names), ``mean``, ``lower``, ``upper``.
        """
        level = check_level(level)
        w = self._flat("weight")
        if self.dim == 1:
            x = (
                np.asarray(self.groups["density"]["coords"]["x"])
                if grid is None
                else np.asarray(grid, dtype=float).ravel()
            )
            dens = _mixture_density(x, w, self._flat("loc"), self._flat("scale") ** 2)
            out = pd.DataFrame({"x": x})
        else:
            if grid is None:
                raise DataError("grid (an (m, d) array of points) is required for d > 1.")
            x = np.atleast_2d(np.asarray(grid, dtype=float))
            if x.shape[1] != self.dim:
                raise DataError(f"grid must have {self.dim} columns; got shape {x.shape}.")
            dens = _mvn_density(x, w, self._flat("loc"), self._flat("scale"))
            out = pd.DataFrame(x, columns=list(self.response))
        if not np.all(np.isfinite(x)):
            raise DataError("grid must contain finite values only.")
        q = np.quantile(dens, [(1 - level) / 2, (1 + level) / 2], axis=0)
        out["mean"] = dens.mean(0)
        out["lower"], out["upper"] = q[0], q[1]
        out.attrs["level"] = level
        return out

    def n_clusters(
        self,
        kind: str = "occupied",
        omega: float | None = None,
        c: float = MTM_C,
        r: float = MTM_R,
        rng: RngLike = 0,
    ) -> pd.Series:
        """Posterior pmf of the number of clusters: ``"occupied"`` or ``"mtm"`` atoms.

        MTM (merge-truncate-merge, :func:`~stattools.mixture.merge_truncate_merge`) is
        applied to every draw with the locations in units of the data's standard deviation
        (per coordinate), the convention :func:`~stattools.contraction_study` uses too. Its
        default ``omega`` uses n; ``c = 0.5, r = 2`` are the calibrated defaults; ``rng``
        sets the random merge order (numba kernel over all draws).
        """
        if kind == "occupied":
            k = self._invariant("n_clusters").ravel().astype(int)
        elif kind == "mtm":
            k = self._mtm_counts(omega=omega, c=c, r=r, rng=rng)
        else:
            raise DataError(f"kind must be 'occupied' or 'mtm'; got {kind!r}.")
        pmf = pd.Series(np.bincount(k) / k.size).rename_axis("k").rename("probability")
        return pmf[pmf > 0]

    def _mtm_counts(self, omega=None, c: float = MTM_C, r: float = MTM_R, rng: RngLike = 0):
        """MTM atom count of every draw (chains concatenated), locations / data sd."""
        mu = self._flat("loc")
        sd = self.y.std(0)
        mu = mu / sd[0] if self.dim == 1 else mu / sd
        return mtm_counts(self._flat("weight"), mu, omega=omega, n=self.nobs, c=c, r=r, rng=rng)

    def partition(self, loss: str = "binder", level: float = 0.95) -> PartitionEstimate:
        """Partition minimising the posterior expected Binder or VI loss, with its ``level``
        credible ball (Wade and Ghahramani, 2018; as R's mcclust/salso). Needs the labels
        (``keep_labels``, default for n <= 2000)."""
        return _clustering.partition(self, loss, level)

    def cluster_summary(self, loss: str = "binder", level: float = 0.95) -> pd.DataFrame:
        """Relabelled summary of the point-estimate clusters: size, weight, posterior mean and
        ETI of the cluster location, mean component sd (free of label switching)."""
        return _clustering.cluster_summary(self, loss, level)

    def predict_proba(self, newdata: Any, loss: str = "binder") -> pd.DataFrame:
        """Posterior probability that each new point joins each cluster of the point
        estimate (columns 1..C) or a cluster not seen in the data (``new``)."""
        return _clustering.predict_proba(self, newdata, loss)

    def predict(self, newdata: Any = None, loss: str = "binder") -> pd.Series:
        """Most probable cluster of each new point (0 = a new cluster); without ``newdata``
        the point-estimate labels of the observations. A Series named ``cluster`` (indexed
        like ``newdata`` when it is a DataFrame)."""
        if newdata is None:
            return pd.Series(self.partition(loss).labels.copy(), name="cluster")
        proba = self.predict_proba(newdata, loss)
        p = proba.to_numpy()
        k = p.argmax(1) + 1
        index = newdata.index if isinstance(newdata, pd.DataFrame) else proba.index
        return pd.Series(np.where(k == p.shape[1], 0, k), index=index, name="cluster")

    def coclustering(self) -> np.ndarray:
        """Posterior co-clustering probabilities P(z_i = z_j | y), shape (n, n)."""
        if self.labels is None:
            raise DataError("labels were not kept: refit with keep_labels=True.")
        z = self.labels.reshape(-1, self.nobs)
        C = np.zeros((self.nobs, self.nobs))
        for s in range(z.shape[0]):
            C += z[s][:, None] == z[s][None, :]
        return C / z.shape[0]

    def diagnostics(self) -> pd.DataFrame:
        """Rank-normalised R-hat and bulk/tail ESS (tail: 5 % and 95 % quantiles) of the
        label-invariant quantities (Vehtari et al., 2021; equal to ArviZ's values,
        :mod:`stattools.mixture.diagnostics`, no ArviZ needed)."""
        names = (
            ["alpha", "n_clusters", "log_lik"]
            if self.alpha_fixed is None
            else ["n_clusters", "log_lik"]
        )
        rows = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for k in names:
                v = self._invariant(k)
                rows[k] = {"r_hat": rhat_rank(v), "ess_bulk": ess_bulk(v),
                           "ess_tail": ess_tail(v)}  # fmt: skip
        return pd.DataFrame(rows).T

    # ------------------------------------------------------------------ protocol hooks
    def _title(self) -> str:
        return self.method

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [
            ("Model", self.formula),
            ("Sampler", self.sampler),
            ("Truncation K", self.truncation),
            ("Chains x draws", f"{self.chains} x {self.draws}"),
            ("No. observations", self.nobs),
            (
                "Concentration",
                "Gamma prior" if self.alpha_fixed is None else f"fixed {self.alpha_fixed:g}",
            ),
            ("Prior", self.prior_info),
            ("Converged (mixing checks)", self.converged),
            ("Seed", self.seed),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        names = ["alpha", "n_clusters", "log_lik", "w_last"]
        lab = f"eti{100 * level:g}"
        rows = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for k in names:
                v = self._invariant(k)
                lo, hi = np.quantile(v, [(1 - level) / 2, (1 + level) / 2])
                rows[k] = {"mean": v.mean(), "sd": v.std(ddof=1), f"{lab}_lb": lo,
                           f"{lab}_ub": hi, "ess_bulk": ess_bulk(v), "ess_tail": ess_tail(v),
                           "r_hat": rhat_rank(v)}  # fmt: skip
        tab = pd.DataFrame(rows).T.astype(float)
        pmf = self.n_clusters().to_frame()
        pmf.index = pmf.index.astype(int)
        return {f"Posterior ({100 * level:g}% ETI)": tab, "Occupied clusters": pmf}

    def _summary_notes(self) -> list[str]:
        return [
            "Credible intervals are equal-tailed (ETI). Component parameters switch labels "
            "and are kept in idata['mixing_measure'], not summarised.",
            "R-hat is rank-normalised split R-hat; ESS bulk and tail (5 %/95 % quantiles) "
            "follow Vehtari et al. (2021), equal to ArviZ's.",
        ]

    def _glance_stats(self) -> dict[str, Any]:
        diag = self.diagnostics()
        return {
            "sampler": self.sampler,
            "truncation": self.truncation,
            "chains": self.chains,
            "draws": self.draws,
            "alpha": float(self.params["alpha"]),
            "n_clusters": float(self.params["n_clusters"]),
            "w_last": float(self._invariant("w_last").mean()),
            "max_r_hat": float(np.nanmax(diag["r_hat"])) if self.chains > 1 else np.nan,
            "min_ess_bulk": float(np.nanmin(diag["ess_bulk"])),
        }

    def _plot(self, kind: str | None, ax, **kwargs):
        """Every kind returns a :class:`matplotlib.figure.Figure`.

        ``"density"`` (posterior mean density with a pointwise band; 2-D contours),
        ``"trace"`` (per-chain traces and histograms of the label-invariant quantities),
        ``"forest"`` (ETI of alpha and the cluster count by chain), ``"clusters"`` (pmf of
        the occupied count), ``"coclustering"``, ``"pairs"`` (every pair of margins, d > 1),
        ``"assignment"`` (data coloured by the point-estimate partition).
        """
        kind = kind or "density"
        names = (
            ["alpha", "n_clusters", "log_lik"]
            if self.alpha_fixed is None
            else ["n_clusters", "log_lik"]
        )
        if kind == "trace":
            return self._plot_trace(names)
        if kind == "forest":
            return self._plot_forest(ax, names[:-1], kwargs.get("level", 0.95))
        if kind == "pairs":
            return _plots.pairs(self, kwargs.get("max_draws", 200))
        if kind == "assignment":
            return _plots.assignment(self, ax, kwargs.get("loss", "binder"))
        if kind == "density":
            return self._plot_density(ax, kwargs.get("level", 0.95))
        if kind == "clusters":
            fig, ax = figure_axes(ax)
            pmf = self.n_clusters()
            ax.bar(pmf.index, pmf.to_numpy(), color="C0", alpha=0.8)
            ax.set_xlabel("number of occupied clusters")
            ax.set_ylabel("posterior probability")
            return fig
        if kind == "coclustering":
            fig, ax = figure_axes(ax)
            order = np.argsort(self.y[:, 0], kind="stable")
            C = self.coclustering()[np.ix_(order, order)]
            im = ax.imshow(C, vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
            fig.colorbar(im, ax=ax, label="P(same cluster)")
            ax.set_title(f"co-clustering (sorted by {self.response[0]})")
            return fig
        raise DataError(
            "kind must be 'density', 'trace', 'forest', 'clusters', 'coclustering', 'pairs' "
            f"or 'assignment'; got {kind!r}."
        )

    def _plot_trace(self, names: list[str]):
        fig, axes = figure_axes(
            None, nrows=len(names), ncols=2, figsize=(9, 2.2 * len(names)), squeeze=False
        )
        for i, name in enumerate(names):
            v = self._invariant(name)
            for c in range(v.shape[0]):
                axes[i, 0].plot(v[c], lw=0.6, color=f"C{c}", label=f"chain {c}")
                axes[i, 1].hist(v[c], bins=30, histtype="step", color=f"C{c}", density=True)
            axes[i, 0].set_ylabel(name)
            axes[i, 1].set_xlabel(name)
        axes[-1, 0].set_xlabel("draw")
        axes[0, 0].legend(fontsize="small")
        fig.tight_layout()
        return fig

    def _plot_forest(self, ax, names: list[str], level: float):
        fig, ax = figure_axes(ax)
        q = [(1 - level) / 2, 0.5, (1 + level) / 2]
        y = 0
        labels = []
        for name in names:
            v = self._invariant(name)
            for c in range(v.shape[0]):
                lo, med, hi = np.quantile(v[c], q)
                ax.plot([lo, hi], [y, y], color=f"C{c}")
                ax.plot(med, y, "o", color=f"C{c}")
                labels.append(f"{name} (chain {c})")
                y += 1
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel(f"posterior median and {100 * level:g}% ETI")
        return fig

    def _plot_density(self, ax, level: float):
        fig, ax = figure_axes(ax)
        if self.dim == 1:
            pdn = self.predictive_density(level=level)
            ax.hist(self.y[:, 0], bins="auto", density=True, color="0.8", label="data")
            ax.fill_between(pdn["x"], pdn["lower"], pdn["upper"], alpha=0.3, color="C0",
                            label=f"{100 * level:g}% pointwise band")  # fmt: skip
            ax.plot(pdn["x"], pdn["mean"], color="C0", label="posterior mean density")
            ax.set_xlabel(self.response[0])
            ax.set_ylabel("density")
            ax.legend()
            return fig
        a, b = self.y[:, 0], self.y[:, 1]
        ga, gb = _default_grid(a, 60), _default_grid(b, 60)
        A, B = np.meshgrid(ga, gb)
        pts = np.column_stack([A.ravel(), B.ravel()])
        if self.dim > 2:
            pts = np.column_stack([pts, np.tile(self.y[:, 2:].mean(0), (pts.shape[0], 1))])
        w = self._flat("weight")
        idx = np.linspace(0, w.shape[0] - 1, min(w.shape[0], 200)).astype(int)
        dens = _mvn_density(pts, w[idx], self._flat("loc")[idx][..., :], self._flat("scale")[idx])
        ax.scatter(a, b, s=8, color="0.4", label="data")
        ax.contour(A, B, dens.mean(0).reshape(A.shape), levels=10, cmap="viridis")
        ax.set_xlabel(self.response[0])
        ax.set_ylabel(self.response[1])
        ax.set_title(
            "posterior mean density" + (" (other dims at their mean)" if self.dim > 2 else "")
        )
        return fig
