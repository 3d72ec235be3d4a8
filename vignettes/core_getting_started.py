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
# # Getting started with stattools
#
# stattools gives Python an R-like, formula-driven interface with one result protocol:
# every fit has `params`, `bse`, `conf_int(level=)`, `summary()`, `tidy()`, `glance()` and
# `plot()`, and every summary exports to text, HTML, LaTeX, Markdown and CSV.
#
# This vignette shows the shipped datasets, the R-style generics on a statsmodels fit,
# and exporting a summary table for a paper.

# %%
import os
from pathlib import Path

import numpy as np
import statsmodels.api as sm

import stattools as st

OUT = Path(os.environ.get("STATTOOLS_OUTPUT", "../build/tables/core_getting_started"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## Datasets
# Real data ship with the package, each with its origin and licence.

# %%
st.datasets.list_datasets()

# %%
meta = st.datasets.describe("faithful")
print(meta["title"])
print("source: ", meta["source"])
print("licence:", meta["licence"])
faithful = st.datasets.load_dataset("faithful")
faithful.head()

# %% [markdown]
# ## A statsmodels fit through the generics
# Formulas are parsed once by `st.Design` (formulaic underneath). We pass the named design
# matrices to statsmodels, then use the R-style generics on the result.

# %%
design = st.Design.from_formula("waiting ~ eruptions", faithful)
fit = sm.OLS(design.y["waiting"], design.X).fit(cov_type="HC1")
st.tidy(fit)

# %%
st.glance(fit)

# %%
st.confint(fit, level=0.9)

# %%
# predictions for new data reuse the same design
new = faithful.iloc[:3][["eruptions"]].assign(eruptions=[2.0, 3.5, 5.0])
fit.predict(design.transform(new))

# %% [markdown]
# ## Export a summary table
# `st.summary()` returns a `Summary`; `save()` picks the format from the extension.

# %%
s = st.summary(fit)
print(s)

# %%
for ext in ("tex", "html", "md", "csv"):
    print(s.save(OUT / f"faithful_ols.{ext}"))
print(s.as_latex()[:400])

# %% [markdown]
# ## Hypothesis tests share the protocol
# Every test returns a frozen `TestResult`, which unpacks like scipy's results.

# %%
z = float(fit.params["eruptions"] / fit.bse["eruptions"])
from stattools.core.inference import normal_pvalue

test = st.TestResult(
    statistic=z,
    pvalue=normal_pvalue(z),
    method="Wald z-test (HC1)",
    null_hypothesis="slope of eruptions = 0",
    estimate=float(fit.params["eruptions"]),
    std_error=float(fit.bse["eruptions"]),
    nobs=int(fit.nobs),
)
statistic, pvalue = test
print(test.summary())
test.summary().save(OUT / "slope_test.md")
np.isclose(pvalue, fit.pvalues["eruptions"])
