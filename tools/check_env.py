"""Refuse an environment where pip resolved the pre-DataTree PyMC/ArviZ stack."""

import sys
from importlib.metadata import version

REQUIRED = {"pymc": 6, "arviz": 1, "pandas": 3}


def main() -> int:
    if sys.version_info < (3, 12):  # noqa: UP036 - this script guards the interpreter
        print(f"error: Python {sys.version.split()[0]} < 3.12", file=sys.stderr)
        return 1
    bad = []
    for name, major in REQUIRED.items():
        v = version(name)
        if int(v.split(".")[0]) < major:
            bad.append(f"{name} {v} (need >= {major})")
    if bad:
        print("error: wrong versions installed: " + ", ".join(bad), file=sys.stderr)
        return 1
    print(
        f"environment ok: Python {sys.version.split()[0]}, "
        + ", ".join(f"{n} {version(n)}" for n in REQUIRED)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
