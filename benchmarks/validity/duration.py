"""Calibration of the infinite-mean test of the ACD (``H0: alpha + beta = 1``).

Designs (issue 12, item 1): integrated ACD(1,1), ``omega = 0.05``, ``beta = 1 - alpha``
with ``alpha`` in {0.05, 0.1, 0.2}; Exp(1) or unit-mean Weibull(0.8) errors; ``n`` in
{500, 1000, 2000, 5000} events, either exactly ``n`` events ("count" sampling) or all
events in a fixed window ``[0, T]`` whose length gives a median of ``n`` events
("window" sampling, ``N(T)`` random; ``T`` is calibrated by :func:`window_for`).

Two ways to measure the size of the default (bootstrap) test:

* :func:`studies` for ``st.simulation_study``: every replication runs the shipped test
  with ``n_resamples=19`` (a Monte Carlo test: rejecting when ``t`` is beyond all 19
  draws has exact level 1/20 when the bootstrap is exact), for each alternative, plus
  the asymptotic Wald and QLR tests on the same fits.
* :func:`warp_speed` (Giacomini, Politis and White, 2013): one bootstrap draw per
  replication; the bootstrap critical value is the quantile of the draws pooled over
  replications. It estimates the size of the test with ``B -> infinity`` at the cost
  of two fits per replication; the table in the docstring of
  :func:`stattools.duration.infinite_mean_test` comes from it
  (``python -m benchmarks.validity.duration``).
"""

from __future__ import annotations

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
from stattools.duration import Weibull

Z95 = 1.6448536269514722
OMEGA = 0.05
GRID = {
    "n": [500, 1000, 2000, 5000],
    "sampling": ["count", "window"],
    "errors": ["exponential", "weibull"],
    "alpha": [0.05, 0.1, 0.2],
}


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


def _fit_and_test(data: pd.DataFrame, n_resamples: int) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        if len(data) < 50:
            return None, None
        fit = st.acd("duration ~ 1", data=data)
        test = fit.test_infinite_mean(
            alternative="less", n_resamples=n_resamples, rng=data.attrs["boot_seed"]
        )
    return fit, test


def analyse(data: pd.DataFrame) -> dict[str, float]:
    """The shipped default test with 19 draws (exact Monte Carlo test at 5%), both sides,
    plus the asymptotic Wald and QLR decisions on the same fit."""
    fit, test = _fit_and_test(data, 19)
    if test is None:
        return {"reject_less": 0.0, "reject_greater": 0.0, "reject_wald_less": 0.0,
                "reject_wald_greater": 0.0, "reject_qlr_less": 0.0, "reject_qlr_greater": 0.0,
                "t": math.nan, "n_events": float(len(data))}  # fmt: skip
    t = float(test.extra["wald_t"])
    r = float(test.extra["qlr_r"])
    null = np.asarray(test.null_distribution)
    ok = null.size == 19  # a failed draw makes the 5% Monte Carlo test impossible
    return {
        "reject_less": float(ok and bool(np.all(t < null))),
        "reject_greater": float(ok and bool(np.all(t > null))),
        "reject_wald_less": float(t < -Z95),
        "reject_wald_greater": float(t > Z95),
        "reject_qlr_less": float(r < -Z95),
        "reject_qlr_greater": float(r > Z95),
        "t": t,
        "n_events": float(len(data)),
    }


def analyse_warp(data: pd.DataFrame) -> dict[str, float]:
    """``t`` and one bootstrap draw ``t*`` of the shipped test (for :func:`warp_speed`)."""
    fit, test = _fit_and_test(data, 1)
    if test is None:
        return {"t": math.nan, "t_star": math.nan, "n_events": float(len(data))}
    null = np.asarray(test.null_distribution)
    return {
        "t": float(test.extra["wald_t"]),
        "t_star": float(null[0]) if null.size else math.nan,
        "qlr_r": float(test.extra["qlr_r"]),
        "n_events": float(len(data)),
    }


def studies() -> list[dict]:
    """Designs for ``st.simulation_study`` (see the module docstring)."""
    return [
        dict(
            name="acd_infinite_mean_size",
            title="ACD: size of the default infinite-mean test at alpha + beta = 1",
            description=(
                "Integrated ACD(1,1), omega = 0.05, beta = 1 - alpha; Exp(1) or Weibull(0.8) "
                "errors; n events (count) or a fixed window with median n events (window). "
                "Default test (fixed-window residual bootstrap of the robust Wald t from the "
                "restricted fit) with 19 draws, i.e. an exact 5% Monte Carlo test, for each "
                "alternative; the asymptotic Wald and QLR on the same fits. The default "
                "test is reject_less (bootstrap) for 'less' and reject_wald_greater "
                "(asymptotic Wald) for 'greater'."
            ),
            simulate=simulate,
            analyse=analyse,
            grid=GRID,
            reps=1000,
            reps_ci=2,
            nominal={
                "reject_less": 0.05,
                "reject_greater": 0.05,
                "reject_wald_less": 0.05,
                "reject_wald_greater": 0.05,
                "reject_qlr_less": 0.05,
                "reject_qlr_greater": 0.05,
            },
            kind="size",
        ),
        dict(
            name="acd_infinite_mean_power",
            title="ACD: power of the default infinite-mean test",
            description=(
                "ACD(1,1), omega = 0.05, Exp(1) errors, count sampling; alternatives "
                "alpha + beta = 0.98 / 0.99 (finite mean, 'less'; alpha = 0.1) and "
                "1.01 / 1.02 (stationary, infinite mean, 'greater'; alpha = 0.3)."
            ),
            simulate=simulate_power,
            analyse=analyse,
            grid={"n": [1000, 5000], "persistence": [0.98, 0.99, 1.01, 1.02]},
            reps=300,
            reps_ci=2,
            nominal={},
            kind="power",
        ),
    ]


def simulate_power(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """ACD(1,1), Exp(1) errors, ``beta = persistence - alpha`` with ``alpha = 0.1`` below
    one and ``alpha = 0.3`` above (``alpha = 0.1`` would make ``alpha + beta = 1.02``
    explosive: ``E log(alpha eps + beta) > 0``; with 0.3 the process is stationary with
    an infinite mean, e.g. ``kappa = 0.74`` at 1.01)."""
    pers = float(design["persistence"])
    alpha = 0.1 if pers < 1 else 0.3
    sim = st.simulate_acd(int(design["n"]), omega=OMEGA, alpha=alpha, beta=pers - alpha, rng=rng)
    sim.attrs["boot_seed"] = int(rng.integers(2**63))
    return sim


def warp_speed(design: dict, reps: int, seed: int = 20261206) -> dict[str, float]:
    """Warp-speed size of the default test for one design (``B -> infinity``).

    Returns the one-sided rejection rates of the bootstrap test (``less``, ``greater``),
    those of the asymptotic Wald and QLR tests on the same fits, and ``mean(t)``,
    ``mean(t*)``, ``sd(t)``, ``sd(t*)``.
    """
    gens = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(reps)]
    rows = [analyse_warp(simulate(design, g)) for g in gens]
    df = pd.DataFrame(rows)
    t, ts = df["t"].to_numpy(), df["t_star"].to_numpy()
    ts = ts[np.isfinite(ts)]
    lo, hi = np.quantile(ts, [0.05, 0.95])
    ok = np.isfinite(t)
    return {
        "reps": int(ok.sum()),
        "less": float(np.mean(t[ok] < lo)),
        "greater": float(np.mean(t[ok] > hi)),
        "wald_less": float(np.mean(t[ok] < -Z95)),
        "wald_greater": float(np.mean(t[ok] > Z95)),
        "qlr_less": float(np.mean(df["qlr_r"][ok] < -Z95)),
        "qlr_greater": float(np.mean(df["qlr_r"][ok] > Z95)),
        "mean_t": float(np.mean(t[ok])),
        "mean_t_star": float(np.mean(ts)),
        "sd_t": float(np.std(t[ok], ddof=1)),
        "sd_t_star": float(np.std(ts, ddof=1)),
        "median_events": float(df["n_events"].median()),
    }


def main(argv: list[str]) -> int:
    """``python -m benchmarks.validity.duration REPS [n=.. sampling=.. errors=.. alpha=..]``:
    the warp-speed table, one line per design (filters select a subset of the grid)."""
    reps = int(argv[0]) if argv else 1000
    filt = dict(a.split("=") for a in argv[1:])
    import itertools

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
