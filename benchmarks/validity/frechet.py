"""Calibration designs of the Fréchet family (size and power of the jump test, ANOVA size).

Each study follows the engine interface of ``st.simulation_study``: ``simulate(design,
rng)`` returns data, ``analyse(data)`` returns 0/1 ``reject_*`` quantities (and other
scalars). Jump designs come from :func:`stattools.frechet.simulate_jump_design`:
X ~ U(0, 1), cutoff 0.5, ``undersmooth=0.8`` (frechesTest's replication setting) and a
conditional mean that is flat, linear (slope 0.8) or curved (``sin(2 pi x)``), in the
Wasserstein (density), SPD (covariance, Frobenius) and Laplacian (network) spaces.

The default test (``variance="residual"``, repeated cross-validation) is compared with
the frechesTest-compatible statistic (``variance="frechestest"``) at the same bandwidth.
Invalid results count as non-rejections and are reported as ``invalid_*`` rates.

The same functions run at reduced repetitions in ``tests/validity/frechet``.
"""

from __future__ import annotations

import warnings

import numpy as np

from stattools.core.exceptions import StattoolsWarning
from stattools.frechet import (
    confidence_bands,
    frechet_anova,
    frechet_jump,
    frechet_regression,
    simulate_jump_design,
)

UNDERSMOOTH = 0.8
POWER_JUMP = {"density": 1.5, "covariance": 0.7, "network": 0.3}


def simulate_jump(design: dict, rng: np.random.Generator) -> dict:
    """One draw of a jump design; the jump is ``jump_scale * POWER_JUMP[space]`` (0: null)."""
    jump = float(design.get("jump_scale", 0.0)) * POWER_JUMP[design["space"]]
    x, Y, sp = simulate_jump_design(
        design["space"],
        n=int(design["n"]),
        jump=jump,
        trend=design.get("trend", "flat"),
        rng=rng,
    )
    return {"x": x, "Y": Y, "space": sp}


def _reject(res) -> tuple[float, float]:
    if not res.is_valid:
        return 0.0, 1.0
    return float(res.pvalue <= 0.05), 0.0


def analyse_jump(data: dict) -> dict:
    """Default test (cross-validated h) and the frechesTest variance at the same h."""
    with warnings.catch_warnings():
        # small-sample/boundary/tuning warnings at small bandwidths are expected here
        warnings.simplefilter("ignore", StattoolsWarning)
        res = frechet_jump(
            y=data["Y"], x=data["x"], cutoff=0.5, space=data["space"], undersmooth=UNDERSMOOTH
        )
        h = res.extra.get("h_F", np.nan)
        ft = frechet_jump(
            y=data["Y"],
            x=data["x"],
            cutoff=0.5,
            space=data["space"],
            undersmooth=UNDERSMOOTH,
            bandwidth=h,
            variance="frechestest",
        )
    rej, inv = _reject(res)
    rej_ft, inv_ft = _reject(ft)
    return {
        "reject_default": rej,
        "invalid_default": inv,
        "reject_frechestest": rej_ft,
        "invalid_frechestest": inv_ft,
        "h_F": float(h),
    }


def analyse_jump_default(data: dict) -> dict:
    """The default test alone (for the CI-budget tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        res = frechet_jump(
            y=data["Y"], x=data["x"], cutoff=0.5, space=data["space"], undersmooth=UNDERSMOOTH
        )
    rej, inv = _reject(res)
    return {"reject_default": rej, "invalid_default": inv}


def simulate_anova(design: dict, rng: np.random.Generator) -> dict:
    """k groups of equal size of N(0, 1) scalars (the null)."""
    k, m = int(design["k"]), int(design["n_group"])
    return {"y": rng.standard_normal(k * m), "g": np.repeat(np.arange(k), m)}


def analyse_anova(data: dict) -> dict:
    """Asymptotic chi-square and permutation p-values (199 permutations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        a = frechet_anova(y=data["y"], groups=data["g"], method="asymptotic")
        p = frechet_anova(
            y=data["y"], groups=data["g"], method="permutation", n_resamples=199, rng=1
        )
    return {
        "reject_asymptotic": float(a.pvalue <= 0.05),
        "reject_permutation": float(p.pvalue <= 0.05),
    }


BAND_X0 = (0.3, 0.5, 0.7)


def simulate_band(design: dict, rng: np.random.Generator) -> dict:
    """Scalar responses ``sin(3 x) + N(0, 0.2^2)``, X ~ U(0, 1)."""
    n = int(design["n"])
    x = rng.uniform(0, 1, n)
    return {"x": x, "y": np.sin(3 * x) + rng.normal(0, 0.2, n), "h": float(design["h"])}


def analyse_band(data: dict) -> dict:
    """Coverage of the true curve by the pointwise (each x0) and simultaneous bands."""
    fit = frechet_regression(y=data["y"], x=data["x"], bandwidth=data["h"])
    band = confidence_bands(fit, BAND_X0, n_resamples=199, rng=1)
    truth = np.sin(3 * np.asarray(BAND_X0))
    point = (band.lower <= truth) & (truth <= band.upper)
    simul = (band.lower_simultaneous <= truth) & (truth <= band.upper_simultaneous)
    out = {f"cover_pointwise_{x0}": float(c) for x0, c in zip(BAND_X0, point)}
    out["cover_simultaneous"] = float(simul.all())
    return out


def studies() -> list[dict]:
    """The Fréchet family's calibration studies (engine interface)."""
    return [
        dict(
            name="frechet_jump_size",
            title="Fréchet jump test: size",
            description=(
                "No jump at c = 0.5, X ~ U(0, 1); flat, linear (slope 0.8) and curved "
                "(sin 2 pi x) conditional means; density (Wasserstein), covariance (SPD, "
                "Frobenius) and network (Laplacian) responses; cross-validated h_F, "
                "undersmooth 0.8; default residual variance vs frechesTest's at the same h."
            ),
            simulate=simulate_jump,
            analyse=analyse_jump,
            grid={
                "space": ["density", "covariance", "network"],
                "trend": ["flat", "linear", "curved"],
                "n": [200, 500, 1000],
            },
            reps=1000,
            reps_ci=40,
            nominal={"reject_default": 0.05, "reject_frechestest": 0.05},
            kind="size",
        ),
        dict(
            name="frechet_jump_power",
            title="Fréchet jump test: power",
            description=(
                "Jump at c = 0.5 of 1.5 (density mean), 0.7 (covariance correlation) or 0.3 "
                "(network edge-weight scale); linear trend; n = 500."
            ),
            simulate=simulate_jump,
            analyse=analyse_jump,
            grid={
                "space": ["density", "covariance", "network"],
                "trend": ["linear"],
                "n": [500],
                "jump_scale": [1.0],
            },
            reps=500,
            reps_ci=20,
            nominal={},
            kind="power",
        ),
        dict(
            name="frechet_anova_size",
            title="Fréchet ANOVA: size in small groups",
            description=(
                "k = 3 groups of N(0, 1) scalars with 10, 20, 50 or 100 units each; "
                "asymptotic chi-square(2) vs permutation (199) p-values."
            ),
            simulate=simulate_anova,
            analyse=analyse_anova,
            grid={"k": [3], "n_group": [10, 20, 50, 100]},
            reps=1000,
            reps_ci=100,
            nominal={"reject_asymptotic": 0.05, "reject_permutation": 0.05},
            kind="size",
        ),
        dict(
            name="frechet_regression_bands",
            title="Local Fréchet regression: bootstrap band coverage",
            description=(
                "sin(3x) + N(0, 0.2^2), X ~ U(0, 1), fixed undersmoothed h = 0.08; 95% "
                "pointwise percentile bands at x = 0.3, 0.5, 0.7 and the sup-t band over "
                "the three points (199 bootstrap fits)."
            ),
            simulate=simulate_band,
            analyse=analyse_band,
            grid={"n": [400], "h": [0.08]},
            reps=500,
            reps_ci=40,
            nominal={
                "cover_pointwise_0.3": 0.95,
                "cover_pointwise_0.5": 0.95,
                "cover_pointwise_0.7": 0.95,
                "cover_simultaneous": 0.95,
            },
            kind="coverage",
        ),
    ]
