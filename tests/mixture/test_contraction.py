"""contraction_study: reproducible across n_jobs, rates against statsmodels, bad input."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import DataError, ReplicationFailureWarning, SimulationError
from stattools.mixture.contraction import hc1_slope

G0 = st.MixingMeasure([0.6, 0.4], [-2.0, 2.0], scale=1.0)
FIT = dict(truncation=10, draws=40, tune=40)


@pytest.mark.numerics
def test_identical_tables_for_n_jobs_1_and_2(n_jobs):
    kw = dict(reps=2, metrics=["w1", "w2", ("orlicz", {"phi": "exp2"})], fit=FIT, rng=7)
    a = st.contraction_study(G0, [30, 90], n_jobs=1, **kw)
    b = st.contraction_study(G0, [30, 90], n_jobs=n_jobs, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert set(a.table["metric"]) == {"w1", "w2", "orlicz_exp2", "outlier_mass", "n_clusters",
                                      "mtm_atoms"}  # fmt: skip
    assert list(a.table.columns) == ["task", "n", "rep", "metric", "estimate", "lower", "upper"]
    t = a.table[~a.table["metric"].isin(["n_clusters", "mtm_atoms"])]  # counts: mean may pass q95
    assert (t["lower"] <= t["estimate"]).all() and (t["estimate"] <= t["upper"]).all()
    # W_Phi(exp2) >= W_2 / Phi^{-1}(1)-type domination holds per replicate on average
    m = a.means()
    assert (m["orlicz_exp2"] >= m["w1"] / np.sqrt(np.log(2)) * 0.999).all()


def test_rates_match_statsmodels_hc1():
    sm = pytest.importorskip("statsmodels.api")
    study = st.contraction_study(G0, [30, 60, 120], reps=2, metrics=["w1"], fit=FIT, rng=1)
    t = study.table[study.table["metric"] == "w1"]
    X = sm.add_constant(np.log(t["n"].to_numpy(dtype=float)))
    ref = sm.OLS(np.log(t["estimate"].to_numpy()), X).fit(cov_type="HC1")
    r = study.rates("w1")
    np.testing.assert_allclose(r["slope"].iloc[0], ref.params[1], rtol=1e-10)
    np.testing.assert_allclose(r["std_error"].iloc[0], ref.bse[1], rtol=1e-8)
    np.testing.assert_allclose(study.params["w1"], ref.params[1], rtol=1e-10)
    rl = study.rates("w1", model="log")
    Xl = sm.add_constant(np.log(np.log(t["n"].to_numpy(dtype=float))))
    refl = sm.OLS(np.log(t["estimate"].to_numpy()), Xl).fit(cov_type="HC1")
    np.testing.assert_allclose(rl["slope"].iloc[0], refl.params[1], rtol=1e-10)
    assert study.plot() is not None
    assert "Rates" in study.summary().as_text()


def test_hc1_slope_exact_line():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    a, b, se = hc1_slope(x, 2 - 0.5 * x)
    np.testing.assert_allclose([a, b, se], [2.0, -0.5, 0.0], atol=1e-12)


def test_bad_fit_arguments_are_checked_before_the_study_runs(monkeypatch):
    import stattools.mixture.contraction as contraction_module

    def never(*a, **k):
        raise AssertionError("no replicate may run with bad fit= arguments")

    monkeypatch.setattr(contraction_module, "_analyse", never)
    for fit, match in [(dict(truncation=1), "truncation"), (dict(truncaton=5), "unknown"),
                       (dict(rng=3), "must not set"), (dict(alpha=-1.0), "alpha"),
                       (dict(sampler="nuts"), "sampler")]:  # fmt: skip
        for on_error in ("record", "raise"):
            with pytest.raises(DataError, match=match):
                st.contraction_study(G0, [20], reps=1, metrics=["w1"], fit=fit,
                                     on_error=on_error, rng=1)  # fmt: skip


def test_failures_recorded_or_raised(monkeypatch):
    dpmm_module = sys.modules["stattools.mixture.dpmm"]
    real = dpmm_module.dpmm

    def flaky(formula, data, **kw):
        if len(data) == 20:
            raise FloatingPointError("simulated failure")
        return real(formula, data, **kw)

    monkeypatch.setattr(dpmm_module, "dpmm", flaky)
    with pytest.warns(ReplicationFailureWarning, match="failed"):
        s = st.contraction_study(G0, [20, 30], reps=1, metrics=["w1"], fit=FIT,
                                 on_error="record", rng=1)  # fmt: skip
    assert len(s.failures) == 1 and "simulated failure" in s.failures.loc[0, "error"]
    assert set(s.table["n"]) == {30}
    with pytest.raises(SimulationError, match="simulated failure|design"):
        st.contraction_study(G0, [20], reps=1, metrics=["w1"], fit=FIT, rng=1)


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        ((G0, [20, 20], 1), {}, "distinct"),
        ((G0, [1], 1), {}, ">= 2"),
        ((G0, [20], 0), {}, "reps"),
        ((G0, [20], 1), dict(metrics=["tv"]), "unknown metric"),
        ((G0, [20], 1), dict(metrics=["w1", "w1"]), "distinct"),
        ((G0, [20], 1), dict(metrics=[("orlicz", {"phi": np.sqrt})]), "convex"),
        ((st.MixingMeasure([1.0], [0.0]), [20], 1), {}, "scale"),
        ((G0, [20], 1), dict(on_error="skip"), "on_error"),
        ((G0, [20], 1), dict(outlier_radius=-1.0), "outlier_radius"),
        ((G0, [20], 1), dict(level=1.5), "level"),
    ],
)
def test_bad_input(args, kw, match):
    with pytest.raises(DataError, match=match):
        st.contraction_study(*args, **kw)


@pytest.mark.dask
def test_dask_backend_gives_the_same_table():
    distributed = pytest.importorskip("distributed")
    kw = dict(reps=1, metrics=["w1"], fit=FIT, rng=5)
    serial = st.contraction_study(G0, [30, 60], **kw)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None):  # fmt: skip
        on_dask = st.contraction_study(G0, [30, 60], backend="dask", **kw)
    pd.testing.assert_frame_equal(serial.table, on_dask.table)


def test_dask_backend_without_client_raises():
    pytest.importorskip("distributed")
    with pytest.raises(RuntimeError, match="Client"):
        st.contraction_study(G0, [30], reps=1, metrics=["w1"], fit=FIT, backend="dask", rng=1)
