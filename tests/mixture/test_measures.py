"""MixingMeasure (density, sampling) and merge-truncate-merge on hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import stats

import stattools as st
from stattools.core.exceptions import DataError
from stattools.mixture.gibbs import mixture_density_1d


def test_pdf_matches_scipy_mixture():
    G = st.MixingMeasure([0.2, 0.8], [-1.0, 2.0], scale=[0.5, 1.5])
    x = np.linspace(-4, 6, 50)
    ref = 0.2 * stats.norm.pdf(x, -1, 0.5) + 0.8 * stats.norm.pdf(x, 2, 1.5)
    np.testing.assert_allclose(G.pdf(x), ref, rtol=1e-12)
    cov = np.array([[[1.0, 0.3], [0.3, 2.0]], [[0.5, 0.0], [0.0, 0.5]]])
    H = st.MixingMeasure([0.4, 0.6], [[0, 0], [1, 2]], scale=cov)
    pts = np.array([[0.1, -0.2], [1.0, 2.0]])
    ref2 = 0.4 * stats.multivariate_normal.pdf(
        pts, [0, 0], cov[0]
    ) + 0.6 * stats.multivariate_normal.pdf(pts, [1, 2], cov[1])
    np.testing.assert_allclose(H.pdf(pts), ref2, rtol=1e-12)


def test_sample_moments_and_seed():
    G = st.MixingMeasure([0.3, 0.7], [-2.0, 1.0], scale=0.5)
    y = G.sample(20000, rng=1)
    np.testing.assert_allclose(y.mean(), 0.3 * -2 + 0.7 * 1, atol=0.03)
    np.testing.assert_array_equal(y[:10], G.sample(20000, rng=1)[:10])
    with pytest.raises(DataError, match="scale"):
        st.MixingMeasure([1.0], [0.0]).sample(5)


def test_mtm_merges_close_atoms():
    G = st.MixingMeasure([0.3, 0.2, 0.5], [0.0, 0.05, 3.0])
    H = st.merge_truncate_merge(G, omega=0.2, rng=0)
    assert H.n_atoms == 2
    np.testing.assert_allclose(np.sort(H.weights), [0.5, 0.5])
    np.testing.assert_allclose(H.weights.sum(), 1.0)


def test_mtm_light_atom_joins_nearest_heavy_one():
    G = st.MixingMeasure([0.49, 0.49, 0.02], [0.0, 5.0, 4.0])
    H = st.merge_truncate_merge(G, omega=0.5, c=1.0, rng=1)  # threshold 0.25 > 0.02
    assert H.n_atoms == 2
    w = dict(zip(H.atoms[:, 0].tolist(), H.weights.tolist()))
    np.testing.assert_allclose(w[5.0], 0.51)
    np.testing.assert_allclose(w[0.0], 0.49)


def test_mtm_stage_three_moves_close_moderate_atom():
    # 0.3 * 0.6^2 = 0.108 <= (1 * 0.5)^2 = 0.25: the lighter atom near a heavier one is absorbed
    G = st.MixingMeasure([0.7, 0.3], [0.0, 0.6])
    H = st.merge_truncate_merge(G, omega=0.5, c=1.0, rng=0)
    assert H.n_atoms == 1 and H.atoms[0, 0] == 0.0


def test_mtm_default_omega_and_bad_input():
    G = st.MixingMeasure([0.5, 0.5], [0.0, 3.0])
    assert st.merge_truncate_merge(G, n=1000, rng=0).n_atoms == 2
    for kw, match in [
        (dict(omega=0.0), "omega"),
        (dict(omega=0.5, c=0.0), "c must"),
        (dict(omega=0.5, r=0.5), "r must"),
        (dict(), "give omega"),
    ]:
        with pytest.raises(DataError, match=match):
            st.merge_truncate_merge(G, **kw)
    with pytest.raises(DataError, match="MixingMeasure"):
        st.merge_truncate_merge([0.5, 0.5])


def test_measure_is_immutable():
    G = st.MixingMeasure([0.5, 0.5], [0.0, 1.0])
    with pytest.raises(ValueError):
        G.weights[0] = 1.0
    with pytest.raises(AttributeError):
        G.weights = None
    assert "n_atoms=2" in repr(G)
    with pytest.raises(DataError, match="ground"):
        G.ground_points("scale")


@settings(deadline=None, max_examples=20)
@given(seed=hst.integers(0, 2**31 - 1), k=hst.integers(1, 12))
def test_density_kernel_equals_dense_numpy(seed, k):
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(k), size=3)
    mu = rng.normal(size=(3, k))
    var = rng.uniform(0.01, 2.0, size=(3, k))
    x = np.linspace(-4, 4, 17)
    dense = np.einsum(
        "sk,skg->sg", w, stats.norm.pdf(x[None, None, :], mu[..., None], np.sqrt(var)[..., None])
    )
    np.testing.assert_allclose(
        mixture_density_1d(x, w, mu, var, 0.0), dense, rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(
        mixture_density_1d(x, w, mu, var, 1e-14), dense, rtol=0, atol=k * 1e-14
    )


@settings(deadline=None, max_examples=20)
@given(seed=hst.integers(0, 2**31 - 1), p=hst.sampled_from([1.0, 1.5, 2.0, 3.0]))
def test_quantile_coupling_equals_lp(seed, p):
    ot = pytest.importorskip("ot")
    rng = np.random.default_rng(seed)
    kg, kh = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    G = st.MixingMeasure(rng.dirichlet(np.ones(kg)), rng.normal(size=kg))
    H = st.MixingMeasure(rng.dirichlet(np.ones(kh)), rng.normal(size=kh))
    M = np.abs(G.atoms[:, 0][:, None] - H.atoms[:, 0][None, :])
    ref = ot.emd2(np.asarray(G.weights), np.asarray(H.weights), M**p) ** (1 / p)
    np.testing.assert_allclose(st.wasserstein(G, H, p=p), ref, rtol=1e-9, atol=1e-12)
