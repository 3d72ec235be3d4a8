"""Regression tests for issue 12 (edges of the parameter space) and issue 10 (bad input)."""

from __future__ import annotations

import ast
import importlib
import math
import pathlib

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import (
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    MissingDependencyError,
    NonStationaryWarning,
)
from stattools.duration.distributions import Exponential, log_moment


@pytest.fixture(scope="module")
def near():
    sim = st.simulate_acd(1500, omega=0.05, alpha=0.1, beta=0.9, rng=11)
    return st.acd("duration ~ 1", data=sim)


# ------------------------------------------------------------------ item 1: default test
def test_default_test_is_the_seeded_bootstrap(near):
    t = near.test_infinite_mean(alternative="less", n_resamples=9, rng=42)
    assert t.method == "infinite-mean bootstrap Wald test" and t.n_resamples == 9
    assert t.seed == 42 and "Seed" in t.summary().as_text()
    again = near.test_infinite_mean(alternative="less", n_resamples=9, rng=t.seed)
    np.testing.assert_array_equal(again.null_distribution, t.null_distribution)
    d = t.null_distribution
    assert t.pvalue == pytest.approx((1 + np.sum(d <= t.statistic)) / (1 + d.size))
    # the default for "greater" is the bootstrap too (issue 12: the asymptotic Wald is far
    # too conservative there); method="wald" still gives the asymptotic test
    w = near.test_infinite_mean(alternative="greater", n_resamples=9, rng=42)
    assert w.method == "infinite-mean bootstrap Wald test"
    np.testing.assert_array_equal(w.null_distribution, t.null_distribution)
    a = near.test_infinite_mean(alternative="greater", method="wald")
    assert a.method == "infinite-mean Wald test" and a.null_distribution is None
    assert a.pvalue == pytest.approx(a.extra["wald_pvalue"])
    g = near.test_infinite_mean(alternative="greater", method="bootstrap", n_resamples=9, rng=42)
    np.testing.assert_array_equal(g.null_distribution, t.null_distribution)
    assert g.pvalue == pytest.approx((1 + np.sum(d >= t.statistic)) / (1 + d.size))
    # rng=None still records a seed that reproduces the draws
    n1 = near.test_infinite_mean(alternative="less", n_resamples=3)
    n2 = near.test_infinite_mean(alternative="less", n_resamples=3, rng=n1.seed)
    np.testing.assert_array_equal(n1.null_distribution, n2.null_distribution)


def test_bootstrap_supports_weibull_mle_and_groups():
    sim = st.simulate_acd(
        800, omega=0.05, alpha=0.1, beta=0.85, dist=st.duration.Weibull(0.9), rng=4
    )
    res = st.acd("duration ~ 1", data=sim, dist="weibull")
    t = res.test_infinite_mean(alternative="less", n_resamples=5, rng=1)
    assert np.isfinite(t.null_distribution).all() and t.extra["n_failed"] == 0
    sim2 = st.simulate_acd(1200, omega=0.05, alpha=0.1, beta=0.85, rng=5)
    res2 = st.acd("duration ~ 1", data=sim2.assign(day=np.repeat([1, 2], 600)), groups="day")
    t2 = res2.test_infinite_mean(n_resamples=4, rng=2)
    assert np.isfinite(t2.null_distribution).all()


# ------------------------------------------------------------------ item 2: shapes at bounds
@pytest.mark.needs_data
def test_generalized_gamma_at_its_bound_is_not_converged():
    d = st.datasets.load_dataset("acdm_durations")
    with pytest.warns(BoundaryWarning, match="nu = 100") as rec:
        res = st.acd("adjDur ~ 1", data=d, dist="generalized_gamma")
    assert any("log-normal limit" in str(w.message) for w in rec)
    assert res.converged is False
    assert any("nu = 100" in w for w in res.warnings)


# ------------------------------------------------------------------ item 3: explosive
def test_explosive_simulation_is_refused():
    with pytest.raises(DataError, match=r"explosive.*E log\(alpha eps \+ beta\) = 0.08"):
        st.simulate_acd(1000, omega=0.05, alpha=0.6, beta=0.6, rng=0)
    with pytest.raises(DataError, match="explosive"):
        st.simulate_acd(window=1e4, omega=0.05, alpha=0.6, beta=0.6, rng=0)
    # kappa < 1 but stationary is allowed
    assert len(st.simulate_acd(300, omega=0.05, alpha=0.3, beta=0.71, rng=0)) == 300
    with pytest.warns(NonStationaryWarning, match="orders other than"):
        st.simulate_acd(200, omega=0.05, alpha=[0.1, 0.1], beta=0.85, rng=0)


def test_log_moment_matches_closed_form():
    # beta = 0: E log(alpha eps) = log(alpha) - Euler's gamma for Exp(1)
    assert log_moment(0.5, 0.0, Exponential()) == pytest.approx(
        math.log(0.5) - 0.5772156649, abs=1e-7
    )


@pytest.mark.parametrize(
    "kw,match",
    [
        (dict(omega=-1.0, alpha=0.1, beta=0.8), "omega"),
        (dict(omega=0.1, alpha=-0.1, beta=0.8), "alpha"),
        (dict(omega=0.1, alpha=0.1, beta=-0.8), "beta"),
        (dict(omega=0.1, alpha=np.nan, beta=0.8), "alpha"),
        (dict(omega=0.1, alpha=0.1, beta=0.8, model="garch"), "model"),
        (dict(omega=0.1, alpha=0.1, beta=0.8, dist="cauchy"), "dist"),
        (dict(omega=0.1, alpha=0.1, beta=1.2, model="log"), "beta"),
    ],
)
def test_simulate_bad_parameters(kw, match):
    with pytest.raises(DataError, match=match):
        st.simulate_acd(100, rng=0, **kw)


def test_restricted_fit_never_beats_the_unrestricted(near, monkeypatch):
    import dataclasses

    import stattools.duration.inference as inf

    real = inf._restricted

    def better(res):  # a restricted llf above the reported unrestricted one
        llf, th, ok = real(res)
        return res.llf + 5.0, th, ok

    monkeypatch.setattr(inf, "_restricted", better)
    bad = dataclasses.replace(near, llf=near.llf)
    with pytest.warns(ConvergenceWarning, match="refitted from the restricted point"):
        t = bad.test_infinite_mean(method="qlr")
    assert t.extra["lr"] >= 0 and any("refitted" in w for w in t.warnings)


def test_stationarity_note_follows_the_tail_index(near):
    txt = near.summary().as_text()
    assert "empirical tail index kappa =" in txt
    k = near.tail_index().estimate
    assert f"{k:.4g}" in txt


# ------------------------------------------------------------------ item 4: daily reset
def test_stacked_days_without_by_are_detected():
    g = np.random.default_rng(0)
    days = [
        pd.DataFrame({"day": d, "t": np.sort(g.uniform(34200, 57600, 200)).round(2)})
        for d in range(3)
    ]
    df = pd.concat(days, ignore_index=True)
    for sort in (False, True):
        with pytest.raises(DataError, match=r"restarts 2 time.*3 trading days.*by='day'"):
            st.durations(df, time="t", sort=sort)
    d = st.durations(df, time="t", by="day")
    assert d["duration"].min() >= 0 and d["day"].nunique() == 3
    # a genuinely unsorted single day still suggests sort=True
    one = days[0].iloc[[1, 0, *range(2, 200)]]
    with pytest.raises(DataError, match="sort=True"):
        st.durations(one, time="t")


# ------------------------------------------------------------------ item 6: robust SE note
def test_summary_says_which_robust_covariance(near):
    assert "ACDm's robust_se uses the expected" in near.summary().as_text()
    sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=0)
    e = st.acd("duration ~ 1", data=sim, cov_type="expected")
    assert "as R ACDm's robust_se" in e.summary().as_text()


# ------------------------------------------------------------------ issue 10: bad input
def test_infinite_mean_test_on_a_dataframe_names_the_argument():
    df = pd.DataFrame({"duration": [1.0, 2.0]})
    with pytest.raises(DataError, match="res must be a fitted ACDResult.*DataFrame"):
        st.infinite_mean_test(df)


def test_string_duration_column_is_named():
    df = pd.DataFrame({"dur": ["1.0", "2.0"] * 100})
    with pytest.raises(DataError, match="dur"):
        st.acd("dur ~ 1", data=df)


def test_unknown_model_and_dist():
    sim = st.simulate_acd(300, omega=0.1, alpha=0.1, beta=0.8, rng=0)
    with pytest.raises(DataError, match="model"):
        st.acd("duration ~ 1", data=sim, model="garch")
    with pytest.raises(DataError, match="dist"):
        st.acd("duration ~ 1", data=sim, dist="cauchy")


def test_bayes_without_pymc_names_the_extra(monkeypatch):
    real = importlib.import_module

    def fake(name, *a, **k):
        if name.split(".")[0] in ("pymc", "pytensor", "arviz"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    sim = st.simulate_acd(300, omega=0.1, alpha=0.1, beta=0.8, rng=0)
    with pytest.raises(MissingDependencyError, match=r'pip install "stattools\[bayes\]"'):
        st.acd("duration ~ 1", data=sim, method="bayes")


DURATION = pathlib.Path(st.__file__).parent / "duration"


def _imports(path: pathlib.Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if mod and mod.split(".")[0] in ("pymc", "arviz", "pytensor"):
                out.add("!" + mod)
    return out


def test_no_import_cycles_and_no_direct_pymc_imports():
    mods = {p.stem: _imports(p) for p in DURATION.glob("*.py") if p.stem != "__init__"}
    # every import, including the ones inside functions and TYPE_CHECKING blocks
    graph = {m: {d for d in deps if d in mods} for m, deps in mods.items()}

    def reach(a, seen):
        for b in graph[a]:
            if b not in seen:
                seen.add(b)
                reach(b, seen)
        return seen

    cyc = [m for m in graph if m in reach(m, set())]
    assert not cyc, f"import cycle through {cyc}"
    direct = {m: [d for d in deps if d.startswith("!")] for m, deps in mods.items()}
    assert not any(direct.values()), direct  # pymc/arviz only through core.lazy_import


# ------------------------------------------------------------------ issue 17: augment
def test_augment_adds_fitted_and_resid(near):
    a = near.augment()
    assert a.columns.tolist() == ["duration", ".fitted", ".resid"]
    np.testing.assert_allclose(a[".fitted"], near.fittedvalues)
    np.testing.assert_allclose(a["duration"] / a[".fitted"], a[".resid"], rtol=1e-14)
    b = near.augment(pd.DataFrame({"z": np.arange(near.nobs)}))
    assert b.columns.tolist() == ["z", ".fitted", ".resid"]
    with pytest.raises(DataError, match="rows"):
        near.augment(pd.DataFrame({"z": [1.0]}))
    assert isinstance(near.predict(3), pd.Series)


def test_simulation_records_its_seed():
    a = st.simulate_acd(200, omega=0.1, alpha=0.1, beta=0.8)
    b = st.simulate_acd(200, omega=0.1, alpha=0.1, beta=0.8, rng=a.attrs["seed"])
    np.testing.assert_array_equal(a["duration"], b["duration"])
    with pytest.raises(DataError, match="nobs"):
        st.simulate_acd("50", omega=0.1, alpha=0.1, beta=0.8)


@pytest.mark.parametrize("k", [0.4, 0.8, 1.0, 2.5])
def test_weibull_shape_derivative_is_analytic_and_exact(k):
    from stattools.duration.distributions import Innovation, Weibull

    w = Weibull(k)
    e = np.random.default_rng(1).weibull(k, size=300) + 1e-3
    np.testing.assert_allclose(
        w.dlogpdf_shape(e), Innovation.dlogpdf_shape(w, e), rtol=1e-6, atol=1e-8
    )
