"""Issue 12 item 2 for the Box-Cox ACD: a Box-Cox power at the limit of its range is not
reported as converged (found by the long-series check: delta1 -> 1e-3 on BACD data)."""

import numpy as np
import pytest

from stattools.core.exceptions import BoundaryWarning
from stattools.duration.model import ACD, _power_at_limit
from stattools.duration.models import simulate_variant


def test_bacd_power_at_its_limit_is_flagged():
    # log-ACD data: the news term wants eps^delta2 -> log eps, i.e. delta2 -> 0
    x = simulate_variant("lacd1", (0.0, 0.1, 0.9), 5000, rng=3)
    with pytest.warns(BoundaryWarning, match="delta2 = 0.001 \\(bound 0.001\\)"):
        res = ACD(x, model="bacd").fit()
    assert res.params["delta2"] == pytest.approx(1e-3, abs=1e-9)
    assert not res.converged
    assert any("Box-Cox power" in note for note in res.warnings)


def test_power_at_limit_names_only_bacd_powers_at_an_edge():
    acd = ACD(np.ones(50) + np.arange(50) % 3, model="bacd")
    lay = acd.spec.layout
    theta = np.array([0.1, 0.1, 0.8, 1.0, 1.0])
    assert _power_at_limit(acd.spec, theta) == []
    theta[lay.i_d1] = lay.lower[lay.i_d1]
    theta[lay.i_d2] = lay.upper[lay.i_d2]
    assert _power_at_limit(acd.spec, theta) == [
        "delta1 = 0.001 (bound 0.001)",
        "delta2 = 50 (bound 50)",
    ]
    assert _power_at_limit(ACD(np.ones(50) + np.arange(50) % 3).spec, theta[:3]) == []


def test_edges_hit_is_relative_and_names_each_end():
    from stattools.duration.model import _edges_hit

    assert _edges_hit(100.0 * (1 + 5e-7), 0.01, 100.0) == [100.0]
    assert _edges_hit(100.0 * (1 - 2e-6), 0.01, 100.0) == []
    assert _edges_hit(1e-3 + 5e-7, 1e-3, 50.0) == [1e-3]  # absolute 1e-6 below scale 1
    assert _edges_hit(0.5, 0.5, 0.5) == [0.5, 0.5]
