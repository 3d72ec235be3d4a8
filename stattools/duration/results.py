"""Result of an ACD fit (maximum likelihood / QMLE)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.exceptions import DataError, NotSupportedError
from ..core.inference import coefficient_table
from ..core.plotting import figure_axes
from ..core.resampling import as_seed_sequence
from ..core.results import Estimate, ResultBase, TestResult, readonly
from ..core.validation import check_option
from .distributions import Innovation
from .inference import infinite_mean_test, ljung_box, tail_index
from .recursion import filter_state_groups

if TYPE_CHECKING:  # pragma: no cover
    from .engine import FitOutput

__all__ = ["ACDResult"]


@dataclass(frozen=True, repr=False)
class ACDResult(ResultBase):
    """Fitted ACD(p, q) / log-ACD model.

    Attributes
    ----------
    params, bse : Series
        ``omega``, ``alpha[j]``, ``beta[j]``, regressors, then shape parameters.
    llf, aic, bic : float
    resid : Series
        Standardised residuals ``eps_hat = x / psi_hat``.
    fittedvalues : Series
        ``psi_hat``.
    persistence : Estimate
        ``sum(alpha) + sum(beta)`` (log-ACD: ``sum(beta)``) with its standard error.
    window : float
        Observation window ``T`` (``N(T) = nobs`` events).
    """

    params: pd.Series
    cov: pd.DataFrame
    llf: float
    cov_type: str
    dist: Innovation
    window: float
    x: np.ndarray
    psi: np.ndarray
    _model: Any  # the ACD model object (model.py imports this module, not vice versa)
    nobs: int
    converged: bool
    warnings: tuple[str, ...]
    n_iter: int = 0
    method: str = "ACD QMLE"

    @classmethod
    def build(cls, model: Any, params, cov, out: FitOutput, cov_type, mats, msgs) -> ACDResult:
        spec = model.spec
        shape = tuple(params.iloc[spec.k :].to_numpy(dtype=float))
        dist = model.dist.with_params(shape) if shape else model.dist
        s = filter_state_groups(
            params.iloc[: spec.k].to_numpy(dtype=float),
            model.x,
            spec,
            model.b,
            model.Z,
            model.segments,
        )
        psi = np.exp(s) if spec.log else s
        qmle = type(dist).__name__ == "Exponential"
        kind = "log-ACD" if spec.log else "ACD"
        label = getattr(spec, "label", f"{kind}({spec.p},{spec.q})")  # models of issue 12
        meth = f"{label} " + ("QMLE" if qmle else f"MLE, {dist.name} errors")
        return cls(
            params=readonly(params),
            cov=readonly(cov),
            nobs=int(model.x.shape[0]),
            llf=float(out.llf),
            converged=bool(out.converged),
            warnings=tuple(msgs),
            cov_type=cov_type,
            dist=dist,
            window=model.window,
            x=readonly(model.x),
            psi=readonly(psi),
            _model=model,
            n_iter=out.n_iter,
            method=meth,
        )

    # ------------------------------------------------------------------ members
    @property
    def qmle(self) -> bool:
        """Whether this is the exponential QMLE."""
        return type(self.dist).__name__ == "Exponential"

    @property
    def bse(self) -> pd.Series:  # type: ignore[override]
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the estimates (``cov_type`` of the fit)."""
        return self.cov.copy()

    @property
    def resid(self) -> pd.Series:
        """Standardised residuals ``eps_hat_i = x_i / psi_hat_i``."""
        return pd.Series(self.x / self.psi, index=self._index, name="resid")

    @property
    def fittedvalues(self) -> pd.Series:
        """Conditional expected durations ``psi_hat_i``."""
        return pd.Series(np.asarray(self.psi), index=self._index, name="psi")

    def augment(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """broom's ``augment``: the data plus ``.fitted`` (``psi_hat``) and ``.resid``
        (``eps_hat = x / psi_hat``).

        With ``data=None`` the frame holds the duration column only (indexed like the
        rows used in the fit); otherwise ``data`` must have one row per duration.

        Examples
        --------
        >>> import stattools as st
        >>> sim = st.simulate_acd(500, omega=0.1, alpha=0.1, beta=0.8, rng=0)
        >>> st.acd("duration ~ 1", data=sim).augment().columns.tolist()
        ['duration', '.fitted', '.resid']
        """
        from ..core.results import augment_frame

        if data is None:
            data = pd.DataFrame({self._model.name: np.asarray(self.x)}, index=self._index)
        return augment_frame(data, np.asarray(self.psi), np.asarray(self.x / self.psi))

    @property
    def _index(self) -> pd.Index:
        idx = self._model.index
        return idx if idx is not None else pd.RangeIndex(self.nobs)

    @property
    def nparams(self) -> int:
        """Number of estimated parameters."""
        return int(self.params.size)

    @property
    def aic(self) -> float:
        """Akaike information criterion ``-2 llf + 2 k``."""
        return -2 * self.llf + 2 * self.nparams

    @property
    def bic(self) -> float:
        """Bayesian information criterion ``-2 llf + k log N``."""
        return -2 * self.llf + self.nparams * math.log(self.nobs)

    @property
    def persistence(self) -> Estimate:
        """``pi = sum(alpha) + sum(beta)`` (log-ACD: ``sum(beta)``) with its standard error."""
        spec = self._model.spec
        g = np.zeros(self.params.size)
        if hasattr(spec, "persistence_index"):  # every model of stattools.duration.models
            g[list(spec.persistence_index)] = 1.0
        else:
            g[(1 + spec.p if spec.log else 1) : 1 + spec.p + spec.q] = 1.0
        val = float(g @ self.params.to_numpy())
        var = float(g @ self.cov.to_numpy() @ g)
        return Estimate(val, math.sqrt(var) if var >= 0 else math.nan, name="persistence")

    @property
    def gamma(self) -> float:
        """``mean log(alpha eps_hat + beta)`` for the ACD(1,1) (< 0: strictly stationary)."""
        spec = self._model.spec
        if spec.log or spec.p != 1 or spec.q != 1:
            return math.nan
        A = self.params["alpha[1]"] * self.x / self.psi + self.params["beta[1]"]
        with np.errstate(divide="ignore"):
            return float(np.mean(np.log(A)))

    def _kappa_hat(self) -> float:
        """Empirical tail index (root of ``mean(A_i^kappa) = 1``), NaN when there is none."""
        a, b = float(self.params["alpha[1]"]), float(self.params["beta[1]"])
        A = a * self.x / self.psi + b
        if a <= 0 or not (A.max() > 1):
            return math.nan
        with np.errstate(divide="ignore", over="ignore"):
            logA = np.log(A)
            h = lambda lk: float(np.mean(np.exp(math.exp(lk) * logA))) - 1.0  # noqa: E731
            lo, hi = (0.0, math.log(200.0)) if np.mean(A) < 1 else (math.log(1e-6), 0.0)
            try:
                return math.exp(optimize.brentq(h, lo, hi, xtol=1e-10))
            except ValueError:
                return math.nan

    # ------------------------------------------------------------------ tests
    def test_infinite_mean(
        self,
        alternative: str = "two-sided",
        method: str = "auto",
        level: float = 0.95,
        *,
        n_resamples: int = 199,
        rng: Any = None,
        n_jobs: int = 1,
        progress: bool | None = None,
        sampling: str = "window",
    ) -> TestResult:
        """Test ``H0: alpha + beta = 1`` (see :func:`~stattools.duration.infinite_mean_test`)."""
        return infinite_mean_test(
            self,
            alternative=alternative,
            method=method,
            level=level,
            n_resamples=n_resamples,
            rng=rng,
            n_jobs=n_jobs,
            progress=progress,
            sampling=sampling,
        )

    def tail_index(self, method: str = "empirical", level: float = 0.95) -> TestResult:
        """Tail index ``kappa`` (see :func:`~stattools.duration.inference.tail_index`)."""
        return tail_index(self, method=method, level=level)

    def ljung_box(self, lags: int = 10, squared: bool = False) -> TestResult:
        """Ljung-Box test on the residuals (or squared residuals)."""
        e = self.resid.to_numpy()
        return ljung_box(
            e**2 if squared else e, lags, name="squared residuals" if squared else "residuals"
        )

    # ------------------------------------------------------------------ prediction
    def forecast(self, horizon: int = 10, *, n_paths: int = 2000, rng: Any = 0) -> pd.Series:
        """Expected durations ``E[x_{N+h} | F_N]``, ``h = 1..horizon``.

        Linear ACD: exact recursion with ``E x = psi`` for future values. Log-ACD: the
        first step is exact, later steps are Monte Carlo means over ``n_paths`` simulated
        paths (seeded by ``rng``). Regressors are held at their last observed value.
        """
        horizon = int(horizon)
        if horizon < 1:
            raise DataError(f"horizon must be >= 1, got {horizon}.")
        spec = self._model.spec
        if getattr(spec, "generic", False) and spec.kind != "lacd1":
            from .models import forecast_generic

            return forecast_generic(self, horizon)
        th = self.params.iloc[: spec.k].to_numpy(dtype=float)
        omega, alpha, beta, xi = spec.split(th)
        zlast = float(self._model.Z[-1] @ xi) if self._model.Z is not None else 0.0
        x, s = self.x, (np.log(self.psi) if spec.log else np.asarray(self.psi))
        if not spec.log:
            xs = list(x[::-1][: spec.p])
            ss = list(s[::-1][: spec.q])
            out = []
            for _ in range(horizon):
                v = (
                    omega
                    + zlast
                    + float(np.dot(alpha, xs[: spec.p]))
                    + float(np.dot(beta, ss[: spec.q]))
                )
                out.append(v)
                xs.insert(0, v)
                ss.insert(0, v)
            return pd.Series(out, index=pd.RangeIndex(1, horizon + 1), name="forecast")
        gen = np.random.default_rng(as_seed_sequence(rng))
        r = max(spec.p, spec.q)
        le = np.tile(np.log(x[::-1][:r]) - s[::-1][:r], (n_paths, 1))
        sh = np.tile(s[::-1][:r], (n_paths, 1))
        means = []
        for _ in range(horizon):
            snew = omega + zlast + le[:, : spec.p] @ alpha + sh[:, : spec.q] @ beta
            means.append(float(np.mean(np.exp(snew))))
            e = self.dist.rvs(n_paths, gen)
            le = np.column_stack([np.log(e), le[:, :-1]])
            sh = np.column_stack([snew, sh[:, :-1]])
        return pd.Series(means, index=pd.RangeIndex(1, horizon + 1), name="forecast")

    def predict(
        self, horizon: int = 10, *, kind: str = "mean", x: Any = None, probs: Any = None
    ) -> pd.Series | pd.DataFrame:
        """Forecasts: expected durations, or the one-step predictive law.

        Parameters
        ----------
        horizon : int
            Steps ahead for ``kind="mean"`` (see :meth:`forecast`); the predictive law
            (``"density"``, ``"quantile"``) is the exact one-step law, ``horizon=1``.
        kind : {"mean", "density", "quantile"}
            ``"density"``: a DataFrame with ``x``, ``pdf``, ``cdf`` and ``hazard`` of
            ``x_{N+1} = psi_{N+1} eps`` (see
            :func:`stattools.duration.forecast.density_forecast`); ``"quantile"``: its
            quantiles at ``probs`` (default 5/25/50/75/95%).
        x, probs
            Evaluation points for ``"density"`` and probabilities for ``"quantile"``.

        Examples
        --------
        >>> import stattools as st
        >>> sim = st.simulate_acd(800, omega=0.1, alpha=0.1, beta=0.8, rng=2)
        >>> res = st.acd("duration ~ 1", sim, dist="weibull")
        >>> dens = res.predict(1, kind="density")
        >>> list(dens.columns)
        ['x', 'pdf', 'cdf', 'hazard']
        >>> bool(abs(res.predict(1, kind="quantile", probs=[0.5]).iloc[0] - dens.attrs["psi"]
        ...          * res.dist.ppf(0.5)) < 1e-12)
        True
        """
        from .forecast import density_forecast, forecast_quantiles

        kind = check_option(kind, "kind", ("mean", "density", "quantile"))
        if kind == "mean":
            return self.forecast(horizon)
        if horizon != 1:
            raise NotSupportedError(
                f"kind={kind!r} gives the exact one-step predictive law (horizon=1); for "
                "longer horizons simulate paths with result.simulate."
            )
        if kind == "density":
            return density_forecast(self, x)
        return forecast_quantiles(self, (0.05, 0.25, 0.5, 0.75, 0.95) if probs is None else probs)

    def pit(self) -> pd.Series:
        """In-sample probability integral transforms ``F(x_i / psi_i)`` (U(0, 1) if the
        model is right; Diebold, Gunther and Tay 1998)."""
        from .forecast import pit

        return pit(self)

    def cox_snell(self) -> pd.Series:
        """Cox-Snell residuals ``-log S(x_i / psi_i)`` (Exp(1) if the model is right)."""
        from .forecast import cox_snell

        return cox_snell(self)

    def pit_test(self, **kwargs: Any) -> TestResult:
        """Uniformity test of the PITs; see :func:`stattools.duration.forecast.pit_test`."""
        from .forecast import pit_test

        return pit_test(self, **kwargs)

    def simulate(
        self,
        nobs: int | None = None,
        *,
        window: float | None = None,
        rng: Any = None,
        burn: int = 500,
    ) -> pd.DataFrame:
        """Simulate from the fitted model (``window`` defaults to the data's ``T``)."""
        from .simulate import simulate_acd

        spec = self._model.spec
        if spec.exog:
            raise NotSupportedError("simulation of ACD models with regressors is not supported.")
        if getattr(spec, "kind", "acd") not in ("acd", "lacd1"):
            raise NotSupportedError(
                f"simulation is available for model='acd' and 'log', not {spec.kind!r}."
            )
        if nobs is None and window is None:
            window = self.window
        omega, alpha, beta, _ = spec.split(self.params.iloc[: spec.k].to_numpy(dtype=float))
        return simulate_acd(
            nobs,
            omega=omega,
            alpha=alpha,
            beta=beta,
            window=window,
            dist=self.dist,
            model="log" if spec.log else "acd",
            burn=burn,
            rng=rng,
        )

    # ------------------------------------------------------------------ summary hooks
    def _title(self) -> str:
        return f"{self.method}: {self._model.name}"

    def _summary_header(self) -> list[tuple[str, Any]]:
        spec = self._model.spec
        return [
            ("Dep. variable", self._model.name),
            (
                "Model",
                getattr(spec, "label", f"{'log-ACD' if spec.log else 'ACD'}({spec.p},{spec.q})"),
            ),
            ("Distribution", self.dist.name + (" (QMLE)" if self.qmle else "")),
            ("No. observations N(T)", self.nobs),
            ("Window T", self.window),
            ("Log-likelihood", self.llf),
            ("AIC", self.aic),
            ("BIC", self.bic),
            ("Covariance", self.cov_type),
            ("Backcast", f"{self._model.backcast} ({self._model.b:.4g})"),
            (
                "Recursion restarts",
                "none"
                if self._model.segments is None
                else f"{len(self._model.segments)} groups ({self._model.groups_name})",
            ),
            ("Converged", self.converged),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        k = self._model.spec.k
        tab = coefficient_table(self.params, self.bse, level)
        out = {"Recursion": tab.iloc[:k]}
        if self.params.size > k:
            out["Distribution"] = tab.iloc[k:]
        p = self.persistence
        lo, hi = p.conf_int(level)
        out["Persistence"] = pd.DataFrame(
            {
                "estimate": [p.value],
                "std err": [p.se],
                f"[{100 * level:g}%": [lo],
                f"{100 * level:g}%]": [hi],
            },
            index=[
                "alpha + beta"
                if not self._model.spec.log
                else (
                    "sum beta"
                    if getattr(self._model.spec, "kind", "lacd1") != "amacd"
                    else "alpha + beta"
                )
            ],
        )
        return out

    def _summary_notes(self) -> list[str]:
        spec = self._model.spec
        notes = [
            {
                "robust": "Standard errors: robust sandwich H^-1 I H^-1 / N with the observed "
                "Hessian H (as arch); R ACDm's robust_se uses the expected information "
                "J = mean(d d') instead: cov_type='expected' reproduces it.",
                "expected": "Standard errors: sandwich J^-1 I J^-1 / N with the expected "
                "information J = mean(d d') (as R ACDm's robust_se).",
                "classic": "Standard errors: classic H^-1 / N (valid only if the errors "
                "follow the assumed law; for the QMLE only if Var eps = 1).",
            }[self.cov_type]
        ]
        if getattr(spec, "kind", "lacd1") not in ("acd", "lacd1"):
            from .models import model_note

            notes.append(model_note(spec))
            return notes
        if spec.log:
            notes.append("Log-ACD: psi > 0 for any parameters; stationary if |sum beta| < 1.")
            return notes
        p = self.persistence
        g = self.gamma
        if math.isfinite(g):
            k = self._kappa_hat()
            if g >= 0 or not math.isfinite(k):
                notes.append(
                    f"Strictly stationary: no (mean log(alpha eps + beta) = {g:.4f}"
                    + (" >= 0" if g >= 0 else "; no tail index solves mean A^kappa = 1")
                    + "): the tail index is undefined and the asymptotics do not apply."
                )
            else:
                notes.append(
                    f"Strictly stationary: yes (mean log(alpha eps + beta) = {g:.4f}); "
                    f"empirical tail index kappa = {k:.4g}: mean duration "
                    + ("finite (kappa > 1)." if k > 1 else "infinite (kappa <= 1).")
                )
        else:
            notes.append(
                "Strict stationarity (mean log(alpha eps + beta) < 0) is checked for the "
                "ACD(1,1) only; alpha + beta < 1 is sufficient for any order."
            )
        if p.value < 1:
            notes.append(f"alpha + beta = {p.value:.4f} < 1: estimated mean duration is finite.")
        else:
            notes.append(f"alpha + beta = {p.value:.4f} >= 1: estimated mean duration is infinite.")
        if math.isfinite(p.se) and abs(p.value - 1) < 2 * p.se:
            notes.append(
                "alpha + beta is within 2 SE of 1: Wald and QLR tests of alpha + beta = 1 can "
                "disagree sharply here (non-quadratic profile likelihood); report both "
                "(test_infinite_mean(method='wald' / 'qlr'))."
            )
        return notes

    def _glance_stats(self) -> dict[str, Any]:
        p = self.persistence
        return {
            "window": self.window,
            "llf": self.llf,
            "aic": self.aic,
            "bic": self.bic,
            "persistence": p.value,
            "persistence_se": p.se,
            "converged": self.converged,
        }

    # ------------------------------------------------------------------ plots
    def _plot(self, kind: str | None, ax, **kwargs):
        kind = check_option(
            kind or "diagnostics",
            "kind",
            ("diagnostics", "qq", "acf", "hazard", "psi", "pit", "cox-snell"),
        )
        if kind in ("pit", "cox-snell"):
            from .forecast import plot_forecast_check

            return plot_forecast_check(self, kind, ax, **kwargs)
        if kind == "diagnostics":
            fig, axes = figure_axes(ax, nrows=2, ncols=2, figsize=(10, 7))
            axes = np.asarray(axes).ravel()
            for a, k in zip(axes, ("psi", "qq", "acf", "hazard")):
                self._plot(k, a)
            fig.tight_layout()
            return fig
        fig, ax = figure_axes(ax)
        e = np.sort(self.resid.to_numpy())
        if kind == "psi":
            ax.plot(np.arange(self.nobs), self.psi, lw=0.6)
            ax.set(xlabel="event", ylabel="psi_hat", title="Conditional expected duration")
        elif kind == "qq":
            pp = (np.arange(1, e.size + 1) - 0.5) / e.size
            q = self.dist.ppf(pp)
            ax.plot(q, e, ".", ms=2)
            m = max(q.max(), e.max())
            ax.plot([0, m], [0, m], color="C3", lw=0.8)
            ax.set(
                xlabel=f"{self.dist.name} quantiles",
                ylabel="residual quantiles",
                title="QQ plot of residuals",
            )
        elif kind == "acf":
            lags = int(kwargs.get("lags", 20))
            lb = self.ljung_box(lags)
            ax.bar(np.arange(1, lags + 1), lb.extra["acf"], width=0.4)
            band = 1.96 / math.sqrt(self.nobs)
            ax.axhline(band, color="grey", ls="--", lw=0.8)
            ax.axhline(-band, color="grey", ls="--", lw=0.8)
            ax.set(
                xlabel="lag",
                ylabel="ACF",
                title=f"Residual ACF (Ljung-Box Q({lags}) p = {lb.pvalue:.3g})",
            )
        else:
            n = e.size
            qs = np.quantile(e, np.linspace(0, 0.98, 30))
            mids, haz = [], []
            for lo, hi in zip(qs[:-1], qs[1:]):
                at_risk = np.sum(e >= lo)
                events = np.sum((e >= lo) & (e < hi))
                if hi > lo and at_risk > 0:
                    mids.append(0.5 * (lo + hi))
                    haz.append(events / (at_risk * (hi - lo)))
            ax.plot(mids, haz, "o", ms=3, label="empirical")
            grid = np.linspace(max(qs[0], 1e-3), qs[-1], 200)
            ax.plot(grid, self.dist.hazard(grid), label=f"fitted {self.dist.name}")
            ax.set(xlabel="eps", ylabel="hazard", title=f"Hazard of residuals (n = {n})")
            ax.legend()
        return fig
