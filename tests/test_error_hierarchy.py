"""Every error stattools raises with a message is a StattoolsError subclass.

The fuzz test (tests/test_fuzz_public_api.py) checks what bad input reaches; this static
check covers the raise statements it cannot reach (unsupported option combinations, export
arguments, internal p-value helpers). Bare ``raise NotImplementedError`` in abstract
interface methods and bare re-raises used for control flow carry no message and are allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import stattools as st

PACKAGE = Path(st.__file__).resolve().parent
# AttributeError (module/attribute protocols) and RuntimeError (no running dask cluster, a
# failed LP solve: environment or numerical trouble, not bad input) keep their builtin types
BUILTIN_RAISE = re.compile(
    r"raise\s+(ValueError|TypeError|KeyError|IndexError|NotImplementedError|Exception)\s*\("
)


def test_no_builtin_exceptions_with_messages():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BUILTIN_RAISE.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{no}: {line.strip()}")
    assert not offenders, "raise a StattoolsError subclass instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (st.DataError, ValueError),
        (st.ColumnError, KeyError),
        (st.ArgumentTypeError, TypeError),
        (st.NotSupportedError, NotImplementedError),
        (st.MissingDependencyError, ImportError),
    ],
)
def test_each_error_is_also_the_builtin_users_catch(cls, builtin):
    assert issubclass(cls, st.StattoolsError) and issubclass(cls, builtin)


def test_summary_export_errors_are_stattools_errors():
    s = st.TestResult(statistic=1.5, pvalue=0.2, method="t").summary()
    with pytest.raises(st.DataError, match="fit"):
        s.as_latex(fit="squeeze")
    with pytest.raises(st.ArgumentTypeError, match="columns"):
        s.as_latex(columns="statistic")
    with pytest.raises(st.ColumnError, match="no column"):
        s.as_latex(columns=["nope"])
    with pytest.raises(st.DataError, match="extension"):
        s.save("table.xyz")
