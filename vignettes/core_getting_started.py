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
# # Getting started: one protocol for every family
#
# stattools gives Python an R-like, formula-driven interface to five method families. Whatever
# the family, a fit or a test returns a small immutable result with the same members:
#
# | member | returns |
# |---|---|
# | `params`, `bse`, `conf_int(level=)` | estimates, standard errors, intervals (with their kind) |
# | `summary()` | a `Summary`: text, HTML, LaTeX, Markdown, CSV |
# | `tidy()`, `glance()`, `augment()` | broom-style tables: one row per term / per model / per observation |
# | `plot()` | a matplotlib figure |
# | `warnings`, `converged`, `seed` | what went wrong, and how to reproduce it |
#
# and the R-style generics `st.summary`, `st.tidy`, `st.glance`, `st.confint`, `st.augment`
# and `st.compare` work on all of them. This tour fits real models from four families on
# data shipped with the package.

# %%
import os
from pathlib import Path

import stattools as st

OUT = Path(os.environ.get("STATTOOLS_OUTPUT", "../build/tables/core_getting_started"))
OUT.mkdir(parents=True, exist_ok=True)
st.options.progress = False  # one switch for every progress bar (or STATTOOLS_PROGRESS=0)

# %% [markdown]
# ## Data sets
# Real data ship with the package, each with its origin and licence.

# %%
st.datasets.list_datasets()[["name", "title", "rows", "columns", "origin"]]

# %%
meta = st.datasets.describe("ibm_adjdur_5days")
print(meta["title"])
print("source: ", meta["source"])
print("licence:", meta["licence"])

# %% [markdown]
# ## A model: ACD durations (duration family)
# Formula first, data as a keyword; the ACD(1,1) is fitted by exponential QMLE with robust
# standard errors.

# %%
durations = st.datasets.load_dataset("ibm_adjdur_5days")
acd = st.acd("adj_duration ~ 1", data=durations)
acd.summary()

# %% [markdown]
# The same numbers as tables: `tidy()` has one row per parameter (broom's columns),
# `glance()` one row for the model, and `conf_int()` records the level and the kind of
# interval it holds.

# %%
acd.tidy()

# %%
acd.glance()

# %%
ci = acd.conf_int(level=0.9)
print(ci.attrs)
ci

# %% [markdown]
# `augment()` returns the data with the fitted conditional durations and residuals; the
# generic `st.augment` does the same.

# %%
st.augment(acd).head()

# %% [markdown]
# A second model for the same data, and `st.compare` puts them side by side:

# %%
acd_weibull = st.acd("adj_duration ~ 1", data=durations, dist="weibull")
st.compare(acd, acd_weibull)

# %% [markdown]
# ## A test: CUSUM for a break in the Nile (non-stationarity family)
# Tests return a frozen `TestResult`; it unpacks like scipy's results. Resampling tests record
# their seed: `rng=result.seed` reproduces the result exactly.

# %%
nile = st.datasets.load_dataset("nile")
cusum = st.cusum_test("volume ~ 1", data=nile, time="year", n_resamples=499, rng=1)
statistic, pvalue = cusum
print(f"statistic {statistic:.3f}, p-value {pvalue:.3f}, seed {cusum.seed}")
again = st.cusum_test("volume ~ 1", data=nile, time="year", n_resamples=499, rng=cusum.seed)
assert again.pvalue == cusum.pvalue
cusum.summary()

# %%
cusum.plot()

# %% [markdown]
# ## Conformal prediction intervals (conformal family)
# A split-conformal regression on Old Faithful: the model is fitted on half of the data,
# calibrated on the other half; `predict()` returns a DataFrame with the interval.

# %%
faithful = st.datasets.load_dataset("faithful")
conf = st.conformal_regression(
    "waiting ~ eruptions", data=faithful[::2], calibration=faithful[1::2], level=0.9
)
conf.predict(faithful.head(3))

# %% [markdown]
# Underneath is conformal risk control, `st.crc`, on calibration scores (here the absolute
# residuals): the threshold controls the miscoverage at 10 %.

# %%
scores = st.augment(conf)[".resid"].abs().to_numpy()
crc = st.crc(scores=scores, target_risk=0.1)
crc.glance()

# %% [markdown]
# ## A jump test on a metric space (Fréchet family)
# Does a Conservative win change the next election's vote composition? The composition is a
# point on the sphere (`space="compositions"`).

# %%
uk = st.datasets.load_dataset("uk_ge_con_lab_rd")
eng = uk[~uk.country_region.isin(["Scotland", "Wales"])]
jump = st.frechet_jump(
    "next_con_share + next_lib_share + next_lab_share + next_oth_share ~ margin",
    data=eng,
    cutoff=0.0,
    space="compositions",
    rng=0,
)
jump.tidy()

# %% [markdown]
# ## The generics work on every result
# `st.tidy`, `st.glance` and `st.confint` dispatch on the result type (they also accept
# statsmodels results), so one loop covers all families:

# %%
import pandas as pd

pd.concat(
    [st.glance(r)[["nobs", "method"]] for r in (acd, cusum, conf, crc, jump)], ignore_index=True
)

# %% [markdown]
# ## Tables for a paper
# `save()` picks the format from the extension. `as_latex()` escapes every special character,
# uses booktabs rules and fits the text width; `caption=`, `label=`, `columns=` and `digits=`
# shape it for a journal. `LATEX_PREAMBLE` lists the packages it needs.

# %%
for ext in ("tex", "html", "md", "csv"):
    print(acd.summary().save(OUT / f"ibm_acd.{ext}"))
cusum.summary().save(OUT / "nile_cusum.tex")
jump.summary().save(OUT / "uk_jump.tex")

# %%
from stattools.core.summary import LATEX_PREAMBLE

tex = acd.summary().as_latex(
    caption="ACD(1,1) for IBM trade durations (5 days)",
    label="tab:acd",
    tables=["Recursion"] if "Recursion" in acd.summary().tables else None,
    digits=3,
)
(OUT / "ibm_acd_paper.tex").write_text(tex, encoding="utf-8")
print(LATEX_PREAMBLE)
print(tex)
