"""W_p against POT/scipy; W_Phi against closed forms, W_p and the LP path; bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.core.exceptions import ApproximationWarning, DataError
from stattools.mixture.distances import comonotone_coupling

ot = pytest.importorskip("ot")
scipy_stats = pytest.importorskip("scipy.stats")

TOL = {"lp": dict(rtol=1e-10, atol=1e-12), "orlicz": dict(rtol=1e-8, atol=1e-12)}


def _random_measure(rng, k, d=1, scale=False):
    w = rng.dirichlet(np.ones(k))
    x = rng.normal(size=(k, d))
    s = rng.uniform(0.2, 1.0, k) if scale else None
    return st.MixingMeasure(w, x[:, 0] if d == 1 else x, scale=s)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("p", [1, 2, 3.5])
def test_wasserstein_equals_pot_emd2(rng, d, p):
    G, H = _random_measure(rng, 7, d), _random_measure(rng, 11, d)
    M = ot.dist(np.asarray(G.atoms), np.asarray(H.atoms), metric="euclidean")
    ref = ot.emd2(np.asarray(G.weights), np.asarray(H.weights), M**p) ** (1 / p)
    np.testing.assert_allclose(st.wasserstein(G, H, p=p), ref, **TOL["lp"])


def test_wasserstein_1d_equals_scipy_and_pot_1d(rng):
    G, H = _random_measure(rng, 30), _random_measure(rng, 45)
    u, v = G.atoms[:, 0], H.atoms[:, 0]
    ref1 = scipy_stats.wasserstein_distance(u, v, G.weights, H.weights)
    np.testing.assert_allclose(st.wasserstein(G, H, p=1), ref1, **TOL["lp"])
    ref2 = ot.wasserstein_1d(u, v, G.weights, H.weights, p=2) ** 0.5
    np.testing.assert_allclose(st.wasserstein(G, H, p=2), ref2, rtol=1e-8)


def test_wasserstein_location_scale_ground_is_pot_on_mu_var(rng):
    G, H = _random_measure(rng, 5, scale=True), _random_measure(rng, 6, scale=True)
    a = np.column_stack([G.atoms[:, 0], G.scale[:, 0, 0]])
    b = np.column_stack([H.atoms[:, 0], H.scale[:, 0, 0]])
    ref = ot.emd2(np.asarray(G.weights), np.asarray(H.weights), ot.dist(a, b, metric="euclidean"))
    np.testing.assert_allclose(st.wasserstein(G, H, p=1), ref, **TOL["lp"])


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_orlicz_with_power_phi_is_wp(rng, d, p):
    G, H = _random_measure(rng, 8, d), _random_measure(rng, 9, d)
    wp = st.wasserstein(G, H, p=p)
    np.testing.assert_allclose(st.orlicz_wasserstein(G, H, phi=p), wp, **TOL["orlicz"])
    got = st.orlicz_wasserstein(G, H, phi=lambda x: x**p, method="exact" if d > 1 else "auto")
    np.testing.assert_allclose(got, wp, **TOL["orlicz"])


@pytest.mark.parametrize("eps", [0.2, 1e-2, 1e-4, 1e-8])
@pytest.mark.parametrize("method", ["1d", "exact"])
def test_excess_mass_closed_form(eps, method):
    D = 3.0
    G = st.MixingMeasure([1.0], [0.0])
    H = st.MixingMeasure([1 - eps, eps], [0.0, D])
    exp_ref = D / math.log1p(1 / eps)  # Phi^{-1}(y) = log(1 + y)
    exp2_ref = D / math.sqrt(math.log1p(1 / eps))
    np.testing.assert_allclose(
        st.orlicz_wasserstein(G, H, "exp", method=method), exp_ref, rtol=1e-8
    )
    np.testing.assert_allclose(
        st.orlicz_wasserstein(H, G, "exp2", method=method), exp2_ref, rtol=1e-8
    )
    for p in (1, 2):  # W_p is only eps^(1/p) D
        np.testing.assert_allclose(st.wasserstein(G, H, p=p), eps ** (1 / p) * D, rtol=1e-6)


def test_excess_mass_in_two_dimensions():
    eps, D = 0.01, 2.5
    G = st.MixingMeasure([0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]])
    H = st.MixingMeasure([0.5, 0.5 - eps, eps], [[0.0, 0.0], [1.0, 0.0], [1.0, D]])
    np.testing.assert_allclose(
        st.orlicz_wasserstein(G, H, "exp"), D / math.log1p(1 / eps), rtol=1e-8
    )


def test_two_diracs_and_identity():
    G, H = st.MixingMeasure([1.0], [0.3]), st.MixingMeasure([1.0], [2.3])
    np.testing.assert_allclose(st.orlicz_wasserstein(G, H, "exp"), 2.0 / math.log(2), rtol=1e-10)
    K = st.MixingMeasure([0.3, 0.7], [[0.0, 1.0], [2.0, 1.0]])
    assert st.orlicz_wasserstein(G, G, "exp") == 0.0
    assert st.orlicz_wasserstein(K, K, "exp2") == 0.0


@pytest.mark.parametrize("k", [20, 200])
@pytest.mark.parametrize("phi", ["exp", "exp2"])
def test_1d_path_equals_lp_path(k, phi):
    rng = np.random.default_rng(k)
    G, H = _random_measure(rng, k), _random_measure(rng, k + 3)
    a = st.orlicz_wasserstein(G, H, phi, method="1d")
    b = st.orlicz_wasserstein(G, H, phi, method="exact")
    np.testing.assert_allclose(a, b, **TOL["orlicz"])


def test_jensen_bracket_and_domination(rng):
    G, H = _random_measure(rng, 10, 2), _random_measure(rng, 12, 2)
    M = ot.dist(np.asarray(G.atoms), np.asarray(H.atoms), metric="euclidean")
    w = st.orlicz_wasserstein(G, H, "exp")
    assert st.wasserstein(G, H, 1) / math.log(2) <= w * (1 + 1e-9)
    assert w <= M.max() / math.log(2) * (1 + 1e-9)
    # Phi_1 <= Phi_2 pointwise implies W_Phi1 <= W_Phi2
    bigger = st.orlicz_wasserstein(G, H, lambda x: 2 * np.expm1(x), method="exact")
    assert w <= bigger


def test_comonotone_coupling_masses():
    mass, gap = comonotone_coupling(np.array([0.0, 1.0]), np.array([0.5, 0.5]),
                                    np.array([0.0]), np.array([1.0]))  # fmt: skip
    np.testing.assert_allclose(mass.sum(), 1.0)
    np.testing.assert_allclose(np.sort(gap), [0.0, 1.0])


@settings(deadline=None, max_examples=15)
@given(seed=hst.integers(0, 2**31 - 1), c=hst.floats(0.1, 10.0))
def test_symmetry_scaling_triangle(seed, c):
    rng = np.random.default_rng(seed)
    G, H, K = (_random_measure(rng, int(rng.integers(1, 8))) for _ in range(3))
    w = st.orlicz_wasserstein(G, H, "exp")
    np.testing.assert_allclose(w, st.orlicz_wasserstein(H, G, "exp"), rtol=1e-8, atol=1e-12)
    cG = st.MixingMeasure(G.weights, c * G.atoms)
    cH = st.MixingMeasure(H.weights, c * H.atoms)
    np.testing.assert_allclose(st.orlicz_wasserstein(cG, cH, "exp"), c * w, rtol=1e-8, atol=1e-12)
    wk = st.orlicz_wasserstein(G, K, "exp") + st.orlicz_wasserstein(K, H, "exp")
    assert w <= wk * (1 + 1e-8) + 1e-12


@settings(deadline=None, max_examples=10)
@given(seed=hst.integers(0, 2**31 - 1))
def test_1d_equals_exact_property(seed):
    rng = np.random.default_rng(seed)
    G, H = (
        _random_measure(rng, int(rng.integers(1, 12))),
        _random_measure(rng, int(rng.integers(1, 12))),
    )
    np.testing.assert_allclose(
        st.orlicz_wasserstein(G, H, "exp", method="1d"),
        st.orlicz_wasserstein(G, H, "exp", method="exact"),
        rtol=1e-8,
        atol=1e-12,
    )


def test_sinkhorn_warns_and_is_biased_upward(rng):
    G, H = _random_measure(rng, 15, 2), _random_measure(rng, 15, 2)
    exact = st.orlicz_wasserstein(G, H, "exp", method="exact")
    with pytest.warns(ApproximationWarning, match="biased upward"):
        approx = st.orlicz_wasserstein(G, H, "exp", method="sinkhorn")
    assert approx >= exact * (1 - 1e-6)
    assert approx <= exact * 1.5


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("weights", "atoms", "scale", "match"),
    [
        ([0.5, 0.6], [0.0, 1.0], None, "sum to 1"),
        ([1.5, -0.5], [0.0, 1.0], None, "non-negative"),
        ([np.nan, 1.0], [0.0, 1.0], None, "finite"),
        ([0.5, 0.5], [0.0, 1.0, 2.0], None, "atoms must have shape"),
        ([0.5, 0.5], [0.0, np.inf], None, "atoms must be finite"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, -1.0], "positive"),
        ([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [np.eye(2), -np.eye(2)], "positive-definite"),
        ([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [1.0, 2.0, 3.0], "scale must be"),
    ],
)
def test_bad_measures(weights, atoms, scale, match):
    with pytest.raises(DataError, match=match):
        st.MixingMeasure(weights, atoms, scale=scale)


def test_small_weight_error_is_renormalised_and_zero_atoms_dropped():
    G = st.MixingMeasure([0.5, 0.5 - 1e-8, 0.0], [0.0, 1.0, 2.0])
    assert G.n_atoms == 2
    np.testing.assert_allclose(G.weights.sum(), 1.0, rtol=0, atol=1e-15)


def test_bad_distance_arguments():
    G = st.MixingMeasure([1.0], [0.0])
    H2 = st.MixingMeasure([1.0], [[0.0, 1.0]])
    Hs = st.MixingMeasure([1.0], [1.0], scale=1.0)
    with pytest.raises(DataError, match="dimension"):
        st.wasserstein(G, H2)
    with pytest.raises(DataError, match="location-only"):
        st.orlicz_wasserstein(G, Hs)
    assert st.wasserstein(G, Hs, ground="location") == 1.0
    with pytest.raises(DataError, match="p must be"):
        st.wasserstein(G, G, p=0.5)
    with pytest.raises(DataError, match="method"):
        st.orlicz_wasserstein(G, G, method="lp")
    with pytest.raises(DataError, match="1-D"):
        st.orlicz_wasserstein(H2, H2, method="1d")
    with pytest.raises(DataError, match="MixingMeasure"):
        st.wasserstein([1.0], G)


@pytest.mark.parametrize(
    ("phi", "match"),
    [
        (lambda x: x + 1.0, r"phi\(0\)"),
        (lambda x: -x, "increasing"),
        (np.sqrt, "convex"),
        (lambda x: 1 - np.exp(-x), "increasing|convex"),
        (lambda x: 1e-20 * x**2, "exceed"),
        ("cosh", "phi must be"),
        (0.5, ">= 1"),
    ],
)
def test_bad_phi(phi, match):
    G, H = st.MixingMeasure([1.0], [0.0]), st.MixingMeasure([1.0], [1.0])
    with pytest.raises(DataError, match=match):
        st.orlicz_wasserstein(G, H, phi=phi)
