"""Calibration designs of the mixture family (engine interface of ``st.simulation_study``).

* ``dpmm_density_coverage``: pointwise 95 % posterior bands of the DPMM density at the
  three modes of a known three-component mixture (weights .5/.3/.2 at -2/0.5/3, sds
  .5/.7/.4), n in {200, 800}. Bayesian credible bands carry no frequentist guarantee; the
  nominal 0.95 is the reference the bands are read against (exploratory runs: 92-98 %).
* ``mtm_recovery``: merge-truncate-merge with the calibrated defaults (c = 0.5, r = 2,
  omega_n = (log log n / log n)^(1/2), locations in data-sd units) on a three-atom truth
  (weights .45/.35/.2 at -3/0/3, unit sds), n in {10^3, 10^4}: the posterior mode of the
  MTM count should be 3 (``cover_mode3``; declared target >= 0.9, one-sided).

The same functions run at reduced repetitions in ``tests/validity/mixture``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import stattools as st
from stattools.core.exceptions import StattoolsWarning

DENSITY_TRUTH = st.MixingMeasure([0.5, 0.3, 0.2], [-2.0, 0.5, 3.0], scale=[0.5, 0.7, 0.4])
MODES = np.array([-2.0, 0.5, 3.0])
MTM_TRUTH = st.MixingMeasure([0.45, 0.35, 0.2], [-3.0, 0.0, 3.0], scale=1.0)


def simulate_density(design: dict, rng: np.random.Generator) -> dict:
    """n draws from the three-component density truth and a seed for the sampler."""
    return {"y": DENSITY_TRUTH.sample(int(design["n"]), rng=rng), "seed": int(rng.integers(2**31))}


def analyse_density(data: dict) -> dict:
    """95 % pointwise band coverage at the modes, band width and L1 error of the mean."""
    y = data["y"]
    x = np.linspace(-4.5, 5.0, 200)
    grid = np.r_[MODES, x]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y}), truncation=30, chains=1, draws=400,
                      tune=300, sampler="gibbs", grid=grid, keep_labels=False, pointwise=False,
                      rng=data["seed"], check=False)  # fmt: skip
    band = fit.predictive_density(grid, level=0.95)
    f = DENSITY_TRUTH.pdf(grid)
    out = {}
    for j, name in enumerate(["cover_mode1", "cover_mode2", "cover_mode3"]):
        out[name] = float(band["lower"].iloc[j] <= f[j] <= band["upper"].iloc[j])
    m = band["mean"].to_numpy()[3:]
    out["l1"] = float(np.sum(np.abs(m - f[3:])) * (x[1] - x[0]))
    out["band_width_mode1"] = float(band["upper"].iloc[0] - band["lower"].iloc[0])
    return out


def simulate_mtm(design: dict, rng: np.random.Generator) -> dict:
    """n draws from the three-atom MTM truth and a seed for the sampler."""
    return {"y": MTM_TRUTH.sample(int(design["n"]), rng=rng), "seed": int(rng.integers(2**31))}


def analyse_mtm(data: dict) -> dict:
    """Posterior mode of the MTM count (default constants) and of the occupied count."""
    y = data["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y}), truncation=30, chains=1, draws=300,
                      tune=300, sampler="gibbs", keep_labels=False, pointwise=False,
                      rng=data["seed"], check=False)  # fmt: skip
    mtm = fit.n_clusters("mtm")
    occ = fit.n_clusters()
    return {
        "cover_mode3": float(int(mtm.idxmax()) == 3),
        "p_mtm3": float(mtm.get(3, 0.0)),
        "occupied_mean": float((occ.index.to_numpy() * occ.to_numpy()).sum()),
        "cover_occupied_mode3": float(int(occ.idxmax()) == 3),
    }


def studies() -> list[dict]:
    """The mixture family's calibration studies."""
    return [
        dict(
            name="dpmm_density_coverage",
            title="DPMM: pointwise density band coverage",
            description=(
                "Three-component normal mixture (weights .5/.3/.2 at -2/0.5/3, sds "
                ".5/.7/.4); blocked Gibbs, K = 30, 1 chain x 400 draws (300 tune); 95 % "
                "pointwise posterior band at each mode; nominal 0.95 is a reference "
                "(Bayesian bands have no exact frequentist guarantee)."
            ),
            simulate=simulate_density,
            analyse=analyse_density,
            grid={"n": [200, 800]},
            reps=1000,
            reps_ci=4,
            nominal={"cover_mode1": 0.95, "cover_mode2": 0.95, "cover_mode3": 0.95},
            kind="coverage",
            explanations={
                "cover_mode3": (
                    "the band is a 95 % posterior credible interval for f(x): it targets "
                    "coverage on average over the DP prior, not for one fixed truth. Mode 3 "
                    "(sd 0.4, weight 0.2) is the sharpest feature relative to the prior on "
                    "component variances, so the posterior smooths it: in 30 extra data "
                    "sets at n = 200 the posterior-mean density at x = 3 was 0.045 below "
                    "the true 0.200 (-22 %) and every miss had the whole band below the "
                    "truth (none above). The bias shrinks with n (0.847 at n = 200, 0.916 "
                    "at n = 800 over 1000 replications); the 0.75 once seen at n = 800 for "
                    "mode 1 in a 20-replication table was Monte Carlo noise (0.939 here, "
                    "in band)"
                ),
                "cover_mode1": (
                    "smoothing bias at a sharp mode, as for cover_mode3: the band targets "
                    "posterior (prior-averaged) coverage, and the posterior mean at the "
                    "mode is pulled below the true density"
                ),
                "cover_mode2": (
                    "smoothing bias at a mode that overlaps its neighbours (see "
                    "cover_mode3): Bayesian bands carry no frequentist guarantee"
                ),
            },
        ),
        dict(
            name="mtm_recovery",
            title="MTM: recovery of a three-atom truth",
            description=(
                "Weights .45/.35/.2 at -3/0/3 with unit sds; DPMM (K = 30, 300 draws); "
                "posterior mode of the merge-truncate-merge count with the default "
                "constants (c = 0.5, r = 2); target: mode 3 in >= 90 % of data sets."
            ),
            simulate=simulate_mtm,
            analyse=analyse_mtm,
            grid={"n": [1000, 10000]},
            reps=1000,
            reps_ci=3,
            nominal={"cover_mode3": (0.9, "lower")},
            kind="coverage",
            explanations={
                "cover_mode3": (
                    "the MTM constants (c = 0.5, r = 2) were calibrated on this design; a "
                    "rate below 0.9 means some data sets' posterior merges or keeps a "
                    "spurious atom (n = 10^4 puts more mass on small extra clusters)"
                ),
            },
        ),
    ]
