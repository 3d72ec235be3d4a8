"""The result of :func:`stattools.simulation_study`: rates, Monte Carlo errors and bands."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError
from .plotting import figure_axes
from .results import TIDY_COLUMNS, ResultBase, _conf_frame, readonly
from .validation import check_level

__all__ = ["SimulationResult", "is_rate_quantity", "wilson_interval", "mc_band", "check_nominal"]

RATE_PREFIXES = ("reject", "cover")
BAND_TAIL = 5e-4
EXTRA_COLUMNS = [
    "design", "quantity", "n_ok", "n_failed", "mean", "mc_se", "rate", "rate_low",
    "rate_high", "nominal", "band_low", "band_high", "in_band",
]  # fmt: skip
_SIDES = ("two-sided", "lower", "upper")


def is_rate_quantity(name: str) -> bool:
    """True for 0/1 quantities (names starting with ``reject`` or ``cover``)."""
    return name.startswith(RATE_PREFIXES)


def wilson_interval(k: Any, n: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes out of ``n`` (NaN where ``n == 0``).

    Examples
    --------
    >>> [round(float(v), 4) for v in wilson_interval(5, 100)]
    [0.0215, 0.1118]
    """
    from scipy import stats

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.isf((1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def mc_band(n: int, p: float, side: str = "two-sided", tail: float = BAND_TAIL) -> tuple[int, int]:
    """Exact binomial acceptance band of a count out of ``n`` under the rate ``p``.

    ``[binom.ppf(tail, n, p), binom.isf(tail, n, p)]``; ``side="lower"`` (a guarantee
    rate >= p) drops the upper end, ``side="upper"`` the lower end.

    Examples
    --------
    >>> mc_band(1000, 0.05)
    (29, 74)
    """
    from scipy import stats

    lo, hi = int(stats.binom.ppf(tail, n, p)), int(stats.binom.isf(tail, n, p))
    if side == "lower":
        hi = n
    elif side == "upper":
        lo = 0
    return lo, hi


def check_nominal(nominal: Mapping[str, Any], columns: list[str]) -> dict[str, tuple[Any, str]]:
    """Normalise ``nominal`` to ``{quantity: (value or grid column, side)}``."""
    out: dict[str, tuple[Any, str]] = {}
    for q, spec in nominal.items():
        value, side = spec if isinstance(spec, tuple | list) else (spec, "two-sided")
        if side not in _SIDES:
            raise DataError(f"nominal[{q!r}]: side must be one of {_SIDES}, got {side!r}.")
        if isinstance(value, str):
            if value not in columns:
                raise DataError(
                    f"nominal[{q!r}] names the grid column {value!r}, which is not in the grid "
                    f"(columns: {columns})."
                )
        elif not (isinstance(value, int | float | np.floating) and 0 <= float(value) <= 1):
            raise DataError(
                f"nominal[{q!r}] must be a rate in [0, 1] or a grid column; got {value!r}."
            )
        out[str(q)] = (value, side)
    return out


def _labels(designs: pd.DataFrame) -> list[str]:
    if designs.shape[1] == 0:
        return [f"design {i}" for i in range(len(designs))]
    labels = [", ".join(f"{c}={v}" for c, v in row.items()) for row in designs.to_dict("records")]
    if len(set(labels)) < len(labels):
        labels = [f"#{i} {lab}" for i, lab in enumerate(labels)]
    return labels


def _quantities(raw: pd.DataFrame, designs: pd.DataFrame) -> list[str]:
    meta = {"design", "rep", "error", "warning", "seconds", "cpu_seconds", *designs.columns}
    return [c for c in raw.columns if c not in meta]


def _table(raw, designs, nominal, level) -> pd.DataFrame:
    from scipy import stats

    z = stats.norm.isf((1 - level) / 2)
    labels = _labels(designs)
    rows = []
    groups = dict(tuple(raw.groupby("design", sort=True)))
    for d in range(len(designs)):
        g = groups.get(d, raw.iloc[:0])
        n_failed = int(g["error"].notna().sum())
        for q in _quantities(raw, designs):
            v = g[q].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            n = v.size
            mean = float(v.mean()) if n else math.nan
            se = float(v.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            row: dict[str, Any] = {
                "design": d,
                "quantity": q,
                "n_ok": n,
                "n_failed": n_failed,
                "mean": mean,
                "mc_se": se,
            }
            row.update(
                rate=math.nan,
                rate_low=math.nan,
                rate_high=math.nan,
                nominal=math.nan,
                band_low=math.nan,
                band_high=math.nan,
                in_band=pd.NA,
                p_value=math.nan,
            )
            lo_w, hi_w = mean - z * se, mean + z * se
            if is_rate_quantity(q) and n:
                k = int(round(v.sum()))
                lo_w, hi_w = (float(x) for x in wilson_interval(k, n, level))
                row.update(rate=mean, rate_low=lo_w, rate_high=hi_w)
                if q in nominal:
                    value, side = nominal[q]
                    p = float(designs.iloc[d][value]) if isinstance(value, str) else float(value)
                    blo, bhi = mc_band(n, p, side)
                    alt = {"two-sided": "two-sided", "lower": "less", "upper": "greater"}[side]
                    row.update(
                        nominal=p,
                        band_low=blo / n,
                        band_high=bhi / n,
                        in_band=bool(blo <= k <= bhi),
                        p_value=float(stats.binomtest(k, n, p, alternative=alt).pvalue),
                    )
            row.update(
                term=f"{q} | {labels[d]}",
                estimate=mean,
                std_error=se,
                statistic=math.nan,
                conf_low=lo_w,
                conf_high=hi_w,
            )
            rows.append(row)
    table = pd.DataFrame(rows)
    if not len(table):
        table = pd.DataFrame(columns=TIDY_COLUMNS + EXTRA_COLUMNS)
    table["in_band"] = table["in_band"].astype("boolean")
    grid = designs.reset_index(drop=True).iloc[table["design"].to_numpy(dtype=int)]
    grid = grid.reset_index(drop=True)
    out = pd.concat([table[TIDY_COLUMNS], grid, table[EXTRA_COLUMNS]], axis=1)
    return out


@dataclass(frozen=True, repr=False)
class SimulationResult(ResultBase):
    """Result of :func:`stattools.simulation_study` (immutable).

    Attributes
    ----------
    designs : DataFrame
        The grid, one row per design (row position = design index).
    replicates : DataFrame
        One row per replication: ``design``, ``rep``, the quantities returned by
        ``analyse``, ``error`` (recorded failures) and ``warning`` (the first warning
        raised in that replication, recorded rather than re-emitted).
    reps : int
        Replications per design.
    seed : int or SeedSequence
        ``rng=result.seed`` reproduces the study exactly.
    nominal : dict
        ``{quantity: (rate or grid column, side)}``.
    info : dict
        Backend, chunk size, chunks computed now / loaded from the store, wall seconds.
    timings : DataFrame
        Wall and CPU (thread) seconds per replication by design (mean and total),
        including chunks loaded from a store.
    """

    designs: pd.DataFrame
    replicates: pd.DataFrame
    reps: int
    seed: Any
    nominal: dict[str, tuple[Any, str]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    timings: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: tuple[str, ...] = ()
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = "Monte Carlo simulation study"

    @classmethod
    def from_raw(
        cls,
        raw: pd.DataFrame,
        *,
        designs: pd.DataFrame,
        reps: int,
        seed: Any,
        nominal: Mapping[str, Any],
        warnings: tuple[str, ...],
        info: dict[str, Any],
    ) -> SimulationResult:
        """Build the result from the per-replication frame (used by ``simulation_study``)."""
        nom = check_nominal(nominal, list(designs.columns))
        if "cpu_seconds" not in raw:
            raw = raw.assign(cpu_seconds=np.nan)
        g = raw.groupby("design")
        timings = pd.DataFrame(
            {
                "reps": g["seconds"].count(),
                "seconds_mean": g["seconds"].mean(),
                "seconds_total": g["seconds"].sum(),
                "cpu_seconds_mean": g["cpu_seconds"].mean(),
                "cpu_seconds_total": g["cpu_seconds"].sum(),
            }
        )
        designs = designs.reset_index(drop=True)
        grid = designs.iloc[raw["design"].to_numpy(dtype=int)].reset_index(drop=True)
        raw = raw.reset_index(drop=True)
        reps_frame = pd.concat(
            [
                raw[["design", "rep"]],
                grid,
                raw.drop(columns=["design", "rep", "seconds", "cpu_seconds"]),
            ],
            axis=1,
        )
        return cls(
            designs=readonly(designs.reset_index(drop=True)),
            replicates=readonly(reps_frame),
            reps=int(reps),
            seed=seed,
            nominal=nom,
            info=dict(info),
            timings=readonly(timings),
            warnings=tuple(warnings),
            table=readonly(_table(raw, designs.reset_index(drop=True), nom, 0.95)),
        )

    # ----------------------------------------------------------------- protocol
    @property
    def params(self) -> pd.Series:
        """Mean of each quantity by design (the rate for 0/1 quantities)."""
        return pd.Series(self.table["estimate"].to_numpy(), index=self.table["term"].tolist())

    @property
    def bse(self) -> pd.Series:
        """Monte Carlo standard errors of ``params``."""
        return pd.Series(self.table["std_error"].to_numpy(), index=self.table["term"].tolist())

    @property
    def nobs(self) -> int:
        """Number of replications (all designs)."""
        return len(self.replicates)

    @property
    def n_failed(self) -> int:
        """Replications whose ``simulate`` or ``analyse`` raised (``on_error="record"``)."""
        return int(self.replicates["error"].notna().sum())

    @property
    def out_of_band(self) -> pd.DataFrame:
        """The rows of ``tidy()`` whose rate lies outside its Monte Carlo band."""
        return self.table[self.table["in_band"].fillna(True).eq(False)].reset_index(drop=True)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wilson intervals for 0/1 quantities, mean -/+ z * MC s.e. for the others."""
        t = self.tidy(level=level)
        return _conf_frame(t["term"].tolist(), t["conf_low"], t["conf_high"], level, "wilson/wald")

    def tidy(self, conf_int: bool = True, level: float = 0.95) -> pd.DataFrame:
        """One row per design x quantity.

        broom columns first (``estimate`` = mean, ``std_error`` = MC s.e., ``p_value`` =
        exact binomial test of the rate against its nominal, ``conf_low/high`` = Wilson or
        Wald interval), then the grid columns, ``design``, ``quantity``, ``n_ok``
        (replications with a finite value), ``n_failed``, ``mean``, ``mc_se``, ``rate``,
        ``rate_low``, ``rate_high`` (Wilson), ``nominal``, ``band_low``, ``band_high``
        (exact binomial band, as rates) and ``in_band``.
        """
        level = check_level(level)
        if level == 0.95:
            out = self.table.copy()
        else:
            out = _table(self.replicates, self.designs, self.nominal, level)
        if not conf_int:
            out["conf_low"] = np.nan
            out["conf_high"] = np.nan
        return out

    def _glance_stats(self) -> dict[str, Any]:
        return {
            "n_designs": len(self.designs),
            "reps": self.reps,
            "n_failed": self.n_failed,
            "n_out_of_band": len(self.out_of_band),
            "seconds": self.info.get("seconds", math.nan),
            "seed": str(self.seed),
        }

    def _summary_header(self) -> list[tuple[str, Any]]:
        i = self.info
        return [
            ("Method", self.method),
            ("Designs", len(self.designs)),
            ("Replications per design", self.reps),
            ("Seed", str(self.seed)),
            ("Failed replications", self.n_failed),
            ("simulate", i.get("simulate", "")),
            ("analyse", i.get("analyse", "")),
            ("Backend", i.get("backend", "")),
            ("Chunk size", i.get("chunk_size", "")),
            ("Chunks run / loaded", f"{i.get('chunks_run', 0)} / {i.get('chunks_loaded', 0)}"),
            ("Wall time (s)", float(i.get("seconds", math.nan))),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        t = self.tidy(level=level)
        t.index = t["term"].tolist()
        tables: dict[str, pd.DataFrame] = {}
        rate = t["rate"].notna()
        if rate.any():
            cols = [
                "n_ok",
                "rate",
                "rate_low",
                "rate_high",
                "nominal",
                "band_low",
                "band_high",
                "in_band",
            ]
            tables["Rates (Wilson intervals, exact binomial MC bands)"] = (
                t.loc[rate, cols]
                .astype(object)
                .rename(columns={"rate_low": "[Wilson", "rate_high": "Wilson]"})
            )
        if (~rate).any():
            tables["Means (Monte Carlo s.e.)"] = t.loc[~rate, ["n_ok", "mean", "mc_se"]]
        return tables

    def _summary_notes(self) -> list[str]:
        notes = [
            f"MC band: count in [binom.ppf({BAND_TAIL:g}), binom.isf({BAND_TAIL:g})] under the "
            "nominal rate (one end only for one-sided guarantees)."
        ]
        for _, r in self.out_of_band.iterrows():
            notes.append(
                f"OUTSIDE its MC band: {r['term']}: rate {r['rate']:.4f} vs nominal "
                f"{r['nominal']:g} (band [{r['band_low']:.4f}, {r['band_high']:.4f}])."
            )
        w = self.replicates["warning"].dropna()
        if len(w):
            notes.append(f"{len(w)} replications raised warnings (recorded), e.g. {w.iloc[0]}")
        return notes

    # ----------------------------------------------------------------- plots
    def _plot(self, kind: str | None, ax, x: str | None = None, quantity: str | None = None, **kw):
        t = self.table
        rates = t[t["rate"].notna()]
        if quantity is not None:
            if quantity not in set(t["quantity"]):
                raise DataError(
                    f"quantity {quantity!r} is not in the study ({sorted(set(t['quantity']))})."
                )
            rates = rates[rates["quantity"] == quantity]
        if kind is None:
            kind = "rate" if len(rates) else "mean"
        if kind == "rate":
            return self._plot_rate(rates, ax)
        if kind == "power":
            return self._plot_power(rates, ax, x)
        if kind == "mean":
            sub = t[t["rate"].isna()] if quantity is None else t[t["quantity"] == quantity]
            return self._plot_mean(sub, ax)
        raise DataError(f"kind must be None, 'rate', 'power' or 'mean'; got {kind!r}.")

    def _plot_rate(self, rates: pd.DataFrame, ax):
        fig, ax = figure_axes(ax, figsize=(7, max(2.5, 0.3 * len(rates) + 1)))
        y = np.arange(len(rates))
        has_band = rates["nominal"].notna().to_numpy()
        for yi, (_, r) in zip(y[has_band], rates[has_band].iterrows()):
            ax.fill_betweenx(
                [yi - 0.4, yi + 0.4], r["band_low"], r["band_high"], color="0.85", lw=0
            )
            ax.plot([r["nominal"]] * 2, [yi - 0.4, yi + 0.4], color="k", lw=1)
        ok = rates["in_band"].fillna(True).to_numpy(dtype=bool)
        err = np.vstack([rates["rate"] - rates["rate_low"], rates["rate_high"] - rates["rate"]])
        err = np.maximum(err.astype(float), 0.0)  # rounding at rates 0 and 1
        for mask, colour, lab in ((ok, "C0", "rate (Wilson 95%)"), (~ok, "C3", "outside MC band")):
            if mask.any():
                ax.errorbar(
                    rates["rate"].to_numpy()[mask],
                    y[mask],
                    xerr=err[:, mask],
                    fmt="o",
                    color=colour,
                    capsize=3,
                    label=lab,
                )
        ax.set_yticks(y, rates["term"].tolist(), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("rate (grey: exact binomial MC band around the nominal, black line)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def _plot_power(self, rates: pd.DataFrame, ax, x: str | None):
        cols = list(self.designs.columns)
        if x is None:
            numeric = [
                c
                for c in cols
                if pd.api.types.is_numeric_dtype(self.designs[c]) and self.designs[c].nunique() > 1
            ]
            if not numeric:
                raise DataError(
                    "kind='power' needs a numeric grid column with several values; pass x=."
                )
            x = numeric[0]
        if x not in cols:
            raise DataError(f"x={x!r} is not a grid column ({cols}).")
        fig, ax = figure_axes(ax)
        others = [c for c in cols if c != x]
        keys = ["quantity", *others]
        for key, g in rates.groupby(keys, sort=False, dropna=False):
            g = g.sort_values(x)
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join([str(key[0])] + [f"{c}={v}" for c, v in zip(others, key[1:])])
            ax.errorbar(
                g[x],
                g["rate"],
                yerr=np.maximum([g["rate"] - g["rate_low"], g["rate_high"] - g["rate"]], 0.0),
                marker="o",
                capsize=3,
                label=label,
            )
            if g["nominal"].notna().any():
                ax.plot(g[x], g["nominal"], ls="--", color="grey", lw=1)
        ax.set_xlabel(x)
        ax.set_ylabel("rate (Wilson 95%)")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=8)
        return fig

    def _plot_mean(self, sub: pd.DataFrame, ax):
        fig, ax = figure_axes(ax)
        y = np.arange(len(sub))
        se = sub["mc_se"].fillna(0).to_numpy()
        ax.errorbar(sub["mean"], y, xerr=1.96 * se, fmt="o", capsize=3)
        ax.set_yticks(y, sub["term"].tolist(), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("mean (+/- 1.96 Monte Carlo s.e.)")
        return fig

    def design(self, design: int) -> dict[str, Any]:
        """The dict that ``simulate`` received for design number ``design``."""
        if self.designs.shape[1] == 0:
            return {}
        return self.designs.iloc[[int(design)]].to_dict("records")[0]

    def replication_rng(self, design: int, rep: int) -> np.random.Generator:
        """The generator that ``simulate`` received for replication ``rep`` of ``design``."""
        from .simulation import replication_seed

        return np.random.default_rng(replication_seed(self.seed, design, rep))
