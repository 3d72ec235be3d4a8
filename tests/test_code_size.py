"""Modules stay small (conventions §9): warn above 800 lines, fail above 1000."""

from __future__ import annotations

import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "stattools"


def test_module_sizes():
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in ROOT.rglob("*.py")
    }
    too_big = {k: v for k, v in sizes.items() if v > 1000}
    assert not too_big, f"split these modules (> 1000 lines): {too_big}"
    large = {k: v for k, v in sizes.items() if v > 800}
    if large:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn(f"modules above 800 lines: {large}", UserWarning, stacklevel=1)
