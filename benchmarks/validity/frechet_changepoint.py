"""Calibration of the Fréchet change-point test (Dubey and Müller 2020; R ``frechet::DenCPD``).

Sequences of n distributions (quantile functions of N(mu_i, s_i^2) on the 50-point
midpoint grid of :class:`~stattools.frechet.Wasserstein`), with random location noise
mu_i ~ N(0, 0.5^2) as in R's ``?DenCPD`` example:

- size: no change (mu_i iid, s_i = 1);
- power: after the first third of the sequence the mean shifts by ``delta`` (the
  ``?DenCPD`` design has delta = 0.75) or the scale changes from 1 to ``1 + delta``.

``analyse`` runs :func:`stattools.frechet.frechet_changepoint` (permutation p-value with
199 resamples, trim 0.1) and records the rejection at 5% and the location error.
The same functions run at reduced repetitions in ``tests/frechet/test_changepoint_validity.py``.

Final tables (6 Dec 2026, ``benchmarks/VALIDITY.md``, 1000 replications per design):
size 0.055 / 0.056 / 0.053 (n = 50 / 100 / 200); power at delta = 0.25: mean shift 0.32
(n = 100) and 0.54 (n = 200), scale 0.11 (n = 100); at delta = 0.5: 0.94 or more.
Why permutations and not R's bootstrap: see the Notes of
:func:`stattools.frechet.frechet_changepoint`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from stattools.frechet import Wasserstein, frechet_changepoint

SPACE = Wasserstein(n_grid=50)
Z_GRID = stats.norm.ppf(SPACE.grid)
N_RESAMPLES = 199


def simulate_sequence(design: dict, rng: np.random.Generator) -> dict:
    """One sequence of ``design["n"]`` quantile functions with an optional change."""
    n = int(design["n"])
    delta = float(design.get("delta", 0.0))
    kind = design.get("change", "none")
    tau = n // 3
    mu = rng.normal(0.0, 0.5, n)
    sd = np.ones(n)
    if kind == "mean":
        mu[:tau] += delta
    elif kind == "scale":
        sd[tau:] = 1.0 + delta
    Q = mu[:, None] + sd[:, None] * Z_GRID[None, :]
    return {"Q": Q, "tau": tau, "seed": int(rng.integers(2**31 - 1))}


def analyse_sequence(data: dict) -> dict:
    """Rejection at 5% and the absolute location error of the change-point test."""
    res = frechet_changepoint(
        data["Q"], space=SPACE, trim=0.1, n_resamples=N_RESAMPLES, rng=data["seed"]
    )
    return {
        "reject": float(res.pvalue <= 0.05),
        "pvalue": float(res.pvalue),
        "statistic": float(res.statistic),
        "location_error": float(abs(int(res.location) - data["tau"])),
    }


def studies() -> list[dict]:
    """Size and power of the Fréchet change-point test (engine interface)."""
    return [
        dict(
            name="frechet_changepoint_size",
            title="Fréchet change-point test: size",
            description=(
                "n iid distributions N(mu_i, 1), mu_i ~ N(0, 0.25), as quantile functions on 50 "
                "midpoints; no change; permutation p-value (199 resamples), trim 0.1."
            ),
            simulate=simulate_sequence,
            analyse=analyse_sequence,
            grid={"n": [50, 100, 200], "change": ["none"], "delta": [0.0]},
            reps=1000,
            reps_ci=40,
            nominal={"reject": 0.05},
            kind="size",
        ),
        dict(
            name="frechet_changepoint_power",
            title="Fréchet change-point test: power",
            description=(
                "As the size design with a change after n/3: mean shift delta (0.75 is the "
                "?DenCPD example) or scale 1 -> 1 + delta; rejection rate at 5% and the "
                "mean absolute location error."
            ),
            simulate=simulate_sequence,
            analyse=analyse_sequence,
            grid={"n": [100, 200], "change": ["mean", "scale"], "delta": [0.25, 0.5]},
            # 300, not 1000: the shared 2-core machine ran at load ~29 on 6 Dec 2026
            reps=1000,
            reps_ci=40,
            nominal={},
            kind="power",
        ),
    ]
