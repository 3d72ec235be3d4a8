"""Calibration of the infinite-mean test of the ACD (``H0: alpha + beta = 1``).

Designs (issue 12, item 1): integrated ACD(1,1), ``omega = 0.05``, ``beta = 1 - alpha``
with ``alpha`` in {0.05, 0.1, 0.2}; Exp(1) or unit-mean Weibull(0.8) errors; ``n`` in
{500, 1000, 2000, 5000} events, either exactly ``n`` events ("count" sampling) or all
events in a fixed window ``[0, T]`` whose length gives a median of ``n`` events
("window" sampling, ``N(T)`` random; ``T`` is calibrated by :func:`window_for`).

The default test (:func:`stattools.duration.infinite_mean_test`, ``method="auto"``) is a
fixed-window residual bootstrap of the robust Wald ``t`` from the restricted fit. A full
bootstrap per replication (``B`` refits x 1000 replications x 48 designs) is not
affordable, so its size is measured by **warp-speed Monte Carlo** (Giacomini, Politis
and White, 2013, Econometric Reviews 32): every replication computes ``t`` and ONE
bootstrap draw ``t*``; the bootstrap critical values of a design are the quantiles of its
``t*`` pooled over the replications (:func:`finalize`, run by the atlas after the
study). This estimates the size of the test with ``n_resamples -> infinity``. The
pooled quantile adds its own Monte Carlo noise (about as much again as the binomial
noise of the rate at the 5% level), so the exact binomial bands of the atlas are
slightly too narrow for these rates.

:data:`VALIDATION` checks warp-speed against the full bootstrap: the same replications
run the shipped test with ``n_resamples=19`` (exact Monte Carlo tests: one-sided at 5%
and 10%, two-sided at 10%) and the warp-speed decisions from the first draw.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

import stattools as st
from stattools.core.exceptions import StattoolsWarning
from stattools.core.simulation_result import _table
from stattools.duration import Weibull
from stattools.duration.bootstrap import FAILURES

Z95 = 1.6448536269514722
Z975 = 1.959963984540054
OMEGA = 0.05
GRID = {
    "n": [500, 1000, 2000, 5000],
    "sampling": ["count", "window"],
    "errors": ["exponential", "weibull"],
    "alpha": [0.05, 0.1, 0.2],
}
SIDES = ("less", "greater", "two_sided")
#: replications per design of the size tables (see :func:`studies`)
REPS_SIZE = 1000
#: warp-speed decisions added by :func:`finalize` (nominal levels)
WARP = {f"reject_{s}": 0.05 for s in SIDES} | {f"reject_{s}_10": 0.10 for s in SIDES}
ASYMPTOTIC = {
    f"reject_{m}_{s}": 0.05 for m in ("wald", "qlr") for s in ("less", "greater", "two_sided")
}
VALIDATION_DESIGNS = [
    {"n": 1000, "sampling": "count", "errors": "exponential", "alpha": 0.1},
    {"n": 1000, "sampling": "window", "errors": "weibull", "alpha": 0.1},
]


def _law(errors: str):
    return Weibull(0.8) if errors == "weibull" else "exponential"


@functools.cache
def window_for(n: int, alpha: float, errors: str) -> float:
    """Window ``T`` with a median of ``n`` events: median sum of ``n`` simulated durations
    over 41 fixed-seed paths of the integrated ACD."""
    sums = [
        float(
            st.simulate_acd(
                n, omega=OMEGA, alpha=alpha, beta=1 - alpha, dist=_law(errors), rng=10**6 + i
            )["duration"].sum()
        )
        for i in range(41)
    ]
    return float(np.median(sums))


def simulate(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """One integrated-ACD sample for ``design``; ``attrs['boot_seed']`` seeds the bootstrap."""
    n, alpha, errors = int(design["n"]), float(design["alpha"]), str(design["errors"])
    beta = float(design.get("persistence", 1.0)) - alpha
    kw = dict(omega=OMEGA, alpha=alpha, beta=beta, dist=_law(errors), rng=rng)
    if design["sampling"] == "count":
        sim = st.simulate_acd(n, **kw)
    else:
        sim = st.simulate_acd(window=window_for(n, alpha, errors), **kw)
    sim.attrs["boot_seed"] = int(rng.integers(2**63))
    return sim


def simulate_power(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """ACD(1,1), Exp(1) errors, count sampling, ``beta = persistence - alpha`` with
    ``alpha = 0.1`` below one and ``alpha = 0.3`` above (``alpha = 0.1`` would make
    ``alpha + beta = 1.02`` explosive: ``E log(alpha eps + beta) > 0``; with 0.3 the
    process is stationary with an infinite mean, e.g. ``kappa = 0.74`` at 1.01)."""
    pers = float(design["persistence"])
    alpha = 0.1 if pers < 1 else 0.3
    d = {"n": design["n"], "sampling": "count", "errors": "exponential", "alpha": alpha,
         "persistence": pers}  # fmt: skip
    return simulate(d, rng)


def _test(data: pd.DataFrame, n_resamples: int, sampling: str = "window") -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        if len(data) < 50:
            return None
        fit = st.acd("duration ~ 1", data=data)
        return fit.test_infinite_mean(
            alternative="two-sided",
            n_resamples=n_resamples,
            rng=data.attrs["boot_seed"],
            sampling=sampling,
        )


def _asymptotic(t: float, r: float) -> dict[str, float]:
    out = {}
    for m, s in (("wald", t), ("qlr", r)):
        ok = math.isfinite(s)
        out[f"reject_{m}_less"] = float(s < -Z95) if ok else math.nan
        out[f"reject_{m}_greater"] = float(s > Z95) if ok else math.nan
        out[f"reject_{m}_two_sided"] = float(abs(s) > Z975) if ok else math.nan
    return out


def analyse(data: pd.DataFrame) -> dict[str, float]:
    """``t``, one bootstrap draw ``t_star`` of the shipped test (warp-speed; the decisions
    are made by :func:`finalize`) and the asymptotic Wald / QLR decisions on the same fit."""
    return _warp_inputs(data, "window")


def _failures(test: Any) -> dict[str, float]:
    """Failed bootstrap draws of one replication by type (0/1 with one draw: their means
    are the fractions of failed draws)."""
    return {f"failed_{k}": float(test.extra[f"failed_{k}"]) for k in FAILURES}


def _warp_inputs(data: pd.DataFrame, sampling: str) -> dict[str, float]:
    test = _test(data, 1, sampling=sampling)
    if test is None:
        return {"t": math.nan, "t_star": math.nan, "n_events": float(len(data))}
    t, r = float(test.extra["wald_t"]), float(test.extra["qlr_r"])
    null = np.asarray(test.null_distribution)
    return {
        "t": t,
        "t_star": float(null[0]) if null.size else math.nan,
        **_asymptotic(t, r),
        "n_events": float(len(data)),
        **_failures(test),
    }


FULL = {"reject_full_less": 0.05, "reject_full_greater": 0.05, "reject_full_less_10": 0.10,
        "reject_full_greater_10": 0.10, "reject_full_two_sided_10": 0.10}  # fmt: skip


def analyse_count(data: pd.DataFrame) -> dict[str, float]:
    """:func:`analyse` with the count bootstrap (``sampling="count"``: exactly the
    observed number of events in every bootstrap sample)."""
    return _warp_inputs(data, "count")


def _mc_decisions(t: float, null: np.ndarray) -> dict[str, float]:
    """Exact Monte Carlo decisions from ``B = 19`` draws (``p = (1 + k) / 20``): one-sided
    at 5% (``k = 0``) and 10% (``k <= 1``), equal-tailed two-sided at 10% (``k = 0`` in
    either tail)."""
    if not math.isfinite(t) or null.size != 19:  # a failed draw breaks exactness: no decision
        return dict.fromkeys(FULL, math.nan)
    k_lo, k_hi = int(np.sum(null <= t)), int(np.sum(null >= t))
    return {
        "reject_full_less": float(k_lo == 0),
        "reject_full_greater": float(k_hi == 0),
        "reject_full_less_10": float(k_lo <= 1),
        "reject_full_greater_10": float(k_hi <= 1),
        "reject_full_two_sided_10": float(min(k_lo, k_hi) == 0),
    }


def analyse_full(data: pd.DataFrame) -> dict[str, float]:
    """The shipped test with 19 draws (full bootstrap) and warp-speed inputs from draw 1."""
    test = _test(data, 19)
    if test is None:
        return {"t": math.nan, "t_star": math.nan, **_mc_decisions(math.nan, np.empty(0))}
    t = float(test.extra["wald_t"])
    null = np.asarray(test.null_distribution)
    return {
        "t": t,
        "t_star": float(null[0]) if null.size else math.nan,
        **_mc_decisions(t, null),
        "n_events": float(len(data)),
    }


def warp_decisions(t: np.ndarray, t_star: np.ndarray) -> dict[str, np.ndarray]:
    """Warp-speed decisions of every replication of one design (NaN where ``t`` is NaN):
    ``t`` against the quantiles of the pooled draws ``t_star`` (5% and 10%; two-sided
    equal-tailed, as the shipped test)."""
    ts = t_star[np.isfinite(t_star)]
    ok = np.isfinite(t)
    out = {}
    for lv, suffix in ((0.05, ""), (0.10, "_10")):
        if ts.size == 0:
            q = np.full(4, np.nan)
        else:
            q = np.quantile(ts, [lv, 1 - lv, lv / 2, 1 - lv / 2])
        dec = {
            "less": t < q[0],
            "greater": t > q[1],
            "two_sided": (t < q[2]) | (t > q[3]),
        }
        for s, v in dec.items():
            out[f"reject_{s}{suffix}"] = np.where(ok & (ts.size > 0), v.astype(float), np.nan)
    return out


def finalize(res: Any, *, nominal: bool = True) -> Any:
    """Add the warp-speed decisions (:func:`warp_decisions`, per design) to a
    ``SimulationResult`` whose replications hold ``t`` and ``t_star`` (with their nominal
    levels unless ``nominal=False``: power studies)."""
    reps = res.replicates.copy()
    for key in WARP:
        reps[key] = np.nan
    for _, idx in reps.groupby("design").groups.items():
        dec = warp_decisions(
            reps.loc[idx, "t"].to_numpy(dtype=float), reps.loc[idx, "t_star"].to_numpy(dtype=float)
        )
        for key, v in dec.items():
            reps.loc[idx, key] = v
    front = [c for c in reps.columns if c not in WARP and c not in ("error", "warning")]
    reps = reps[[*front, *WARP, "error", "warning"]]
    nom = dict(res.nominal)
    if nominal:
        nom |= {k: (v, "two-sided") for k, v in WARP.items()}
    return dataclasses.replace(
        res, replicates=reps, nominal=nom, table=_table(reps, res.designs, nom, 0.95)
    )


def finalize_power(res: Any) -> Any:
    """:func:`finalize` without nominal levels (the rates are powers)."""
    return finalize(res, nominal=False)


_DESC = (
    "Integrated ACD(1,1), omega = 0.05, beta = 1 - alpha; Exp(1) or unit-mean Weibull(0.8) "
    "errors; n events (count) or a fixed window with median n events (window, N(T) "
    "random). reject_less / reject_greater / reject_two_sided (5%) and *_10 (10%): the "
    "DEFAULT test (fixed-window residual bootstrap of the robust Wald t from the "
    "restricted fit, two-sided equal-tailed) measured by warp-speed Monte Carlo "
    "(Giacomini, Politis and White 2013: one bootstrap draw per replication, critical "
    "values = quantiles of the draws pooled over the replications of the design; the "
    "size with n_resamples -> infinity; the pooled quantile adds Monte Carlo noise, so "
    "the binomial band is slightly narrow). reject_wald_* / reject_qlr_*: the asymptotic "
    "robust Wald t and signed QLR r against N(0, 1) on the same fits, for comparison. "
    "t, t_star: means of t and of the bootstrap draw. failed_simulation / "
    "failed_too_few_events / failed_no_standard_error: fractions of bootstrap draws that "
    "failed, by type (see stattools.duration.bootstrap)."
)
_EXPL = {
    "reject_wald_less": "asymptotic Wald, not the default: oversized towards a finite mean "
    "because the QMLE of alpha + beta is biased down at the boundary (mean t < 0)",
    "reject_wald_greater": "asymptotic Wald, not the default: conservative for the same reason",
    "reject_wald_two_sided": "asymptotic Wald, not the default (shifted t)",
    "reject_qlr_less": "asymptotic QLR, not the default: oversized (shifted, skewed r)",
    "reject_qlr_greater": "asymptotic QLR, not the default: conservative",
    "reject_qlr_two_sided": "asymptotic QLR, not the default (shifted r)",
}
_WARP_EXPL = (
    "the default bootstrap test (warp-speed estimate, whose pooled critical value adds "
    "Monte Carlo noise beyond the binomial band). Known departures: with count-sampled "
    "data the default window bootstrap draws N* with the wide spread of N(T) and shifts "
    "t* up ('less' oversized in some count designs: use sampling='count', study "
    "acd_infinite_mean_size_count_bootstrap). The two starred fixed-window cells were "
    "re-run with the independent master seed 1212 (same simulate/analyse through "
    "st.simulation_study, 2000 replications): Exp, alpha = 0.1, n = 2000, 'greater' "
    "0.077 / 0.137 (5% / 10%) here, is 0.050 / 0.109 there (mean t -0.43, mean t* -0.48; "
    "'less' 0.054 / 0.090, two-sided 0.049 / 0.104): Monte Carlo noise; the shipped test "
    "(39 draws per replication, seed 4242, 298 replications) rejects 'greater' 0.037 / "
    "0.077 there, and 0.051 / 0.086 at its neighbour n = 1000 (395 replications), where "
    "the warp-speed re-run gives 0.064 / 0.130. Weibull, alpha = "
    "0.05, n = 500, 'less' 0.025 / 0.055 here, is 0.042 / 0.082 there; the shipped test "
    "(39 draws per replication, seed 4242, 731 replications with a defined t of 800) "
    "rejects 'less' 0.044 / 0.088, no less often than an exact bootstrap test with its "
    "~31 successful draws would (0.030 / 0.084), and 0.037 / 0.095 at its neighbour "
    "n = 1000 (294 replications), where the warp-speed re-run gives 0.035 / 0.082: the "
    "warp-speed estimate is conservative "
    "there (its pooled critical value mixes bootstrap worlds whose restricted fits "
    "differ), not the test, and the failed draws (21%, columns failed_*) do not explain "
    "it - see the Notes of st.infinite_mean_test, "
    "point 3"
)
_EXPL |= {k: _WARP_EXPL for k in WARP}


def _size_study(alpha: float, reps: int) -> dict:
    tag = f"{alpha:g}".replace(".", "")
    return dict(
        name=f"acd_infinite_mean_size_a{tag}",
        title=f"ACD: size of the infinite-mean tests at alpha + beta = 1, alpha = {alpha:g}",
        description=_DESC,
        simulate=simulate,
        analyse=analyse,
        grid={**{k: v for k, v in GRID.items() if k != "alpha"}, "alpha": [alpha]},
        reps=reps,
        reps_ci=2,
        nominal=dict(ASYMPTOTIC),
        kind="size",
        finalize=finalize,
        explanations=dict(_EXPL),
    )


def studies() -> list[dict]:
    """Designs for ``st.simulation_study`` (see the module docstring)."""
    return [
        # final tables: 1000 replications per design (issue 12, "Done when"); run
        # 2026-12-06 in stages of 200 / 500 / 1000 through one growing --store
        _size_study(0.1, REPS_SIZE),
        _size_study(0.05, REPS_SIZE),
        _size_study(0.2, REPS_SIZE),
        dict(
            name="acd_infinite_mean_size_count_bootstrap",
            title="ACD: size of the count bootstrap (sampling='count') on count-sampled data",
            description=(
                "Count designs of the size tables (exactly n events), with the bootstrap "
                "drawing exactly n events too (sampling='count') instead of the default "
                "fixed window: does matching the sampling scheme remove the upward shift "
                "of t* (mean t_star - mean t) seen with the window bootstrap on count "
                "data? Warp-speed Monte Carlo as in the size tables."
            ),
            simulate=simulate,
            analyse=analyse_count,
            grid={
                "n": [500, 2000],
                "sampling": ["count"],
                "errors": ["exponential", "weibull"],
                "alpha": [0.1, 0.2],
            },  # fmt: skip
            reps=REPS_SIZE,
            reps_ci=2,
            nominal=dict(ASYMPTOTIC),
            kind="size",
            finalize=finalize,
            explanations=dict(_EXPL),
        ),
        dict(
            name="acd_infinite_mean_power",
            title="ACD: power of the default infinite-mean test",
            description=(
                "ACD(1,1), omega = 0.05, Exp(1) errors, count sampling; alternatives "
                "alpha + beta = 0.98 / 0.99 (finite mean, power of 'less'; alpha = 0.1) and "
                "1.01 / 1.02 (stationary, infinite mean, power of 'greater'; alpha = 0.3, "
                "kappa = 0.74 / 0.45). The default bootstrap test by warp-speed Monte "
                "Carlo (see the size tables) and the asymptotic Wald/QLR on the same fits."
            ),
            simulate=simulate_power,
            analyse=analyse,
            grid={"n": [1000, 5000], "persistence": [0.98, 0.99, 1.01, 1.02]},
            reps=REPS_SIZE,
            reps_ci=2,
            nominal={},
            kind="power",
            finalize=finalize_power,
            x="persistence",
        ),
        dict(
            name="acd_infinite_mean_warp_check",
            title="ACD: warp-speed Monte Carlo against the full bootstrap",
            description=(
                "Two designs of the size tables. Every replication runs the shipped test "
                "with n_resamples = 19: reject_full_* are its exact Monte Carlo decisions "
                "(one-sided 5%: t beyond all 19 draws; one-sided 10%: beyond 18; "
                "two-sided 10%, equal-tailed: beyond all 19 on either side). "
                "reject_less / reject_greater / reject_two_sided (and *_10) are the "
                "warp-speed decisions on the same replications from the first draw only "
                "(critical values pooled over replications). A replication with a failed "
                "draw among its 19 has no exact decision and is left out of reject_full_* "
                "(their n ok)."
            ),
            simulate=simulate,
            analyse=analyse_full,
            grid=pd.DataFrame(VALIDATION_DESIGNS),
            reps=REPS_SIZE,
            reps_ci=1,
            nominal=dict(FULL),
            kind="size",
            finalize=finalize,
            explanations=dict.fromkeys(
                FULL,
                "the shipped test with 19 draws (exact Monte Carlo test if the bootstrap "
                "were exact); see the Notes of st.infinite_mean_test",
            )
            | {k: _WARP_EXPL for k in WARP},
        ),
    ]


def _pvalue_decisions(t: float, null: np.ndarray) -> dict[str, float]:
    """Decisions of the shipped test at 5% and 10% from its draws ``null`` (failed draws
    already dropped: ``m`` of them), and the level an exact bootstrap test with ``m``
    draws attains (``floor(level (m + 1)) / (m + 1)``; two-sided: twice that at half the
    level)."""
    m = null.size
    p_lo = (1 + int(np.sum(null <= t))) / (m + 1)
    p_hi = (1 + int(np.sum(null >= t))) / (m + 1)
    p2 = min(1.0, 2 * min(p_lo, p_hi))
    out = {"draws_ok": float(m)}
    for lv, suffix in ((0.05, ""), (0.10, "_10")):
        exact = math.floor(lv * (m + 1)) / (m + 1)
        out |= {
            f"reject_less{suffix}": float(p_lo <= lv),
            f"reject_greater{suffix}": float(p_hi <= lv),
            f"reject_two_sided{suffix}": float(p2 <= lv),
            f"exact_one_sided{suffix}": exact,
            f"exact_two_sided{suffix}": 2 * math.floor(lv / 2 * (m + 1)) / (m + 1),
        }
    return out


def full_bootstrap(
    design: dict, reps: int, seed: int = 4242, n_resamples: int = 39
) -> dict[str, float]:
    """Rejection rates of the shipped test (``n_resamples`` draws per replication, not
    warp-speed) for one design, through ``st.simulation_study(..., rng=seed)`` with the
    design alone (index 0); ``exact_*`` are the mean levels an exact bootstrap test with
    the same numbers of successful draws would attain (a replication whose draws partly
    fail has fewer attainable levels). The checks in the Notes of
    ``st.infinite_mean_test`` (point 3) are, with the defaults: 800 replications of
    Weibull, window, ``alpha = 0.05``, ``n = 500`` and 300 of its ``n = 1000``; 300 of
    Exp, window, ``alpha = 0.1``, ``n = 2000`` and 400 of its ``n = 1000``."""

    def analyse_p(data: pd.DataFrame) -> dict[str, float]:
        test = _test(data, n_resamples)
        t = math.nan if test is None else float(test.extra["wald_t"])
        if not math.isfinite(t):
            return {"t": math.nan}
        null = np.asarray(test.null_distribution)
        mean_star = float(np.mean(null)) if null.size else math.nan
        return {"t": t, "mean_t_star": mean_star, **_pvalue_decisions(t, null)}

    res = st.simulation_study(simulate, analyse_p, pd.DataFrame([design]), reps, rng=seed)
    df = res.replicates
    df = df[np.isfinite(df["t"].to_numpy(dtype=float))]
    keys = [c for c in df.columns if c.startswith(("reject", "exact", "mean_t", "draws"))]
    return (
        {"reps": int(len(df))}
        | {k: float(df[k].mean()) for k in keys}
        | {"mean_t": float(df["t"].mean())}
    )


def warp_speed(design: dict, reps: int, seed: int = 20261206) -> dict[str, float]:
    """Warp-speed size of the default test for one design, outside the atlas.

    Returns the rejection rates of the default test (``less``, ``greater``,
    ``two_sided`` at 5%, ``*_10`` at 10%), of the asymptotic Wald and QLR tests on the
    same fits, ``mean(t)``, ``mean(t*)``, ``sd(t)``, ``sd(t*)``, ``reps`` (replications
    whose ``t`` is defined), ``failed`` (the fraction of their bootstrap draws that
    failed) and ``failed_<type>`` for each type of :data:`~stattools.duration.bootstrap.
    FAILURES`.
    """
    gens = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(reps)]
    df = pd.DataFrame([analyse(simulate(design, g)) for g in gens])
    t, ts = df["t"].to_numpy(dtype=float), df["t_star"].to_numpy(dtype=float)
    dec = warp_decisions(t, ts)
    ok = np.isfinite(t)
    out: dict[str, float] = {"reps": int(ok.sum())}
    out |= {k.removeprefix("reject_"): float(np.nanmean(v)) for k, v in dec.items()}
    out |= {k.removeprefix("reject_"): float(df[k].mean()) for k in ASYMPTOTIC}
    ts = ts[np.isfinite(ts)]
    out |= {
        "mean_t": float(np.mean(t[ok])),
        "mean_t_star": float(np.mean(ts)),
        "sd_t": float(np.std(t[ok], ddof=1)),
        "sd_t_star": float(np.std(ts, ddof=1)),
        "median_events": float(df["n_events"].median()),
    }
    # fractions of the draws (of replications with a defined t) that failed, by type
    fails = df.loc[ok, [f"failed_{k}" for k in FAILURES]]
    out |= {k: float(fails[k].mean()) for k in fails}
    out["failed"] = float(np.mean(~np.isfinite(df.loc[ok, "t_star"].to_numpy(dtype=float))))
    return out


def main(argv: list[str]) -> int:
    """``python -m benchmarks.validity.duration REPS [n=.. sampling=.. errors=.. alpha=..]``:
    warp-speed rates, one line per design (filters select a subset of the grid)."""
    import itertools

    reps = int(argv[0]) if argv else 1000
    filt = dict(a.split("=") for a in argv[1:])
    grid = dict(GRID)
    for k, v in filt.items():  # e.g. persistence=1.01 alpha=0.3 (power designs)
        if k == "persistence" or (k in ("n", "alpha") and v not in map(str, grid[k])):
            grid[k] = [int(v)] if k == "n" else [float(v)]
    keys = list(grid)
    for combo in itertools.product(*grid.values()):
        design = dict(zip(keys, combo))
        if any(str(design[k]) != v for k, v in filt.items()):
            continue
        t0 = time.time()
        out = warp_speed(design, reps)
        cells = " ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in out.items()
        )
        print(f"{design} {cells} seconds={time.time() - t0:.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
