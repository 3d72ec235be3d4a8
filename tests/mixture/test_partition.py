"""Partition point estimates (Binder / VI) against brute force, credible balls, predict."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import DataError
from stattools.mixture.partition import partition_estimate, vi_distance


def _set_partitions(n):
    if n == 0:
        yield []
        return
    for p in _set_partitions(n - 1):
        for k in range(max(p, default=-1) + 2):
            yield [*p, k]


def _vi_ref(a, b):
    """VI from the definition with explicit contingency counts (independent of the kernel)."""
    n = len(a)
    h = 0.0
    for lab in (a, b):
        for v in set(lab):
            p = lab.count(v) / n
            h -= p * np.log(p)
    mi = 0.0
    for u, v in itertools.product(set(a), set(b)):
        nuv = sum(1 for x, y in zip(a, b) if x == u and y == v)
        if nuv:
            mi += nuv / n * np.log(nuv * n / (a.count(u) * b.count(v)))
    return h - 2 * mi


def _binder_ref(a, b):
    return sum(
        (a[i] == a[j]) != (b[i] == b[j]) for i in range(len(a)) for j in range(i + 1, len(a))
    )


@pytest.fixture(scope="module")
def draws():
    g = np.random.default_rng(7)
    base = [
        np.array([0, 0, 0, 1, 1, 2]),
        np.array([0, 0, 1, 1, 1, 1]),
        np.array([0, 1, 2, 3, 4, 5]),
    ]
    out = []
    for _ in range(60):
        z = base[g.choice(3, p=[0.5, 0.3, 0.2])].copy()
        i = g.integers(6)
        if g.random() < 0.4:
            z[i] = g.integers(4)
        out.append(z)
    return np.array(out)


@pytest.mark.parametrize("loss", ["binder", "vi"])
def test_point_estimate_agrees_with_brute_force(draws, loss):
    ref_loss = _binder_ref if loss == "binder" else _vi_ref
    dl = [list(z) for z in draws]
    best = min(
        (np.mean([ref_loss(p, z) for z in dl]), p) for p in _set_partitions(6)
    )  # 203 partitions
    est = partition_estimate(draws, loss=loss)
    assert est.expected_loss == pytest.approx(best[0], rel=1e-10, abs=1e-12)
    np.testing.assert_array_equal(est.labels, pd.factorize(np.array(best[1]))[0] + 1)
    # credible ball: smallest radius with >= 95% of draws inside
    d = np.array([ref_loss(list(est.labels), z) for z in dl])
    assert np.mean(d <= est.radius + 1e-12) >= 0.95
    assert np.mean(d < est.radius - 1e-12) < 0.95
    assert est.lower_bound.max() <= est.labels.max() <= est.upper_bound.max()
    inside = d[d <= est.radius + 1e-12]
    hd = ref_loss(list(est.labels), list(est.horizontal_bound))
    assert hd == pytest.approx(inside.max(), abs=1e-9)


def test_vi_distance_matches_definition():
    g = np.random.default_rng(1)
    for _ in range(50):
        a, b = list(g.integers(0, 3, 9)), list(g.integers(0, 4, 9))
        assert vi_distance(np.array(a), np.array(b)) == pytest.approx(_vi_ref(a, b), abs=1e-12)


def test_bad_partition_input():
    with pytest.raises(DataError, match="loss"):
        partition_estimate(np.zeros((3, 4), int), loss="l2")
    with pytest.raises(DataError, match="shape"):
        partition_estimate(np.zeros(4, int))


@pytest.fixture(scope="module")
def fit2():
    G0 = st.MixingMeasure([0.5, 0.5], [-4.0, 4.0], scale=1.0)
    df = pd.DataFrame({"y": G0.sample(150, rng=2)})
    return st.dpmm("y ~ 1", df, truncation=10, chains=2, draws=150, tune=100, rng=3,
                   check=False)  # fmt: skip


def test_two_separated_clusters_and_predictions(fit2):
    est = fit2.partition()
    assert est.n_clusters == 2
    summ = fit2.cluster_summary()
    assert sorted(summ["mean"].round(0).tolist()) == [-4.0, 4.0]
    np.testing.assert_allclose(summ["weight"].sum(), 1.0)
    p = fit2.predict_proba(pd.DataFrame({"y": [-4.0, 4.0, 0.0]}))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-10)
    left = int(summ.loc[summ["mean"] < 0, "cluster"].iloc[0])
    assert p.loc[0, left] > 0.95 and p.loc[1, 3 - left] > 0.95
    labels = st.predict(fit2, np.array([-4.0, 4.0]))
    assert labels.tolist() == [left, 3 - left]
    np.testing.assert_array_equal(fit2.predict().to_numpy(), est.labels)
    assert isinstance(fit2.predict(), pd.Series)
    # a point far from the data most likely starts a new cluster (label 0)
    assert fit2.predict(np.array([60.0])).iloc[0] == 0
    with pytest.raises(DataError, match="column"):
        fit2.predict_proba(pd.DataFrame({"x": [1.0]}))


def test_faithful_point_estimate_has_two_well_separated_clusters():
    # issue 16 "Done when": the vignette's faithful fit (wider NIW prior) gives two large,
    # well-separated clusters in the Binder point estimate (short / long eruptions); the
    # sampler may add a few tiny clusters of outlying points (the vignette says so)
    faithful = st.datasets.load_dataset("faithful")
    fit = st.dpmm("eruptions + waiting ~ 1", faithful, truncation=20, chains=2, draws=400,
                  tune=300, prior=dict(nu0=6, psi0=1.5 * np.eye(2)), rng=2023,
                  check=False)  # fmt: skip
    labels = fit.partition("binder").labels
    sizes = np.bincount(labels)
    big = np.argsort(sizes)[::-1][:2]
    assert sizes[big].sum() >= 0.95 * labels.size, sizes
    means = sorted(faithful["eruptions"].to_numpy()[labels == k].mean() for k in big)
    assert means[0] < 2.5 < 4.0 < means[1], means
