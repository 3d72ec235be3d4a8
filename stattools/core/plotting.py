"""Plotting helpers (matplotlib is imported lazily, on first plot)."""

from __future__ import annotations

from typing import Any

from .lazy import pyplot

__all__ = ["figure_axes"]


def figure_axes(ax: Any = None, **subplots_kw: Any) -> tuple[Any, Any]:
    """Return ``(figure, axes)``: the given ``ax`` and its figure, or a new pair.

    Parameters
    ----------
    ax : matplotlib Axes or array of Axes, optional
        Where to draw. When given, nothing new is created.
    **subplots_kw
        Passed to ``plt.subplots`` when a new figure is created.
    """
    if ax is not None:
        first = ax.flat[0] if hasattr(ax, "flat") else ax
        return first.figure, ax
    plt = pyplot()
    fig, ax = plt.subplots(**subplots_kw)
    return fig, ax
