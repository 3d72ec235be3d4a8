"""Result object of :func:`~stattools.nonstationary.tvreg.tv_regression`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..core.exceptions import DataError
from ..core.plotting import figure_axes
from ..core.results import ResultBase, TestResult, augment_frame
from ..core.validation import check_option
from ._common import as_scalar, not_reported, plot_residuals, rescaled_time, seed_property

__all__ = ["TVRegressionResult", "time_axis"]

NOTE_TV = (
    "Zhou & Wu (2010) was not available in full: the jackknife local-linear estimate, the "
    "difference-based local long-run covariance of x_i e_i and the Gaussian draws follow "
    "its description as cited by R mlrv; prewhitening, the constancy statistic and the "
    "tuning constants are our choices (calibration in benchmarks/VALIDITY.md)."
)


def time_axis(time: np.ndarray, gu: np.ndarray, h: float) -> tuple[np.ndarray, float]:
    """Grid times in the units of ``time`` and the bandwidth in time units (days for dates)."""
    t0, t1 = time[0], time[-1]
    if np.issubdtype(np.asarray(time).dtype, np.datetime64):
        span_s = float((t1 - t0) / np.timedelta64(1, "s"))
        grid_t = pd.Timestamp(t0) + pd.to_timedelta(gu * span_s, unit="s")
        grid_t = np.asarray(grid_t.round("us"))  # drop float noise below a microsecond
        return grid_t, h * span_s / 86400.0
    return float(t0) + gu * float(t1 - t0), h * float(t1 - t0)


def _fmt_time(t: Any) -> str:
    if isinstance(t, np.datetime64 | pd.Timestamp):
        ts = pd.Timestamp(t)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    v = as_scalar(float(t))
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True, repr=False)
class TVRegressionResult(ResultBase):
    """Time-varying coefficients ``beta(t)`` with pointwise and simultaneous bands.

    Attributes
    ----------
    terms : tuple of str
        Coefficient names (design columns).
    grid : ndarray
        Evaluation times (in the units of the time column; datetimes for dates).
    estimate, se : ndarray, shape (G, p)
        Bias-corrected estimate and pointwise standard error at ``grid``.
    cov : ndarray, shape (G, p, p)
        Pointwise covariance of the estimate.
    crit : ndarray, shape (p,)
        Simultaneous critical value of each coefficient's band.
    crit_joint : float
        Critical value covering all coefficients at once.
    bandwidth, bandwidth_time : float
        Half-width as a fraction of the span and in time units (days for dates).
    ols : ndarray
        Full-sample OLS coefficients (the constant fit of :meth:`test_constancy`).
    band_draws, test_draws : ndarray, shape (p, B)
        Gaussian draws of the band and constancy sup-statistics.
    """

    terms: tuple[str, ...]
    grid: np.ndarray
    grid_u: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    cov: np.ndarray
    crit: np.ndarray
    crit_joint: float
    level: float
    bandwidth: float
    bandwidth_time: float
    kernel: str
    bias_correction: bool
    m: int
    tau: float
    band_draws: np.ndarray
    test_draws: np.ndarray
    n_resamples: int
    ols: np.ndarray
    time: np.ndarray
    u: np.ndarray
    y: np.ndarray
    X: np.ndarray
    fitted: np.ndarray
    coef_obs: np.ndarray
    time_name: str
    response: str
    formula: str
    nobs: int = 0
    method: str = "time-varying coefficient regression (local linear, jackknife)"
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for value in self.__dict__.values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    # ------------------------------------------------------------------ protocol
    def _times(self) -> np.ndarray:
        """Grid times for tables: integers when every time is integral (years)."""
        g = np.asarray(self.grid)
        if g.dtype.kind == "f" and np.all(np.isfinite(g)) and np.all(g == np.round(g)):
            if np.all(np.abs(g) < 1e15):
                return g.astype(np.int64)
        return g

    def _labels(self) -> list[str]:
        times = [_fmt_time(t) for t in np.asarray(self.grid)]
        return [f"{term}({t})" for term in self.terms for t in times]

    @property
    def params(self) -> pd.Series:
        """``beta_j(t)`` for every term and grid time (index ``term(time)``)."""
        return pd.Series(np.asarray(self.estimate).T.ravel(), index=self._labels())

    @property
    def bse(self) -> pd.Series:
        """Pointwise standard errors (same index as :attr:`params`)."""
        return pd.Series(np.asarray(self.se).T.ravel(), index=self._labels())

    tvalues = not_reported(
        "Not reported (NaN): pointwise tests of ``beta_j(t) = 0`` are rarely wanted; "
        "see :meth:`test_constancy` and :meth:`band`."
    )
    pvalues = not_reported("Not reported (NaN); see :meth:`test_constancy`.")
    seed = seed_property("Seed of the Gaussian draws; ``rng=seed`` reproduces the result exactly.")

    def _term_index(self, term: str | int) -> int:
        if isinstance(term, int | np.integer) and not isinstance(term, bool):
            if not 0 <= term < len(self.terms):
                raise DataError(f"term index {term} out of range for terms {list(self.terms)}.")
            return int(term)
        if term not in self.terms:
            raise DataError(f"term {term!r} is not a coefficient; terms are {list(self.terms)}.")
        return self.terms.index(term)

    def coefficients(self) -> pd.DataFrame:
        """Wide table of ``beta_j(t)``: one row per grid time, one column per term."""
        return pd.DataFrame(
            np.asarray(self.estimate),
            index=pd.Index(self._times(), name=self.time_name),
            columns=list(self.terms),
        )

    def band(self, term: str | int, kind: str = "simultaneous") -> pd.DataFrame:
        """Band of one coefficient: columns ``time, estimate, lower, upper``.

        Parameters
        ----------
        term : str or int
        kind : {"simultaneous", "pointwise", "joint"}
            ``"joint"`` covers all coefficients at once (``crit_joint``).
        """
        kind = check_option(kind, "kind", ("simultaneous", "pointwise", "joint"))
        j = self._term_index(term)
        q = {
            "simultaneous": float(self.crit[j]),
            "pointwise": float(stats.norm.ppf(0.5 + self.level / 2)),
            "joint": self.crit_joint,
        }[kind]
        est = np.asarray(self.estimate)[:, j]
        se = np.asarray(self.se)[:, j]
        out = pd.DataFrame(
            {"time": self._times(), "estimate": est, "lower": est - q * se, "upper": est + q * se}
        )
        out.attrs.update(level=self.level, kind=kind, critical_value=q, term=self.terms[j])
        return out

    def test_constancy(self, term: str | int | None = None) -> TestResult:
        """Test that a coefficient (``term``) or all of them (``None``) is constant in time.

        ``T = max_t |beta_tilde_j(t) - beta_ols_j| / se_j(t)`` (max also over ``j`` for
        ``term=None``), calibrated by the Gaussian draws of the same statistic with the
        draw's own OLS fit subtracted; p-value ``(1 + #{draws >= T}) / (1 + B)``.
        """
        est = np.asarray(self.estimate)
        dev = np.abs(est - np.asarray(self.ols)[None, :]) / np.asarray(self.se)
        draws_all = np.asarray(self.test_draws)
        if term is None:
            stat = float(dev.max())
            draws = draws_all.max(axis=0)
            what = "all coefficients are"
        else:
            j = self._term_index(term)
            stat = float(dev[:, j].max())
            draws = draws_all[j]
            what = f"the coefficient of {self.terms[j]} is"
        p = float((1 + np.sum(draws >= stat)) / (1 + draws.size))
        x = np.sort(draws)
        k = min(max(math.ceil(self.level * (x.size + 1) - 1e-9), 1), x.size)
        return TestResult(
            statistic=stat,
            pvalue=p,
            method="time-varying coefficient constancy test (sup distance from OLS)",
            null_hypothesis=f"{what} constant over time",
            critical_values={f"{100 * (1 - self.level):g}%": float(x[k - 1])},
            null_distribution=draws,
            n_resamples=int(draws.size),
            nobs=self.nobs,
            extra={"bandwidth": self.bandwidth, "seed": self.seed},
        )

    def coef_at(self, time: Any) -> pd.DataFrame:
        """Bias-corrected ``beta(t)`` at arbitrary times inside the observed span."""
        from .tvreg import _apply, _operator

        times = np.atleast_1d(np.asarray(time))
        gu = rescaled_time(self.time, times)
        if np.any(~np.isfinite(gu)) or np.any(gu < -1e-12) or np.any(gu > 1 + 1e-12):
            raise DataError("time: tv_regression predictions need times inside the observed span.")
        h = self.bandwidth
        hs, coef = ((h / math.sqrt(2), h), (2.0, -1.0)) if self.bias_correction else ((h,), (1.0,))
        order = np.argsort(gu, kind="stable")
        ch = _operator(np.asarray(self.X), np.asarray(self.u), np.clip(gu[order], 0, 1), hs,
                       coef, self.kernel)  # fmt: skip
        xy = (np.asarray(self.X) * np.asarray(self.y)[:, None])[:, :, None]
        est = np.empty((gu.size, len(self.terms)))
        est[order] = _apply(ch, xy)[:, :, 0]
        return pd.DataFrame(
            est, index=pd.Index(times, name=self.time_name), columns=list(self.terms)
        )

    def predict(self, newdata: pd.DataFrame | None = None) -> pd.Series:
        """Fitted mean ``x' beta_tilde(t)``: at the observations, or for ``newdata`` (which
        must hold the time column and the covariates; times inside the observed span)."""
        if newdata is None:
            return pd.Series(
                np.asarray(self.fitted), index=pd.Index(self.time, name=self.time_name)
            )
        if not isinstance(newdata, pd.DataFrame):
            raise DataError(f"newdata must be a DataFrame, got {type(newdata).__name__}.")
        if self.time_name not in newdata.columns:
            raise DataError(f"newdata has no time column {self.time_name!r}.")
        from ..core.formula import Design

        rhs = self.formula.partition("~")[2]
        frame = newdata.assign(**{self.response: 0.0}) if self.response not in newdata else newdata
        design = Design.from_formula(f"{self.response} ~ {rhs}", frame, na_action="raise")
        Xn = design.X.reindex(columns=list(self.terms), fill_value=0.0).to_numpy(dtype=float)
        beta = self.coef_at(newdata[self.time_name].to_numpy()).to_numpy()
        return pd.Series(np.sum(Xn * beta, axis=1), index=newdata.index)

    def augment(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """``data`` plus ``.fitted`` (``x_i' beta_tilde(t_i)``) and ``.resid``."""
        fit = np.asarray(self.fitted)
        return augment_frame(data, fit, np.asarray(self.y) - fit)

    def tidy(self, conf_int: bool = True, level: float | None = None) -> pd.DataFrame:
        """One row per term and grid time: broom columns (pointwise interval at ``level``,
        default the fit's) plus ``coefficient``, ``time``, ``simult_low``, ``simult_high``."""
        level = self.level if level is None else level
        out = super().tidy(conf_int=conf_int, level=level)
        p = len(self.terms)
        g = len(self.grid)
        out["coefficient"] = np.repeat(list(self.terms), g)
        out["time"] = np.tile(self._times(), p)
        q = np.repeat(np.asarray(self.crit), g)
        out["simult_low"] = out["estimate"] - q * out["std_error"]
        out["simult_high"] = out["estimate"] + q * out["std_error"]
        return out

    # ------------------------------------------------------------------ hooks
    def _title(self) -> str:
        return f"Time-varying coefficients: {self.formula}"

    def _summary_header(self) -> list[tuple[str, Any]]:
        t = np.asarray(self.time)
        return [
            ("Method", self.method if self.bias_correction else "local linear (no jackknife)"),
            ("No. observations", self.nobs),
            ("Time", f"{self.time_name}: {_fmt_time(t[0])} to {_fmt_time(t[-1])}"),
            ("Kernel", self.kernel),
            ("Bandwidth (fraction)", round(self.bandwidth, 4)),
            (
                "Bandwidth (time units)"
                + (" [days]" if np.issubdtype(t.dtype, np.datetime64) else ""),
                round(self.bandwidth_time, 4),
            ),
            ("Bandwidth rule", self.extra.get("bandwidth_rule", "fixed")),
            ("Gaussian draws", self.n_resamples),
            ("LRV window m / tau", f"{self.m} / {self.tau:.3g}"),
            ("Joint crit.", round(self.crit_joint, 4)),
            ("Seed", self.extra.get("seed")),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        rows = []
        for j, term in enumerate(self.terms):
            test = self.test_constancy(term)
            est = np.asarray(self.estimate)[:, j]
            rows.append(
                {
                    "OLS": float(self.ols[j]),
                    "min beta(t)": float(est.min()),
                    "max beta(t)": float(est.max()),
                    "simult. crit": float(self.crit[j]),
                    "constancy stat": test.statistic,
                    "p-value": test.pvalue,
                }
            )
        tabs = {"Coefficients and constancy tests": pd.DataFrame(rows, index=list(self.terms))}
        g = np.asarray(self.grid)
        idx = np.unique(np.linspace(0, len(g) - 1, min(len(g), 8)).round().astype(int))
        for j, term in enumerate(self.terms):
            band = self.band(term, "simultaneous")
            tabs[f"{term}(t), {100 * self.level:g}% simultaneous band"] = pd.DataFrame(
                {
                    "estimate": band["estimate"].to_numpy()[idx],
                    "std err": np.asarray(self.se)[idx, j],
                    "lower": band["lower"].to_numpy()[idx],
                    "upper": band["upper"].to_numpy()[idx],
                },
                index=pd.Index([_fmt_time(x) for x in g[idx]], name=self.time_name),
            )
        return tabs

    def _summary_notes(self) -> list[str]:
        return [
            NOTE_TV,
            "Bands cover the whole time span (boundary-adapted local-linear fits); "
            "'simultaneous' bands cover one coefficient over time, 'joint' all of them.",
        ]

    def _glance_stats(self) -> dict[str, Any]:
        test = self.test_constancy(None)
        return {
            "bandwidth": self.bandwidth,
            "level": self.level,
            "n_resamples": self.n_resamples,
            "crit_joint": self.crit_joint,
            "constancy_stat": test.statistic,
            "constancy_pvalue": test.pvalue,
            "m": self.m,
            "tau": self.tau,
        }

    def _plot(self, kind: str | None, ax, **kwargs):
        kind = check_option(kind or "coefficients", "kind", ("coefficients", "residuals"))
        if kind == "residuals":
            fig, ax = figure_axes(ax)
            plot_residuals(
                ax, self.time, np.asarray(self.y) - np.asarray(self.fitted), self.time_name
            )
            return fig
        terms = kwargs.pop("terms", None) or list(self.terms)
        if ax is not None:
            fig, axes = ax.figure, [ax] * len(terms)
        else:  # figure_axes closes new figures in Jupyter so that they display once
            fig, axs = figure_axes(
                None, nrows=len(terms), ncols=1, figsize=(6, 2.4 * len(terms)), squeeze=False
            )
            axes = list(axs[:, 0])
        for a, term in zip(axes, terms, strict=True):
            sim, pw = self.band(term, "simultaneous"), self.band(term, "pointwise")
            a.fill_between(
                sim["time"], sim["lower"], sim["upper"], alpha=0.25, label="simultaneous"
            )
            a.fill_between(pw["time"], pw["lower"], pw["upper"], alpha=0.35, label="pointwise")
            a.plot(sim["time"], sim["estimate"], color="C3", lw=1.5, label=f"{term}(t)")
            a.axhline(float(self.ols[self._term_index(term)]), color="grey", ls="--", lw=0.8,
                      label="OLS")  # fmt: skip
            a.set_ylabel(term)
        axes[-1].set_xlabel(self.time_name)
        axes[0].legend(fontsize="small")
        return fig
