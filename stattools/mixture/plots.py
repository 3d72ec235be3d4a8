"""Multivariate plots of a DPMM fit: pairs of margins and the cluster assignment."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.exceptions import DataError
from ..core.lazy import lazy_import
from ..core.plotting import figure_axes
from .clustering import partition
from .kernels import mvn_mixture_density

__all__ = ["pairs", "assignment"]


def _grid(v: np.ndarray, size: int) -> np.ndarray:
    lo, hi = float(v.min()), float(v.max())
    pad = 0.1 * (hi - lo)
    return np.linspace(lo - pad, hi + pad, size)


def pairs(res: Any, max_draws: int = 200) -> Any:
    """Pairs plot: marginal posterior mean densities on the diagonal, data and bivariate
    posterior mean density contours (other coordinates marginalised) off the diagonal."""
    if res.dim < 2:
        raise DataError("kind='pairs' needs a multivariate outcome (d >= 2).")
    d = res.dim
    w, mu, cov = res._flat("weight"), res._flat("loc"), res._flat("scale")
    idx = np.linspace(0, w.shape[0] - 1, min(w.shape[0], max_draws)).astype(int)
    w, mu, cov = w[idx], mu[idx], cov[idx]
    fig, axes = figure_axes(None, nrows=d, ncols=d, figsize=(2.6 * d, 2.6 * d), squeeze=False)
    for i in range(d):
        gi = _grid(res.y[:, i], 80)
        for j in range(d):
            ax = axes[i, j]
            if i == j:
                f = mvn_mixture_density(gi[:, None], w, mu[..., [i]], cov[:, :, [i]][:, :, :, [i]])
                ax.hist(res.y[:, i], bins="auto", density=True, color="0.85")
                ax.plot(gi, f.mean(0), color="C0")
            else:
                gj = _grid(res.y[:, j], 50)
                A, B = np.meshgrid(gj, _grid(res.y[:, i], 50))
                pts = np.column_stack([A.ravel(), B.ravel()])
                sub = [j, i]
                f = mvn_mixture_density(pts, w, mu[..., sub], cov[:, :, sub][:, :, :, sub])
                ax.scatter(res.y[:, j], res.y[:, i], s=4, color="0.5")
                ax.contour(A, B, f.mean(0).reshape(A.shape), levels=8, cmap="viridis")
            if i == d - 1:
                ax.set_xlabel(res.response[j])
            if j == 0:
                ax.set_ylabel(res.response[i])
    fig.tight_layout()
    return fig


def assignment(res: Any, ax: Any = None, loss: str = "binder") -> Any:
    """Data coloured by the point-estimate partition (first two coordinates; 1-D: a strip
    plot against the data value), with the credible-ball radius in the title."""
    est = partition(res, loss)
    fig, ax = figure_axes(ax)
    cmap = lazy_import("matplotlib").colormaps["tab10"]
    for c in range(1, est.n_clusters + 1):
        m = est.labels == c
        if res.dim == 1:
            jitter = np.random.default_rng(0).uniform(-0.3, 0.3, m.sum())
            ax.scatter(res.y[m, 0], c + jitter, s=10, color=cmap((c - 1) % 10), label=f"{c}")
        else:
            ax.scatter(res.y[m, 0], res.y[m, 1], s=10, color=cmap((c - 1) % 10), label=f"{c}")
    ax.set_xlabel(res.response[0])
    ax.set_ylabel("cluster" if res.dim == 1 else res.response[1])
    ax.set_title(
        f"{loss} point estimate: {est.n_clusters} clusters "
        f"({100 * est.level:g}% credible ball radius {est.radius:.3g})"
    )
    ax.legend(title="cluster", fontsize="small")
    return fig
