"""``python -m benchmarks NAME`` runs ``benchmarks/bench_NAME.py`` (``all`` runs every one).

``python -m benchmarks validity [...]`` runs the calibration atlas instead
(:mod:`benchmarks.validity.runner`; ``python -m benchmarks validity --help``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from .harness import run


def main(argv: list[str]) -> int:
    if argv and argv[0] == "validity":
        from .validity.runner import main as validity_main

        return validity_main(argv[1:])
    here = Path(__file__).resolve().parent
    available = sorted(p.stem[len("bench_") :] for p in here.glob("bench_*.py"))
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: python -m benchmarks NAME|all|validity\navailable: {', '.join(available)}")
        return 0
    names = available if argv[0] == "all" else argv
    for name in names:
        if name not in available:
            print(f"unknown benchmark {name!r}; available: {', '.join(available)}", file=sys.stderr)
            return 2
        mod = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}")
        run(name, mod.cases(), getattr(mod, "PEERS", None))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
