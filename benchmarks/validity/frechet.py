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
from scipy import stats

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
    cutoff = float(design.get("cutoff", 0.5))
    x, Y, sp = simulate_jump_design(
        design["space"],
        n=int(design["n"]),
        jump=jump,
        cutoff=cutoff,
        trend=design.get("trend", "flat"),
        rng=rng,
    )
    return {"x": x, "Y": Y, "space": sp, "cutoff": cutoff}


def _reject(res) -> tuple[float, float]:
    if not res.is_valid:
        return 0.0, 1.0
    return float(res.pvalue <= 0.05), 0.0


def analyse_jump(data: dict) -> dict:
    """Default test (cross-validated h, small-sample p-value) and, at the same h, the
    chi-square(1) p-value of the same statistic and the frechesTest statistic."""
    c = float(data.get("cutoff", 0.5))
    with warnings.catch_warnings():
        # small-sample/boundary/tuning warnings at small bandwidths are expected here
        warnings.simplefilter("ignore", StattoolsWarning)
        res = frechet_jump(
            y=data["Y"], x=data["x"], cutoff=c, space=data["space"], undersmooth=UNDERSMOOTH
        )
        h = res.extra.get("h_F", np.nan)
        same_h = dict(
            y=data["Y"], x=data["x"], cutoff=c, space=data["space"], undersmooth=UNDERSMOOTH
        )
        asy = frechet_jump(**same_h, bandwidth=h, method="asymptotic") if res.is_valid else res
        ft = frechet_jump(**same_h, bandwidth=h, variance="frechestest") if res.is_valid else res
    rej, inv = _reject(res)
    rej_asy, _ = _reject(asy)
    rej_ft, inv_ft = _reject(ft)
    return {
        "reject_default": rej,
        "invalid_default": inv,
        "reject_asymptotic": rej_asy,
        "reject_frechestest": rej_ft,
        "invalid_frechestest": inv_ft,
        "h_F": float(h),
    }


def analyse_jump_default(data: dict) -> dict:
    """The default test alone (for the CI-budget tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        res = frechet_jump(
            y=data["Y"],
            x=data["x"],
            cutoff=float(data.get("cutoff", 0.5)),
            space=data["space"],
            undersmooth=UNDERSMOOTH,
        )
    rej, inv = _reject(res)
    return {"reject_default": rej, "invalid_default": inv}


def simulate_scalar(design: dict, rng: np.random.Generator) -> dict:
    """Scalar RD: ``y = g(x) + tau 1{x >= 0.5} + N(0, 0.5^2)``, X ~ U(0, 1), g as the
    flat, linear (0.8 x) or curved (sin 2 pi x) trends of the object designs."""
    n = int(design["n"])
    x = rng.uniform(0, 1, n)
    g = {"flat": 0 * x, "linear": 0.8 * x, "curved": np.sin(2 * np.pi * x)}[design["trend"]]
    tau = float(design.get("tau", 0.0))
    return {"x": x, "y": g + tau * (x >= 0.5) + rng.normal(0, 0.5, n), "tau": tau}


def analyse_scalar(data: dict) -> dict:
    """The default omnibus test; the signed jump's default 95% interval (``conf_int()``:
    robust bias-corrected, CCT 2014 with b = h_V) and one-sided 5% tests of
    ``H0: l+ - l- = tau`` from the same pieces (``z = (estimate_bc - tau) / std_error_rb``);
    and the conventional interval (``kind="conventional"``: HC2 with Bell-McCaffrey t).

    Intervals are scored whenever the jump is estimable, also when the omnibus test is
    undefined (a negative local-linear variance in a small window: ``is_valid`` False,
    NaN p-value, counted as a non-rejection); ``undefined_test`` records how often."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        res = frechet_jump(y=data["y"], x=data["x"], cutoff=0.5, undersmooth=UNDERSMOOTH)
    reject = float(res.is_valid and res.pvalue <= 0.05)
    se_rb = res.extra.get("std_error_rb", np.nan)
    if not np.isfinite(se_rb):
        return {"reject_default": reject, "cover_robust": 0.0, "reject_greater": 0.0,
                "reject_less": 0.0, "cover_conventional": 0.0,
                "undefined_test": 1.0}  # fmt: skip
    tau = data["tau"]
    rob = res.conf_int(0.95)
    conv = res.conf_int(0.95, kind="conventional")
    z = (res.extra["estimate_bc"] - tau) / se_rb
    return {
        "reject_default": reject,
        "cover_robust": float(rob["lower"].iloc[0] <= tau <= rob["upper"].iloc[0]),
        "reject_greater": float(z > stats.norm.isf(0.05)),
        "reject_less": float(z < -stats.norm.isf(0.05)),
        "cover_conventional": float(conv["lower"].iloc[0] <= tau <= conv["upper"].iloc[0]),
        "undefined_test": float(not res.is_valid),
        "estimate": float(res.estimate),
        "h_V": float(res.h_V),
    }


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
        # the default: permutation below 50 per group (199 resamples here), else chi-square
        auto = frechet_anova(y=data["y"], groups=data["g"], n_resamples=199, rng=1)
    return {
        "reject_auto": float(auto.pvalue <= 0.05),
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
    """Coverage of the true curve by the pointwise (each x0) and simultaneous bands
    (the default 499 resamples)."""
    fit = frechet_regression(y=data["y"], x=data["x"], bandwidth=data["h"])
    band = confidence_bands(fit, BAND_X0, rng=1)
    truth = np.sin(3 * np.asarray(BAND_X0))
    point = (band.lower <= truth) & (truth <= band.upper)
    simul = (band.lower_simultaneous <= truth) & (truth <= band.upper_simultaneous)
    out = {f"cover_pointwise_{x0}": float(c) for x0, c in zip(BAND_X0, point)}
    out["cover_simultaneous"] = float(simul.all())
    return out


EXPLAIN_JUMP = {
    "reject_asymptotic": (
        "the chi-square(1) p-value of the default statistic at the same h (method="
        "'asymptotic'). Its mean part F_n^2 / (...) is O_p(1 / (n h)) and positive under H0 "
        "(mean 0.3-0.8 at 11-28 effective points per side), which the chi-square limit "
        "neglects; the bias grows with the dimension of the space (networks, covariances) "
        "and with a small cross-validated h (curved means). The default (method='auto') "
        "refers the variance part to F(1, nu) and draws the mean part by a wild bootstrap"
    ),
    "reject_frechestest": (
        "frechesTest's statistic (variance='frechestest', kept for compatibility): V and "
        "sigma^2 use d^2(Y_i, l(c)) for every point in the window, so a slope or curvature "
        "of the conditional mean leaks into them (conservative with a trend), and its "
        "chi-square(1) p-value has the same small-sample mean-part bias as "
        "reject_asymptotic"
    ),
}

TREND_TEXT = {
    "flat": "flat",
    "linear": "linear (slope 0.8)",
    "curved": "curved (sin 2 pi x)",
}
SPACE_TEXT = {
    "density": "density (Wasserstein, 100-point quantile grid)",
    "covariance": "3 x 3 covariance (SPD, Frobenius)",
    "network": "5-node network (Laplacian)",
}
#: replications per design of the committed tables
SIZE_REPS = 1000
REPS_NOTE = "Replications: 1000 per design."

EXPLAIN_NETWORK_CURVED = {
    "reject_default": (
        "known limitation: with the curved mean in the 5-node network space (10 free "
        "coordinates) at n = 200 the default rejects 0.079 at 1000 replications, just above "
        "the band's 0.074 (0.055 at n = 500, 0.047 at n = 1000; 0.060 in the same design "
        "with 3 x 3 covariances). Cross-validation picks a small h for the sin(2 pi x) mean, "
        "about 20-30 effective points per side, where the F(1, nu) reference of the "
        "variance part is still slightly light-tailed in 10 dimensions; the chi-square "
        "p-value at the same h rejects 0.148, so the default removes most of the excess"
    ),
}

EXPLAIN_SCALAR = {
    "reject_default": (
        "the omnibus test (means and variances) with the curved mean at a cross-validated "
        "h of 20-40 effective points per side: 10.4% (n = 200) and 2.6% (n = 500) of the "
        "tests are undefined (a negative local-linear variance) and count as "
        "non-rejections; among defined tests the rate is 0.030 and 0.027 here (0.042 and "
        "0.038 in a separate 400-replication diagnostic, where the chi-square(1) p-value "
        "at the same h gave 0.081 and 0.063): the small-sample p-value (F(1, nu) plus a "
        "wild bootstrap of the mean part) errs on the conservative side in these windows. "
        "The p-value is computed as in the density, covariance and network tables; the "
        "signed jump's intervals and one-sided tests (the other rows) are in band"
    ),
    "cover_conventional": (
        "the conventional interval (conf_int(kind='conventional'): estimate -/+ t_nu x HC2 "
        "standard error, Bell-McCaffrey nu) is exact in small windows at a fixed h, but h "
        "is cross-validated on the same data: with a flat or linear mean, leave-one-out CV "
        "picks a small h in about a third of the samples, and it does so when the points "
        "near the cutoff bend away from the line, i.e. when the boundary estimate is "
        "extreme (coverage 0.90 given a small h, 0.97 given the largest h; 0.95 at the "
        "largest h held fixed). The default robust bias-corrected interval (cover_robust) "
        "absorbs this selection effect"
    ),
}

EXPLAIN_ANOVA = {
    "reject_asymptotic": (
        "the chi-square(k-1) limit of the Fréchet ANOVA statistic needs large groups; at "
        "10 and 20 units per group the variances sigma_j^2 in its denominator are too "
        "noisy (liberal). The default (method='auto', reject_auto) uses the permutation "
        "test below 50 units per group, and an explicit method='asymptotic' there warns"
    ),
}


def studies() -> list[dict]:
    """The Fréchet family's calibration studies (engine interface)."""
    return [
        *[
            dict(
                name=f"frechet_jump_size_{space}_{trend}",
                title=f"Fréchet jump test: size ({space} responses, {trend} mean)",
                description=(
                    f"No jump at c = 0.5, X ~ U(0, 1); {SPACE_TEXT[space]} responses; "
                    f"{TREND_TEXT[trend]} conditional mean; cross-validated h_F, undersmooth "
                    "0.8. reject_default: the default test (residual variance, small-sample "
                    "p-value: F(1, nu) for the variance part and a wild bootstrap of the "
                    "mean part, 999 resamples); at the same h, reject_asymptotic: the same "
                    "statistic with the chi-square(1) p-value, reject_frechestest: the "
                    f"frechesTest statistic. {REPS_NOTE}"
                ),
                simulate=simulate_jump,
                analyse=analyse_jump,
                grid={"space": [space], "trend": [trend], "n": [200, 500, 1000]},
                reps=SIZE_REPS,
                reps_ci=40,
                nominal={
                    "reject_default": 0.05,
                    "reject_asymptotic": 0.05,
                    "reject_frechestest": 0.05,
                },
                kind="size",
                explanations=dict(
                    EXPLAIN_JUMP,
                    **(EXPLAIN_NETWORK_CURVED if space + trend == "networkcurved" else {}),
                ),
            )
            for space in ("density", "covariance", "network")
            for trend in ("flat", "linear", "curved")
        ],
        dict(
            name="frechet_jump_size_asymmetric",
            title="Fréchet jump test: size at an asymmetric cutoff",
            description=(
                "As the size design, flat mean, with the cutoff at c = 0.85 (15% of the "
                "data on the right, so the bandwidth is capped by the short side); density "
                "and covariance responses, n = 500."
            ),
            simulate=simulate_jump,
            analyse=analyse_jump,
            grid={
                "space": ["density", "covariance"],
                "trend": ["flat"],
                "n": [500],
                "cutoff": [0.85],
            },
            reps=1000,
            reps_ci=40,
            nominal={
                "reject_default": 0.05,
                "reject_asymptotic": 0.05,
                "reject_frechestest": 0.05,
            },
            kind="size",
            explanations=dict(EXPLAIN_JUMP),
        ),
        dict(
            name="frechet_jump_power",
            title="Fréchet jump test: power",
            description=(
                "Jump at c = 0.5 of 1.5 (density mean), 0.7 (covariance correlation) or 0.3 "
                "(network edge-weight scale); linear trend; n = 200 and 500. "
                "reject_asymptotic: the chi-square(1) p-value at the same h (the power the "
                "small-sample p-value gives up)."
            ),
            simulate=simulate_jump,
            analyse=analyse_jump,
            grid={
                "space": ["density", "covariance", "network"],
                "trend": ["linear"],
                "n": [200, 500],
                "jump_scale": [1.0],
            },
            reps=1000,
            reps_ci=20,
            nominal={},
            kind="power",
        ),
        dict(
            name="frechet_jump_scalar_size",
            title="Fréchet jump test, scalar responses: size, interval coverage, one-sided tests",
            description=(
                "y = g(x) + N(0, 0.5^2), X ~ U(0, 1), c = 0.5, g flat, linear (0.8 x) or "
                "curved (sin 2 pi x); no jump; cross-validated h_F, h_V = 0.8 h_F. "
                "reject_default: the omnibus test (an undefined test, undefined_test, counts "
                "as a non-rejection); cover_robust: the default 95% interval of the signed "
                "jump l+ - l- (conf_int(): robust bias-corrected, Calonico-Cattaneo-Titiunik "
                "2014 with b = h_V, HC3, as R rdrobust's Robust row); reject_greater / "
                "reject_less: the one-sided 5% tests from the same bias-corrected estimate "
                "and robust standard error; cover_conventional: estimate -/+ t_nu x HC2 "
                "standard error (Bell-McCaffrey nu). Intervals are scored also when the "
                "omnibus test is undefined."
            ),
            simulate=simulate_scalar,
            analyse=analyse_scalar,
            explanations=dict(EXPLAIN_SCALAR),
            grid={"trend": ["flat", "linear", "curved"], "n": [200, 500, 1000]},
            reps=1000,
            reps_ci=40,
            nominal={
                "reject_default": 0.05,
                "cover_robust": 0.95,
                "reject_greater": 0.05,
                "reject_less": 0.05,
                "cover_conventional": 0.95,
            },
            kind="size",
        ),
        dict(
            name="frechet_jump_scalar_power",
            title="Fréchet jump test, scalar responses: a jump of -+0.3",
            description=(
                "As the scalar size design, linear trend, n = 500, with a jump tau = -0.3 or "
                "+0.3. reject_default: power of the omnibus test (its F_n part is "
                "tau^2 / 4: little power against small location shifts, as documented). "
                "cover_robust, reject_greater, reject_less and cover_conventional are "
                "centred at the true tau: coverage and the size of both one-sided tests "
                "when there is a jump."
            ),
            simulate=simulate_scalar,
            analyse=analyse_scalar,
            explanations=dict(EXPLAIN_SCALAR),
            grid={"trend": ["linear"], "n": [500], "tau": [-0.3, 0.3]},
            reps=1000,
            reps_ci=20,
            nominal={
                "cover_robust": 0.95,
                "reject_greater": 0.05,
                "reject_less": 0.05,
                "cover_conventional": 0.95,
            },
            kind="size",
        ),
        dict(
            name="frechet_anova_size",
            title="Fréchet ANOVA: size in small groups",
            description=(
                "k = 3 groups of N(0, 1) scalars with 10, 20, 50 or 100 units each; "
                "reject_auto: the default (method='auto': permutation below 50 per group, "
                "chi-square(2) from 50), asymptotic chi-square(2) and permutation (199) "
                "p-values."
            ),
            simulate=simulate_anova,
            analyse=analyse_anova,
            grid={"k": [3], "n_group": [10, 20, 50, 100]},
            reps=1000,
            reps_ci=100,
            nominal={
                "reject_auto": 0.05,
                "reject_asymptotic": 0.05,
                "reject_permutation": 0.05,
            },
            kind="size",
            explanations=dict(EXPLAIN_ANOVA),
        ),
        dict(
            name="frechet_regression_bands",
            title="Local Fréchet regression: bootstrap band coverage",
            description=(
                "sin(3x) + N(0, 0.2^2), X ~ U(0, 1), fixed undersmoothed h = 0.08; 95% "
                "pointwise percentile bands at x = 0.3, 0.5, 0.7 and the bootstrap-t sup "
                "band over the three points (each resample studentised by its own HC0 "
                "standard error; the default 499 bootstrap fits). The earlier sup band "
                "(studentised by the bootstrap standard deviation, 199 fits) covered 0.925 "
                "on the same 1000 data sets."
            ),
            simulate=simulate_band,
            analyse=analyse_band,
            grid={"n": [400], "h": [0.08]},
            reps=1000,
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
