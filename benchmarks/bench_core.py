"""Core: formula design vs statsmodels' (patsy) formula OLS set-up; summary export."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.harness import Case

PEERS = ["formulaic", "patsy", "statsmodels"]


def cases() -> list[Case]:
    import patsy

    from stattools.core.formula import Design

    rng = np.random.default_rng(0)
    n = 200_000
    df = pd.DataFrame(
        {"y": rng.normal(size=n), "x": rng.normal(size=n), "g": rng.choice(list("abcde"), n)}
    )

    def ours():
        return Design.from_formula("y ~ x + C(g)", df).X

    def peer():
        return patsy.dmatrices("y ~ x + C(g)", df, return_type="dataframe")[1]

    def check(a, b):
        d = float(np.max(np.abs(a.to_numpy() - b[a.columns].to_numpy())))
        assert d == 0.0
        return "identical design matrices"

    def import_time():
        import subprocess
        import sys

        code = (
            "import time; t = time.perf_counter(); import stattools; print(time.perf_counter() - t)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        return float(out.stdout)

    return [
        Case("design matrix y ~ x + C(g), n = 2e5", ours, peer, "patsy", check, repeat=3),
        Case(
            'python -c "import stattools" (interpreter start included)',
            import_time,
            repeat=5,
            note="target < 0.5 s; the unit test checks only that no heavy module is imported",
        ),
    ]
