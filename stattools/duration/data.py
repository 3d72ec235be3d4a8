"""From trade time stamps to (diurnally adjusted) durations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline

from ..core.exceptions import DataError
from ..core.validation import check_columns, check_option, describe_positions

__all__ = ["durations", "diurnal_adjust"]


def _seconds(t: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(t):
        return (t - t.dt.normalize()).dt.total_seconds().to_numpy(dtype=float)
    try:
        return t.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"time column {name!r} must be numeric (seconds) or datetime.") from None


def _session(session: Sequence[Any] | None) -> tuple[float, float] | None:
    if session is None:
        return None
    out = []
    for s in session:
        if isinstance(s, str):
            parts = [float(v) for v in s.split(":")]
            out.append(
                sum(v * 60 ** (2 - i) for i, v in enumerate(parts + [0.0] * (3 - len(parts))))
            )
        else:
            out.append(float(s))
    if len(out) != 2 or out[0] >= out[1]:
        raise DataError(f"session must be (open, close) with open < close; got {session!r}.")
    return out[0], out[1]


def _check_daily_reset(df: pd.DataFrame, t: np.ndarray, time: str, sort: bool) -> None:
    """Refuse stacked trading days without ``by``: time of day restarting a few times.

    A "reset" is a decrease of the time stamp by at least an hour or a quarter of the
    range; when every decrease is one and there are few of them (at most one per 50
    trades), the data are several days one after the other and ``sort=True`` would pool
    them by time of day.
    """
    dt = np.diff(t)
    drops = np.flatnonzero(dt < 0)
    if drops.size == 0:
        return
    big = -dt[drops] >= min(3600.0, 0.25 * float(np.ptp(t)))
    if not (big.all() and drops.size <= max(1, t.size // 50)):
        return
    starts = drops + 1
    cands = []
    for c in df.columns:
        if c in (time, "_t"):
            continue
        v = df[c].to_numpy()
        change = np.flatnonzero(pd.Series(v).ne(pd.Series(v).shift()).to_numpy()[1:]) + 1
        if change.size == starts.size and np.array_equal(change, starts):
            cands.append(repr(str(c)))
    hint = (
        f"Pass by={cands[0]}" if len(cands) == 1
        else f"Pass by= one of {', '.join(cands)}" if cands
        else "Add a column identifying the trading day and pass it as by="
    )  # fmt: skip
    what = "sort=True would pool the days by time of day" if sort else "the data are not sorted"
    raise DataError(
        f"time column {time!r} restarts {drops.size} time(s) (first at position "
        f"{int(starts[0])}: {t[drops[0]]:g} then {t[starts[0]]:g}): this looks like "
        f"{drops.size + 1} trading days one after the other, and {what}. {hint}, so that "
        "durations are computed within each day."
    )


def durations(
    data: pd.DataFrame,
    *,
    time: str,
    by: str | None = None,
    session: Sequence[Any] | None = ("09:30", "16:00"),
    zeros: str = "aggregate",
    sum_columns: Sequence[str] = (),
    sort: bool = False,
    diurnal: str | None = None,
    kind: str = "trade",
    threshold: float | None = None,
    price: str | None = None,
    volume: str | None = None,
    diurnal_by: str | None = None,
) -> pd.DataFrame:
    """Trade, price or volume durations, per trading day, from time stamps.

    Parameters
    ----------
    data : DataFrame
        One row per trade.
    time : str
        Column of time stamps: seconds after midnight (numeric) or datetimes.
    by : str, optional
        Column identifying the trading day; durations never span two groups (overnight
        gaps are dropped). With datetime ``time`` and no ``by``, the calendar date is used.
    session : (open, close), optional
        Trading hours, as seconds or ``"HH:MM[:SS]"``; trades outside are dropped.
        Default 09:30-16:00; ``None`` keeps every trade.
    zeros : {"aggregate", "drop", "keep", "error"}
        Trades with the same time stamp: ``"aggregate"`` merges them into one event
        (``n_merged`` counts trades, ``sum_columns`` are summed); ``"drop"`` removes the
        zero durations without counting; ``"keep"`` keeps zero durations (valid for the
        exponential QMLE only); ``"error"`` raises.
    sum_columns : sequence of str
        Columns summed over merged trades (e.g. ``["volume"]``); the last value is kept
        for every other column.
    sort : bool, default False
        Sort by (``by``, ``time``) first; otherwise unsorted time stamps raise.
    diurnal : {None, "spline", "fourier"}
        Also add ``adj_duration`` from :func:`diurnal_adjust`.
    kind : {"trade", "price", "volume"}
        ``"trade"``: time between consecutive trades (events). ``"price"``: time until
        the price has moved by at least ``threshold`` (absolute) from the price at the
        last event. ``"volume"``: time until at least ``threshold`` shares have traded
        since the last event. Price and volume spells start at the first trade of each
        day, never span two days, and (unless ``zeros="keep"``) never have length zero;
        the rule is R ACDm's ``computeDurations(type = "price" | "volume")``.
    threshold : float
        Price change (``kind="price"``) or cumulative volume (``kind="volume"``) that
        ends a spell; required for those kinds.
    price, volume : str, optional
        Price and volume columns (default: the columns named ``"price"`` and
        ``"volume"``). The volume column is optional for price durations (summed per
        spell when given).
    diurnal_by : {None, "weekday"} or str
        Passed to :func:`diurnal_adjust` as ``by``: a separate time-of-day factor per
        weekday (of the ``by`` column or the datetime ``time``), or per level of a column.

    Returns
    -------
    DataFrame
        ``by`` (if any), ``start`` (spell start, seconds of day), ``time`` (end of the
        spell), ``duration``, ``n_merged`` and the ``sum_columns``. The first trade of each
        day only starts the clock; the censored spell after the last trade is not included.
        ``attrs["window"]`` is the total observed time ``T`` (sum over days of last minus
        first trade time); ``attrs["windows"]`` gives it per day. Price and volume
        durations have ``n_merged`` = trades in the spell (the event included), ``price``
        at the event, ``volume`` traded in the spell (when a volume column is given) and
        ``attrs["kind"]``/``attrs["threshold"]``; their window runs from the first trade
        to the last event of each day.

    Raises
    ------
    DataError
        Unsorted time stamps (unless ``sort=True``), NaN time stamps, ties with
        ``zeros="error"``, bad options. ``KeyError`` for missing columns.

    Examples
    --------
    >>> trades = pd.DataFrame({"day": [1, 1, 1, 1, 2, 2], "t": [34300, 34310, 34310, 34400, 34250, 34260]})
    >>> d = durations(trades, time="t", by="day")
    >>> d["duration"].tolist(), d["n_merged"].tolist()
    ([10.0, 90.0, 10.0], [2, 1, 1])
    >>> d.attrs["window"]
    110.0

    Price durations: spells until the price moves by 0.25 or more.

    >>> ticks = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "price": [10, 10.1, 10.3, 10.2, 10.0, 10.1]})
    >>> pdur = durations(ticks, time="t", session=None, kind="price", threshold=0.25)
    >>> pdur[["start", "time", "duration", "n_merged", "price"]].to_numpy().tolist()
    [[1.0, 3.0, 2.0, 2.0, 10.3], [3.0, 5.0, 2.0, 2.0, 10.0]]
    """
    zeros = check_option(zeros, "zeros", ("aggregate", "drop", "keep", "error"))
    kind = check_option(kind, "kind", ("trade", "price", "volume"))
    thin = None
    if kind != "trade":
        price, volume, thin = _event_columns(data, kind, threshold, price, volume)
        sum_columns = ()
    from ..core.validation import check_frame  # argument validation (issue 10)

    check_frame(data, "data")
    check_columns(data, [time, *([by] if by else []), *sum_columns])
    if thin is not None:
        check_columns(data, [c for c in (price, volume) if c])
        for c in (price, volume):
            if c and not pd.api.types.is_numeric_dtype(data[c]):
                raise DataError(f"column {c!r} must be numeric, got dtype {data[c].dtype}.")
            if c and not np.isfinite(data[c].to_numpy(dtype=float)).all():
                raise DataError(f"column {c!r} has missing or infinite values.")
    df = data.copy()
    is_dt = pd.api.types.is_datetime64_any_dtype(df[time])
    if df[time].isna().any():
        raise DataError(
            f"time column {time!r} has missing values: {describe_positions(df[time].isna().to_numpy())}."
        )
    key = by
    if key is None and is_dt:
        df["_day"] = df[time].dt.normalize()
        key = "_day"
    secs = _seconds(df[time], time)
    df["_t"] = secs
    if key is None:
        _check_daily_reset(df, secs, time, sort)
    if sort:
        df = df.sort_values([key, "_t"] if key else ["_t"], kind="stable")
        secs = df["_t"].to_numpy()
    sess = _session(session)
    if sess is not None:
        df = df[(df["_t"] >= sess[0]) & (df["_t"] <= sess[1])]
    groups = [g for _, g in df.groupby(key, sort=False)] if key else [df]
    rows, windows = [], {}
    for g in groups:
        t = g["_t"].to_numpy()
        if t.size < 2:
            continue
        dt = np.diff(t)
        if (dt < 0).any():
            i = int(np.flatnonzero(dt < 0)[0]) + 1
            where = f" in group {g[key].iloc[0]}" if key else ""
            raise DataError(
                f"time column {time!r} is not sorted{where}: position {i} ({t[i - 1]} then "
                f"{t[i]}). Sort the trades or pass sort=True"
                + (" (with by=, if several days are stacked)." if not key else ".")
            )
        if zeros == "error" and (dt == 0).any():
            raise DataError(
                f"time column {time!r} has {int((dt == 0).sum())} tied time stamps; use "
                "zeros='aggregate' to merge same-time trades."
            )
        if thin is not None:
            out, te = _event_spells(g, t, price, volume, thin, zeros == "keep")
            if out is None:
                continue
        else:
            out, te = _trade_spells(g, dt, zeros, sum_columns)
        if key:
            gid = g[key].iloc[0]
            out.insert(0, by if by else "date", gid)
            windows[str(gid)] = float(te[-1] - te[0])
        else:
            windows["all"] = float(te[-1] - te[0])
        rows.append(out)
    if not rows:
        what = "two or more trades" if thin is None else f"a complete {kind} spell"
        raise DataError(f"no group has {what} inside the session.")
    res = pd.concat(rows, ignore_index=True)
    res.attrs["window"] = float(sum(windows.values()))
    res.attrs["window_column"] = "duration"
    res.attrs["windows"] = windows
    res.attrs["kind"] = kind
    if thin is not None:
        res.attrs["threshold"] = thin[1]
    if diurnal is not None:
        day = (by if by else "date") if key else None
        res = diurnal_adjust(
            res, duration="duration", time="start", method=diurnal, by=diurnal_by, day=day
        )
    elif diurnal_by is not None:
        raise DataError("diurnal_by= needs diurnal= ('spline' or 'fourier').")
    return res


def _trade_spells(
    g: pd.DataFrame, dt: np.ndarray, zeros: str, sum_columns: Sequence[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Trade durations of one day: same-time trades merged into one event
    (``zeros="aggregate"``) or kept as zero durations (dropped with ``"drop"``)."""
    if zeros == "aggregate":  # a new event starts when the time stamp changes
        ev = np.cumsum(np.r_[True, dt > 0]) - 1
        agg = {"_t": ("_t", "last"), "n_merged": ("_t", "size")}
        agg.update({c: (c, "sum") for c in sum_columns})
        e = g.assign(_ev=ev).groupby("_ev", sort=True).agg(**agg)
    else:
        e = g[["_t", *sum_columns]].assign(n_merged=1)
    te = e["_t"].to_numpy()
    out = pd.DataFrame(
        {
            "start": te[:-1],
            "time": te[1:],
            "duration": np.diff(te),
            "n_merged": e["n_merged"].to_numpy()[1:],
        }
    )
    for c in sum_columns:
        out[c] = e[c].to_numpy()[1:]
    if zeros == "drop":
        out = out[out["duration"] > 0]
    return out, te


def _event_columns(
    data: Any, kind: str, threshold: float | None, price: str | None, volume: str | None
) -> tuple[str | None, str | None, tuple[str, float]]:
    """Validate the price/volume duration options; return the columns and the rule."""
    if threshold is None:
        raise DataError(f"kind={kind!r} needs threshold= (the {kind} change ending a spell).")
    try:
        thr = float(threshold)
    except (TypeError, ValueError):
        raise DataError(f"threshold must be a positive number, got {threshold!r}.") from None
    if not (np.isfinite(thr) and thr > 0):
        raise DataError(f"threshold must be a positive number, got {threshold!r}.")
    cols = set(getattr(data, "columns", []))
    if kind == "price":
        price = price or "price"
        volume = volume or ("volume" if "volume" in cols else None)
    else:
        volume = volume or "volume"
        price = price or ("price" if "price" in cols else None)
    return price, volume, (kind, thr)


def _event_spells(
    g: pd.DataFrame,
    t: np.ndarray,
    price: str | None,
    volume: str | None,
    rule: tuple[str, float],
    allow_zero: bool,
) -> tuple[pd.DataFrame | None, np.ndarray]:
    """Price/volume spells of one day (see :func:`.events.thin_day`)."""
    from .events import thin_day

    p = g[price].to_numpy(dtype=float) if price else None
    v = g[volume].to_numpy(dtype=float) if volume else None
    s, e, vols = thin_day(t, p, v, kind=rule[0], threshold=rule[1], allow_zero=allow_zero)
    if e.size == 0:
        return None, t
    out = pd.DataFrame(
        {"start": t[s], "time": t[e], "duration": t[e] - t[s], "n_merged": np.diff(np.r_[s[0], e])}
    )
    if p is not None:
        out["price"] = p[e]
    if v is not None:
        out["volume"] = vols
    te = np.r_[t[0], t[e]]
    return out, te


def _basis(
    t: np.ndarray, method: str, lo: float, hi: float, n_knots: int, order: int
) -> np.ndarray:
    u = (t - lo) / (hi - lo)
    if method == "spline":
        inner = np.linspace(0.0, 1.0, n_knots + 2)
        knots = np.r_[[0.0] * 3, inner, [1.0] * 3]
        uu = np.clip(u, 0.0, 1.0 - 1e-12)
        return BSpline.design_matrix(uu, knots, 3).toarray()
    cols = [np.ones_like(u), u]
    for k in range(1, order + 1):
        cols += [np.cos(2 * np.pi * k * u), np.sin(2 * np.pi * k * u)]
    return np.column_stack(cols)


def diurnal_adjust(
    data: pd.DataFrame,
    *,
    duration: str = "duration",
    time: str = "start",
    method: str = "spline",
    n_knots: int = 6,
    order: int = 2,
    out: str = "adj_duration",
    by: str | None = None,
    day: str | None = None,
) -> pd.DataFrame:
    r"""Divide durations by a deterministic time-of-day factor.

    Parameters
    ----------
    data : DataFrame
    duration : str
        Column of durations.
    time : str
        Column of time of day (seconds; the spell start by default, which is known when
        the spell begins).
    method : {"spline", "fourier"}
        ``"spline"``: least-squares cubic regression spline with ``n_knots`` equally spaced
        interior knots; ``"fourier"``: Gallant's flexible Fourier form ``c0 + d u +
        sum_{k<=order} (a_k cos 2 pi k u + b_k sin 2 pi k u)`` with ``u`` the time rescaled
        to [0, 1].
    n_knots, order : int
        Flexibility of the spline / Fourier form.
    out : str
        Name of the adjusted column.
    by : {None, "weekday"} or str
        ``None`` pools every day (one factor). ``"weekday"`` fits a separate factor for
        each day of the week (as ACDm's ``diurnalAdj(aggregation = "weekdays")``), the
        weekday taken from the ``day`` column; any other string names a column whose
        levels get separate factors. All factors share the same basis.
    day : str, optional
        Column of trading dates (datetimes or date strings) for ``by="weekday"``;
        default ``"date"``.

    Returns
    -------
    DataFrame
        A copy with ``diurnal`` (fitted factor ``phi(t)``) and ``out = duration / phi``;
        with ``by``, also ``diurnal_group`` (the weekday name or level used).

    Raises
    ------
    DataError
        If the fitted factor is not positive at some observation (choose a smoother fit).

    Notes
    -----
    ``phi(t)`` is the least-squares fit of ``E[x | time of day]`` pooled over days (ACDm's
    ``diurnalAdj`` uses a smoothing spline on the same regression; Engle and Russell 1998
    use a piecewise-linear spline).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.sort(rng.uniform(34200, 57600, 2000))
    >>> x = rng.exponential(size=2000) * (1 + ((t - 45900) / 11700) ** 2)
    >>> adj = diurnal_adjust(pd.DataFrame({"start": t, "duration": x}))
    >>> round(float(adj["adj_duration"].mean()), 1)
    1.0

    One factor per weekday, from a date column:

    >>> days = pd.to_datetime("2024-01-01") + pd.to_timedelta(np.arange(2000) % 5, "D")
    >>> adj = diurnal_adjust(pd.DataFrame({"start": t, "duration": x, "date": days}), by="weekday")
    >>> sorted(adj["diurnal_group"].unique())
    ['Friday', 'Monday', 'Thursday', 'Tuesday', 'Wednesday']
    """
    method = check_option(method, "method", ("spline", "fourier"))
    from ..core.validation import check_frame  # argument validation (issue 10)

    check_frame(data, "data")
    check_columns(data, [duration, time])
    if not pd.api.types.is_numeric_dtype(data[duration]):
        raise DataError(
            f"duration column {duration!r} must be numeric, got dtype {data[duration].dtype}."
        )
    x = data[duration].to_numpy(dtype=float)
    t = _seconds(data[time], time)
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(t)):
        raise DataError(f"columns {duration!r} and {time!r} must be finite.")
    lo, hi = float(t.min()), float(t.max())
    if hi <= lo:
        raise DataError(f"time column {time!r} is constant; no diurnal pattern can be fitted.")
    B = _basis(t, method, lo, hi, int(n_knots), int(order))
    groups = None if by is None else _diurnal_groups(data, by, day)
    phi = np.empty_like(x)
    for level, rows in (
        [(None, slice(None))] if groups is None else groups.groupby(groups).indices.items()
    ):
        if groups is not None and np.size(rows) < 2 * B.shape[1]:
            raise DataError(
                f"diurnal_adjust by={by!r}: group {level!r} has {np.size(rows)} durations, "
                f"fewer than twice the {B.shape[1]} basis functions; use fewer knots or pool "
                "the days (by=None)."
            )
        coef, *_ = np.linalg.lstsq(B[rows], x[rows], rcond=None)
        phi[rows] = B[rows] @ coef
    if (phi <= 0).any():
        raise DataError(
            f"the fitted diurnal factor is not positive at {describe_positions(phi <= 0)}; "
            "use fewer knots or a lower Fourier order."
        )
    res = data.copy()
    res["diurnal"] = phi
    res[out] = x / phi
    if groups is not None:
        res["diurnal_group"] = groups.to_numpy()
    res.attrs.update(data.attrs)
    return res


def _diurnal_groups(data: pd.DataFrame, by: str, day: str | None) -> pd.Series:
    """Group labels for a per-group diurnal factor (weekday names or a column)."""
    if by != "weekday":
        check_columns(data, [by])
        if data[by].isna().any():
            raise DataError(f"column {by!r} (diurnal by=) has missing values.")
        return data[by].astype(str).reset_index(drop=True)
    day = day or "date"
    check_columns(data, [day])
    try:
        dates = pd.to_datetime(data[day])
    except (TypeError, ValueError):
        raise DataError(
            f"by='weekday' needs dates in column {day!r}; its values could not be read as "
            "dates (pass day= naming a date column)."
        ) from None
    if dates.isna().any():
        raise DataError(f"column {day!r} (day=) has missing dates.")
    return dates.dt.day_name().reset_index(drop=True)
