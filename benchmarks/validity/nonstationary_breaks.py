"""Size of the structural-break tests (sup-F and OLS-CUSUM, classical and HAC versions).

Design: ``y = 1 + 0.5 x + e`` with ``x`` iid N(0, 1) and errors ``e`` iid N(0, 1)
(``phi = 0``) or a unit-variance AR(1) with coefficient ``phi`` (0.5); no break (the
null). Each replication applies

* ``st.f_test_breaks`` (sup-F, 15 % trimming) with the Chow F (classical) and with the
  Bartlett HAC Wald statistics (``cov_type="hac"``, default lags);
* ``st.fluctuation_test`` OLS-CUSUM with the residual sd (strucchange) and with a
  Bartlett long-run sd (``lrv=True``).

Expected: all four sized under iid errors; under AR(1) errors the classical tests
over-reject (their limits assume uncorrelated errors) and the HAC/long-run versions
should be close to nominal (slightly liberal at small n, a known property of
Bartlett-HAC sup-Wald tests; the tables report how much).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

import stattools as st


def simulate_null(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Linear regression without a break; AR(1) errors with unit marginal variance."""
    n, phi = int(design["n"]), float(design["phi"])
    z = rng.standard_normal(n + 100)
    e = signal.lfilter([1.0], [1.0, -phi], z)[100:] * np.sqrt(1 - phi**2)
    x = rng.standard_normal(n)
    return pd.DataFrame({"y": 1 + 0.5 * x + e, "x": x})


def analyse_breaks(data: pd.DataFrame) -> dict:
    """0/1 rejections at 5 % of the four tests."""
    out = {}
    out["reject_supf"] = float(st.f_test_breaks("y ~ x", data=data).pvalue <= 0.05)
    out["reject_supf_hac"] = float(
        st.f_test_breaks("y ~ x", data=data, cov_type="hac").pvalue <= 0.05
    )
    out["reject_cusum"] = float(st.fluctuation_test("y ~ x", data=data).pvalue <= 0.05)
    out["reject_cusum_lrv"] = float(
        st.fluctuation_test("y ~ x", data=data, lrv=True).pvalue <= 0.05
    )
    return out


def analyse_breaks_fast(data: pd.DataFrame) -> dict:
    """The three tests without the (slow, per-point HAC) robust sup-F: for CI runs."""
    return {
        "reject_supf": float(st.f_test_breaks("y ~ x", data=data).pvalue <= 0.05),
        "reject_cusum": float(st.fluctuation_test("y ~ x", data=data).pvalue <= 0.05),
        "reject_cusum_lrv": float(st.fluctuation_test("y ~ x", data=data, lrv=True).pvalue <= 0.05),
    }


def studies() -> list[dict]:
    nominal = {
        k: 0.05 for k in ("reject_supf", "reject_supf_hac", "reject_cusum", "reject_cusum_lrv")
    }
    return [
        dict(
            name="breaks_size_regression",
            title="Size of sup-F and OLS-CUSUM (classical and HAC) in y ~ x",
            description=(
                "y = 1 + 0.5 x + e, x iid N(0,1), e iid N(0,1) or AR(1) phi = 0.5 with unit "
                "variance, no break; 5% tests: sup-F (Chow / Bartlett-HAC Wald, 15% trimming, "
                "Hansen p-values) and OLS-CUSUM (residual sd / Bartlett long-run sd)."
            ),
            simulate=simulate_null,
            analyse=analyse_breaks,
            grid={"n": [200, 500], "phi": [0.0, 0.5]},
            reps=1000,
            reps_ci=40,
            nominal=nominal,
            kind="size",
        )
    ]
