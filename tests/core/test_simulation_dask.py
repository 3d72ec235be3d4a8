"""simulation_study on a real dask.distributed cluster of separate worker processes.

One ``LocalCluster(processes=True, n_workers=2, threads_per_worker=1)`` on loopback is
shared by the module. The worker-kill test synchronises on the store's content (a worker
kills itself only once two chunks are on disk), never on sleeps or timings.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stattools as st

distributed = pytest.importorskip("distributed")
pytestmark = [
    pytest.mark.dask,
    # distributed: LocalCluster start-up on a loaded machine sometimes leaves a listening
    # socket to the garbage collector (ResourceWarning, reported as unraisable by pytest)
    pytest.mark.filterwarnings("ignore:unclosed <socket:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def simulate_or_die(design, rng):
    """N(0,1) data; on a dask worker, in design part=2, one task kills its own worker.

    The first such task claims ``killed.txt`` atomically, waits until the parent has stored
    at least two chunks, writes how many it saw, then SIGKILLs its worker process.
    """
    ctl = Path(design["ctl"])
    if design["part"] == 2:
        try:
            distributed.get_worker()
            on_worker = True
        except ValueError:
            on_worker = False
        if on_worker:
            try:
                fd = os.open(ctl / "killed.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                fd = None
            if fd is not None:
                store = ctl / "store"
                deadline = time.monotonic() + 60  # safety net only; normally 2 chunks arrive first
                while len(list(store.glob("chunk-*.parquet"))) < 2 and time.monotonic() < deadline:
                    time.sleep(0.05)
                os.write(fd, f"{len(list(store.glob('chunk-*.parquet')))} {os.getpid()}".encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)
    return rng.normal(size=design["n"])


def analyse_mean(x):
    return {"reject": abs(x.mean()) * np.sqrt(x.size) > 1.96, "mean": float(x.mean())}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    cl = distributed.Client(cluster)
    yield cl
    cl.close()
    cluster.close()


def _same(a, b):
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())


def test_dask_equals_serial(client, tmp_path):
    grid = {"n": [15], "part": [0, 1], "ctl": [str(tmp_path)]}
    serial = st.simulation_study(simulate_or_die, analyse_mean, grid, 20, rng=4, progress=False)
    dask = st.simulation_study(
        simulate_or_die, analyse_mean, grid, 20, rng=4, progress=False, backend="dask"
    )
    _same(serial, dask)
    assert dask.info["backend"] == "dask"


def test_worker_killed_mid_run_completes_identically(client, tmp_path):
    grid = {"n": [25], "part": [0, 1, 2], "ctl": [str(tmp_path)]}
    kw = dict(rng=99, progress=False, chunk_size=5)
    before = set(client.run(os.getpid).values())
    res = st.simulation_study(
        simulate_or_die, analyse_mean, grid, 20, backend="dask", store=tmp_path / "store", **kw
    )
    seen, pid = (int(v) for v in (tmp_path / "killed.txt").read_text().split())
    assert seen >= 2 and pid in before  # a worker died after two chunks were stored
    serial = st.simulation_study(simulate_or_die, analyse_mean, grid, 20, **kw)
    _same(serial, res)
    assert len(list((tmp_path / "store").glob("chunk-*.parquet"))) == 12


def test_runner_through_scheduler_address(client, tmp_path):
    from benchmarks.validity.runner import main

    argv = ["--family", "tests.core.test_simulation", "--study", "ttest_size", "--reps", "20",
            "--scheduler", client.scheduler.address, "--out", str(tmp_path / "V.md"),
            "--figures", str(tmp_path / "f")]  # fmt: skip
    assert main(argv) == 0
    text = (tmp_path / "V.md").read_text()
    assert "Replications: 20 per design" in text
    # same table as a serial run of the same study (the seed comes from the study name)
    assert main([*argv[:6], "--out", str(tmp_path / "S.md"), "--figures", str(tmp_path / "g")]) == 0
    rows = [
        [ln for ln in t.splitlines() if ln.startswith(("| 10", "| 30"))]
        for t in (text, (tmp_path / "S.md").read_text())
    ]
    assert rows[0] == rows[1] and len(rows[0]) == 8
