"""Tests of st.simulation_study: seeding, chunking, store/resume, errors, summaries."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import stats

import stattools as st
from stattools.core.exceptions import (
    DataError,
    ReplicationFailureWarning,
    SimulationError,
    StattoolsWarning,
)
from stattools.core.results import TIDY_COLUMNS, TestResult
from stattools.core.simulation import replication_seed
from stattools.core.simulation_result import mc_band, wilson_interval
from tests._helpers import binomial_band

TOL = {"wilson": dict(rtol=1e-12), "mean": dict(rtol=1e-12)}


# ------------------------------------------------------------------ example study (picklable)
def simulate_normal(design, rng):
    return rng.normal(design.get("shift", 0.0), 1.0, size=design["n"])


def analyse_t(x):
    res = stats.ttest_1samp(x, 0.0)
    return {
        "reject": res.pvalue < 0.05,
        "reject_less": stats.ttest_1samp(x, 0.0, alternative="less").pvalue < 0.05,
        "reject_greater": stats.ttest_1samp(x, 0.0, alternative="greater").pvalue < 0.05,
        "mean": float(x.mean()),
    }


def analyse_test_result(x):
    res = stats.ttest_1samp(x, 0.0)
    return TestResult(statistic=res.statistic, pvalue=res.pvalue, method="t")


def analyse_fails_on_negative_first(x):
    if x[0] < -1.5:
        raise ZeroDivisionError("first draw below -1.5")
    return {"mean": float(x.mean())}


_CALLS = {"n": 0, "interrupt_at": None}


def analyse_interruptible(x):
    _CALLS["n"] += 1
    if _CALLS["interrupt_at"] is not None and _CALLS["n"] == _CALLS["interrupt_at"]:
        raise KeyboardInterrupt
    return {"reject": abs(x.mean()) * np.sqrt(x.size) > 1.96, "mean": float(x.mean())}


def analyse_warns(x):
    warnings.warn("tiny sample", StattoolsWarning, stacklevel=2)
    return {"mean": float(x.mean())}


GRID = {"n": [10, 30], "shift": [0.0, 0.4]}


def _study(**kw):
    kw.setdefault("rng", 20261206)
    kw.setdefault("progress", False)
    return st.simulation_study(simulate_normal, analyse_t, GRID, kw.pop("reps", 24), **kw)


def _same(a, b):
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())


# ------------------------------------------------------------------ results
def test_tidy_rows_and_columns():
    res = _study(nominal={"reject": 0.05})
    tab = res.tidy()
    assert list(tab.columns[:7]) == TIDY_COLUMNS
    assert len(tab) == 4 * 4  # designs x quantities
    assert {"n", "shift", "quantity", "n_ok", "mean", "mc_se", "rate", "in_band"} <= set(
        tab.columns
    )
    assert (tab["n_ok"] == 24).all()
    assert list(res.replicates.columns[:4]) == ["design", "rep", "n", "shift"]
    other = res.tidy(level=0.9)  # recomputed from the replicates at another level
    assert (other["rate_high"] <= tab["rate_high"]).where(tab["rate"].notna(), True).all()
    # the mean and MC s.e. are the plain sample mean and sd/sqrt(n) of the replicates
    rep = res.replicates
    sub = rep.loc[rep["design"] == 3, "mean"].to_numpy()
    row = tab[(tab["design"] == 3) & (tab["quantity"] == "mean")].iloc[0]
    np.testing.assert_allclose(row["mean"], sub.mean(), **TOL["mean"])
    np.testing.assert_allclose(row["mc_se"], sub.std(ddof=1) / np.sqrt(sub.size), **TOL["mean"])
    # rates only for 0/1 quantities, nominal only where given
    assert tab.loc[tab["quantity"] == "mean", "rate"].isna().all()
    assert tab.loc[tab["quantity"] == "reject", "nominal"].eq(0.05).all()
    assert tab.loc[tab["quantity"] == "reject_less", "nominal"].isna().all()


def test_t_test_size_inside_mc_band():
    res = st.simulation_study(
        simulate_normal, analyse_t, {"n": [20]}, 400, rng=5, progress=False,
        nominal={"reject": 0.05, "reject_less": 0.05, "reject_greater": 0.05},
    )  # fmt: skip
    rates = res.tidy().set_index("quantity")
    for q in ("reject", "reject_less", "reject_greater"):
        k = round(rates.loc[q, "rate"] * 400)
        lo, hi = binomial_band(400, 0.05)
        assert lo <= k <= hi
        assert bool(rates.loc[q, "in_band"])
    assert len(res.out_of_band) == 0


def test_power_rows_flagged_outside_band():
    res = _study(reps=60, nominal={"reject": 0.05})
    tab = res.tidy()
    big = tab[(tab["quantity"] == "reject") & (tab["n"] == 30) & (tab["shift"] == 0.4)].iloc[0]
    assert big["rate"] > 0.4 and not big["in_band"]
    assert big["term"] in set(res.out_of_band["term"])
    assert any("OUTSIDE its MC band" in n for n in res.summary().notes)


def test_seed_recorded_and_reproducible():
    res = _study(rng=None)
    assert isinstance(res.seed, int)
    again = _study(rng=res.seed)
    _same(res, again)
    assert "Seed" in dict(res.summary().header)


def test_replication_seed_reproduces_one_replication():
    res = _study()
    d, r = 2, 7
    x = simulate_normal(res.design(d), res.replication_rng(d, r))
    row = res.replicates[(res.replicates["design"] == d) & (res.replicates["rep"] == r)].iloc[0]
    assert analyse_t(x)["mean"] == row["mean"]
    assert replication_seed(res.seed, d, r).spawn_key == (d, r)


@pytest.mark.parametrize("chunk_size", [1, 5, 24])
def test_results_do_not_depend_on_chunking(chunk_size):
    _same(_study(), _study(chunk_size=chunk_size))


def test_loky_equals_serial():
    _same(_study(reps=12, chunk_size=4), _study(reps=12, n_jobs=2, backend="loky"))


@settings(max_examples=10, deadline=None)
@given(chunk=hst.integers(1, 9), reps=hst.integers(1, 9))
def test_chunking_property(chunk, reps):
    a = st.simulation_study(simulate_normal, analyse_t, {"n": [5]}, reps, rng=1, progress=False)
    b = st.simulation_study(
        simulate_normal, analyse_t, {"n": [5]}, reps, rng=1, progress=False, chunk_size=chunk
    )
    _same(a, b)


def test_grid_dataframe_and_empty_grid():
    frame = pd.DataFrame({"n": [10, 10], "shift": [0.0, 1.0]})
    res = st.simulation_study(simulate_normal, analyse_t, frame, 5, rng=1, progress=False)
    assert len(res.designs) == 2 and res.nobs == 10
    one = st.simulation_study(
        lambda d, rng: rng.normal(size=10), analyse_t, {}, 5, rng=1, progress=False
    )
    assert len(one.designs) == 1 and one.tidy()["term"].iloc[0].endswith("design 0")


def test_test_result_gives_statistic_and_pvalue():
    res = st.simulation_study(
        simulate_normal, analyse_test_result, {"n": [10]}, 6, rng=2, progress=False
    )
    assert list(res.tidy()["quantity"]) == ["statistic", "pvalue"]


def test_warnings_inside_replications_are_recorded_not_reemitted():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = st.simulation_study(
            simulate_normal, analyse_warns, {"n": [5]}, 3, rng=1, progress=False
        )
    assert res.replicates["warning"].str.contains("tiny sample").all()
    assert any("3 replications raised warnings" in n for n in res.summary().notes)


def test_wilson_against_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 20), (3, 40), (20, 20), (51, 1000)]:
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        np.testing.assert_allclose(wilson_interval(k, n, 0.95), ref, **TOL["wilson"])


@settings(max_examples=50, deadline=None)
@given(n=hst.integers(1, 5000), frac=hst.floats(0, 1), level=hst.floats(0.5, 0.999))
def test_wilson_property(n, frac, level):
    k = round(frac * n)
    lo, hi = wilson_interval(k, n, level)
    assert 0 <= lo <= k / n + 1e-12 and k / n - 1e-12 <= hi <= 1
    lo2, hi2 = wilson_interval(k, n, level / 2)
    assert lo2 >= lo - 1e-12 and hi2 <= hi + 1e-12  # a lower level gives a nested interval


def test_mc_band_matches_test_helper():
    assert mc_band(400, 0.05) == binomial_band(400, 0.05)
    assert mc_band(400, 0.9, "lower") == (binomial_band(400, 0.9)[0], 400)
    assert mc_band(400, 0.1, "upper") == (0, binomial_band(400, 0.1)[1])


@pytest.mark.parametrize("kind", [None, "rate", "power", "mean"])
def test_plots(kind):
    res = _study(nominal={"reject": 0.05})
    fig = res.plot(kind=kind) if kind != "power" else res.plot(kind="power", x="shift")
    assert fig.axes and fig.axes[0].has_data()


def test_plot_bad_kind():
    with pytest.raises(DataError, match="kind"):
        _study().plot(kind="histogram")


# ------------------------------------------------------------------ bad input
def test_non_callable_functions():
    with pytest.raises(DataError, match="analyse must be a function"):
        st.simulation_study(simulate_normal, "mean", GRID, 3, rng=1)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(reps=0), "reps"),
        (dict(on_error="ignore"), "on_error"),
        (dict(backend="ray"), "backend"),
        (dict(chunk_size=0), "chunk_size"),
        (dict(grid={"n": []}), r"grid\['n'\]"),
        (dict(grid={"rate": [1]}), "grid column names"),
        (dict(grid=[1, 2]), "grid must be"),
        (dict(nominal={"reject": 1.5}), "rate in"),
        (dict(nominal={"reject": "level"}), "'level'"),
        (dict(nominal={"reject": (0.05, "both")}), "side"),
        (dict(n_jobs=0), "n_jobs"),
    ],
)
def test_bad_arguments(kw, match):
    args = dict(grid=GRID, reps=3, rng=1, progress=False)
    args.update(kw)
    with pytest.raises(DataError, match=match):
        st.simulation_study(simulate_normal, analyse_t, args.pop("grid"), args.pop("reps"), **args)


@pytest.mark.parametrize(
    ("analyse", "match"),
    [
        (lambda x: [1, 2], "dict of scalar quantities or a TestResult"),
        (lambda x: {"reject": 0.5}, "must be 0/1"),
        (lambda x: {"m": x}, "non-scalar value for 'm'"),
        (lambda x: {"rep": 1.0}, "keys must be strings other than"),
        (lambda x: {"n": 1.0}, "also grid columns"),
    ],
)
def test_malformed_analyse_output(analyse, match):
    with pytest.raises(SimulationError, match=match) as info:
        st.simulation_study(simulate_normal, analyse, {"n": [5]}, 2, rng=1, progress=False)
    assert isinstance(info.value.__cause__, DataError)


def test_on_error_raise_names_design_and_seed():
    with pytest.raises(
        SimulationError, match=r"analyse raised ZeroDivisionError for design"
    ) as info:
        st.simulation_study(
            simulate_normal, analyse_fails_on_negative_first, {"n": [5, 6]}, 50, rng=3,
            progress=False,
        )  # fmt: skip
    err = info.value
    assert isinstance(err.__cause__, ZeroDivisionError)
    assert "spawn_key=" in str(err) and "on_error='record'" in str(err)
    # the seed in the error reproduces the failure
    with pytest.raises(ZeroDivisionError):
        analyse_fails_on_negative_first(
            simulate_normal(err.design, np.random.default_rng(err.seed))
        )


def test_on_error_record_counts_failures():
    with pytest.warns(ReplicationFailureWarning, match="replications failed"):
        res = st.simulation_study(
            simulate_normal, analyse_fails_on_negative_first, {"n": [5]}, 50, rng=3,
            progress=False, on_error="record",
        )  # fmt: skip
    failed = res.replicates["error"].notna()
    assert failed.sum() == res.n_failed > 0
    assert res.replicates.loc[failed, "error"].str.startswith("analyse: ZeroDivisionError").all()
    assert res.tidy()["n_ok"].iloc[0] == 50 - res.n_failed
    assert res.glance()["n_failed"].iloc[0] == res.n_failed
    assert res.warnings


# ------------------------------------------------------------------ store and resume
def _interruptible(store, interrupt_at=None, rng=11, reps=20, grid=None):
    _CALLS["n"], _CALLS["interrupt_at"] = 0, interrupt_at
    return st.simulation_study(
        simulate_normal, analyse_interruptible, grid or {"n": [8, 16]}, reps, rng=rng,
        progress=False, store=store, chunk_size=5,
    )  # fmt: skip


def test_resume_after_interrupt_is_identical_and_recomputes_nothing(tmp_path):
    reference = _interruptible(None)
    store = tmp_path / "study.parquet"
    with pytest.raises(KeyboardInterrupt):
        _interruptible(store, interrupt_at=3 * 5 + 2)  # during the 4th chunk
    chunks = sorted(p.name for p in store.glob("chunk-*.parquet"))
    assert len(chunks) == 3
    resumed = _interruptible(store)
    assert _CALLS["n"] == 2 * 20 - 3 * 5  # finished replications were not recomputed
    assert resumed.info["chunks_loaded"] == 3 and resumed.info["chunks_run"] == 5
    _same(reference, resumed)
    # a third run loads everything and computes nothing
    again = _interruptible(store)
    assert _CALLS["n"] == 0 and again.info["chunks_run"] == 0
    _same(reference, again)


def test_store_with_rng_none_reuses_stored_seed(tmp_path):
    first = _interruptible(tmp_path / "s", rng=None)
    second = _interruptible(tmp_path / "s", rng=None)
    assert first.seed == second.seed and _CALLS["n"] == 0


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(grid={"n": [8, 17]}), "grid"),
        (dict(rng=12), "seed"),
    ],
)
def test_store_of_another_study_is_refused(tmp_path, change, match):
    _interruptible(tmp_path / "s")
    with pytest.raises(DataError, match=f"another study.*{match}"):
        _interruptible(tmp_path / "s", **change)


def test_store_grows_and_shrinks_with_reps(tmp_path):
    store = tmp_path / "s"
    _interruptible(store, reps=10)
    grown = _interruptible(store, reps=20)
    assert _CALLS["n"] == 2 * 10  # only replications 10-19 of each design were run
    assert grown.info["chunks_loaded"] == 4
    _same(_interruptible(None, reps=20), grown)  # = a fresh run at 20 replications
    assert json.loads((store / "manifest.json").read_text())["reps"] == 20
    part = _interruptible(store, reps=7)  # the first 7 replications, nothing recomputed
    assert _CALLS["n"] == 0
    _same(_interruptible(None, reps=7), part)


def test_store_refuses_changed_code(tmp_path):
    store = tmp_path / "s"
    _interruptible(store)
    manifest = json.loads((store / "manifest.json").read_text())
    manifest["analyse"]["sha256"] = "0" * 64  # as if analyse's source had been edited
    (store / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="analyse function"):
        _interruptible(store)


def test_store_refuses_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="without a simulation manifest"):
        _interruptible(tmp_path)


def test_store_with_recorded_failures_refuses_raise_mode(tmp_path):
    kw = dict(rng=3, progress=False, store=tmp_path / "s")
    with pytest.warns(ReplicationFailureWarning):
        st.simulation_study(
            simulate_normal,
            analyse_fails_on_negative_first,
            {"n": [5]},
            30,
            on_error="record",
            **kw,
        )
    with pytest.raises(SimulationError, match="recorded failure"):
        st.simulation_study(simulate_normal, analyse_fails_on_negative_first, {"n": [5]}, 30, **kw)


# ------------------------------------------------------------------ the atlas runner
def studies():
    """A small example family for the runner tests (t-test size, power and coverage)."""
    return [
        dict(
            name="ttest_size", title="t-test size", description="N(0,1), n in {10, 30}",
            simulate=simulate_normal, analyse=analyse_t, grid={"n": [10, 30]}, reps=1000,
            reps_ci=40, nominal={"reject": 0.05, "reject_less": 0.05, "reject_greater": 0.05},
            kind="size",
        ),
        dict(
            name="ttest_power", title="t-test power", description="N(shift,1), n=20",
            simulate=simulate_normal, analyse=analyse_t, grid={"n": [20], "shift": [0.0, 0.5, 1.0]},
            reps=1000, reps_ci=30, nominal={"reject": 0.05}, kind="power", x="shift",
        ),
        dict(
            name="ttest_biased", title="A miscalibrated rule",
            description="rejects when |t| > 1 (nominal 5% is wrong on purpose)",
            simulate=simulate_normal, analyse=analyse_biased, grid={"n": [20]}, reps=1000,
            reps_ci=60, nominal={"reject": 0.05}, kind="size",
            explanations={"reject": "the rule uses a wrong critical value (test of the marking)"},
        ),
    ]  # fmt: skip


def analyse_biased(x):
    t = x.mean() / (x.std(ddof=1) / np.sqrt(x.size))
    return {"reject": abs(t) > 1.0}


def test_runner_writes_validity_tables_and_figures(tmp_path):
    from benchmarks.validity.runner import main

    out, figs = tmp_path / "VALIDITY.md", tmp_path / "figures"
    out.write_text(
        "# Calibration atlas\n\n<!-- validity:other:start -->\nkept\n<!-- validity:other:end -->\n"
    )
    argv = [
        "--family",
        "tests.core.test_simulation",
        "--ci",
        "--out",
        str(out),
        "--figures",
        str(figs),
    ]
    assert main(argv) == 0
    text = out.read_text()
    assert "kept" in text  # other families' sections survive
    for name in ("ttest_size", "ttest_power", "ttest_biased"):
        assert f"(`{name}`)" in text and (figs / f"{name}.png").stat().st_size > 1000
    assert "Replications: 40 per design. Seed:" in text and "numpy" in text
    size = text.split("(`ttest_size`)")[1].split("###")[0]
    assert size.count("in band") == 6 and "OUTSIDE" not in size
    biased = text.split("(`ttest_biased`)")[1]
    assert "**OUTSIDE** (1)" in biased and "wrong critical value" in biased
    # rerunning replaces the section instead of appending a second copy
    assert main([*argv, "--study", "ttest_size"]) == 0
    text2 = out.read_text()
    assert text2.count("<!-- validity:test_simulation:start -->") == 1
    assert "(`ttest_biased`)" not in text2 and "kept" in text2


def test_runner_store_resumes(tmp_path):
    from benchmarks.validity.runner import main

    argv = ["--family", "tests.core.test_simulation", "--study", "ttest_size", "--reps", "12",
            "--store", str(tmp_path / "store"), "--out", str(tmp_path / "V.md"),
            "--figures", str(tmp_path / "f")]  # fmt: skip
    assert main(argv) == 0
    first = (tmp_path / "V.md").read_text()
    assert main(argv) == 0
    second = (tmp_path / "V.md").read_text()
    rows = [
        [ln for ln in t.splitlines() if ln.startswith(("| 10", "| 30"))] for t in (first, second)
    ]
    assert rows[0] == rows[1] and len(rows[0]) == 2 * 4  # designs x quantities
    assert len(list((tmp_path / "store" / "ttest_size-r12").glob("chunk-*.parquet"))) >= 1
    # a study whose code changed since its store was written is recomputed, the store moved aside
    mfile = tmp_path / "store" / "ttest_size-r12" / "manifest.json"
    manifest = json.loads(mfile.read_text())
    manifest["analyse"]["sha256"] = "0" * 64
    mfile.write_text(json.dumps(manifest))
    assert main(argv) == 0
    third = (tmp_path / "V.md").read_text()
    assert (
        "was stale" in third and len(list((tmp_path / "store").glob("ttest_size-r12.stale-*"))) == 1
    )
    assert [ln for ln in third.splitlines() if ln.startswith(("| 10", "| 30"))] == rows[0]


def test_runner_grows_a_store_from_a_smaller_one(tmp_path):
    from benchmarks.validity.runner import main

    def argv(reps):
        return ["--family", "tests.core.test_simulation", "--study", "ttest_size", "--reps",
                str(reps), "--store", str(tmp_path / "store"), "--out",
                str(tmp_path / f"V{reps}.md"), "--figures", str(tmp_path / "f")]  # fmt: skip

    assert main(argv(8)) == 0
    assert main(argv(16)) == 0
    grown = tmp_path / "store" / "ttest_size-r16"
    assert json.loads((grown / "manifest.json").read_text())["reps"] == 16
    started = {p.name for p in (tmp_path / "store" / "ttest_size-r8").glob("chunk-*")}
    assert started and started <= {p.name for p in grown.glob("chunk-*")}
    assert (
        "store started from the replications of ttest_size-r8" in (tmp_path / "V16.md").read_text()
    )
    fresh = tmp_path / "fresh"
    assert main([*argv(16)[:-6], "--store", str(fresh), "--out", str(tmp_path / "F.md"),
                 "--figures", str(tmp_path / "f")]) == 0  # fmt: skip

    def rows(name):
        text = (tmp_path / name).read_text()
        return [ln.split("|")[1:-2] for ln in text.splitlines() if ln.startswith(("| 10", "| 30"))]

    assert rows("V16.md") == rows("F.md")  # grown = computed from scratch at 16


def simulate_hang(design, rng):
    """Slow for design ``hang=1`` (0.3 s per replication): stopped by the runner's limit."""
    time.sleep(0.3 * design["hang"])
    return rng.normal(size=5)


def test_runner_time_limit_stops_a_hanging_study(tmp_path):
    from benchmarks.validity.runner import render_study, run_study

    spec = dict(
        name="hang", title="slow", description="design 1 takes 6 s, the limit is 1 s",
        simulate=simulate_hang, analyse=analyse_t, grid={"hang": [0, 1]}, reps=20, reps_ci=20,
        nominal={}, kind="size",
    )  # fmt: skip
    run = run_study("test", spec, reps=20, store=tmp_path, time_limit=1.0, progress=False)
    assert run.result is None and run.error.startswith("TIMED OUT after the --time-limit of 1 s")
    assert "kept in the store" in run.error and " of 40 replications finished" in run.error
    assert "**FAILED**: `TIMED OUT" in render_study(run, "figures")
