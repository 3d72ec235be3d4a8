"""Calibration of the weighted conformal methods: LTT/RCPS under covariate shift, and
nexCP-weighted online methods (ACI, AgACI, EnbPI) under drift.

**Weighted high-probability risk control.** Calibration ``x ~ U(0, 1)`` (``P``); test
``x`` with density ``q(x) = theta e^{theta x} / (e^theta - 1)`` (``Q``), so the likelihood
ratio is ``w(x) = q(x)``, normalised, with the known bound ``B_w = q(1)``
(``theta = 2``: 2.313; ``theta = 0``: no shift, ``w = 1``, ``B_w = 1``). The score is
``s = |e|``, ``e ~ N(0, (0.2 + x)^2)``, and the loss of the interval ``±lambda`` is
``L = 1{s > lambda}`` on a grid of 51 points in ``[0.5, 3]``. The true test risk
``R_Q(lambda) = int q(x) 2 (1 - Phi(lambda / (0.2 + x))) dx`` is computed by 200-node
Gauss-Legendre quadrature. A failure is a certified lambda with ``R_Q > 0.1``
(LTT: any lambda in the valid set; RCPS: ``lambda_hat``); at ``delta = 0.1`` its rate must
be ``<= 0.1`` (one-sided band). Unweighted LTT/RCPS certify the calibration risk
``R_P``, smaller than ``R_Q`` under this shift, so they fail. With ``theta = 0`` the
weighted results are the unweighted ones exactly (unit weights, ``B_w = 1``).

**Weighted online methods.** The streams of ``benchmarks/validity/conformal.py`` (iid,
linear drift of the noise scale 1 -> 3, regime change 1 -> 3), ACI (gamma 0.05), AgACI and
EnbPI with nexCP weights ``decay(0.99)`` on the past scores, beside unweighted ACI on the
same stream (unweighted AgACI/EnbPI: study ``conformal_online_longrun``). 1000 streams per
design.
``reject_aci_bound_weighted`` is 1 if weighted ACI breaks the deterministic long-run bound
of Gibbs & Candès (2021, Prop. 4.1), which holds with any weights: it must be 0.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy.special import ndtr

import stattools as st
from benchmarks.validity import conformal as C
from stattools.core.exceptions import StattoolsWarning

ALPHA, DELTA = 0.1, 0.1
GRID = np.linspace(0.5, 3.0, 51)
_NODES, _QW = np.polynomial.legendre.leggauss(200)
_XQ, _WQ = 0.5 * (_NODES + 1.0), 0.5 * _QW  # nodes and weights on [0, 1]


def _q(x: np.ndarray, theta: float) -> np.ndarray:
    """Test density on [0, 1] (= the likelihood ratio against U(0, 1))."""
    if theta == 0:
        return np.ones_like(x)
    return theta * np.exp(theta * x) / math.expm1(theta)


def weight_bound(theta: float) -> float:
    """``sup_x w(x) = q(1)``."""
    return float(_q(np.array([1.0]), theta)[0])


def true_risk(theta: float, grid: np.ndarray = GRID) -> np.ndarray:
    """``R_Q(lambda)`` on the grid (miscoverage of ``±lambda`` under the test law)."""
    sig = 0.2 + _XQ
    tail = 2.0 * (1.0 - ndtr(grid[:, None] / sig[None, :]))
    return tail @ (_WQ * _q(_XQ, theta))


def simulate_shift(design: dict, rng: np.random.Generator) -> dict[str, Any]:
    """``n`` calibration points from ``P``: features and losses on the grid."""
    n, theta = int(design["n"]), float(design["theta"])
    x = rng.uniform(size=n)
    s = np.abs(rng.normal(size=n) * (0.2 + x))
    return {"L": (s[:, None] > GRID).astype(float), "w": _q(x, theta), "theta": theta}


def analyse_shift(data: dict[str, Any]) -> dict[str, float]:
    """Failure indicators (rate <= delta where guaranteed), mean lambda_hat and test risk."""
    L, w, theta = data["L"], data["w"], data["theta"]
    risk = true_risk(theta)
    bw = weight_bound(theta)
    out: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        for tag, kw in (("", {}), ("_weighted", {"weights": w, "weight_bound": bw})):
            for k in ("hb", "wsr"):
                r = st.ltt(L, ALPHA, delta=DELTA, lambdas=GRID, pvalues=k, **kw)
                out[f"reject_fail_ltt_{k}{tag}"] = float((risk[r.valid] > ALPHA + 1e-12).any())
                r = st.rcps(L, ALPHA, delta=DELTA, lambdas=GRID, ucb=k, **kw)
                j = int(np.searchsorted(GRID, r.lambda_hat))
                out[f"reject_fail_rcps_{k}{tag}"] = float(risk[j] > ALPHA + 1e-12)
                if k == "hb":
                    out[f"lambda_rcps_hb{tag}"] = float(r.lambda_hat)
                    out[f"test_risk_rcps_hb{tag}"] = float(risk[j])
    return out


GAMMA = C.GAMMA_ACI
T_ONLINE, WARMUP = C.T_ONLINE, C.WARMUP_ONLINE


def simulate_online(design: dict, rng: np.random.Generator) -> Any:
    """The stream of :func:`benchmarks.validity.conformal.simulate_online`."""
    return C.simulate_online(design, rng)


def analyse_online(df: Any) -> dict[str, float]:
    """Long-run and last-100-steps coverage of ACI (unweighted and weighted) and of weighted
    AgACI and EnbPI (their unweighted versions are in ``conformal_online_longrun`` on the
    same kind of stream); the weighted ACI deterministic-bound indicator (must be 0)."""
    alpha = 1.0 - C.LEVEL
    out: dict[str, float] = {}
    common = dict(data=df, warmup=WARMUP, refit_every=None, compare=False, target_risk=alpha)
    wts = st.weights.decay(0.99)
    seed = int(abs(float(df["x"].iloc[0])) * 1e6)
    runs = (
        ("aci", "aci", {"gamma": GAMMA}),
        ("aci_weighted", "aci", {"gamma": GAMMA, "weights": wts}),
        ("agaci_weighted", "agaci", {"weights": wts}),
        ("enbpi_weighted", "enbpi", {"weights": wts, "rng": seed}),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        for name, m, kw in runs:
            run = st.conformal_sequential("y ~ x", method=m, **common, **kw)
            lr = run.long_run().iloc[0]
            loss = run.frame["loss"].to_numpy()
            out[f"longrun_coverage_{name}"] = float(lr["long_run_coverage"])
            out[f"last100_coverage_{name}"] = 1.0 - float(loss[-100:].mean())
            out[f"mean_width_{name}"] = float(lr["mean_width_finite"])
            if name == "aci_weighted":
                bound = (max(alpha, 1 - alpha) + GAMMA) / (GAMMA * (T_ONLINE - WARMUP))
                out["reject_aci_bound_weighted"] = float(
                    abs(lr["long_run_risk"] - alpha) > bound + 1e-12
                )
    return out


def studies() -> list[dict]:
    """The weighted conformal calibration designs (see the module docstring)."""
    shift_q = [f"reject_fail_{p}_{k}" for p in ("ltt", "rcps") for k in ("hb", "wsr")]
    return [
        dict(
            name="conformal_weighted_ltt_rcps_shift",
            title="Weighted LTT and RCPS under covariate shift (failure probability, delta = 0.1)",
            description=(
                "Calibration x ~ U(0,1); test density theta e^(theta x)/(e^theta - 1) "
                "(theta = 2: weight bound 2.313; theta = 0: no shift); score |N(0, (0.2 + "
                "x)^2)|, loss 1{s > lambda} on 51 points in [0.5, 3], target 0.1. Weighted = "
                "the true likelihood ratio with its bound. A failure is a certified lambda "
                "whose true test risk exceeds 0.1; the rate must be <= 0.1 (one-sided). "
                "lambda/test_risk rows are means: the price of the weights."
            ),
            simulate=simulate_shift,
            analyse=analyse_shift,
            grid={"theta": [0.0, 2.0], "n": [300, 1000]},
            reps=1000,
            reps_ci=40,
            nominal={q + tag: (DELTA, "upper") for q in shift_q for tag in ("", "_weighted")},
            kind="size",
            explanations={
                f"{q} | theta=2.0, n={n}": (
                    "expected - unweighted LTT/RCPS certify the calibration risk, which is "
                    "smaller than the test risk under this shift; they have no guarantee "
                    "here. The weighted rows beside them stay below delta"
                )
                for q in shift_q
                for n in (300, 1000)
            },
        ),
        dict(
            name="conformal_weighted_online",
            title="nexCP-weighted ACI, AgACI and EnbPI (decay 0.99): long-run coverage",
            description=(
                f"Streams of {T_ONLINE} rows as in conformal_online_longrun (iid, drift "
                "sigma_t 1 -> 3, regime change at step 350); level 0.9, ACI gamma = "
                f"{GAMMA}; weights st.weights.decay(0.99) on past scores (test point mass "
                "at +inf). Long-run and last-100-steps coverages are per-stream means (MC "
                "s.e. beside them); reject_aci_bound_weighted must be 0 (deterministic "
                "bound 0.038 at T = 500, valid with any weights)."
            ),
            simulate=simulate_online,
            analyse=analyse_online,
            grid={"setting": ["iid", "drift", "regime"]},
            reps=1000,
            reps_ci=10,
            nominal={"reject_aci_bound_weighted": (0.0, "upper")},
            kind="coverage",
        ),
    ]
