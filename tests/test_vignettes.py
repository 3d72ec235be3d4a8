"""Every vignette runs as a plain script (STATTOOLS_FAST=1 shrinks draws and repetitions)."""

from __future__ import annotations

import os
import runpy
import warnings
from pathlib import Path

import pytest

VIGNETTES = sorted((Path(__file__).resolve().parents[1] / "vignettes").glob("*.py"))


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("STATTOOLS_FAST", "1")
    monkeypatch.setenv("STATTOOLS_OUTPUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(path.parent)
    with warnings.catch_warnings():
        # vignettes demonstrate warnings on purpose (e.g. infeasible risk, boundary fits);
        # they must run, not be silent, so warnings are shown rather than raised here.
        warnings.simplefilter("default")
        runpy.run_path(str(path), run_name="__main__")
    assert any(tmp_path.iterdir()), "a vignette should export at least one table"
    assert os.environ["STATTOOLS_FAST"] == "1"
