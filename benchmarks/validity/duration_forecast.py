"""Calibration of the ACD forecast check: the PIT uniformity test (issue 12).

:func:`stattools.duration.forecast.pit_test` compares the Kolmogorov-Smirnov distance of the
in-sample PITs from U(0, 1) with a parametric bootstrap (default) or with the classical KS
law (``method="ks"``, which ignores the estimated parameters). Each replication fits the
correct law and returns the distance ``d``, the classical decision and ONE bootstrap draw
``d_star``; the bootstrap decisions are warp-speed decisions (Giacomini, Politis and White
2013: ``d`` against the 95% quantile of the pooled ``d_star`` of the design), made by
:func:`finalize`.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

import stattools as st
from stattools.core.exceptions import StattoolsWarning
from stattools.core.simulation_result import _table
from stattools.duration.distributions import Exponential, Weibull
from stattools.duration.forecast import _boot_ks, _ks_uniform

LAWS = {
    "exponential": Exponential(),
    "weibull(0.8)": Weibull(0.8),
    "weibull(0.9)": Weibull(0.9),
    "weibull(0.7)": Weibull(0.7),
}
# the law fitted to each design: the correct one (size), the exponential (power)
FIT = {"exponential": "exponential", "weibull(0.8)": "weibull"}


def simulate(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """ACD(1,1) (omega 0.1, alpha 0.1, beta 0.8) with the design's error law."""
    law = design["errors"]
    sim = st.simulate_acd(int(design["n"]), omega=0.1, alpha=0.1, beta=0.8, dist=LAWS[law], rng=rng)
    sim.attrs["fit"] = FIT.get(law, "exponential")
    sim.attrs["boot_seed"] = int(rng.integers(2**63))
    return sim


def analyse(data: pd.DataFrame) -> dict[str, float]:
    """KS distance, the classical KS decision and one parametric bootstrap draw."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        res = st.acd("duration ~ 1", data, dist=data.attrs["fit"])
        ks = res.pit_test(method="ks")
        d_star = _boot_ks((np.random.SeedSequence(data.attrs["boot_seed"]), res))
    return {
        "d": float(_ks_uniform(res.pit().to_numpy())),
        "d_star": d_star,
        "reject_ks": float(ks.pvalue < 0.05),
    }


def finalize(res: Any, *, nominal: bool = True) -> Any:
    """Warp-speed bootstrap decisions ``reject_bootstrap`` per design (5% level)."""
    reps = res.replicates.copy()
    reps["reject_bootstrap"] = np.nan
    for _, idx in reps.groupby("design").groups.items():
        d = reps.loc[idx, "d"].to_numpy(dtype=float)
        ds = reps.loc[idx, "d_star"].to_numpy(dtype=float)
        ds = ds[np.isfinite(ds)]
        if ds.size:
            q = float(np.quantile(ds, 0.95))
            reps.loc[idx, "reject_bootstrap"] = np.where(np.isfinite(d), (d > q) * 1.0, np.nan)
    front = [c for c in reps.columns if c not in ("reject_bootstrap", "error", "warning")]
    reps = reps[[*front, "reject_bootstrap", "error", "warning"]]
    nom = dict(res.nominal)
    if nominal:
        nom["reject_bootstrap"] = (0.05, "two-sided")
    return dataclasses.replace(
        res, replicates=reps, nominal=nom, table=_table(reps, res.designs, nom, 0.95)
    )


def finalize_power(res: Any) -> Any:
    """:func:`finalize` without a nominal level (the rates are powers)."""
    return finalize(res, nominal=False)


def studies() -> list[dict[str, Any]]:
    return [
        dict(
            name="acd_pit_test_size",
            title="ACD: size of the PIT uniformity test (default bootstrap, classical KS)",
            description=(
                "ACD(1,1), omega 0.1, alpha 0.1, beta 0.8, n events, Exp(1) or unit-mean "
                "Weibull(0.8) errors, fitted with the correct law; 5% level. "
                "reject_bootstrap: the default parametric bootstrap (warp-speed decisions, "
                "Giacomini-Politis-White 2013); reject_ks: method='ks' (estimation ignored)."
            ),
            simulate=simulate,
            analyse=analyse,
            finalize=finalize,
            grid={"n": [500, 2000], "errors": ["exponential", "weibull(0.8)"]},
            reps=1000,
            reps_ci=40,
            nominal={"reject_ks": 0.05},
            kind="size",
            explanations={
                "reject_ks": (
                    "method='ks' uses the classical Kolmogorov-Smirnov law, which ignores "
                    "that the PITs come from estimated parameters; it is conservative "
                    "(Durbin 1973), which is why the bootstrap is the default."
                )
            },
        ),
        dict(
            name="acd_pit_test_power",
            title="ACD: power of the PIT test against a wrong error law",
            description=(
                "ACD(1,1), omega 0.1, alpha 0.1, beta 0.8 with unit-mean Weibull(0.9) or "
                "Weibull(0.7) errors, fitted with the exponential law; 5% level."
            ),
            simulate=simulate,
            analyse=analyse,
            finalize=finalize_power,
            grid={"n": [500, 2000], "errors": ["weibull(0.9)", "weibull(0.7)"]},
            reps=1000,
            reps_ci=20,
            nominal={},
            kind="power",
        ),
    ]
