"""Contract-test factories for the duration family."""

from __future__ import annotations

import numpy as np

import stattools as st
from stattools.duration import ACDBayesResult, ACDResult
from tests._examples import register


@register(ACDResult)
def _acd_qmle():
    sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=0)
    return st.acd("duration ~ 1", data=sim)


@register(ACDResult)
def _acd_weibull_log():
    sim = st.simulate_acd(600, omega=0.0, alpha=0.05, beta=0.8, model="log", rng=1)
    return st.acd("duration ~ 1", data=sim, model="log", dist="weibull")


@register(ACDBayesResult)
def _acd_bayes():
    # the protocol only needs a posterior DataTree: synthetic draws keep this cheap
    # (the PyMC sampler itself is exercised in tests/duration/test_bayes.py)
    az = __import__("arviz")
    g = np.random.default_rng(0)
    a = 0.1 + 0.01 * g.normal(size=(2, 50))
    b = 0.85 + 0.02 * g.normal(size=(2, 50))
    post = {
        "omega": 0.05 + 0.01 * g.random((2, 50)),
        "alpha[1]": a,
        "beta[1]": b,
        "persistence": a + b,
    }
    tree = az.from_dict({"posterior": post})
    return ACDBayesResult.from_tree(tree, ["omega", "alpha[1]", "beta[1]"], 500, "duration", 50, 2)
