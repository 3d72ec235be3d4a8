"""Result classes of the structural-break tools (:func:`breakpoints`, fluctuation and F tests)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.plotting import figure_axes
from ..core.results import ResultBase, TestResult, readonly
from ..core.validation import check_level

__all__ = ["BreakpointsResult", "FluctuationTestResult", "FStatsTestResult"]

LWZ_C0, LWZ_DELTA0 = 0.299, 0.1


def time_at(time: np.ndarray, pos: np.ndarray | list[float]) -> np.ndarray:
    """Time stamps of 1-based observation numbers ``pos`` (extrapolated linearly outside
    1..n for numeric time; clipped for datetimes)."""
    pos = np.asarray(pos, dtype=float)
    t = np.asarray(time)
    n = t.size
    idx = np.clip(np.nan_to_num(pos, nan=1.0), 1, n).astype(int) - 1
    if np.issubdtype(t.dtype, np.datetime64):
        return t[idx]
    tf = t.astype(float)
    step = float(np.median(np.diff(tf))) if n > 1 else 1.0
    out = tf[idx] + (pos - (idx + 1)) * step
    return np.where(np.isnan(pos), np.nan, out)


@dataclass(frozen=True, repr=False)
class BreakpointsResult(ResultBase):
    """Result of :func:`stattools.breakpoints` (R strucchange ``breakpointsfull``).

    Attributes
    ----------
    n_breaks, n_breaks_lwz : int
        Number of breaks minimising BIC (used by default everywhere) and LWZ.
    rss, bic, lwz : numpy.ndarray
        Criteria for ``m = 0..max_breaks``.
    partitions : tuple of tuple of int
        Optimal break positions (1-based last observation of each segment) for each ``m``.
    """

    formula: str
    terms: tuple[str, ...]
    y: np.ndarray
    X: np.ndarray
    time: np.ndarray
    time_name: str
    h: float
    h_obs: int
    max_breaks: int
    partitions: tuple[tuple[int, ...], ...]
    rss: np.ndarray
    method: str = "Bai-Perron breakpoints (dynamic programming)"

    def __post_init__(self) -> None:
        for name in ("y", "X", "time", "rss"):
            object.__setattr__(self, name, readonly(np.asarray(getattr(self, name))))

    # ------------------------------------------------------------------ criteria
    @property
    def nobs(self) -> int:  # type: ignore[override]
        return int(self.y.size)

    @property
    def bic(self) -> np.ndarray:
        """strucchange's BIC: ``n (log(RSS) + 1 - log(n) + log(2 pi)) + log(n) (k+1)(m+1)``."""
        n, k = self.X.shape
        m = np.arange(self.rss.size)
        return n * (np.log(self.rss) + 1 - np.log(n) + np.log(2 * np.pi)) + np.log(n) * (k + 1) * (
            m + 1
        )

    @property
    def lwz(self) -> np.ndarray:
        """Liu-Wu-Zidek: ``log(RSS/(n-p)) + p c0 log(n)^(2+d0)/n``, ``p = (m+1)k + m``."""
        n, k = self.X.shape
        m = np.arange(self.rss.size)
        p = (m + 1) * k + m
        return np.log(self.rss / (n - p)) + p * LWZ_C0 * np.log(n) ** (2 + LWZ_DELTA0) / n

    @property
    def n_breaks(self) -> int:
        """Number of breaks chosen by BIC (first minimum, as strucchange)."""
        return int(np.argmin(self.bic))

    @property
    def n_breaks_lwz(self) -> int:
        """Number of breaks chosen by LWZ."""
        return int(np.argmin(self.lwz))

    def _m(self, breaks: int | None) -> int:
        if breaks is None:
            return self.n_breaks
        if isinstance(breaks, bool) or not isinstance(breaks, int | np.integer):
            raise DataError(f"breaks must be an integer in [0, {self.max_breaks}], got {breaks!r}.")
        if not 0 <= breaks <= self.max_breaks:
            raise DataError(f"breaks must be in [0, {self.max_breaks}], got {breaks}.")
        return int(breaks)

    def breakpoints(self, breaks: int | None = None) -> np.ndarray:
        """Break positions (last observation of each segment, 1-based) for ``breaks``."""
        return np.array(self.partitions[self._m(breaks)], dtype=int)

    def break_dates(self, breaks: int | None = None) -> np.ndarray:
        """Break dates in the units of ``time=`` (the time of the last pre-break row);
        integers when the time stamps are whole numbers (years, observation numbers)."""
        out = time_at(self.time, self.breakpoints(breaks))
        if out.dtype.kind == "f" and np.all(np.isfinite(out)) and np.all(out == np.round(out)):
            return out.astype(np.int64)
        return out

    def rss_table(self) -> pd.DataFrame:
        """RSS, BIC and LWZ by number of breaks (strucchange ``summary(bp)$RSS``, transposed)."""
        return pd.DataFrame(
            {"RSS": self.rss, "BIC": self.bic, "LWZ": self.lwz},
            index=pd.Index(range(self.rss.size), name="breaks"),
        )

    def fitted(self, breaks: int | None = None) -> np.ndarray:
        """Fitted values of the segmented regression."""
        from .breakpoints import _ols

        edges = [0, *self.breakpoints(breaks), self.nobs]
        out = np.empty(self.nobs)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            beta, r = _ols(self.X[a:b], self.y[a:b])
            out[a:b] = self.y[a:b] - r
        return out

    def break_conf_int(
        self,
        breaks: int | None = None,
        level: float = 0.95,
        *,
        het_reg: bool = True,
        het_err: bool = True,
        cov_type: str = "ols",
        lags: int | None = None,
    ) -> pd.DataFrame:
        """Confidence intervals for the break dates (strucchange ``confint(bp, breaks)``).

        Parameters
        ----------
        breaks : int, optional
            Number of breaks (default: BIC choice).
        level : float
        het_reg, het_err : bool
            Allow the regressor second moments / error variances to differ across segments.
        cov_type : {"ols", "hac"}
            ``"hac"`` uses a Bartlett (Newey-West) covariance in each segment, as
            strucchange's ``vcov. = NeweyWest(lag = lags, prewhite = FALSE)``.
        lags : int, optional
            HAC lags; default ``floor(4 (n/100)^(2/9))``.

        Returns
        -------
        pandas.DataFrame
            One row per break: ``lower``, ``breakpoint``, ``upper`` (observation numbers,
            integer as strucchange), their times ``time_lower``, ``time``, ``time_upper``,
            and the continuous offsets ``lower_raw``, ``upper_raw``.
        """
        from ..core.validation import check_option
        from .breakpoints import break_intervals

        level = check_level(level)
        m = self._m(breaks)
        if m == 0:
            raise DataError("breaks = 0: there is no break date to give an interval for.")
        cov_type = check_option(cov_type, "cov_type", ("ols", "hac"))
        if cov_type == "hac":
            lags = int(math.floor(4 * (self.nobs / 100) ** (2 / 9))) if lags is None else lags
            if isinstance(lags, bool) or not isinstance(lags, int | np.integer) or lags < 0:
                raise DataError(f"lags must be a non-negative integer, got {lags!r}.")
        else:
            lags = None
        bp = self.breakpoints(m)
        lo, up, _ = break_intervals(self.y, self.X, tuple(bp), level, het_reg, het_err, lags)
        lower = bp - np.ceil(up)
        upper = bp - np.floor(lo)
        out = pd.DataFrame(
            {
                "lower": lower,
                "breakpoint": bp.astype(float),
                "upper": upper,
                "time_lower": time_at(self.time, lower),
                "time": time_at(self.time, bp),
                "time_upper": time_at(self.time, upper),
                "lower_raw": lo,
                "upper_raw": up,
            },
            index=pd.RangeIndex(1, m + 1, name="break"),
        )
        out.attrs.update(level=level, kind="Bai (1997)", cov_type=cov_type, lags=lags)
        return out

    def sequential_test(
        self, level: float = 0.05, cov_type: str = "ols", lags: int | None = None
    ) -> pd.DataFrame:
        """Sequential sup-F(l+1|l) tests (Bai & Perron 1998) for l = 0, 1, ...

        Returns one row per ``l`` with the statistic, p-value and the position of the
        candidate extra break; ``.attrs["n_breaks"]`` is the first ``l`` not rejected at
        ``level``. ``cov_type="hac"`` uses Bartlett HAC Wald statistics (``lags`` default
        ``floor(4 (n/100)^(2/9))``), labelled in ``.attrs["cov_type"]``.
        """
        from ..core.validation import check_option
        from .breakpoints import sequential_sup_f

        cov_type = check_option(cov_type, "cov_type", ("ols", "hac"))
        if cov_type == "hac" and lags is None:
            lags = int(math.floor(4 * (self.nobs / 100) ** (2 / 9)))
        tab = sequential_sup_f(
            self.y,
            self.X,
            self.partitions,
            self.h_obs / self.nobs,
            lags if cov_type == "hac" else None,
        )
        at = tab["at"].to_numpy(dtype=float)
        tab["time"] = time_at(self.time, np.where(at > 0, at, np.nan))
        rej = tab["pvalue"].to_numpy() <= level
        n_sel = int(np.argmin(rej)) if not rej.all() else int(rej.size)
        tab.attrs.update(n_breaks=n_sel, level=level, cov_type=cov_type, lags=lags)
        return tab

    # ------------------------------------------------------------------ protocol
    @property
    def params(self) -> pd.Series:
        """Segment coefficients for the BIC partition (``term [first-last time]``)."""
        from .breakpoints import _ols

        vals, names = [], []
        edges = [0, *self.breakpoints(), self.nobs]
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            beta, _ = _ols(self.X[a:b], self.y[a:b])
            t0, t1 = time_at(self.time, [a + 1, b])
            lab = f"[{_fmt(t0)}, {_fmt(t1)}]"
            vals.extend(beta.tolist())
            names.extend(f"{t} {lab}" for t in self.terms)
        return pd.Series(vals, index=names, dtype=float)

    @property
    def bse(self) -> pd.Series:  # type: ignore[override]
        """OLS standard errors within each segment."""
        from .breakpoints import _ols

        out = []
        edges = [0, *self.breakpoints(), self.nobs]
        k = self.X.shape[1]
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            Xs = self.X[a:b]
            _, r = _ols(Xs, self.y[a:b])
            s2 = float(r @ r) / max(b - a - k, 1)
            out.extend(np.sqrt(s2 * np.diag(np.linalg.pinv(Xs.T @ Xs))).tolist())
        return pd.Series(out, index=self.params.index, dtype=float)

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [
            ("Method", self.method),
            ("Formula", self.formula),
            ("No. observations", self.nobs),
            ("Minimal segment (h)", f"{self.h_obs} obs ({self.h:.3g})"),
            ("Max. breaks", self.max_breaks),
            ("Breaks (BIC)", self.n_breaks),
            ("Breaks (LWZ)", self.n_breaks_lwz),
            ("Time", self.time_name),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        from ..core.inference import coefficient_table

        tabs = {"Criteria": self.rss_table()}
        if self.n_breaks > 0:
            ci = self.break_conf_int(level=level)
            tabs["Break dates"] = ci[["time_lower", "time", "time_upper"]].rename(
                columns={
                    "time_lower": f"[{100 * level:g}%",
                    "time": "date",
                    "time_upper": f"{100 * level:g}%]",
                }
            )
        tabs["Coefficients"] = coefficient_table(self.params, self.bse, level)
        return tabs

    def _summary_notes(self) -> list[str]:
        return [
            "Break dates: optimal partitions by dynamic programming as R strucchange; "
            "intervals from Bai (1997) with segment-specific regressors and errors.",
            "Coefficient standard errors are OLS within segments, conditional on the dates.",
        ]

    def _glance_stats(self) -> dict[str, Any]:
        m = self.n_breaks
        return {
            "n_breaks": m,
            "n_breaks_lwz": self.n_breaks_lwz,
            "rss": float(self.rss[m]),
            "bic": float(self.bic[m]),
            "h_obs": self.h_obs,
        }

    def _plot(self, kind: str | None, ax, **kwargs):
        """``kind="fit"``: data, segmented fit and break lines with intervals;
        ``"criteria"``: BIC and RSS against the number of breaks; None: both."""
        if kind not in (None, "fit", "criteria"):
            raise DataError(f"kind must be None, 'fit' or 'criteria', got {kind!r}.")
        if kind is None:
            fig, axes = figure_axes(ax, ncols=2, figsize=(11, 4))
            self._plot_fit(axes[0])
            self._plot_criteria(axes[1])
            return fig
        fig, ax = figure_axes(ax)
        (self._plot_fit if kind == "fit" else self._plot_criteria)(ax)
        return fig

    def _plot_fit(self, ax) -> None:
        t = self.time
        ax.plot(t, self.y, lw=0.8, color="grey", label="data")
        ax.plot(t, self.fitted(), color="C0", label=f"fit, {self.n_breaks} break(s)")
        if self.n_breaks:
            ci = self.break_conf_int()
            for _, row in ci.iterrows():
                ax.axvline(row["time"], color="C3", ls="--", lw=1)
                ax.axvspan(row["time_lower"], row["time_upper"], color="C3", alpha=0.12)
        ax.set_xlabel(self.time_name)
        ax.legend()

    def _plot_criteria(self, ax) -> None:
        m = np.arange(self.rss.size)
        ax.plot(m, self.bic, "o-", label="BIC")
        ax.set_xlabel("number of breaks")
        ax.set_ylabel("BIC")
        ax2 = ax.twinx()
        ax2.plot(m, self.rss, "s--", color="C1", label="RSS")
        ax2.set_ylabel("RSS")
        ax.set_title("BIC and residual sum of squares")
        ax.legend(loc="upper center")


def _fmt(x: Any) -> str:
    if isinstance(x, np.datetime64):
        return str(pd.Timestamp(x).date())
    xf = float(x)
    return str(int(xf)) if xf == int(xf) else f"{xf:g}"


@dataclass(frozen=True, repr=False)
class FluctuationTestResult(TestResult):
    """Result of :func:`stattools.fluctuation_test` (strucchange ``efp`` + ``sctest``).

    ``extra`` (readable as attributes) holds ``type``, ``process`` (the efp process,
    as strucchange), ``process_time``, ``boundary`` (5 % boundary), ``limit`` and ``h``.
    """

    __test__ = False

    def _summary_notes(self) -> list[str]:
        return [
            f"Limit process: {self.extra.get('limit')}; p-value as strucchange's sctest "
            "(max functional).",
        ]

    def plot(self, kind: str | None = None, ax=None, **kwargs):
        """The fluctuation process with its 5 % boundaries (strucchange ``plot.efp``)."""
        fig, ax = figure_axes(ax)
        proc = np.asarray(self.extra["process"], dtype=float)
        t = np.asarray(self.extra["process_time"])
        bd = np.asarray(self.extra["boundary"], dtype=float)
        ax.plot(t, proc, lw=1, label="empirical fluctuation process")
        ax.plot(t, bd, color="C3", ls="--", label="5% boundary")
        ax.plot(t, -bd, color="C3", ls="--")
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(f"{self.method} (p = {self.pvalue:.3g})")
        ax.legend()
        return fig


@dataclass(frozen=True, repr=False)
class FStatsTestResult(TestResult):
    """Result of :func:`stattools.f_test_breaks` (strucchange ``Fstats`` + ``sctest``).

    ``extra`` holds ``fstats`` (the F sequence, Wald scale), ``fstats_time``,
    ``breakpoint`` (argmax, 1-based), ``break_time``, ``lambda``, ``cov_type``, and the
    three statistics ``sup_f``, ``ave_f``, ``exp_f`` with their p-values.
    """

    __test__ = False

    def _summary_notes(self) -> list[str]:
        return [
            "p-values: Hansen (1997) approximation to the Andrews (1993) / Andrews-Ploberger "
            "(1994) limits, as strucchange's pvalue.Fstats.",
            f"Covariance: {self.extra.get('cov_type')}.",
        ]

    def plot(self, kind: str | None = None, ax=None, **kwargs):
        """The F statistics over candidate break dates with the 5 % sup-F critical value."""
        fig, ax = figure_axes(ax)
        f = np.asarray(self.extra["fstats"], dtype=float)
        t = np.asarray(self.extra["fstats_time"])
        ax.plot(t, f, lw=1, label="F statistics")
        cv = (self.critical_values or {}).get("supF 5%")
        if cv is not None and math.isfinite(cv):
            ax.axhline(cv, color="C3", ls="--", label="sup-F 5% critical value")
        ax.set_title(f"{self.method} (p = {self.pvalue:.3g})")
        ax.legend()
        return fig
