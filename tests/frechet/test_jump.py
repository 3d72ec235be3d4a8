"""The Fréchet jump test: rdrobust reference in R, identities, invalid cases and bad input."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from stattools.core.exceptions import DataError, SmallSampleWarning, StattoolsWarning
from stattools.core.results import InvalidTestResult
from stattools.frechet import SPD, FrechetJumpResult, Laplacian, Sphere, Wasserstein, frechet_jump
from stattools.frechet._common import kde_at, kernel_constant, local_linear_weights

TOL = {"rdrobust": dict(rtol=1e-9, atol=1e-12), "identity": dict(rtol=1e-12, atol=1e-14)}


def _scalar_data(n=500, seed=0, jump=1.0):
    gen = np.random.default_rng(seed)
    x = gen.uniform(-1, 1, n)
    y = 0.5 * x + jump * (x >= 0) + gen.normal(0, 0.3, n)
    return x, y


def _rdrobust(y, x, h, kernel):
    from rdrobust import rdrobust

    with warnings.catch_warnings():
        # rdrobust/pandas emit FutureWarnings unrelated to the estimates compared here
        warnings.simplefilter("ignore")
        return rdrobust(y, x, c=0.0, h=h, b=h, p=1, kernel=kernel, masspoints="off")


@pytest.mark.parametrize(("kernel", "rdk"), [("epanechnikov", "epa"), ("triangular", "tri")])
def test_scalar_case_equals_rdrobust(kernel, rdk):
    pytest.importorskip("rdrobust")
    x, y = _scalar_data()
    res = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.4, kernel=kernel)
    hV = res.h_V
    r = _rdrobust(y, x, hV, rdk)
    np.testing.assert_allclose(res.mean_left, r.beta_p_l[0, 0], **TOL["rdrobust"])
    np.testing.assert_allclose(res.mean_right, r.beta_p_r[0, 0], **TOL["rdrobust"])
    np.testing.assert_allclose(res.mean_right - res.mean_left, r.coef.iloc[0, 0], **TOL["rdrobust"])
    rl = _rdrobust((y - res.mean_left) ** 2, x, hV, rdk)
    rr = _rdrobust((y - res.mean_right) ** 2, x, hV, rdk)
    np.testing.assert_allclose(res.var_left, rl.beta_p_l[0, 0], **TOL["rdrobust"])
    np.testing.assert_allclose(res.var_right, rr.beta_p_r[0, 0], **TOL["rdrobust"])


def test_identity_F_equals_tau_squared_over_4():
    x, y = _scalar_data(seed=3)
    res = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5)
    tau = res.mean_right - res.mean_left
    np.testing.assert_allclose(res.F_n, tau**2 / 4, **TOL["identity"])
    np.testing.assert_allclose(res.estimate, tau, **TOL["identity"])  # signed in R
    np.testing.assert_allclose(
        res.mean_pooled, (res.mean_left + res.mean_right) / 2, **TOL["identity"]
    )
    np.testing.assert_allclose(res.statistic, res.var_part + res.mean_part, rtol=1e-12)


def test_hilbert_identity_wasserstein():
    gen = np.random.default_rng(5)
    x = gen.uniform(-1, 1, 300)
    Q = np.sort(gen.normal(size=(300, 25)), axis=1) * (1 + 0.3 * (x >= 0))[:, None]
    sp = Wasserstein(n_grid=25)
    res = frechet_jump(y=Q, x=x, cutoff=0.0, space=sp, bandwidth=0.6)
    assert not res.projection_active
    d2 = sp.dist2(res.mean_left[None], res.mean_right)[0]
    np.testing.assert_allclose(res.F_n, d2 / 4, **TOL["identity"])


def test_statistic_is_linear_in_density():
    """frechesTest's statistic is linear in f(c); the default (residual) one ignores it."""
    x, y = _scalar_data(seed=1)
    kw = dict(y=y, x=x, cutoff=0.0, bandwidth=0.5, variance="frechestest")
    a = frechet_jump(**kw, density_at_cutoff=0.5)
    b = frechet_jump(**kw, density_at_cutoff=1.5)
    np.testing.assert_allclose(b.statistic, 3 * a.statistic, rtol=1e-12)
    c = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5)
    np.testing.assert_allclose(c.f_hat, kde_at(x, 0.0))
    d = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5, density_at_cutoff=1.5)
    np.testing.assert_allclose(d.statistic, c.statistic, rtol=1e-12)


def test_frechestest_statistic_by_hand():
    """variance='frechestest': T_n from V, sigma^2 = sum|s|(d^2 - V)^2 / sum|s| and S_K."""
    x, y = _scalar_data(seed=2)
    res = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5, variance="frechestest")
    h, n, f = res.h_V, x.size, res.f_hat
    sig = {}
    for side, mask in (("left", (x < 0) & (x > -h)), ("right", (x >= 0) & (x < h))):
        s, _, _ = local_linear_weights(x[mask], h, "epanechnikov")
        m = s @ y[mask]
        d2 = (y[mask] - m) ** 2
        V = s @ d2
        sig[side] = np.abs(s) @ (d2 - V) ** 2 / np.abs(s).sum()
        np.testing.assert_allclose(V, getattr(res, f"var_{side}"), rtol=1e-10)
    ssum = sig["left"] + sig["right"]
    SK = kernel_constant("epanechnikov")
    lam = res.lambda_hat
    T = n * h * res.U_n / (SK * ssum / f) + n * h * res.F_n**2 / (lam * (1 - lam) * ssum * SK / f)
    np.testing.assert_allclose(res.statistic, T, rtol=1e-10)


def test_kde_matches_scipy_with_nrd0(rng):
    from scipy.stats import gaussian_kde

    x = rng.normal(size=300)
    bw = 0.9 * min(x.std(ddof=1), np.subtract(*np.percentile(x, [75, 25])) / 1.34) * 300**-0.2
    ref = gaussian_kde(x, bw_method=bw / x.std(ddof=1))(0.2)[0]
    np.testing.assert_allclose(kde_at(x, 0.2), ref, rtol=1e-10)


def test_kernel_constants():
    assert abs(kernel_constant("epanechnikov") - 4.498) < 5e-4
    np.testing.assert_allclose(kernel_constant("triangular"), 4.8, rtol=1e-8)
    np.testing.assert_allclose(kernel_constant("uniform"), 4.0, rtol=1e-8)


@settings(deadline=None, max_examples=30)
@given(hst.integers(0, 2**31 - 1), hst.floats(-3, 3), hst.floats(-3, 3))
def test_local_linear_weights_reproduce_lines(seed, a, b):
    u = np.random.default_rng(seed).uniform(0, 1, 30)
    s, det, _ = local_linear_weights(u, 0.8, "epanechnikov")
    assert det > 0
    np.testing.assert_allclose(s.sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(s @ (a + b * u), a, atol=1e-10)


def test_formula_with_object_column_and_result_members():
    gen = np.random.default_rng(2)
    x = gen.uniform(-1, 1, 200)
    rows = [np.sort(gen.normal(0.8 * (xi >= 0), 1, 10)) for xi in x]
    df = pd.DataFrame({"x": x, "Y": pd.Series(rows, dtype=object)})
    res = frechet_jump("Y ~ x", data=df, cutoff=0.0, space=Wasserstein(n_grid=10), bandwidth=0.7)
    assert isinstance(res, FrechetJumpResult) and res.df == 1
    assert res.mean_left.shape == (10,) and not res.mean_left.flags.writeable
    assert res.pvalue < 0.01
    for key in ("h_F", "h_V", "f_hat", "n_left", "n_eff_right", "U_n", "F_n", "S_K"):
        assert key in res.estimates.index
    assert "h_V" in res.summary().as_text()
    arr = frechet_jump(
        y=np.stack(rows), x=x, cutoff=0.0, space=Wasserstein(n_grid=10), bandwidth=0.7
    )
    assert arr.statistic == res.statistic


def test_multi_column_composition_response():
    gen = np.random.default_rng(4)
    x = gen.uniform(-1, 1, 300)
    C = gen.dirichlet([5, 3, 2], 300)
    C[x >= 0] = gen.dirichlet([2, 3, 5], int((x >= 0).sum()))
    df = pd.DataFrame({"x": x, "a": C[:, 0], "b": C[:, 1], "c": C[:, 2]})
    res = frechet_jump("a + b + c ~ x", data=df, cutoff=0.0, space="compositions", bandwidth=0.6)
    assert res.pvalue < 1e-3
    assert np.all(res.mean_left > 0)
    shares = Sphere.to_compositions(res.mean_left, 0.01)
    assert shares[0] > shares[2]
    fig = res.plot()
    assert len(fig.axes) == 1


def test_plots_for_matrices():
    gen = np.random.default_rng(6)
    x = gen.uniform(-1, 1, 150)
    W = gen.uniform(0, 1, (150, 3, 3))
    W = (W + W.transpose(0, 2, 1)) / 2 * (1 + (x >= 0))[:, None, None]
    W[:, np.arange(3), np.arange(3)] = 0
    L = np.einsum("nij->ni", W)[:, :, None] * np.eye(3) - W
    res = frechet_jump(y=L, x=x, cutoff=0.0, space=Laplacian(), bandwidth=0.8)
    assert res.pvalue < 0.01
    fig = res.plot()
    assert len(fig.axes) >= 2
    assert res.plot(kind="null") is not None


def test_cv_bandwidth_reproducible_and_cutoff_rule():
    from stattools.core.exceptions import TuningWarning

    x, y = _scalar_data(n=300, seed=7)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        a = frechet_jump(y=y, x=x, cutoff=0.0, rng=1)
        b = frechet_jump(y=y, x=x, cutoff=0.0, rng=1)
        c = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth="cv_cutoff", rng=1)
        d = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth="cv_1se", rng=1)
    # a linear mean makes the CV loss flat: edge choices are flagged, nothing else warns
    assert all(issubclass(w.category, TuningWarning) for w in rec)
    assert all("candidate bandwidth" in str(w.message) for w in rec)
    assert a.h_F == b.h_F and a.bandwidth_rule == "cv"
    np.testing.assert_allclose(a.h_V, 0.9 * a.h_F)
    assert d.h_F >= a.h_F
    assert c.bandwidth_rule == "cv_cutoff" and c.h_F > 0


@pytest.mark.numerics
def test_cv_bandwidth_n_jobs_invariant(n_jobs):
    from stattools.core.exceptions import TuningWarning
    from stattools.frechet import Euclidean, cv_bandwidth

    x, y = _scalar_data(n=200, seed=8)
    Z = y[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TuningWarning)  # a linear mean: the loss is flat
        h1, info1 = cv_bandwidth(x, Z, Euclidean(), cutoff=0.0, rng=3)
        h2, info2 = cv_bandwidth(x, Z, Euclidean(), cutoff=0.0, rng=3, n_jobs=n_jobs)
    assert h1 == h2
    np.testing.assert_array_equal(info1["scores"], info2["scores"])


# ------------------------------------------------------------------ invalid / bad input
def test_too_few_points_on_one_side_is_invalid():
    x, y = _scalar_data(n=200)
    x = np.where(x >= 0, x, x - 0.9)  # left side far from the cutoff
    x[:3] = -0.05
    res = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.3)
    assert isinstance(res, InvalidTestResult)
    assert "left" in res.reason and "need 5" in res.reason


def test_degenerate_design_is_invalid():
    from stattools.core.exceptions import TuningWarning

    x = np.r_[np.full(10, -0.5), np.linspace(0, 1, 30)]
    y = np.random.default_rng(0).normal(size=40)
    with pytest.warns(TuningWarning, match="capped"):  # 0.9 * 0.8 > 0.5 (left support)
        res = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.8)
    assert not res.is_valid and "degenerate" in res.reason


def test_small_sample_and_mass_point_warnings():
    gen = np.random.default_rng(9)
    x = np.r_[np.repeat([-0.4, -0.3, -0.2, -0.1], 5), gen.uniform(0, 1, 60)]
    y = gen.normal(size=x.size)
    with pytest.warns(StattoolsWarning) as rec:  # also a BoundaryWarning (4 mass points)
        res = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.6)
    assert any(issubclass(w.category, SmallSampleWarning) for w in rec)
    msgs = " ".join(str(w.message) for w in rec)
    assert "distinct x values" in msgs
    assert res.warnings and any("distinct" in w for w in res.warnings)


def test_bad_inputs():
    x, y = _scalar_data(n=100)
    with pytest.raises(DataError, match="cutoff"):
        frechet_jump(y=y, x=x, cutoff=5.0, bandwidth=0.5)
    with pytest.raises(DataError, match="x contains NaN"):
        frechet_jump(y=y, x=np.r_[np.nan, x[1:]], cutoff=0.0, bandwidth=0.5)
    with pytest.raises(DataError, match="NaN"):
        frechet_jump(y=np.r_[np.nan, y[1:]], x=x, cutoff=0.0, bandwidth=0.5)
    with pytest.raises(DataError, match="alternative"):
        frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5, alternative="less")
    with pytest.raises(DataError, match="bandwidth"):
        frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=-1.0)
    with pytest.raises(DataError, match="kernel"):
        frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5, kernel="gauss")
    with pytest.raises(DataError, match="space"):
        frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5, space="hyperbolic")
    with pytest.raises(DataError, match="observations"):
        frechet_jump(y=y[:50], x=x, cutoff=0.0, bandwidth=0.5)
    Q = np.sort(np.random.default_rng(0).normal(size=(100, 5)), axis=1)
    Q[7] = Q[7][::-1]
    with pytest.raises(DataError, match="decrease in rows 1"):
        frechet_jump(y=Q, x=x, cutoff=0.0, space=Wasserstein(n_grid=5), bandwidth=0.5)
    with pytest.raises(DataError, match="5 values"):
        frechet_jump(y=Q[:, :4], x=x, cutoff=0.0, space=Wasserstein(n_grid=5), bandwidth=0.5)
    S = np.tile(np.eye(2), (100, 1, 1))
    S[3] = [[1.0, 2.0], [2.0, 1.0]]
    with pytest.raises(DataError, match="not PSD"):
        frechet_jump(y=S, x=x, cutoff=0.0, space=SPD(), bandwidth=0.5)
    C = np.full((100, 3), 1 / 3)
    C[0] = [1.2, -0.1, -0.1]
    with pytest.raises(DataError, match="negative"):
        frechet_jump(y=C, x=x, cutoff=0.0, space="compositions", bandwidth=0.5)
    df = pd.DataFrame({"x": x, "y": y})
    df.loc[4, "y"] = np.nan
    with pytest.raises(DataError, match="'y'"):
        frechet_jump("y ~ x", data=df, cutoff=0.0, bandwidth=0.5)
    with pytest.raises(KeyError, match="zz"):
        frechet_jump("y ~ zz", data=df, cutoff=0.0, bandwidth=0.5)


def test_boundary_warning_for_extrapolating_fits():
    from stattools.core.exceptions import BoundaryWarning

    gen = np.random.default_rng(11)
    x = np.r_[gen.uniform(-1, 0, 200), gen.uniform(0.35, 0.5, 40), gen.uniform(0.6, 1, 100)]
    y = gen.normal(size=x.size)
    with pytest.warns(BoundaryWarning, match="extrapolates"):
        res = frechet_jump(y=y, x=x, cutoff=0.0, bandwidth=0.5 / 0.9)
    assert any("extrapolates" in w for w in res.warnings)


def test_space_namespace():
    import stattools as st

    assert st.spaces.Wasserstein is Wasserstein


def test_raw_samples_of_different_sizes_in_a_column():
    gen = np.random.default_rng(12)
    x = gen.uniform(-1, 1, 150)
    samples = [gen.normal(1.0 * (xi >= 0), 1, gen.integers(5, 40)) for xi in x]
    df = pd.DataFrame({"x": x, "earnings": pd.Series(samples, dtype=object)})
    sp = Wasserstein(n_grid=20, input="samples")
    res = frechet_jump("earnings ~ x", data=df, cutoff=0.0, space=sp, bandwidth=0.8)
    Q = np.stack([np.quantile(s, sp.grid) for s in samples])
    ref = frechet_jump(y=Q, x=x, cutoff=0.0, space=Wasserstein(n_grid=20), bandwidth=0.8)
    np.testing.assert_allclose(res.statistic, ref.statistic, rtol=1e-12)
    assert res.pvalue < 0.01


# ------------------------------------------------------------------ stored references
REF = Path(__file__).resolve().parents[1] / "reference" / "frechet"


@pytest.mark.parametrize(
    "key, space",
    [("covariance", SPD(metric="frobenius")), ("network", Laplacian())],
)
def test_frechestest_variance_equals_r_frechestest(key, space):
    """``variance="frechestest"`` equals R frechesTest 0.1.0 (frechestest_jump.R)."""
    r = json.loads((REF / "frechestest_jump.json").read_text())[key]
    res = frechet_jump(
        y=np.array(r["M"]),
        x=np.array(r["x"]),
        cutoff=r["cutoff"],
        space=space,
        bandwidth=r["h_frechet"],
        undersmooth=r["undersmooth"],
        variance="frechestest",
        density_at_cutoff=r["f_X_hat_c"],
    )
    e = res.extra
    assert e["pvalue_method"] == "chi-square(1)"
    pairs = [
        (res.statistic, r["Tn"]),
        (res.pvalue, r["p_value"]),
        (res.var_right, r["V_hat_plus"]),
        (res.var_left, r["V_hat_minus"]),
        (e["var_pooled"], r["V_hat_pooled"]),
        (e["sigma2_right"], r["sigma_V_sq_hat_plus"]),
        (e["sigma2_left"], r["sigma_V_sq_hat_minus"]),
        (e["F_n"], r["F_n"]),
        (e["lambda_hat"], r["lambda_hat"]),
        (e["S_K"], r["S_K"]),
    ]
    for ours, theirs in pairs:
        assert ours == pytest.approx(theirs, rel=1e-10)
    np.testing.assert_allclose(res.mean_right, np.array(r["l_hat_plus"]), atol=1e-12)
    np.testing.assert_allclose(res.mean_left, np.array(r["l_hat_minus"]), atol=1e-12)


@pytest.mark.parametrize("key", ["density", "covariance", "network"])
def test_default_statistic_equals_brute_force(key):
    """The default (residual) statistic, its F(1, nu) + wild-bootstrap p-value and the
    bootstrap mean parts equal plain loops over the definition
    (frechestest_default_bruteforce.py)."""
    from stattools.frechet.statistic import jump_statistic, multiplier_pvalue

    ref = json.loads((REF / "frechestest_default_bruteforce.json").read_text())
    st_ = ref["provenance"]["settings"]
    d, r = ref[key], ref[key]["result"]
    n = len(d["x"])
    Y = np.array(d["Y"])
    space = {
        "density": Wasserstein(n_grid=100),
        "covariance": SPD(metric="frobenius"),
        "network": Laplacian(),
    }[key]
    Y = Y if key == "density" else Y.reshape(n, *(3, 3) if key == "covariance" else (5, 5))
    x = np.array(d["x"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)  # a BoundaryWarning at n = 90
        res = frechet_jump(y=Y, x=x, cutoff=st_["cutoff"], space=space, bandwidth=st_["h_V"],
                           undersmooth=1.0)  # fmt: skip
    e = res.extra
    for ours, theirs in [
        (res.statistic, r["T_n"]),
        (e["var_part"], r["var_part"]),
        (e["mean_part"], r["mean_part"]),
        (res.var_right, r["V_plus"]),
        (res.var_left, r["V_minus"]),
        (e["var_pooled"], r["V_pooled"]),
        (e["var_resid_right"], r["Vr_plus"]),
        (e["var_resid_left"], r["Vr_minus"]),
        (e["se_var_diff"] ** 2, r["var_diff"]),
        (e["sigma2_right"], r["sigma2_plus"]),
        (e["sigma2_left"], r["sigma2_minus"]),
        (e["U_n"], r["U_n"]),
        (e["F_n"], r["F_n"]),
        (e["lambda_hat"], r["lambda_hat"]),
        (e["df_variance_part"], r["nu"]),
    ]:
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-13)
    assert not e["projection_active"]
    # the bootstrap draws with the script's multipliers
    Z = space.validate(Y)
    core = jump_statistic(x - st_["cutoff"], Z, st_["h_V"], space, f_hat=1.0, n=n)
    assert core["_boot"]["u"].size == r["n_window"]
    p, nu, mstar = multiplier_pvalue(
        core["_boot"], core["var_part"], core["mean_part"], space, st_["n_resamples"],
        np.random.default_rng(st_["seed_xi"]),
    )  # fmt: skip
    np.testing.assert_allclose(mstar[:5], r["mean_part_boot_first5"], rtol=1e-9)
    assert mstar.mean() == pytest.approx(r["mean_part_boot_mean"], rel=1e-9)
    assert p == pytest.approx(r["pvalue"], rel=1e-9)
