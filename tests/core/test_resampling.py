from __future__ import annotations

import functools

import numpy as np
import pytest

from stattools import DataError
from stattools.core.resampling import (
    as_seed_sequence,
    draw_chunks,
    parallel_map,
    spawn_generators,
)

pytestmark = pytest.mark.numerics  # make test-matrix runs it under several profiles


def _mean_of_draws(task):
    size, seed = task
    return float(np.random.default_rng(seed).normal(size=size).mean())


def test_seed_normalisation():
    assert as_seed_sequence(3).entropy == 3
    ss = np.random.SeedSequence(5)
    assert as_seed_sequence(ss) is ss
    g = np.random.default_rng(1)
    assert as_seed_sequence(g).entropy != as_seed_sequence(g).entropy
    with pytest.raises(DataError, match="rng"):
        as_seed_sequence("seed")
    a = [r.random() for r in spawn_generators(7, 3)]
    b = [r.random() for r in spawn_generators(7, 3)]
    assert a == b and len(set(a)) == 3


def test_serial_equals_parallel():
    tasks = draw_chunks(11, 2000, chunk=256)
    serial = parallel_map(_mean_of_draws, tasks, n_jobs=1, progress=False)
    par = parallel_map(_mean_of_draws, tasks, n_jobs=2, progress=False)
    thr = parallel_map(_mean_of_draws, tasks, n_jobs=2, backend="threading", progress=False)
    assert serial == par == thr


def test_partial_and_order():
    out = parallel_map(functools.partial(pow, 2), range(6), n_jobs=2, progress=False)
    assert out == [1, 2, 4, 8, 16, 32]


@pytest.mark.dask
def test_dask_backend_equals_serial():
    distributed = pytest.importorskip("distributed")
    tasks = draw_chunks(11, 600, chunk=256)
    serial = parallel_map(_mean_of_draws, tasks, progress=False)
    with pytest.raises(RuntimeError, match="Client"):
        parallel_map(_mean_of_draws, tasks, backend="dask", progress=False)
    with distributed.Client(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ):
        d = parallel_map(_mean_of_draws, tasks, n_jobs=-1, backend="dask", progress=False)
    assert d == serial


def test_bad_backend():
    with pytest.raises(DataError, match="backend"):
        parallel_map(abs, [1], backend="spark")
