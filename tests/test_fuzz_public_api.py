"""Fuzz every public name of ``stattools`` with bad input (issue 10, item 5).

For every callable in ``stattools.__all__`` (and a few array-level constructors inside
``st.losses``, ``st.weights``, ``st.spaces``) a small, seeded, *valid* base call is built
(``CASES`` in ``tests/_fuzz_cases.py``); perturbations are then applied where the callable
takes the argument they need (found by introspecting its signature):

========== ==================================================================
nan, inf   a NaN / an infinite value in the data (a column, or an array argument)
nan_drop   a NaN with ``na_action="drop"``: a result plus a MissingDataWarning
empty      an empty DataFrame (or a zero-length array)
column     the column used by the formula (or a column-name argument) renamed away
time_column ``time="no_such_time"`` (a missing time column)
string     the used column (array) replaced by strings
huge, tiny data scaled by 1e300 / 1e-300
constant   a constant response; ``steps``: a piecewise-constant response
mismatch   two arrays that must have equal length, one shortened by one
ndarray    an ndarray where a DataFrame (or a result / measure object) is expected
formula    ``formula=123``
n_jobs     ``n_jobs=0``
level      ``level="0.9"``
extra      case-specific bad arguments (e.g. ``TestResult(pvalue=5)``)
========== ==================================================================

The outcome must be a valid result (all reported numbers finite, or the result flagged:
a stattools warning, ``result.warnings``, ``converged=False`` or an ``InvalidTestResult``)
or a :class:`~stattools.StattoolsError` whose message names the argument or column; a
missing column is also a ``KeyError``. Never ``AttributeError``/``IndexError``/a bare
``TypeError``, numpy's "zero-size array", a joblib error or a hang (each call runs under a
20 s alarm). Perturbations that can only be wrong (``column``, ``empty``, ``string``,
``mismatch``, ``ndarray``, ``formula``, ``n_jobs``, ``level``, ``extra``, and NaN/inf for
formula functions whose ``na_action`` defaults to ``"raise"``) must raise.

Offenders that need more than argument validation in a family's computational code are
listed in ``KNOWN_OFFENDERS`` and run as ``xfail(strict=True)``: they turn red once fixed,
so that the entry is removed.
"""

from __future__ import annotations

import inspect
import re
import signal
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import stattools as st
from tests._fuzz_cases import CASES, KNOWN_OFFENDERS, SKIPPED, Case, _frame

TIMEOUT = 20  # seconds per call


# ============================================================================ perturbations
@dataclass
class Perturbed:
    kwargs: dict[str, Any]
    must_raise: bool
    names: tuple[str, ...]  # an error message must name one of these
    needs_warning: type[Warning] | None = None  # a result must come with this warning
    key_error: bool = False  # the error must also be a KeyError (a missing column)


def _data_target(case: Case) -> tuple[str, str] | None:
    """(argument, name used in messages) hit by the data perturbations."""
    if case.frames and case.column:
        return case.frames[0], case.column
    if case.arrays:
        return case.arrays[0], case.arrays[0]
    return None


def _map_data(case: Case, kw: dict, fn: Callable[[np.ndarray], Any]) -> None:
    if case.frames and case.column:
        df = kw[case.frames[0]].copy()
        df[case.column] = fn(df[case.column].to_numpy(dtype=float).copy())
        kw[case.frames[0]] = df
    else:
        arg = case.arrays[0]
        kw[arg] = fn(np.array(kw[arg], dtype=float))


def _na_must_raise(case: Case) -> bool:
    return bool(case.frames) and (case.name == "Design" or "na_action" in case.params)


def _put(value: float) -> Callable[[Case, dict], Perturbed]:
    def perturb(case: Case, kw: dict) -> Perturbed:
        if _data_target(case) is None:
            kw[case.scalars[0]] = value
            return Perturbed(kw, True, case.scalars)

        def fn(a: np.ndarray) -> np.ndarray:
            a.flat[min(3, a.size - 1)] = value
            return a

        _map_data(case, kw, fn)
        return Perturbed(kw, _na_must_raise(case), (*_data_target(case), *case.frames))

    return perturb


def _scaled(factor: float) -> Callable[[Case, dict], Perturbed]:
    def perturb(case: Case, kw: dict) -> Perturbed:
        _map_data(case, kw, lambda a: a * factor)
        return Perturbed(kw, False, (*_data_target(case), *case.frames))

    return perturb


def _degenerate(steps: bool) -> Callable[[Case, dict], Perturbed]:
    def perturb(case: Case, kw: dict) -> Perturbed:
        _map_data(case, kw, lambda a: np.where(np.arange(a.size) < a.size // 2, 0.0, 1.0 * steps))
        return Perturbed(kw, False, (*_data_target(case), *case.frames))

    return perturb


def _empty(case: Case, kw: dict) -> Perturbed:
    if case.frames:
        kw[case.frames[0]] = kw[case.frames[0]].iloc[:0]
        return Perturbed(kw, True, (case.frames[0], *filter(None, [case.column])))
    arg = case.arrays[0]
    kw[arg] = np.asarray(kw[arg])[:0]
    return Perturbed(kw, True, (arg,))


def _wrong_column(case: Case, kw: dict) -> Perturbed:
    kw[case.frames[0]] = kw[case.frames[0]].rename(columns={case.column: "renamed_away"})
    return Perturbed(kw, True, (case.column,), key_error=True)


def _string(case: Case, kw: dict) -> Perturbed:
    target = _data_target(case)
    if case.frames and case.column:
        df = kw[case.frames[0]].copy()
        df[case.column] = [f"s{i % 3}" for i in range(len(df))]
        kw[case.frames[0]] = df
    else:
        a = np.asarray(kw[target[0]])
        strings = np.array([f"s{i % 3}" for i in range(a.size)], dtype=object)
        kw[target[0]] = strings.reshape(a.shape)
    return Perturbed(kw, True, (*target, *case.frames))


def _mismatch(case: Case, kw: dict) -> Perturbed:
    b = case.paired[1]
    kw[b] = np.asarray(kw[b])[:-1]
    return Perturbed(kw, True, case.paired)


def _ndarray(case: Case, kw: dict) -> Perturbed:
    if case.frames:
        kw[case.frames[0]] = kw[case.frames[0]].select_dtypes("number").to_numpy()
        return Perturbed(kw, True, (case.frames[0],))
    arg = case.objects[0]
    kw[arg] = (np.ones(3),) if arg == "*" else np.ones(3)
    return Perturbed(kw, True, ("result", "results") if arg == "*" else (arg,))


def _keyword(param: str, value: Any) -> Callable[[Case, dict], Perturbed]:
    def perturb(case: Case, kw: dict) -> Perturbed:
        kw[param] = value
        return Perturbed(kw, True, (param,))

    return perturb


def _nan_drop(case: Case, kw: dict) -> Perturbed:
    p = _put(np.nan)(case, kw)
    p.kwargs["na_action"] = "drop"
    return Perturbed(p.kwargs, False, p.names, needs_warning=st.MissingDataWarning)


def _time_column(case: Case, kw: dict) -> Perturbed:
    kw["time"] = "no_such_time"
    return Perturbed(kw, True, ("no_such_time",), key_error=True)


def _has(param: str) -> Callable[[Case], bool]:
    return lambda case: param in case.params


def _has_data(case: Case) -> bool:
    return _data_target(case) is not None


# name -> (applies to this case?, perturb the fresh valid kwargs)
PERTURBATIONS: dict[str, tuple[Callable[[Case], bool], Callable[[Case, dict], Perturbed]]] = {
    "nan": (lambda c: _has_data(c) or bool(c.scalars), _put(np.nan)),
    "inf": (lambda c: _has_data(c) or bool(c.scalars), _put(np.inf)),
    "empty": (lambda c: bool(c.frames or c.arrays), _empty),
    "column": (lambda c: bool(c.frames and c.column), _wrong_column),
    "string": (_has_data, _string),
    "huge": (_has_data, _scaled(1e300)),
    "tiny": (_has_data, _scaled(1e-300)),
    "constant": (lambda c: c.degenerate, _degenerate(False)),
    "steps": (lambda c: c.degenerate, _degenerate(True)),
    "nan_drop": (lambda c: bool(c.frames and c.column) and "na_action" in c.params, _nan_drop),
    "time_column": (lambda c: bool(c.frames) and "time" in c.params, _time_column),
    "mismatch": (lambda c: c.paired is not None, _mismatch),
    "ndarray": (lambda c: bool(c.frames or c.objects), _ndarray),
    "formula": (_has("formula"), _keyword("formula", 123)),
    "n_jobs": (_has("n_jobs"), _keyword("n_jobs", 0)),
    "level": (_has("level"), _keyword("level", "0.9")),
}


def _applies(case: Case, pert: str) -> bool:
    return pert not in case.not_applicable and PERTURBATIONS[pert][0](case)


def _perturbed(case: Case, pert: str) -> Perturbed:
    kw = case.make()
    if pert.startswith("extra:"):
        overrides, names = case.extra[pert[6:]]
        kw.update(overrides)
        return Perturbed(kw, True, names)
    return PERTURBATIONS[pert][1](case, kw)


# ============================================================================ running
class _Hang(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


def _invoke(
    case: Case, kwargs: dict[str, Any], timeout: int = TIMEOUT
) -> tuple[Any, BaseException | None, list]:
    kwargs = dict(kwargs)
    args = kwargs.pop("*", ())

    def on_alarm(signum, frame):
        raise _Hang(f"no answer within {timeout} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(timeout)
    try:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            try:
                res = case.call(*args, **kwargs)
                if case.then is not None:
                    res = case.then(res)
                values = _result_numbers(case, res)  # lazy members may warn or raise too
                return (res, values), None, rec
            except Exception as exc:  # noqa: BLE001 - classified by the caller
                return None, exc, rec
    except _Hang as exc:
        return None, exc, []
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _result_numbers(case: Case, res: Any) -> np.ndarray:
    if case.numbers is not None:
        vals = case.numbers(res)
    elif isinstance(res, int | float | np.number):
        vals = [res]
    elif isinstance(res, st.TestResult):
        vals = [res.statistic, res.pvalue]
    elif isinstance(res, pd.DataFrame | pd.Series):
        vals = res.select_dtypes("number") if isinstance(res, pd.DataFrame) else res
    else:
        vals = getattr(res, "params", [])
    if isinstance(vals, pd.DataFrame | pd.Series):
        vals = vals.to_numpy()
    return np.asarray(vals, dtype=float).ravel()


def _flagged(res: Any, rec: list) -> bool:
    if any(issubclass(w.category, st.StattoolsWarning) for w in rec):
        return True
    return bool(
        getattr(res, "warnings", ())
        or getattr(res, "converged", None) is False
        or getattr(res, "is_valid", True) is False
    )


def _names_any(message: str, names: tuple[str, ...]) -> bool:
    return any(
        re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message, re.IGNORECASE)
        for n in names
    )


def check_outcome(case: Case, pert: str, p: Perturbed, out, exc, rec) -> None:
    where = f"{case.id} with {pert}"
    if isinstance(exc, _Hang):
        pytest.fail(f"{where}: hangs ({exc})")
    if exc is not None:
        msg = str(exc)
        assert isinstance(exc, st.StattoolsError), (
            f"{where}: raised {type(exc).__name__} (not a StattoolsError): {msg}"
        )
        assert _names_any(msg, p.names), (
            f"{where}: the message does not name {' or '.join(p.names)}: {msg!r}"
        )
        assert "zero-size array" not in msg, f"{where}: numpy's zero-size error: {msg}"
        if "na_action" in msg and "na_action" not in case.params:
            pytest.fail(f"{where}: the message suggests na_action, which does not exist: {msg}")
        if p.key_error:
            assert isinstance(exc, KeyError), f"{where}: a missing column must be a KeyError"
            assert not msg.startswith(("'", '"')), f"{where}: unreadable KeyError text {msg!r}"
        return
    res, values = out
    assert not p.must_raise, (
        f"{where}: accepted silently (returned {type(res).__name__}); expected a "
        f"StattoolsError naming {' or '.join(p.names)}"
    )
    if p.needs_warning is not None:
        assert any(issubclass(w.category, p.needs_warning) for w in rec), (
            f"{where}: no {p.needs_warning.__name__} although rows were dropped"
        )
    if not np.isfinite(values).all():
        assert _flagged(res, rec), (
            f"{where}: non-finite numbers {values[~np.isfinite(values)][:5]} without a "
            "stattools warning or a flag on the result"
        )


def _params() -> list:
    out = []
    for case in CASES:
        perts = [p for p in PERTURBATIONS if _applies(case, p)]
        perts += [f"extra:{k}" for k in case.extra]
        for pert in perts:
            reason = KNOWN_OFFENDERS.get((case.id, pert))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(case, pert, id=f"{case.id}-{pert}", marks=marks))
    return out


# ============================================================================ tests
def test_every_public_name_is_fuzzed_or_skipped_with_a_reason():
    public = set(st.__all__)
    exceptions = {
        n
        for n in public
        if inspect.isclass(obj := getattr(st, n)) and issubclass(obj, Warning | Exception)
    }
    covered = {c.name for c in CASES if "." not in c.name}  # "losses.fnr": inside a module
    assert not covered & set(SKIPPED), "a name is both fuzzed and skipped"
    missing = public - exceptions - covered - set(SKIPPED)
    assert not missing, f"public names without a fuzz case: {sorted(missing)}"
    assert (covered | set(SKIPPED)) - public == set(), "fuzz cases for names that are not public"
    assert all(len(r) > 10 for r in SKIPPED.values())
    stale = {k for k in KNOWN_OFFENDERS if k[0] not in {c.id for c in CASES}}
    assert not stale, f"KNOWN_OFFENDERS entries without a case: {stale}"


def test_the_perturbations_cover_the_issue_list():
    every = {p for c in CASES for p in PERTURBATIONS if _applies(c, p)}
    assert every == set(PERTURBATIONS), f"never applied: {set(PERTURBATIONS) - every}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_base_call_is_valid(case):
    out, exc, rec = _invoke(case, case.make())
    assert exc is None, f"{case.id}: the valid base call failed: {type(exc).__name__}: {exc}"
    res, values = out
    assert np.isfinite(values).all() or _flagged(res, rec), f"{case.id}: non-finite base result"


@pytest.mark.parametrize(("case", "pert"), _params())
def test_bad_input(case, pert):
    p = _perturbed(case, pert)
    out, exc, rec = _invoke(case, p.kwargs)
    check_outcome(case, pert, p, out, exc, rec)


def test_missing_column_error_is_keyerror_and_readable():
    df = _frame()
    with pytest.raises(st.ColumnError) as info:
        st.Design.from_formula("resp ~ nosuch", df)
    assert isinstance(info.value, KeyError) and isinstance(info.value, st.DataError)
    assert str(info.value).startswith("formula 'resp ~ nosuch' uses column(s) 'nosuch'")


def test_the_alarm_catches_a_hang():
    import time

    _, exc, _ = _invoke(Case("hang", time.sleep, dict), {"*": (5,)}, timeout=1)
    assert isinstance(exc, _Hang)


def _fake(behaviour: str):
    def fn(x: Any = None) -> Any:
        if behaviour == "deep":
            return np.ones(2)[5]  # IndexError from deep inside
        if behaviour == "vague":
            raise st.DataError("something went wrong")
        if behaviour == "named":
            raise st.DataError("x contains NaN values")
        if behaviour == "silent_nan":
            return st.TestResult(statistic=np.nan, pvalue=np.nan)
        if behaviour == "flagged_nan":
            return st.InvalidTestResult("zero variance")
        return st.TestResult(statistic=1.0, pvalue=0.5)

    return fn


@pytest.mark.parametrize(
    ("behaviour", "must_raise", "ok"),
    [
        ("deep", False, False),
        ("vague", False, False),
        ("named", True, True),
        ("silent_nan", False, False),
        ("flagged_nan", False, True),
        ("valid", True, False),  # a bad input accepted silently
        ("valid", False, True),
    ],
)
def test_the_checker_accepts_and_rejects_what_it_should(behaviour, must_raise, ok):
    case = Case("fake", _fake(behaviour), dict)
    p = Perturbed({"x": 1}, must_raise, ("x",))
    out, exc, rec = _invoke(case, p.kwargs)
    if ok:
        check_outcome(case, "fake", p, out, exc, rec)
    else:
        with pytest.raises((AssertionError, pytest.fail.Exception)):
            check_outcome(case, "fake", p, out, exc, rec)
