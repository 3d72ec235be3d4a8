"""The determinism contract: results are bit-identical whatever ``n_jobs`` or backend.

``parallel_map`` runs every task with BLAS limited to one thread, in the parent (serial and
threading backends) and in worker processes alike, so a multi-threaded BLAS kernel in the
parent can no longer sum in another order than the workers do. These tests use a
BLAS-heavy task (products of 300 x 300 matrices, where OpenBLAS would use threads).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from stattools.core.exceptions import DataError, TuningWarning
from stattools.core.notes import record_warnings, warn_and_record
from stattools.core.resampling import (
    as_seed_sequence,
    check_n_jobs,
    draw_chunks,
    parallel_map,
    seed_record,
)


def _blas_task(task):
    size, seed = task
    g = np.random.default_rng(seed)
    a = g.normal(size=(300, 300))
    b = g.normal(size=(300, size))
    return float(np.linalg.norm(a @ b)), float((a @ a.T).trace())


@pytest.mark.numerics
def test_blas_heavy_tasks_identical_for_any_n_jobs(n_jobs):
    tasks = draw_chunks(5, 6 * 40, chunk=40)
    serial = parallel_map(_blas_task, tasks, progress=False)
    par = parallel_map(_blas_task, tasks, n_jobs=n_jobs, progress=False)
    thr = parallel_map(_blas_task, tasks, n_jobs=n_jobs, backend="threading", progress=False)
    assert serial == par == thr


def test_parent_blas_threads_restored_after_parallel_map():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        info = threadpoolctl.threadpool_info()
        return sorted(i["num_threads"] for i in info if i["user_api"] == "blas")

    before = blas_threads()
    parallel_map(_blas_task, draw_chunks(1, 80, chunk=40), progress=False)
    parallel_map(_blas_task, draw_chunks(1, 80, chunk=40), n_jobs=2, backend="threading")
    assert blas_threads() == before


def test_seed_record_replays_every_kind_of_rng():
    for rng in (None, 7, np.random.default_rng(3), np.random.SeedSequence(11)):
        ss = as_seed_sequence(rng)
        rec = seed_record(ss)
        assert isinstance(rec, int)
        again = as_seed_sequence(rec)
        assert again.generate_state(4).tolist() == ss.generate_state(4).tolist()
    child = np.random.SeedSequence(5).spawn(2)[1]
    assert seed_record(child) is child


@pytest.mark.parametrize("bad", [0, 1.5, "2", True, None])
def test_check_n_jobs_rejects(bad):
    with pytest.raises(DataError, match="n_jobs"):
        check_n_jobs(bad)
    with pytest.raises(DataError, match="n_jobs"):
        parallel_map(abs, [1], n_jobs=bad)


def test_record_warnings_keeps_only_stattools_warnings():
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as outer:
        warnings.simplefilter("always")
        with record_warnings(notes):
            warnings.warn("bandwidth at the edge of the grid", TuningWarning, stacklevel=1)
            warnings.warn("IProgress not found. Please update jupyter", UserWarning, stacklevel=1)
            warnings.warn("third-party numerics", RuntimeWarning, stacklevel=1)  # from tests/
        warn_and_record("bandwidth at the edge of the grid", TuningWarning, notes)
    assert notes == ["bandwidth at the edge of the grid"]
    # every warning still reaches the user's filters
    assert {str(w.message) for w in outer} >= {
        "IProgress not found. Please update jupyter",
        "bandwidth at the edge of the grid",
    }
