"""Price and volume durations: thinning a day's trades into events.

A *price duration* (Engle and Russell 1997; Bauwens and Giot 2001) is the time until the
price has moved by at least ``threshold`` in absolute value from the price at the last
event; a *volume duration* is the time until at least ``threshold`` shares have traded
since the last event. Both are computed per trading day by :func:`thin_day`, which
follows R ACDm's ``computeDurations(type = "price" | "volume")`` (checked against ACDm
1.1.0 in ``tests/reference/duration/acdm_durations.R``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["thin_day"]


def thin_day(
    t: np.ndarray,
    price: np.ndarray | None,
    volume: np.ndarray | None,
    *,
    kind: str,
    threshold: float,
    allow_zero: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event positions of one trading day's trades, sorted by time.

    The clock starts at the first trade of the day; every trade stamped at that same
    time belongs to the start, and the reference price is the last price at that
    time. A later trade ``i`` ends a spell when

    * ``kind="price"``: ``|price[i] - reference| >= threshold`` (the reference becomes
      ``price[i]``), compared with a tolerance of ``1e-9 * max(|reference|, 1)`` so that
      decimal prices such as 10.1 - 10.0 count as a move of 0.1 (ACDm compares the raw
      floating-point difference);
    * ``kind="volume"``: the volume traded since the last event (trade ``i`` included,
      the event trade itself excluded) reaches ``threshold``;

    and, unless ``allow_zero``, ``t[i]`` is later than the last event (a spell never has
    length zero; trades sharing the event's time stamp count towards the next spell).

    Parameters
    ----------
    t : ndarray
        Time stamps of the day's trades (sorted, seconds).
    price, volume : ndarray or None
        Trade prices (``kind="price"``) and volumes (``kind="volume"``; optional for
        price durations, where it is summed per spell).
    kind : {"price", "volume"}
    threshold : float
        Price change or cumulative volume that ends a spell (> 0).
    allow_zero : bool
        Whether a spell may end at the time stamp it started.

    Returns
    -------
    start_idx : ndarray of int
        Index of the trade that starts each spell (the previous event).
    end_idx : ndarray of int
        Index of the trade that ends each spell (the event).
    spell_volume : ndarray of float
        Volume traded in each spell (zeros when ``volume`` is None).

    Examples
    --------
    >>> t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> p = np.array([10.0, 10.05, 10.1, 10.1, 9.95])
    >>> s, e, _ = thin_day(t, p, None, kind="price", threshold=0.1, allow_zero=False)
    >>> e.tolist()
    [2, 4]
    """
    n = t.size
    vol = np.zeros(n) if volume is None else np.asarray(volume, dtype=float)
    first = int(np.searchsorted(t, t[0], side="right"))  # trades stamped at the start time
    last_event = first - 1
    last_time = t[0]
    ref = float(price[last_event]) if price is not None else 0.0
    starts: list[int] = []
    ends: list[int] = []
    vols: list[float] = []
    acc = 0.0
    for i in range(first, n):
        acc += vol[i]
        if not allow_zero and t[i] == last_time:
            continue
        if kind == "price":
            tol = 1e-9 * max(abs(ref), 1.0)
            hit = abs(float(price[i]) - ref) >= threshold - tol  # type: ignore[index]
        else:
            hit = acc >= threshold
        if hit:
            starts.append(last_event)
            ends.append(i)
            vols.append(acc)
            last_event, last_time, acc = i, t[i], 0.0
            if kind == "price":
                ref = float(price[i])  # type: ignore[index]
    return np.asarray(starts, dtype=int), np.asarray(ends, dtype=int), np.asarray(vols)
