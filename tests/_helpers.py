"""Helpers for validity tests: repetition counts and exact binomial acceptance bands."""

from __future__ import annotations

import os

from scipy import stats


def n_reps(full: int, fast: int) -> int:
    """Repetitions for a validity study: ``full`` with --run-slow, else ``fast``.

    CI runs every validity study with the reduced count; the bands below widen
    accordingly, so the tests stay exact-binomial checks at either size.
    """
    return full if os.environ.get("STATTOOLS_FULL_VALIDITY") == "1" else fast


def binomial_band(reps: int, p: float, tail: float = 5e-4) -> tuple[int, int]:
    """Exact binomial acceptance band ``[ppf(tail), isf(tail)]`` for a count out of ``reps``."""
    return int(stats.binom.ppf(tail, reps, p)), int(stats.binom.isf(tail, reps, p))


def assert_in_band(
    count: int,
    reps: int,
    p: float,
    *,
    side: str = "two-sided",
    slack: float = 0.0,
    tail: float = 5e-4,
) -> None:
    """Assert ``count`` lies in the exact binomial band for rate ``p``.

    ``side="upper"`` checks only the upper end (guarantees of the form rate <= p);
    ``side="lower"`` only the lower end (rate >= p). ``slack`` is a declared allowance
    for asymptotic methods, added to ``p`` on the side being checked.
    """
    lo, _ = binomial_band(reps, max(p - slack, 0.0), tail)
    _, hi = binomial_band(reps, min(p + slack, 1.0), tail)
    if side in ("two-sided", "lower"):
        assert count >= lo, f"{count}/{reps} below the band [{lo}, {hi}] for p={p}"
    if side in ("two-sided", "upper"):
        assert count <= hi, f"{count}/{reps} above the band [{lo}, {hi}] for p={p}"
