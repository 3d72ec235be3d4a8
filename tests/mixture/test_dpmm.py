"""st.dpmm: exact enumeration, recovery of a known mixture, scikit-learn, PyMC, bad input."""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import gammaln

import stattools as st
from stattools.core.exceptions import DataError, MixingWarning, TruncationWarning
from stattools.mixture.dpmm import DEFAULT_PRIOR_1D
from tests.mixture.examples import small_data

TOL = {
    # Monte Carlo error: |estimate - exact| <= 4 batch-means standard errors (+ 1e-3 slack)
    "enumeration_z": 4.0,
    # L1 distance between densities (posterior mean vs truth / vs another method)
    "recovery_l1": 0.15,
    "sklearn_l1": 0.12,
    "pymc_l1": 0.15,
    # 2-D grid L1 (PyMC 1 x 150 draws vs Gibbs 2 x 1000): two independent Gibbs runs of
    # 1 x 200 draws on the same data differ by ~0.04 (Monte Carlo + label-mixing noise), a
    # single Gaussian fitted to the two clusters is > 1 away: 0.12 is 3x the noise.
    "pymc_l1_2d": 0.12,
}

TRUTH = st.MixingMeasure([0.5, 0.3, 0.2], [-2.0, 0.5, 3.0], scale=[0.5, 0.7, 0.4])


# ---------------------------------------------------------------------------- exact check
def _set_partitions(n):
    if n == 0:
        yield []
        return
    for part in _set_partitions(n - 1):
        for i in range(len(part)):
            yield part[:i] + [part[i] + [n - 1]] + part[i + 1 :]
        yield [*part, [n - 1]]


def _nig_post(y, m0, k0, a0, b0):
    n = y.size
    ybar = y.mean() if n else m0
    kn, an = k0 + n, a0 + n / 2
    mn = (k0 * m0 + y.sum()) / kn
    bn = b0 + 0.5 * ((y - ybar) ** 2).sum() + k0 * n * (ybar - m0) ** 2 / (2 * kn)
    return mn, kn, an, bn


def _log_marginal(y, m0, k0, a0, b0):
    mn, kn, an, bn = _nig_post(y, m0, k0, a0, b0)
    return (
        -y.size / 2 * math.log(2 * math.pi) + 0.5 * math.log(k0 / kn)
        + a0 * math.log(b0) - an * math.log(bn) + gammaln(an) - gammaln(a0)
    )  # fmt: skip


def _student(x, y, m0, k0, a0, b0):
    mn, kn, an, bn = _nig_post(y, m0, k0, a0, b0)
    return stats.t.pdf(x, df=2 * an, loc=mn, scale=math.sqrt(bn * (kn + 1) / (an * kn)))


def _exact_posterior(y, alpha, x):
    """P(#clusters = k | y) and the predictive density at x, by enumerating partitions."""
    pr = {k: v for k, v in DEFAULT_PRIOR_1D.items()}
    hyp = (pr["m0"], pr["kappa0"], pr["a0"], pr["b0"])
    n = y.size
    logp, sizes, dens = [], [], []
    for part in _set_partitions(n):
        lp = len(part) * math.log(alpha) + sum(gammaln(len(c)) for c in part)
        lp += sum(_log_marginal(y[c], *hyp) for c in part)
        logp.append(lp)
        sizes.append(len(part))
        f = alpha / (alpha + n) * _student(x, y[:0], *hyp)
        for c in part:
            f = f + len(c) / (alpha + n) * _student(x, y[c], *hyp)
        dens.append(f)
    logp = np.array(logp)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    pk = np.bincount(sizes, weights=p)
    return pk, p @ np.array(dens)


def _exact_alpha_mean(y, a=1.0, b=1.0):
    """E[alpha | y] under a Gamma(a, b) prior, by enumeration and quadrature."""
    hyp = (
        DEFAULT_PRIOR_1D["m0"],
        DEFAULT_PRIOR_1D["kappa0"],
        DEFAULT_PRIOR_1D["a0"],
        DEFAULT_PRIOR_1D["b0"],
    )
    n = y.size
    al = np.linspace(1e-4, 25.0, 20001)
    post = np.zeros_like(al)
    for part in _set_partitions(n):
        lm = sum(_log_marginal(y[c], *hyp) + gammaln(len(c)) for c in part)
        post += np.exp(len(part) * np.log(al) + gammaln(al) - gammaln(al + n) + lm)
    post *= stats.gamma.pdf(al, a, scale=1 / b)
    return float((al * post).sum() / post.sum())


def _batch_se(a, n_batches=20):
    a = a.reshape(a.shape[0], n_batches, -1).mean(-1).ravel()
    return a.std(ddof=1) / math.sqrt(a.size)


def test_blocked_gibbs_matches_exact_partition_enumeration():
    y_raw = np.array([-1.3, -1.0, -0.8, 0.9, 1.4, 3.5])
    x_raw = np.array([-1.0, 0.5, 3.0])
    fit = st.dpmm(
        "y ~ 1", pd.DataFrame({"y": y_raw}), truncation=30, alpha=1.0, chains=2,
        draws=10_000, tune=500, grid=x_raw, rng=11, check=False,
    )  # fmt: skip
    center, sd = y_raw.mean(), y_raw.std()
    pk, dens = _exact_posterior((y_raw - center) / sd, 1.0, (x_raw - center) / sd)
    dens = dens / sd
    nc = fit.idata["posterior"]["n_clusters"].values
    for k in range(1, 7):
        ind = (nc == k).astype(float)
        z = abs(ind.mean() - pk[k]) / (_batch_se(ind) + 1e-3 / TOL["enumeration_z"])
        assert z <= TOL["enumeration_z"], (k, ind.mean(), pk[k])
    d = fit.idata["density"]["density"].values
    for g in range(x_raw.size):
        est, se = d[..., g].mean(), _batch_se(d[..., g])
        assert abs(est - dens[g]) <= TOL["enumeration_z"] * se + 1e-4, (g, est, dens[g])
    # alpha learned: the collapsed slice update of alpha targets the exact posterior
    fit_a = st.dpmm("y ~ 1", pd.DataFrame({"y": y_raw}), truncation=30, chains=2, draws=10_000,
                    tune=500, grid=[0.0], rng=12, check=False)  # fmt: skip
    al = fit_a.idata["posterior"]["alpha"].values
    exact = _exact_alpha_mean((y_raw - center) / sd)
    assert abs(al.mean() - exact) <= TOL["enumeration_z"] * _batch_se(al) + 1e-3, (al.mean(), exact)
    # the result's own predictive density agrees with the stored draws
    pdn = fit.predictive_density(x_raw)
    np.testing.assert_allclose(pdn["mean"], d.reshape(-1, 3).mean(0), rtol=1e-10)


# ---------------------------------------------------------------------------- recovery
@pytest.fixture(scope="module")
def sim_fit():
    y = TRUTH.sample(600, rng=5)
    x = np.linspace(-5.0, 6.0, 300)
    fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y}), truncation=40, chains=2, draws=800,
                  tune=300, grid=x, rng=2, check=False)  # fmt: skip
    return fit, y, x


def _l1(f, g, x):
    return float(np.sum(np.abs(f - g)) * (x[1] - x[0]))


def test_gibbs_recovers_known_mixture(sim_fit):
    fit, _, x = sim_fit
    pdn = fit.predictive_density(x, level=0.9)
    assert _l1(pdn["mean"].to_numpy(), TRUTH.pdf(x), x) < TOL["recovery_l1"]
    assert (pdn["lower"] <= pdn["mean"]).all() and (pdn["mean"] <= pdn["upper"]).all()
    # the band covers the truth at most grid points
    inside = (pdn["lower"] <= TRUTH.pdf(x)) & (TRUTH.pdf(x) <= pdn["upper"])
    assert inside.mean() >= 0.7
    np.testing.assert_allclose(np.sum(pdn["mean"]) * (x[1] - x[0]), 1.0, atol=0.01)
    # MTM recovers three atoms most of the time (omega on the standardised scale; the
    # default omega_n = 0.54 at n = 600 truncates atoms lighter than 0.29)
    mtm = fit.n_clusters(kind="mtm", omega=0.3)
    assert mtm.idxmax() == 3
    assert fit.n_clusters(kind="occupied").index.min() >= 3


def test_density_close_to_sklearn_dirichlet_process(sim_fit):
    sk = pytest.importorskip("sklearn.mixture")
    fit, y, x = sim_fit
    bgm = sk.BayesianGaussianMixture(
        n_components=20, weight_concentration_prior_type="dirichlet_process",
        max_iter=1000, random_state=0,
    ).fit(y[:, None])  # fmt: skip
    f_sk = np.exp(bgm.score_samples(x[:, None]))
    assert _l1(fit.predictive_density(x)["mean"].to_numpy(), f_sk, x) < TOL["sklearn_l1"]


def test_summary_equals_arviz_and_labels_eti(sim_fit):
    # the summary and diagnostics are computed without ArviZ (issue 16 item 4): they must
    # equal ArviZ's summary, rank-normalised R-hat and bulk/tail ESS (tail at 5 %/95 %)
    az = pytest.importorskip("arviz")
    fit, _, _ = sim_fit
    s = fit.summary(level=0.9)
    tab = s.tables["Posterior (90% ETI)"]
    names = ["alpha", "n_clusters", "log_lik"]
    ref = az.summary(fit.idata, var_names=names, ci_prob=0.9, ci_kind="eti", round_to="none")
    post = fit.idata["posterior"].to_dataset()[names]
    rhat = az.rhat(post)
    tail = az.ess(post, method="tail", prob=(0.05, 0.95))
    for k in names:
        for col in ("mean", "sd", "eti90_lb", "eti90_ub", "ess_bulk", "r_hat"):
            np.testing.assert_allclose(tab.loc[k, col], float(ref.loc[k, col]), rtol=1e-10)
        np.testing.assert_allclose(fit.diagnostics().loc[k, "r_hat"], float(rhat[k]), rtol=1e-12)
        np.testing.assert_allclose(tab.loc[k, "ess_tail"], float(tail[k]), rtol=1e-10)
    np.testing.assert_allclose(fit.params["alpha"], fit.idata["posterior"]["alpha"].values.mean())
    ci = fit.conf_int(0.9)
    assert ci.attrs["kind"] == "ETI"
    np.testing.assert_allclose(
        ci.loc["alpha", "lower"], float(ref.loc["alpha", "eti90_lb"]), rtol=1e-8
    )
    assert "ETI" in s.as_text()


def test_result_members(sim_fit):
    fit, y, _ = sim_fit
    assert fit.idata["mixing_measure"]["weight"].shape == (2, 800, 40)
    np.testing.assert_allclose(fit.idata["mixing_measure"]["weight"].values.sum(-1), 1.0)
    Gs = fit.mixing_measures()
    assert len(Gs) == 1600 and Gs[0].has_scale
    dist = fit.distance_to(TRUTH, metric="w1")
    assert dist.shape == (2, 800) and np.all(dist >= 0)
    w1_first = st.wasserstein(st.MixingMeasure(Gs[0].weights, Gs[0].atoms),
                              st.MixingMeasure(TRUTH.weights, TRUTH.atoms))  # fmt: skip
    np.testing.assert_allclose(dist[0, 0], w1_first)
    C = fit.coclustering()
    assert C.shape == (600, 600)
    np.testing.assert_allclose(np.diag(C), 1.0)
    np.testing.assert_allclose(C, C.T)
    i, j = np.argmin(y), np.argmax(y)
    assert C[i, j] < 0.05
    pmf = fit.n_clusters()
    np.testing.assert_allclose(pmf.sum(), 1.0)
    g = fit.glance()
    assert g.loc[0, "truncation"] == 40 and g.loc[0, "draws"] == 800
    from matplotlib.figure import Figure

    for kind in ("density", "clusters", "coclustering", "trace", "forest"):
        assert isinstance(fit.plot(kind), Figure)  # one documented type for every kind
    with pytest.raises(DataError, match="kind"):
        fit.plot("bogus")


@pytest.mark.numerics
def test_reproducible_and_n_jobs_invariant(n_jobs):
    df = small_data()
    a = st.dpmm("y ~ 1", df, truncation=8, chains=2, draws=50, tune=20, rng=4, check=False)
    b = st.dpmm("y ~ 1", df, truncation=8, chains=2, draws=50, tune=20, rng=4, check=False,
                backend="threading", n_jobs=n_jobs)  # fmt: skip
    np.testing.assert_array_equal(
        a.idata["mixing_measure"]["loc"].values, b.idata["mixing_measure"]["loc"].values
    )


def test_multivariate_recovers_two_clusters():
    rng = np.random.default_rng(3)
    y = np.vstack([rng.normal([-2, 0], 0.5, (150, 2)), rng.normal([2, 1], 0.5, (150, 2))])
    fit = st.dpmm("a + b ~ 1", pd.DataFrame(y, columns=["a", "b"]), truncation=15, chains=2,
                  draws=300, tune=200, rng=1, check=False)  # fmt: skip
    pts = np.array([[-2.0, 0.0], [2.0, 1.0], [0.0, 0.5], [-2.0, 3.0]])
    truth = st.MixingMeasure([0.5, 0.5], [[-2, 0], [2, 1]], scale=np.stack([0.25 * np.eye(2)] * 2))
    est = fit.predictive_density(pts)["mean"].to_numpy()
    np.testing.assert_allclose(est, truth.pdf(pts), rtol=0.3, atol=0.01)
    assert fit.idata["density"]["density"].dims == ("chain", "draw", "dim", "x_index")
    assert fit.plot() is not None


def test_reference_distances_in_datatree():
    y = TRUTH.sample(150, rng=3)
    fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y}), truncation=10, chains=1, draws=30, tune=30,
                  reference=TRUTH, rng=1, check=False)  # fmt: skip
    post = fit.idata["posterior"]
    G = fit.mixing_measures()[5]
    H = st.MixingMeasure(TRUTH.weights, TRUTH.atoms)
    Gl = st.MixingMeasure(G.weights, G.atoms)
    np.testing.assert_allclose(post["w2"].values[0, 5], st.wasserstein(Gl, H, p=2))
    np.testing.assert_allclose(post["orlicz"].values[0, 5], st.orlicz_wasserstein(Gl, H, "exp"))
    assert (post["orlicz"].values >= post["w1"].values / np.log(2) * (1 - 1e-9)).all()
    with pytest.raises(DataError, match="reference"):
        st.dpmm("y ~ 1", pd.DataFrame({"y": y}), truncation=5, draws=5, tune=0, chains=1,
                reference=[1.0], check=False)  # fmt: skip


def test_known_scale_model():
    y = TRUTH.sample(300, rng=9)
    fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y}), scale=0.6, truncation=20, chains=1,
                  draws=300, tune=200, rng=1, check=False)  # fmt: skip
    np.testing.assert_allclose(fit.idata["mixing_measure"]["scale"].values, 0.6)


# ---------------------------------------------------------------------------- warnings
def test_truncation_warning():
    df = pd.DataFrame({"y": TRUTH.sample(200, rng=1)})
    with pytest.warns(TruncationWarning, match="truncation") as rec, warnings.catch_warnings():
        warnings.simplefilter("ignore", MixingWarning)  # K = 2 also mixes poorly
        fit = st.dpmm("y ~ 1", df, truncation=2, chains=2, draws=200, tune=100, rng=1,
                      alpha=5.0)  # fmt: skip
    assert any("truncation" in w for w in fit.warnings)
    assert any(isinstance(r.message, TruncationWarning) for r in rec)


def test_mixing_warning_and_flag():
    df = pd.DataFrame({"y": TRUTH.sample(200, rng=1)})
    with pytest.warns(MixingWarning, match="R-hat|ESS"), warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)  # no burn-in: alpha starts high
        fit = st.dpmm("y ~ 1", df, truncation=30, chains=2, draws=20, tune=0, rng=1)
    assert fit.converged is False
    assert any("mix poorly" in w for w in fit.warnings)


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(truncation=1), DataError, "truncation"),
        (dict(alpha=0.0), DataError, "alpha"),
        (dict(alpha=-1.0), DataError, "alpha"),
        (dict(alpha=("gamma", -1.0, 1.0)), DataError, "shape"),
        (dict(alpha=("gamma", 1.0, 0.0)), DataError, "rate"),
        (dict(alpha=("beta", 1.0, 1.0)), DataError, "gamma"),
        (dict(prior={"kappa0": 0.0}), DataError, "kappa0"),
        (dict(prior={"b0": -1.0}), DataError, "b0"),
        (dict(prior={"nu": 3}), DataError, "unknown prior"),
        (dict(scale=0.0), DataError, "scale"),
        (dict(sampler="nuts"), DataError, "sampler"),
        (dict(chains=0), DataError, "chains"),
        (dict(draws=2.5), DataError, "draws"),
        (dict(grid=[np.nan]), DataError, "grid"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        st.dpmm("y ~ 1", small_data(20), **kwargs)


def test_bad_data():
    df = small_data(20)
    with pytest.raises(DataError, match="'y'"):
        st.dpmm("y ~ 1", df.assign(y=df["y"].where(df.index != 3)))
    with pytest.raises(DataError, match="non-finite|infinite"):
        st.dpmm("y ~ 1", df.assign(y=df["y"].replace(df["y"].iloc[0], np.inf)))
    with pytest.raises(DataError, match="zero variance"):
        st.dpmm("y ~ 1", df.assign(y=1.0))
    with pytest.raises(DataError, match="at least 2"):
        st.dpmm("y ~ 1", df.iloc[:1])
    with pytest.raises(KeyError, match="nope"):
        st.dpmm("nope ~ 1", df)
    with pytest.raises(NotImplementedError, match="right-hand side"):
        st.dpmm("y ~ x", df.assign(x=1.0 + np.arange(20)))
    two = df.assign(z=df["y"] ** 2)
    with pytest.raises(NotImplementedError, match="1-D"):
        st.dpmm("y + z ~ 1", two, scale=1.0)
    with pytest.raises(DataError, match="nu0"):
        st.dpmm("y + z ~ 1", two, prior={"nu0": 0.5})


def test_result_methods_bad_input():
    fit = st.dpmm("y ~ 1", small_data(), truncation=8, chains=1, draws=20, tune=5, rng=1,
                  keep_labels=False, check=False)  # fmt: skip
    with pytest.raises(DataError, match="keep_labels"):
        fit.coclustering()
    with pytest.raises(DataError, match="kind"):
        fit.n_clusters(kind="bic")
    with pytest.raises(DataError, match="metric"):
        fit.distance_to(TRUTH, metric="tv")


# ---------------------------------------------------------------------------- PyMC
@pytest.mark.mcmc
def test_pymc_and_gibbs_agree_on_predictive_density():
    pytest.importorskip("pymc")
    df = small_data(80, seed=4)
    x = np.linspace(-4.5, 4.5, 120)
    kw = dict(truncation=6, grid=x, rng=3, check=False)
    fp = st.dpmm("y ~ 1", df, sampler="pymc", chains=2, draws=150, tune=150, **kw)
    fg = st.dpmm("y ~ 1", df, chains=2, draws=1000, tune=300, **kw)
    assert fp.method.endswith("(PyMC NUTS)")
    assert fp.idata["mixing_measure"]["weight"].shape == (2, 150, 6)
    a = fp.predictive_density(x)["mean"].to_numpy()
    b = fg.predictive_density(x)["mean"].to_numpy()
    assert _l1(a, b, x) < TOL["pymc_l1"]


@pytest.mark.mcmc
def test_pymc_and_gibbs_agree_on_2d_predictive_density():
    pytest.importorskip("pymc")
    rng = np.random.default_rng(5)
    y = np.vstack([rng.normal([-2, -2], 0.5, (30, 2)), rng.normal([2, 1.5], 0.5, (30, 2))])
    df = pd.DataFrame(y, columns=["a", "b"])
    g1, g2 = np.linspace(-4, 4, 41), np.linspace(-4, 3.5, 41)
    grid = np.array([[u, v] for u in g1 for v in g2])
    cell = (g1[1] - g1[0]) * (g2[1] - g2[0])
    kw = dict(truncation=5, rng=3, check=False)
    fp = st.dpmm("a + b ~ 1", df, sampler="pymc", chains=1, draws=150, tune=150, **kw)
    fg = st.dpmm("a + b ~ 1", df, chains=2, draws=1000, tune=300, **kw)
    assert fp.method.endswith("(PyMC NUTS)")
    mm = fp.idata["mixing_measure"]
    assert mm["loc"].shape == (1, 150, 5, 2) and mm["scale"].shape == (1, 150, 5, 2, 2)
    cov = mm["scale"].values.reshape(-1, 2, 2)
    assert np.allclose(cov, np.swapaxes(cov, 1, 2)) and np.all(np.linalg.eigvalsh(cov) > 0)
    np.testing.assert_allclose(mm["weight"].values.sum(-1), 1.0, atol=1e-8)
    a = fp.predictive_density(grid)["mean"].to_numpy()
    b = fg.predictive_density(grid)["mean"].to_numpy()
    assert abs(a.sum() * cell - 1) < 0.02 and abs(b.sum() * cell - 1) < 0.02  # grid holds the mass
    assert np.abs(a - b).sum() * cell < TOL["pymc_l1_2d"]
    # the tolerance discriminates: one Gaussian fitted to both clusters is far away
    one = stats.multivariate_normal(y.mean(0), np.cov(y.T)).pdf(grid)
    assert np.abs(one - b).sum() * cell > 1.0
    assert fp.n_clusters().index.min() >= 2  # labels drawn from p(z | w, theta) per draw
    assert fp.coclustering().shape == (60, 60)
    assert "PyMC NUTS" in fp.summary().as_text()
    assert set(fp.tidy()["term"]) >= {"alpha", "n_clusters"}
    assert fp.glance()["nobs"].iloc[0] == 60
    fp.plot().savefig(io.BytesIO())
    fp.plot(kind="clusters").savefig(io.BytesIO())


def _log_marginal_niw(y, k0, nu0, psi0):
    """log m(Y) under NIW(0, k0, nu0, psi0) (Murphy, 2007, eq. 266)."""
    n, d = y.shape
    ybar = y.mean(0)
    S = (y - ybar).T @ (y - ybar)
    kn, nun = k0 + n, nu0 + n
    psin = psi0 + S + k0 * n / kn * np.outer(ybar, ybar)
    from scipy.special import multigammaln

    return (
        -n * d / 2 * math.log(math.pi) + multigammaln(nun / 2, d) - multigammaln(nu0 / 2, d)
        + nu0 / 2 * np.linalg.slogdet(psi0)[1] - nun / 2 * np.linalg.slogdet(psin)[1]
        + d / 2 * math.log(k0 / kn)
    )  # fmt: skip


def test_niw_gibbs_matches_exact_partition_enumeration():
    y_raw = np.array([[0.0, 0.1], [0.3, -0.2], [0.1, 0.4], [2.5, 2.0], [2.9, 2.6]])
    fit = st.dpmm("a + b ~ 1", pd.DataFrame(y_raw, columns=["a", "b"]), truncation=25,
                  alpha=1.0, chains=2, draws=10_000, tune=500, rng=5, check=False)  # fmt: skip
    y = (y_raw - y_raw.mean(0)) / y_raw.std(0)
    psi0 = 0.1 * np.eye(2)
    logp, sizes = [], []
    for part in _set_partitions(5):
        lp = sum(gammaln(len(c)) + _log_marginal_niw(y[c], 0.02, 4.0, psi0) for c in part)
        logp.append(lp)
        sizes.append(len(part))
    p = np.exp(np.array(logp) - max(logp))
    pk = np.bincount(sizes, weights=p / p.sum())
    nc = fit.idata["posterior"]["n_clusters"].values
    for k in range(1, 6):
        ind = (nc == k).astype(float)
        assert abs(ind.mean() - pk[k]) <= TOL["enumeration_z"] * _batch_se(ind) + 1e-3, (
            k,
            ind.mean(),
            pk[k],
        )
