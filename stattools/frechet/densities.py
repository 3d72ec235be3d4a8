"""Densities from raw samples, histograms and frequency tables; density <-> quantile function.

:func:`create_density` follows R ``frechet::CreateDensity`` (0.3.0): the sample (or
pseudo-sample spread evenly inside each histogram bin) is binned into ``1000`` bins of
width ``delta = range / 1000``; the bin densities are smoothed by a local-linear smoother
(R ``fdapace::Lwls1D``) with bandwidth twice R's ``bw.nrd0`` of the sample; negative values
are set to zero and the curve is renormalised by the trapezoid rule. :func:`density_to_qf`
follows ``fdadensity::dens2quantile`` (natural cubic spline of the density integrated
exactly, then inverted by linear interpolation) and :func:`qf_to_density` follows
``frechet:::qf2pdf`` (a quantile function -> a fine histogram -> ``CreateDensity``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline

from ..core.exceptions import ApproximationWarning, DataError
from ..core.plotting import figure_axes

__all__ = ["DensityEstimate", "create_density", "density_to_qf", "qf_to_density"]

KERNELS = ("gauss", "epan", "rect", "gausvar", "quar")
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


# ----------------------------------------------------------------------- R-exact helpers
def _r_seq_by(start: float, stop: float, by: float) -> np.ndarray:
    """R ``seq(start, stop, by = by)`` (``by`` of the sign of ``stop - start``)."""
    n = int((stop - start) / by + 1e-10)
    x = start + np.arange(n + 1) * by
    return np.minimum(x, stop) if by > 0 else np.maximum(x, stop)


def _r_seq_len(start: float, stop: float, n: int) -> np.ndarray:
    """R ``seq(start, stop, length.out = n)``."""
    if n == 1:
        return np.array([start], dtype=float)
    by = (stop - start) / (n - 1)
    return np.concatenate([[start], start + np.arange(1, n - 1) * by, [stop]])


def _bw_nrd0(x: np.ndarray) -> float:
    """R ``bw.nrd0``: 0.9 min(sd, IQR / 1.34) n^(-1/5), with R's fallbacks."""
    hi = float(np.std(x, ddof=1))
    q75, q25 = np.quantile(x, [0.75, 0.25])
    lo = min(hi, (q75 - q25) / 1.34)
    if not lo > 0:
        lo = hi or abs(float(x[0])) or 1.0
    return 0.9 * lo * x.size ** (-0.2)


def _r_hist_density(y: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """R ``hist(y, breaks, plot = FALSE)$density`` (right-closed bins, R's break fuzz)."""
    nb = breaks.size
    diddle = 1e-7 * (np.median(np.diff(breaks)) if nb > 5 else breaks[-1] - breaks[0])
    fuzz = np.full(nb, diddle)
    fuzz[0] = -diddle
    fb = breaks + fuzz
    idx = np.searchsorted(fb, y, side="left") - 1
    counts = np.bincount(idx[(idx >= 0) & (idx < nb - 1)], minlength=nb - 1)
    return counts / (y.size * np.diff(breaks))


def _kernel(t: np.ndarray, kernel: str) -> np.ndarray:
    if kernel == "gauss":
        return np.exp(-0.5 * t**2) * _INV_SQRT_2PI
    if kernel == "gausvar":
        return np.exp(-0.5 * t**2) * _INV_SQRT_2PI * (1.25 - 0.25 * t**2)
    if kernel == "epan":
        return (1 - t**2) * 0.75
    if kernel == "rect":
        return np.ones_like(t)
    return (1 - t**2) ** 2 * (15.0 / 16.0)  # quar


def local_linear(
    xin: np.ndarray, yin: np.ndarray, xout: np.ndarray, bw: float, kernel: str
) -> np.ndarray:
    """Local-linear smoother of R ``fdapace::Lwls1D`` (``npoly = 1``, ``nder = 0``, unit
    weights). Compact kernels use the points with ``x - bw <= xin < x + bw``; the Gaussian
    kernels use every point."""
    out = np.empty(xout.size)
    compact = kernel not in ("gauss", "gausvar")
    for i, x0 in enumerate(xout):
        if compact:
            a = np.searchsorted(xin, x0 - bw, side="left")
            b = np.searchsorted(xin, x0 + bw, side="left")
            lx, ly = xin[a:b], yin[a:b]
        else:
            lx, ly = xin, yin
        if lx.size < 1:
            out[i] = np.nan
            continue
        w = _kernel((lx - x0) / bw, kernel)
        d = x0 - lx
        s0, s1, s2 = w.sum(), (w * d).sum(), (w * d * d).sum()
        t0, t1 = (w * ly).sum(), (w * d * ly).sum()
        det = s0 * s2 - s1 * s1
        out[i] = (s2 * t0 - s1 * t1) / det if det != 0 else np.nan
    return out


def _trapz(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1])) / 2)


# ----------------------------------------------------------------------- result object
@dataclass(frozen=True, repr=False)
class DensityEstimate:
    """A density on a support grid with its quantile function (from :func:`create_density`).

    Attributes
    ----------
    support, density : ndarray
        R ``CreateDensity``'s ``x`` and ``y`` (``dSup`` and ``dens`` in R frechet).
    qgrid, quantile : ndarray
        Probability levels in [0, 1] and the quantile function there (R ``dens2quantile``).
    bw : float
        The smoothing bandwidth. ``kernel``, ``delta`` and ``source`` record the options.
    """

    support: np.ndarray
    density: np.ndarray
    qgrid: np.ndarray
    quantile: np.ndarray
    bw: float
    kernel: str
    delta: float
    source: str
    options: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"DensityEstimate(source={self.source!r}, bw={self.bw:.4g}, kernel={self.kernel!r}, "
            f"support=[{self.support[0]:.4g}, {self.support[-1]:.4g}] ({self.support.size} points))"
        )

    def to_frame(self) -> pd.DataFrame:
        """The density as a DataFrame with columns ``x`` and ``density``."""
        return pd.DataFrame({"x": self.support, "density": self.density})

    def quantile_frame(self) -> pd.DataFrame:
        """The quantile function as a DataFrame with columns ``p`` and ``quantile``."""
        return pd.DataFrame({"p": self.qgrid, "quantile": self.quantile})

    def quantiles_at(self, levels: Any) -> np.ndarray:
        """Quantile function at other levels in [0, 1] (R ``dens2quantile`` with that grid),
        e.g. the grid of a :class:`~stattools.frechet.Wasserstein` space."""
        return density_to_qf(self.density, self.support, qgrid=levels)

    def plot(self, kind: str = "density", ax=None, **kwargs):
        """Plot the density (``kind="density"``) or the quantile function (``"quantile"``)."""
        if kind not in ("density", "quantile"):
            raise DataError(f"kind must be 'density' or 'quantile', got {kind!r}.")
        fig, ax = figure_axes(ax)
        if kind == "density":
            ax.plot(self.support, self.density, **kwargs)
            ax.set_xlabel("x")
            ax.set_ylabel("density")
        else:
            ax.plot(self.qgrid, self.quantile, **kwargs)
            ax.set_xlabel("probability")
            ax.set_ylabel("quantile")
        ax.set_title(f"Density from {self.source} (bw = {self.bw:.3g})")
        return fig


# ----------------------------------------------------------------------- input handling
def _vector(x: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric.") from exc
    if not np.isfinite(a).all():
        raise DataError(f"{name} contains NaN or infinite values.")
    return a


def _histogram_parts(histogram: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(histogram, dict):
        if "counts" not in histogram:
            raise DataError("histogram must have 'counts' (and 'breaks' or 'mids').")
        counts = _vector(histogram["counts"], "histogram['counts']")
        if histogram.get("breaks") is not None:
            breaks = _vector(histogram["breaks"], "histogram['breaks']")
        elif histogram.get("mids") is not None:  # R: breaks from the midpoints
            m = _vector(histogram["mids"], "histogram['mids']")
            if m.size < 2:
                raise DataError("histogram['mids'] needs at least 2 values.")
            inner = (m[:-1] + m[1:]) / 2
            breaks = np.concatenate(
                [[m[0] - (m[1] - m[0]) / 2], inner, [m[-1] + (m[-1] - m[-2]) / 2]]
            )
        else:
            raise DataError("histogram must have 'breaks' or 'mids'.")
        return counts, breaks
    if isinstance(histogram, tuple) and len(histogram) == 2:  # numpy.histogram output
        return _vector(histogram[0], "histogram counts"), _vector(histogram[1], "histogram breaks")
    raise DataError(
        "histogram must be a (counts, breaks) tuple as returned by numpy.histogram or a dict "
        "with 'counts' and 'breaks' (or 'mids')."
    )


def _pseudo_sample(freq: np.ndarray, bins: np.ndarray, fname: str, bname: str) -> np.ndarray:
    if bins.size != freq.size + 1:
        raise DataError(
            f"len({bname}) must equal len({fname}) + 1, got {bins.size} and {freq.size}."
        )
    if (np.diff(bins) <= 0).any():
        raise DataError(f"{bname} must be strictly increasing.")
    if (freq < 0).any() or (freq != np.round(freq)).any():
        raise DataError(f"{fname} must hold non-negative integer counts.")
    parts = []
    for f, a, b in zip(freq.astype(int), bins[:-1], bins[1:], strict=True):
        if f > 0:  # R: seq(a, b, length.out = f + 2) without its end points
            parts.append(a + np.arange(1, f + 1) * ((b - a) / (f + 1)))
    if not parts:
        raise DataError(f"{fname} has no positive count.")
    return np.concatenate(parts)


def create_density(
    y: Any = None,
    histogram: Any = None,
    frequency: Any = None,
    bins: Any = None,
    *,
    bw: float | None = None,
    kernel: str = "gauss",
    n_grid: int = 101,
    support: Any = None,
    delta: float | None = None,
    inf_support: bool = False,
    qgrid: Any = None,
) -> DensityEstimate:
    """Smooth density (and quantile function) from raw data, a histogram or a frequency table.

    The Python counterpart of R ``frechet::CreateDensity`` (version 0.3.0), with the same
    defaults; the result also carries the quantile function (R ``dens2quantile``), the
    representation used by the :class:`~stattools.frechet.Wasserstein` space.

    Parameters
    ----------
    y : array_like, optional
        Raw sample (at least 2 distinct values).
    histogram : tuple or dict, optional
        ``(counts, breaks)`` as returned by ``numpy.histogram``, or a dict with ``counts``
        and ``breaks`` (or ``mids``), e.g. an R ``hist`` object. Used when ``y`` is None.
    frequency, bins : array_like, optional
        A frequency table: counts per bin and the ``len(frequency) + 1`` bin edges (bins may
        be unequal). Used when ``y`` and ``histogram`` are None. Histogram and table
        counts are spread evenly inside their bins, as in R.
    bw : float, optional
        Smoothing bandwidth (R ``userBwMu``); default twice R's ``bw.nrd0`` of the sample.
    kernel : {"gauss", "epan", "rect", "gausvar", "quar"}, default "gauss"
    n_grid : int, default 101
        Number of support points (R ``nRegGrid``); ignored when ``support`` is given.
    support : array_like, optional
        Increasing output grid of the density (R ``outputGrid``).
    delta : float, optional
        Bin width of the pre-binning (default ``range / 1000``).
    inf_support : bool, default False
        Pad with zero bins beyond the data, for distributions with unbounded support.
    qgrid : array_like, optional
        Probability levels in [0, 1], starting at 0 and ending at 1, for the quantile
        function; default 201 equally spaced levels (R ``DenCPD``'s ``nqSup``).

    Returns
    -------
    DensityEstimate
        ``support``, ``density`` (integrating to 1 by the trapezoid rule), ``qgrid``,
        ``quantile`` and ``bw``.

    Raises
    ------
    DataError
        No input, non-finite values, fewer than 2 distinct sample values, bins that do not
        fit the counts, an unknown kernel, a non-positive bandwidth or a bad grid.

    References
    ----------
    Müller, H.-G., Wang, J.-L. and Capra, W. B. (1997). From lifetables to hazard rates:
    the transformation approach. Biometrika 84, 881-892. R package ``frechet`` 0.3.0,
    ``CreateDensity``.

    Examples
    --------
    >>> gen = np.random.default_rng(0)
    >>> d = create_density(gen.beta(3, 2, 200), support=np.linspace(0, 1, 51))
    >>> round(float(np.trapezoid(d.density, d.support)), 6)
    1.0
    >>> counts, breaks = np.histogram(gen.normal(size=500), bins=20)
    >>> d2 = create_density(histogram=(counts, breaks))
    >>> d2.support.size, bool(d2.quantile[0] <= d2.quantile[-1])
    (101, True)
    """
    if kernel not in KERNELS:
        raise DataError(f"kernel must be one of {KERNELS}, got {kernel!r}.")
    if y is not None:
        ys, source = _vector(y, "y"), "sample"
    elif histogram is not None:
        counts, breaks = _histogram_parts(histogram)
        ys, source = (
            _pseudo_sample(counts, breaks, "histogram counts", "histogram breaks"),
            "histogram",
        )
    elif frequency is not None:
        if bins is None:
            raise DataError("frequency needs bins= (the len(frequency) + 1 bin edges).")
        freq, edges = _vector(frequency, "frequency"), _vector(bins, "bins")
        ys, source = _pseudo_sample(freq, edges, "frequency", "bins"), "frequency table"
    else:
        raise DataError("give one of y, histogram or frequency (with bins).")
    if np.unique(ys).size < 2:
        raise DataError("y needs at least 2 distinct values to estimate a density.")
    ymin, ymax = float(ys.min()), float(ys.max())
    if delta is None:
        delta = (ymax - ymin) / 1000
    elif not (np.isfinite(delta) and delta > 0):
        raise DataError(f"delta must be a positive number, got {delta}.")
    if bw is None:
        bw = 2 * _bw_nrd0(ys)
    elif not (np.isfinite(bw) and bw > 0):
        raise DataError(f"bw must be a positive number, got {bw}.")
    if support is not None:
        grid = _vector(support, "support")
        if grid.size < 2 or (np.diff(grid) <= 0).any():
            raise DataError("support must be strictly increasing with at least 2 points.")
    elif int(n_grid) < 2:
        raise DataError(f"n_grid must be at least 2, got {n_grid}.")
    histgrid = np.append(_r_seq_by(ymin, ymax, delta) - delta * 0.5, ymax + delta * 0.5)
    yin = _r_hist_density(ys, histgrid)
    xin = 0.5 * (histgrid[1:] + histgrid[:-1])
    if inf_support:
        if support is None:
            grid = _r_seq_len(ymin - delta, ymax + delta, int(n_grid))
        xs = np.concatenate(
            [ymin - np.arange(11, 1, -1) * delta, xin, ymax + np.arange(2, 12) * delta]
        )
        zs = np.concatenate([np.zeros(10), yin, np.zeros(10)])
    else:
        if support is None:
            grid = _r_seq_len(ymin, ymax, int(n_grid))
        pad1 = _r_seq_by(grid[0], xin.min(), delta) if xin.min() > grid[0] else np.empty(0)
        pad2 = _r_seq_by(grid[-1], xin.max(), -delta)[::-1] if xin.max() < grid[-1] else np.empty(0)
        xs = np.concatenate([pad1, xin, pad2])
        zs = np.concatenate([np.zeros(pad1.size), yin, np.zeros(pad2.size)])
    mu = local_linear(xs, zs, grid, float(bw), kernel)
    mu = np.where(mu < 0, 0.0, mu)
    total = _trapz(grid, mu)
    if not total > 0:
        raise DataError("the smoothed density is zero on the whole support; widen support= or bw=.")
    dens = mu / total
    q = _qgrid(qgrid)
    opts = dict(n_grid=int(n_grid), inf_support=bool(inf_support))
    return DensityEstimate(
        support=grid,
        density=dens,
        qgrid=q,
        quantile=density_to_qf(dens, grid, qgrid=q),
        bw=float(bw),
        kernel=kernel,
        delta=float(delta),
        source=source,
        options=opts,
    )


def _qgrid(qgrid: Any, n: int = 201) -> np.ndarray:
    if qgrid is None:
        return _r_seq_len(0.0, 1.0, n)
    q = _vector(qgrid, "qgrid")
    if q.size < 1 or (np.diff(q) <= 0).any() or q[0] < 0 or q[-1] > 1:
        raise DataError("qgrid must be strictly increasing probability levels in [0, 1].")
    return q


def density_to_qf(density: Any, support: Any, qgrid: Any = None) -> np.ndarray:
    """Quantile function of a density given on a grid (R ``fdadensity::dens2quantile``).

    The density is interpolated by a natural cubic spline, integrated exactly between
    grid points, and the resulting CDF is inverted by linear interpolation (constant
    beyond its ends).

    Parameters
    ----------
    density : array_like
        Non-negative density values on ``support``; renormalised (with an
        :class:`ApproximationWarning`) when its trapezoid integral is off 1 by more than 1e-5.
    support : array_like
        Strictly increasing grid of the density.
    qgrid : array_like, optional
        Probability levels in [0, 1]; default ``len(density)`` equally spaced levels.

    Returns
    -------
    ndarray
        The quantile function at ``qgrid``.

    Examples
    --------
    >>> x = np.linspace(0, 2, 512)
    >>> q = density_to_qf(np.full(512, 0.5), x, qgrid=[0, 0.25, 1])
    >>> np.round(q, 10).tolist()
    [0.0, 0.5, 2.0]
    """
    f = _vector(density, "density")
    x = _vector(support, "support")
    if f.size != x.size:
        raise DataError(f"density and support must have equal length, got {f.size} and {x.size}.")
    if x.size < 2 or (np.diff(x) <= 0).any():
        raise DataError("support must be strictly increasing with at least 2 points.")
    if (f < 0).any():
        raise DataError("density has negative values.")
    q = _qgrid(qgrid, f.size)
    total = _trapz(x, f)
    if not total > 0:
        raise DataError("density integrates to zero.")
    if abs(total - 1) > 1e-5:
        warnings.warn(
            f"density integrates to {total:.6g}, not 1; renormalised.",
            ApproximationWarning,
            stacklevel=2,
        )
        f = f / total
    anti = CubicSpline(x, f, bc_type="natural").antiderivative()
    cdf = anti(x) - anti(x[0])
    cdf[0] = 0.0
    _, first = np.unique(cdf, return_index=True)  # R: drop exact duplicates, keep the first
    keep = np.sort(first)
    cx, cy = cdf[keep], x[keep]
    order = np.argsort(cx, kind="stable")
    return np.interp(q, cx[order], cy[order])


def qf_to_density(
    qf: Any,
    prob: Any = None,
    breaks: Any = None,
    **kwargs: Any,
) -> DensityEstimate:
    """Density from a quantile function (R ``frechet:::qf2pdf``).

    The quantile function is turned into a histogram on ``breaks`` (its CDF by linear
    interpolation, counts ``int(1e5 * probability)`` per bin, as R's ``qf2hist``) and
    smoothed by :func:`create_density`.

    Parameters
    ----------
    qf : array_like
        Non-decreasing quantile values at ``prob``.
    prob : array_like, optional
        Increasing probability levels; default ``len(qf)`` equally spaced levels in [0, 1].
    breaks : array_like, optional
        Increasing histogram breaks covering ``[min(qf), max(qf)]``; default 1000 equally
        spaced points over that range.
    **kwargs
        Options of :func:`create_density` (``bw``, ``kernel``, ``n_grid``, ``support``,
        ``delta``, ``inf_support``, ``qgrid``).

    Returns
    -------
    DensityEstimate

    Examples
    --------
    >>> from scipy import stats
    >>> p = np.linspace(0.001, 0.999, 199)
    >>> d = qf_to_density(stats.norm.ppf(p), prob=p, support=np.linspace(-4, 4, 9))
    >>> np.round(d.density[2:7], 2).tolist()
    [0.06, 0.24, 0.39, 0.24, 0.06]
    """
    q = _vector(qf, "qf")
    if q.size < 2:
        raise DataError("qf needs at least 2 values.")
    if (np.diff(q) < 0).any():
        raise DataError("qf must be non-decreasing.")
    p = _r_seq_len(0.0, 1.0, q.size) if prob is None else _vector(prob, "prob")
    if p.size != q.size:
        raise DataError(f"prob must have the length of qf ({q.size}), got {p.size}.")
    if (np.diff(p) < 0).any():
        raise DataError("prob must be increasing.")
    if breaks is None:
        b = _r_seq_len(float(q.min()), float(q.max()), 1000)
    else:
        b = _vector(breaks, "breaks")
        if (np.diff(b) < 0).any():
            raise DataError("breaks must be increasing.")
        if b.min() > q.min() or b.max() < q.max():
            raise DataError("breaks must cover the range of qf.")
    if q[-1] == q[0]:
        raise DataError("qf is constant (a point mass has no density).")
    ux, inv = np.unique(q, return_inverse=True)  # R approx(ties = mean)
    uy = np.bincount(inv, weights=p) / np.bincount(inv)
    cdf = np.interp(b, ux, uy)
    cdf[b < q.min()] = 0.0
    cdf[b > q.max()] = 1.0
    cdf = np.minimum(cdf, 1.0)
    counts = np.trunc(np.diff(cdf) * 1e5)
    out = create_density(histogram={"counts": counts, "breaks": b}, **kwargs)
    return out
