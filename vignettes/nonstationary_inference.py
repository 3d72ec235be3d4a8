# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Inference when variance and dependence drift
#
# Classical tests for a constant mean, a change in mean or the shape of a trend compare a
# statistic with one fixed Gaussian limit, which presumes a stationary series. Palm and
# Nagler (2025) show that a statistic can instead be compared with an *evolving* sequence
# of Gaussian processes (relative weak convergence); studentised statistics and suitable
# bootstraps then stay valid when the variance and dependence change over time.
# `stattools.nonstationary` implements such tools: HAC mean tests, a CUSUM test with
# dependent-multiplier critical values on locally centred data, and local-linear trends
# with simultaneous bands. (The paper's full text was not available; the procedures are
# reconstructions documented in each docstring.)

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import stattools as st

FAST = os.environ.get("STATTOOLS_FAST") == "1"
B = 199 if FAST else 1999
OUT = Path(os.environ.get("STATTOOLS_OUTPUT", "../build/tables/nonstationary_inference"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The Nile: robust versus classical CUSUM
# Annual flow of the Nile at Aswan, 1871-1970; the Aswan dam works began in 1898.

# %%
nile = st.datasets.load_dataset("nile")
robust = st.cusum_test("volume ~ 1", data=nile, time="year", n_resamples=B, rng=1)
classical = st.cusum_test("volume ~ 1", data=nile, time="year", method="classical")
textbook = st.cusum_test("volume ~ 1", data=nile, time="year", method="ols-cusum")
print(
    f"robust p = {robust.pvalue:.3g} (seed {robust.seed}); HAC-Kolmogorov p = "
    f"{classical.pvalue:.3g}; textbook OLS-CUSUM {textbook.statistic:.4f}, p = "
    f"{textbook.pvalue:.2g} (strucchange: 2.9518, 5.4e-8)"
)
print(f"estimated break after {robust.break_time:.0f}")
robust.summary().save(OUT / "nile_cusum.md")
robust.summary().save(OUT / "nile_cusum.tex")

# %%
fig, ax = plt.subplots(figsize=(7, 3))
robust.plot_process(ax=ax)
fig.tight_layout()

# %% [markdown]
# All p-values are small: the drop around 1898 is visible by eye. The default test
# estimates the local long-run variance from second differences of the prewhitened
# series, which a mean change barely touches, and draws its critical value from Gaussian
# series with that variance profile, each studentised like the data. The older residual
# multiplier bootstrap (`method="multiplier"`) centres at the global mean, which keeps its
# size but costs power when the mean did change.

# %%
for center in ("global", "sequential", "changepoint"):
    r = st.cusum_test(
        "volume ~ 1", data=nile, time="year", center=center, n_resamples=B, rng=1,
        method="multiplier",
    )  # fmt: skip
    print(f"{center:>12}: p = {r.pvalue:.3g}, 5% critical value {r.critical_values['5%']:.3f}")
#
# ## 2. Global temperature: a trend with a simultaneous band
# HadCRUT5 annual anomalies (1850-2023, relative to 1961-1990; Met Office, Open
# Government Licence).

# %%
gt = st.datasets.load_dataset("global_temp_annual")
had = gt[gt["Source"] == "HadCRUT5"].reset_index(drop=True)
fit = st.trend("Mean ~ Year", data=had, level=0.95, n_resamples=B, rng=2)
print(fit)
fit.summary().save(OUT / "temperature_trend.html")
fit.band("simultaneous").head()

# %%
fit.plot()

# %% [markdown]
# Is a straight line compatible with the simultaneous band? The shape test rejects when
# the fitted line leaves the band somewhere.

# %%
shape = pd.concat(
    [fit.test_shape("constant").tidy(), fit.test_shape("linear").tidy()], ignore_index=True
)
shape[["term", "statistic", "p_value"]]

# %% [markdown]
# ## 3. Inflation: a constant mean under a variance break
# US CPI inflation (macrodata, 1959Q1-2009Q3) is far less volatile after the mid-1980s
# (the Great Moderation). We test for a change in mean and compare the mean across eras
# with HAC standard errors.

# %%
macro = st.datasets.load_dataset("macrodata")
macro["t"] = macro["year"] + (macro["quarter"] - 1) / 4
macro["era"] = np.where(macro["year"] >= 1984, "post1984", "pre1984")
inf_robust = st.cusum_test("infl ~ 1", data=macro, time="t", n_resamples=B, rng=3)
inf_classical = st.cusum_test("infl ~ 1", data=macro, time="t", method="classical")
contrast = st.mean_test("infl ~ C(era)", data=macro, time="t")
table = pd.DataFrame(
    {
        "test": ["CUSUM, default", "CUSUM, HAC-Kolmogorov", "HAC contrast pre - post 1984"],
        "statistic": [inf_robust.statistic, inf_classical.statistic, contrast.statistic],
        "p_value": [inf_robust.pvalue, inf_classical.pvalue, contrast.pvalue],
    }
)
print(table)
print(f"local LRV of inflation: see the plot below; HAC lags used: {contrast.lags}")
contrast.summary().save(OUT / "inflation_contrast.md")

# %% [markdown]
# The two CUSUM versions disagree. The default weights each quarter by the inverse of
# the local long-run standard deviation (so the quiet post-1984 stretch is not drowned by
# the volatile 1970s), studentises by a long-run variance that a mean change barely
# touches, and draws its critical value from series with the data's variance path. The
# HAC-Kolmogorov version studentises by a HAC estimate on the globally demeaned series
# (inflated by any mean change) and assumes a constant variance.
# The pre/post-1984 contrast is studentised with a HAC standard error, which remains valid
# under the variance break (the target is the difference of the era means). The local
# long-run variance estimated by the trend fit shows the break:

# %%
infl_trend = st.trend("infl ~ t", data=macro, n_resamples=B, rng=5)
infl_trend.plot(kind="lrv")

# %% [markdown]
# ## 4. Sensitivity to the tuning constants
# The default's one tuning constant is the difference block `m` of the local long-run
# variance (1 by default); the multiplier variant depends on its block length. We
# recompute both p-values over a range of values.

# %%
values = [1, 2, 4, 8, 12] if FAST else [1, 2, 3, 4, 6, 8, 10, 12, 16]
rows = []
for b in values:
    for name, data, formula, tcol in (
        ("Nile", nile, "volume ~ 1", "year"),
        ("inflation", macro, "infl ~ 1", "t"),
    ):
        r = st.cusum_test(formula, data=data, time=tcol, m=b, n_resamples=B, rng=4)
        rows.append({"series": name, "value": b, "test": "default (m)", "pvalue": r.pvalue})
        r = st.cusum_test(
            formula, data=data, time=tcol, block=max(b, 2), n_resamples=B, rng=4,
            method="multiplier",
        )  # fmt: skip
        rows.append({"series": name, "value": b, "test": "multiplier (block)", "pvalue": r.pvalue})
sens = pd.DataFrame(rows)
fig, ax = plt.subplots(figsize=(6, 3))
for (name, test), g in sens.groupby(["series", "test"]):
    ax.plot(g["value"], g["pvalue"], "o-", label=f"{name}, {test}")
ax.axhline(0.05, color="grey", lw=0.8)
ax.set_xlabel("m (default) or multiplier block length")
ax.set_ylabel("CUSUM p-value")
ax.set_yscale("log")
ax.legend(fontsize=7)
sens.pivot_table(index="value", columns=["series", "test"], values="pvalue")

# %% [markdown]
# The trend band depends on the window `m` of the local long-run variance in the same way:
# small windows under-estimate the long-run variance of positively dependent errors and
# give narrower, over-confident bands, while large windows make the estimate noisier (the
# studentised band widens to account for that noise). The default is `m = ceil(2 n^(1/3))`.
# (The bandwidth is fixed at 0.25 here so that every window fits inside the smoothing
# window, `n h >= 2 m`.)

# %%
windows_m = [3, 6, 12, 20] if FAST else [3, 4, 6, 8, 10, 12, 16, 20]
width = []
for m in windows_m:
    f = st.trend("Mean ~ Year", data=had, bandwidth=0.25, m=m, n_resamples=B, rng=2)
    b = f.band("simultaneous")
    width.append({"m": m, "mean half-width": float((b["upper"] - b["lower"]).mean() / 2)})
width = pd.DataFrame(width)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(width["m"], width["mean half-width"], "o-")
ax.axvline(fit.m, color="grey", ls=":", label="default m")
ax.set_xlabel("LRV window m")
ax.set_ylabel("simultaneous band half-width (deg C)")
ax.legend()
width

# %% [markdown]
# ## 5. How many breaks, and when? (Bai-Perron, as in R strucchange)
# `st.breakpoints` finds the optimal partitions for 0, 1, 2, ... breaks by dynamic
# programming and chooses their number by BIC; `st.f_test_breaks` and
# `st.fluctuation_test` are strucchange's sup-F and OLS-MOSUM tests (their statistics,
# p-values and break dates equal strucchange's on these data; see
# `tests/reference/nonstationary/`). On the Nile all three point to one break, at 1898
# with a confidence interval of a few years, where the dam works began.

# %%
bp = st.breakpoints("volume ~ 1", data=nile, time="year")
sup_f = st.f_test_breaks("volume ~ 1", data=nile, time="year")
mosum = st.fluctuation_test("volume ~ 1", data=nile, type="OLS-MOSUM", time="year")
print(f"sup-F = {sup_f.statistic:.2f} (p = {sup_f.pvalue:.2g}); "
      f"OLS-MOSUM = {mosum.statistic:.3f} (p = {mosum.pvalue:.2g})")  # fmt: skip
bp.summary()

# %% [markdown]
# ## 6. Time-varying coefficients (Zhou and Wu 2010)
# `st.tv_regression` lets every coefficient drift smoothly: `y_t = x_t' beta(t) + e_t`,
# estimated by local-linear least squares with a jackknife bias correction, with
# simultaneous bands over the whole sample that stay valid when the errors are
# heteroskedastic and autocorrelated in a changing way. `test_constancy(term)` asks whether
# a constant coefficient fits inside the band. (The point estimates equal R tvReg's
# `tvLM(est = "ll")`; see `tests/reference/nonstationary/`.)
#
# Do the two global temperature records agree? Regress HadCRUT5 on GISTEMP with a
# time-varying offset and slope: the slope stays near 1 (the records share their scale),
# while the offset drifts - the records use different baselines and treat the sparsely
# observed early decades differently.

# %%
gis = gt[gt["Source"] == "GISTEMP"].rename(columns={"Mean": "GISTEMP"})
pair = gis.merge(had.rename(columns={"Mean": "HadCRUT5"}), on="Year")[
    ["Year", "GISTEMP", "HadCRUT5"]
]
tv = st.tv_regression("HadCRUT5 ~ GISTEMP", pair, time="Year", n_resamples=B, rng=7)
print(tv)
pd.DataFrame(
    {
        term: {"p (constant)": tv.test_constancy(term).pvalue, "bandwidth": tv.bandwidth}
        for term in tv.terms
    }
)

# %%
tv.plot()

# %% [markdown]
# A flattening Phillips curve? US inflation on unemployment (macrodata, quarterly; the
# time column holds dates, so tables print dates). `bandwidth="mv"` chooses the bandwidth
# by minimum volatility (the fit changes least when the bandwidth moves, the rule R mlrv
# uses for its long-run variance) instead of cross-validation; both are available in
# `trend` and `mean_test(center="smooth")` too.

# %%
macro["date"] = pd.PeriodIndex.from_fields(
    year=macro["year"], quarter=macro["quarter"], freq="Q"
).to_timestamp()
pc = {
    rule: st.tv_regression("infl ~ unemp", macro, time="date", bandwidth=rule,
                           n_resamples=B, rng=8)
    for rule in ("cv", "mv")
}  # fmt: skip
pd.DataFrame(
    {
        rule: {
            "bandwidth": r.bandwidth,
            "bandwidth (days)": r.bandwidth_time,
            "p, slope constant": r.test_constancy("unemp").pvalue,
        }
        for rule, r in pc.items()
    }
)

# %%
pc["cv"].band("unemp").iloc[::20]
