"""Calibration designs of the nonstationary family (size, power, coverage).

Each study follows the engine interface of ``st.simulation_study``: ``simulate(design,
rng)`` returns data, ``analyse(data)`` returns 0/1 ``reject_*`` / ``cover_*`` quantities.
Errors are a unit-marginal-variance AR(1) with coefficient ``phi`` times a standard
deviation profile ``sd(u)``:

* ``"const"``: 1;  ``"break"``: 1, then 4 from u = 0.75;  ``"smooth"``: 0.2 + 3 u^2.

The same functions run at reduced repetitions in ``tests/validity/nonstationary``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy import signal

import stattools as st

B = 199  # bootstrap draws per test in the studies

# Final-table replications: 1000 per design (the bootstrap studies were first run at 300
# under load and completed to 1000 from their stores on a quiet machine).


def seed_of(data: pd.DataFrame) -> int:
    """A bootstrap seed derived from the data, so every replication gets its own draws.

    (``analyse`` receives only the data; one fixed seed would reuse the same B draws in
    every replication, and the rate would be conditional on that one draw set.)
    """
    y = np.ascontiguousarray(data["y"].to_numpy(dtype=float)[:8])
    return int.from_bytes(hashlib.sha256(y.tobytes()).digest()[:8], "little") >> 1


def errors(n: int, phi: float, profile: str, rng: np.random.Generator) -> np.ndarray:
    """AR(1) errors with unit marginal variance times the ``profile`` standard deviation."""
    z = rng.standard_normal(n + 200)
    e = signal.lfilter([1.0], [1.0, -phi], z)[200:] * np.sqrt(1 - phi**2)
    u = np.arange(n) / n
    if profile == "break":
        sd = np.where(u < 0.75, 1.0, 4.0)
    elif profile == "smooth":
        sd = 0.2 + 3 * u**2
    else:
        sd = np.ones(n)
    return sd * e


def simulate_cusum(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Constant mean plus ``shift`` from mid-sample (``shift = 0``: the null)."""
    n = int(design["n"])
    y = errors(n, float(design["phi"]), design["profile"], rng)
    y[n // 2 :] += float(design.get("shift", 0.0))
    return pd.DataFrame({"y": y})


def analyse_cusum(data: pd.DataFrame) -> dict:
    """Default CUSUM and the alternatives it is compared with (same data, same seed)."""
    out = {}
    res = st.cusum_test("y ~ 1", data=data, n_resamples=B, rng=seed_of(data))
    out["reject_default"] = float(res.pvalue <= 0.05)
    old = st.cusum_test(
        "y ~ 1", data=data, n_resamples=B, rng=seed_of(data), studentiser="differences"
    )
    out["reject_default_differences"] = float(old.pvalue <= 0.05)
    out["reject_classical_hac"] = float(
        st.cusum_test("y ~ 1", data=data, method="classical").pvalue <= 0.05
    )
    for center in ("global", "changepoint"):
        r = st.cusum_test(
            "y ~ 1", data=data, method="multiplier", center=center, n_resamples=B, rng=seed_of(data)
        )
        out[f"reject_multiplier_{center}"] = float(r.pvalue <= 0.05)
    return out


def analyse_cusum_default(data: pd.DataFrame) -> dict:
    """The default CUSUM alone (for the CI-budget tests)."""
    res = st.cusum_test("y ~ 1", data=data, n_resamples=B, rng=seed_of(data))
    return {"reject_default": float(res.pvalue <= 0.05)}


def analyse_cusum_size(data: pd.DataFrame) -> dict:
    """Default CUSUM, the HAC-Kolmogorov and the textbook OLS-CUSUM (cheap: no multipliers)."""
    out = analyse_cusum_default(data)
    for method in ("classical", "ols-cusum"):
        r = st.cusum_test("y ~ 1", data=data, method=method)
        out[f"reject_{method.replace('-', '_')}"] = float(r.pvalue <= 0.05)
    return out


def simulate_weighted(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    return simulate_cusum(design, rng)


def analyse_weighted(data: pd.DataFrame) -> dict:
    """Weighted sup-tests (partial sums, MOSUM 0.1, EWMA 0.1) with the plug-in draws."""
    from stattools.nonstationary.windows import ewma, mosum

    out = {}
    for key, w in (("cusum", None), ("mosum", mosum(0.1)), ("ewma", ewma(0.1))):
        r = st.nonstationary.weighted_test(
            "y ~ 1", data=data, weights=w, n_resamples=B, rng=seed_of(data)
        )
        out[f"reject_{key}"] = float(r.pvalue <= 0.05)
    return out


def simulate_mean(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    n = int(design["n"])
    return pd.DataFrame({"y": 1.0 + errors(n, float(design["phi"]), design["profile"], rng)})


def analyse_mean(data: pd.DataFrame) -> dict:
    """One-sided and two-sided HAC mean tests of the true mean 1."""
    out = {}
    for alt in ("two-sided", "less", "greater"):
        r = st.mean_test("y ~ 1", data=data, mu=1.0, alternative=alt)
        out[f"reject_{alt.replace('-', '_')}"] = float(r.pvalue <= 0.05)
    return out


def mu_trend(u: np.ndarray) -> np.ndarray:
    return np.sin(2 * np.pi * u) + 2 * u


def simulate_trend(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """``mu(u) = sin(2 pi u) + 2u`` plus ``(0.5 + u)`` times AR(1) errors."""
    n = int(design["n"])
    u = np.arange(n) / (n - 1)
    e = errors(n, float(design["phi"]), "const", rng)
    return pd.DataFrame({"t": np.arange(n, dtype=float), "y": mu_trend(u) + (0.5 + u) * e})


def analyse_trend(data: pd.DataFrame) -> dict:
    """Coverage of the default (full-range) simultaneous and pointwise bands."""
    fit = st.trend("y ~ t", data=data, n_resamples=B, rng=seed_of(data))
    truth = mu_trend(np.asarray(fit.grid_u))
    sim, pw = fit.band("simultaneous"), fit.band("pointwise")
    inside = (sim["lower"].to_numpy() <= truth) & (truth <= sim["upper"].to_numpy())
    mid = len(truth) // 2
    pw_in = pw["lower"].to_numpy()[mid] <= truth[mid] <= pw["upper"].to_numpy()[mid]
    return {"cover_simultaneous": float(inside.all()), "cover_pointwise_mid": float(pw_in)}


def studies() -> list[dict]:
    """The family's calibration designs (see the module docstring)."""
    return [
        dict(
            name="nonstationary_cusum_size",
            title="CUSUM size under changing variance and AR(1) dependence",
            description="constant mean; AR(1) errors (phi 0, 0.5) times sd profiles const, "
            "break (1 -> 4 at u=0.75), smooth (0.2 + 3u^2); 5% level; B=199",
            simulate=simulate_cusum,
            analyse=analyse_cusum_size,
            grid={"n": [500, 1000], "phi": [0.0, 0.5], "profile": ["const", "break", "smooth"]},
            reps=1000,
            reps_ci=40,
            nominal={"reject_default": 0.05},
            kind="size",
        ),
        dict(
            name="nonstationary_cusum_power",
            title="CUSUM power, mean shift at mid-sample",
            description="shift 0.5 (marginal sd 1 before u=0.75) at u=0.5; AR(1) phi 0.5; "
            "sd profiles const and break; n=500; 5% level; B=199",
            simulate=simulate_cusum,
            analyse=analyse_cusum,
            grid={"n": [500], "phi": [0.5], "profile": ["const", "break"], "shift": [0.5]},
            reps=1000,
            reps_ci=40,
            nominal={},
            kind="power",
        ),
        dict(
            name="nonstationary_weighted_size",
            title="Weighted sup-tests (CUSUM, MOSUM, EWMA) size",
            description="constant mean; AR(1) phi 0 and 0.5 times the break profile; n=500",
            simulate=simulate_weighted,
            analyse=analyse_weighted,
            grid={"n": [500], "phi": [0.0, 0.5], "profile": ["break"]},
            reps=1000,
            reps_ci=40,
            nominal={"reject_cusum": 0.05, "reject_mosum": 0.05, "reject_ewma": 0.05},
            kind="size",
        ),
        dict(
            name="nonstationary_weighted_power",
            title="Weighted sup-tests power, mean shift",
            description="shift 1 at mid-sample, iid errors, n=500",
            simulate=simulate_weighted,
            analyse=analyse_weighted,
            grid={"n": [500], "phi": [0.0], "profile": ["const"], "shift": [1.0]},
            reps=1000,
            reps_ci=40,
            nominal={},
            kind="power",
        ),
        dict(
            name="nonstationary_mean_size",
            title="HAC mean test size, both one-sided alternatives",
            description="y = 1 + AR(1) phi 0.5 errors times the break profile; automatic lags, "
            "fixed-b critical values (the default)",
            simulate=simulate_mean,
            analyse=analyse_mean,
            grid={"n": [500], "phi": [0.5], "profile": ["break", "smooth"]},
            reps=1000,
            reps_ci=100,
            nominal={"reject_two_sided": 0.05, "reject_less": 0.05, "reject_greater": 0.05},
            kind="size",
        ),
        dict(
            name="nonstationary_trend_coverage",
            title="Full-range simultaneous trend band coverage",
            description="mu(u) = sin(2 pi u) + 2u, errors (0.5 + u) AR(1) phi 0.3; default "
            "settings (full range, boundary-corrected fits); 95% level; B=199",
            simulate=simulate_trend,
            analyse=analyse_trend,
            grid={"n": [300, 1000], "phi": [0.3]},
            reps=1000,
            reps_ci=30,
            nominal={"cover_simultaneous": 0.95, "cover_pointwise_mid": 0.95},
            kind="coverage",
        ),
    ]


def run_loop(study: dict, reps: int, seed: int = 2026) -> pd.DataFrame:
    """Plain serial loop over the grid (used until/besides ``st.simulation_study``)."""
    import itertools

    grid = study["grid"]
    keys = list(grid)
    rows = []
    for gi, combo in enumerate(itertools.product(*(grid[k] for k in keys))):
        design = dict(zip(keys, combo))
        acc: dict[str, float] = {}
        for r in range(reps):
            rng = np.random.default_rng([seed, gi, r])
            out = study["analyse"](study["simulate"](design, rng))
            for k, v in out.items():
                acc[k] = acc.get(k, 0.0) + v
        rows.append({**design, "reps": reps, **{k: v / reps for k, v in acc.items()}})
    return pd.DataFrame(rows)
