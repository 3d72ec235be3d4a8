"""Learn-then-Test and RCPS: equal to MAPIE's p-values, FWER procedures and UCBs on Yeast."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stattools as st
from stattools.conformal import highprob as _ltt

TOL = {"pvalue": dict(rtol=1e-10, atol=1e-14), "ucb": dict(rtol=1e-10, atol=1e-12)}
GRID = np.linspace(0.01, 0.99, 50)


@pytest.fixture(scope="module")
def yeast_losses():
    lm = pytest.importorskip("sklearn.linear_model")
    d = st.datasets.load_dataset("yeast")
    X = d[[f"f{i}" for i in range(1, 104)]].to_numpy()
    Y = d[[f"y{i}" for i in range(1, 15)]].to_numpy().astype(bool)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(d))
    tr, cal = idx[:1200], idx[1200:]
    P = np.column_stack(
        [
            lm.LogisticRegression(max_iter=300).fit(X[tr], Y[tr, k]).predict_proba(X[cal])[:, 1]
            for k in range(14)
        ]
    )
    Yc = Y[cal]
    sets = P[:, :, None] >= (1.0 - GRID)[None, None, :]  # lambda = 1 - threshold
    hit = (sets & Yc[:, :, None]).sum(1)
    card = np.maximum(Yc.sum(1), 1)[:, None]
    recall_loss = 1.0 - hit / card
    size = sets.sum(1)
    precision_loss = np.where(size > 0, 1.0 - hit / np.maximum(size, 1), 0.0)
    return recall_loss, precision_loss


def test_hb_pvalues_equal_mapie_on_yeast_precision(yeast_losses):
    methods = pytest.importorskip("mapie.risk_control.methods")
    _, prec = yeast_losses
    rhat = prec.mean(0)
    n = prec.shape[0]
    ours = st.ltt(prec, 0.3, delta=0.1, lambdas=GRID, fwer="bonferroni")
    ref = methods.compute_hoeffding_bentkus_p_value(rhat, n, 0.3)[:, 0]
    np.testing.assert_allclose(ours.grid_pvalues, ref, **TOL["pvalue"])


@pytest.mark.parametrize(
    ("fwer", "mapie_name"),
    [
        ("bonferroni", "bonferroni"),
        ("holm", "bonferroni_holm"),
        ("fixed-sequence", "fixed_sequence"),
    ],
)
def test_valid_sets_equal_mapie_fwer_control(yeast_losses, fwer, mapie_name):
    rc = pytest.importorskip("mapie.risk_control")
    for losses, alpha, start in zip(yeast_losses, (0.2, 0.3), ("largest", "smallest"), strict=True):
        res = st.ltt(losses, alpha, delta=0.1, lambdas=GRID, fwer=fwer, start=start)
        p = np.asarray(res.grid_pvalues)
        if fwer == "fixed-sequence" and start == "largest":  # MAPIE walks from index 0
            idx = rc.control_fwer(p[::-1], 0.1, fwer_method=mapie_name)
            ref = np.zeros(p.size, bool)
            ref[p.size - 1 - idx] = True
        else:
            ref = np.zeros(p.size, bool)
            ref[rc.control_fwer(p, 0.1, fwer_method=mapie_name)] = True
        np.testing.assert_array_equal(res.valid, ref)
        assert res.valid.any()


@pytest.mark.parametrize("bound", ["hoeffding", "bernstein"])
def test_rcps_ucb_equals_mapie_on_yeast_recall(yeast_losses, bound):
    methods = pytest.importorskip("mapie.risk_control.methods")
    rec, _ = yeast_losses
    res = st.rcps(rec, 0.2, delta=0.1, lambdas=GRID, ucb=bound)
    _, ref = methods.get_r_hat_plus(rec, GRID, "rcps", bound, 0.1, None)
    np.testing.assert_allclose(res.ucb, ref, **TOL["ucb"])
    j = np.flatnonzero(res.valid)[0]
    assert (np.asarray(res.ucb)[j:] < 0.2).all() and res.ucb[j - 1] >= 0.2


def test_hb_ucb_inverts_the_pvalue_and_wsr_ucb_is_near_the_mean():
    rng = np.random.default_rng(3)
    L = (rng.uniform(size=(400, 5)) < np.array([0.5, 0.3, 0.2, 0.1, 0.05])).astype(float)
    res = st.rcps(L, 0.25, delta=0.1, lambdas=np.arange(5.0), ucb="hb", monotone_check=False)
    p_at_ucb = _ltt._hb_at(L.mean(0), 400, np.asarray(res.ucb))
    np.testing.assert_allclose(p_at_ucb, 0.1, rtol=1e-6)
    w = st.rcps(L, 0.25, delta=0.1, lambdas=np.arange(5.0), ucb="wsr", monotone_check=False)
    # predictable bets: the WSR bound is close to, not always above, the mean; its
    # validity is checked by simulation below
    np.testing.assert_allclose(w.ucb, L.mean(0), atol=0.08)


def test_bad_input():
    L = np.zeros((10, 3))
    with pytest.raises(st.DataError, match="delta"):
        st.ltt(L, 0.1, delta=1.5, lambdas=[0, 1, 2])
    with pytest.raises(st.DataError, match="delta"):
        st.rcps(L, 0.1, delta=0.0, lambdas=[0, 1, 2])
    with pytest.raises(st.DataError, match="lambdas"):
        st.ltt(np.zeros((10, 0)), 0.1, delta=0.1, lambdas=[])
    with pytest.raises(st.DataError, match=r"\[0, bound=1\]"):
        st.ltt(L + 2, 0.1, delta=0.1, lambdas=[0, 1, 2])
    with pytest.raises(st.DataError, match="weight_bound"):  # weighted LTT needs B_w
        st.ltt(L, 0.1, delta=0.1, lambdas=[0, 1, 2], weights=np.ones(10))
    with pytest.raises(st.DataError, match="nonincreasing"):
        st.rcps(np.tile([0.0, 1.0], (10, 1)), 0.1, delta=0.1, lambdas=[0, 1])


def test_infeasible_warns_and_returns_lambda_max():
    L = np.ones((20, 3))
    with pytest.warns(st.InfeasibleRiskWarning, match="no lambda on the grid is valid"):
        res = st.ltt(L, 0.1, delta=0.1, lambdas=[0, 1, 2])
    assert res.lambda_hat == 2 and not res.feasible
    assert math.isnan(res.bse.iloc[0])
    assert "Learn then test" in res.summary().as_text()
