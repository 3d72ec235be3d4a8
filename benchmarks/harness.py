"""A small timing harness: medians, ratios and a RESULTS.md section per benchmark.

A benchmark module ``benchmarks/bench_NAME.py`` defines ``cases() -> list[Case]``.
Each case times stattools and (optionally) a peer on the same data in the same process,
after one warm-up call each (JIT compilation is reported separately, not in the median).
"""

from __future__ import annotations

import datetime as _dt
import gc
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Case:
    """One comparison.

    Parameters
    ----------
    name : str
        What is timed, with its size (``"ACD(1,1) QMLE, n = 10^6"``).
    ours : callable
        The stattools call (no arguments; data prepared beforehand).
    peer : callable or None
        The peer's call on the same data.
    peer_name : str
        Peer library and version, e.g. ``"arch 8.0"``.
    check : callable, optional
        ``check(ours_result, peer_result) -> str``: a short agreement note
        (e.g. ``"max |diff| 3e-8"``); it should raise if the answers disagree.
    repeat : int
        Number of timed calls (median reported).
    note : str
        Anything a reader needs (targets, caveats).
    """

    name: str
    ours: Callable[[], Any]
    peer: Callable[[], Any] | None = None
    peer_name: str = ""
    check: Callable[[Any, Any], str] | None = None
    repeat: int = 5
    note: str = ""


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    t0 = time.perf_counter()
    out = fn()  # warm-up (JIT, caches)
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), first, out


def _fmt(t: float | None) -> str:
    if t is None:
        return "-"
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def _versions(pkgs: list[str]) -> str:
    out = []
    for p in pkgs:
        try:
            out.append(f"{p} {version(p)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def run(name: str, cases: list[Case], peers: list[str] | None = None) -> str:
    """Time every case, print a Markdown table and update RESULTS.md; return the table."""
    rows = [
        "| case | stattools | peer | peer time | ratio (peer / stattools) | first call | agreement | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in cases:
        ours_t, ours_first, ours_out = _time(c.ours, c.repeat)
        peer_t = None
        agree = ""
        if c.peer is not None:
            peer_t, _, peer_out = _time(c.peer, c.repeat)
            if c.check is not None:
                agree = c.check(ours_out, peer_out)
        elif c.check is not None:
            agree = c.check(ours_out, None)
        ratio = f"{peer_t / ours_t:.2f}x" if peer_t else "-"
        row = (
            f"| {c.name} | {_fmt(ours_t)} | {c.peer_name or '-'} | {_fmt(peer_t)} | {ratio} "
            f"| {_fmt(ours_first)} | {agree} | {c.note} |"
        )
        print(row, flush=True)
        rows.append(row)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    env = (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, {platform.machine()}; "
        + _versions(["stattools", "numpy", "scipy", "numba", *(peers or [])])
    )
    body = "\n".join(
        [
            f"## {name}",
            "",
            f"Run {stamp} on {env}.",
            "Medians of repeated calls after one warm-up call; ratio > 1 means "
            "stattools is faster.",
            "",
            *rows,
            "",
        ]
    )
    _update(name, body)
    return body


def _update(name: str, body: str) -> None:
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = (
        RESULTS.read_text(encoding="utf-8")
        if RESULTS.exists()
        else (
            "# Benchmark results\n\nWritten by `python -m benchmarks NAME`; one section per "
            "benchmark, replaced on each run.\n\n"
        )
    )
    block = f"{start}\n{body}\n{end}"
    pat = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = (
        pat.sub(lambda _: block, text)
        if pat.search(text)
        else text.rstrip() + "\n\n" + block + "\n"
    )
    RESULTS.write_text(text, encoding="utf-8")
