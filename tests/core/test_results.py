from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import stattools as st
from stattools.core.inference import normal_pvalue, resampling_pvalue
from stattools.core.results import Estimate, InvalidTestResult, ResultBase, TestResult


@dataclasses.dataclass(frozen=True, repr=False)
class _Toy(ResultBase):
    params: pd.Series
    bse: pd.Series
    nobs: int = 10
    method: str = "toy"


def _toy():
    return _Toy(pd.Series([1.0, -0.5], index=["a", "b"]), pd.Series([0.5, 0.25], index=["a", "b"]))


def test_defaults_derived_from_params_and_bse():
    r = _toy()
    np.testing.assert_allclose(r.tvalues, [2.0, -2.0])
    np.testing.assert_allclose(r.pvalues, 2 * stats.norm.sf(2.0))
    ci = r.conf_int(0.9)
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(ci["lower"], [1 - z * 0.5, -0.5 - z * 0.25])
    assert ci.attrs == {"level": 0.9, "kind": "wald"}
    assert r.cov_params().isna().all().all()
    assert r.converged is None and r.warnings == ()
    t = r.tidy()
    np.testing.assert_allclose(t["conf_high"], r.conf_int()["upper"])


def test_level_validated():
    with pytest.raises(ValueError, match="level"):
        _toy().conf_int(95)


def test_testresult_unpacks_and_extra_attributes():
    r = TestResult(statistic=3.0, pvalue=0.01, method="m", extra={"k_hat": 7})
    stat, p = r
    assert (stat, p) == (3.0, 0.01)
    assert r.k_hat == 7
    with pytest.raises(AttributeError):
        r.nope  # noqa: B018
    with pytest.raises(TypeError):
        r.extra["k_hat"] = 1
    r2 = pickle.loads(pickle.dumps(r))
    assert r2.k_hat == 7 and r2.statistic == 3.0


def test_testresult_conf_int_from_estimate():
    r = TestResult(statistic=2.0, pvalue=0.05, estimate=1.0, std_error=0.5)
    ci = r.conf_int(0.95)
    np.testing.assert_allclose(
        ci.iloc[0].to_numpy(), [1 - 1.959964 * 0.5, 1 + 1.959964 * 0.5], rtol=1e-6
    )
    r0 = TestResult(statistic=2.0, pvalue=0.05)
    assert r0.conf_int().attrs["kind"] == "not-applicable"


def test_invalid_result():
    r = InvalidTestResult("too few points", method="jump")
    assert not r.is_valid and np.isnan(r.statistic) and np.isnan(r.pvalue)
    assert "too few points" in r.summary().as_text()
    r2 = pickle.loads(pickle.dumps(r))
    assert r2.reason == "too few points" and not r2.is_valid


def test_estimate():
    e = Estimate(1.0, 0.1)
    lo, hi = e.conf_int(0.95)
    assert lo < 1.0 < hi and float(e) == 1.0


def test_pvalue_helpers():
    assert normal_pvalue(0.0) == pytest.approx(1.0)
    assert normal_pvalue(-1.6448536, "less") == pytest.approx(0.05)
    assert resampling_pvalue(5.0, np.arange(9.0)) == pytest.approx(5 / 10)
    assert resampling_pvalue(-5.0, np.arange(-4.0, 5.0), "two-sided") == pytest.approx(1 / 10)


def test_generics_on_stattools_result():
    r = _toy()
    pd.testing.assert_series_equal(st.coef(r), r.params)
    pd.testing.assert_frame_equal(st.confint(r, 0.8), r.conf_int(0.8))
    assert st.summary(r).title == "toy"
    assert st.glance(r)["nobs"].iloc[0] == 10
    assert st.nobs(r) == 10


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"statistic": 1.0, "pvalue": 5}, "pvalue must lie in"),
        ({"statistic": 1.0, "pvalue": -0.01}, "pvalue must lie in"),
        ({"statistic": 1.0, "pvalue": "0.3"}, "pvalue must be a real number"),
        ({"statistic": "big", "pvalue": 0.3}, "statistic must be a real number"),
        ({"statistic": 1.0, "pvalue": 0.3, "nobs": -1}, "nobs must be"),
        ({"statistic": 1.0, "pvalue": 0.3, "nobs": 2.5}, "nobs must be"),
        ({"statistic": 1.0, "pvalue": 0.3, "n_resamples": True}, "n_resamples must be"),
        ({"statistic": 1.0, "pvalue": 0.3, "df": -2}, "df must be non-negative"),
    ],
)
def test_testresult_fields_are_validated(kwargs, match):
    with pytest.raises(st.DataError, match=match):
        TestResult(**kwargs)


def test_testresult_accepts_nan_and_clips_rounding():
    r = TestResult(statistic=np.float64(2.0), pvalue=1 + 1e-15, nobs=np.int64(5))
    assert r.pvalue == 1.0 and r.nobs == 5
    assert np.isnan(TestResult(statistic=np.nan, pvalue=np.nan).pvalue)
    with pytest.raises(st.DataError, match="nobs"):
        InvalidTestResult("undefined", nobs=-1)


def test_estimate_fields_are_validated():
    with pytest.raises(st.DataError, match="value must be a real number"):
        Estimate("0.9", 0.1)
    with pytest.raises(st.DataError, match="se must be non-negative"):
        Estimate(0.9, -0.1)
    e = Estimate(np.float32(0.5))
    assert type(e.value) is float and e.value == 0.5 and np.isnan(e.se)


def test_generics_reject_non_results_with_a_stattools_error():
    arr = np.ones(3)
    for fn in (st.coef, st.tidy, st.glance, st.nobs, st.vcov, st.predict, st.residuals):
        with pytest.raises(st.ArgumentTypeError, match="result must be a stattools result"):
            fn(arr)
    with pytest.raises(st.ArgumentTypeError, match=r"results\[1\]"):
        st.compare(TestResult(statistic=1.0, pvalue=0.3), arr)
    with pytest.raises(st.DataError, match="nobs is None"):
        st.nobs(TestResult(statistic=1.0, pvalue=0.3))
    with pytest.raises(st.DataError, match="names"):
        st.compare(TestResult(statistic=1.0, pvalue=0.3), names=["a", "b"])
