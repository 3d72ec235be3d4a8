"""Plotting helpers (matplotlib is imported lazily, on first plot).

Every ``plot()`` in stattools draws through :func:`figure_axes`. Inside a Jupyter kernel
the new figure is detached from pyplot's figure manager, so the notebook does not show it
automatically at the end of the cell *and* again as the cell's value: ``res.plot()`` as
the last line of a cell displays the returned :class:`~matplotlib.figure.Figure` exactly
once (through its rich representation), and ``fig = res.plot()`` followed by ``fig``
shows it where you ask. In a terminal or a script the figure stays with pyplot, so
``plt.show()`` and ``plt.savefig`` work as usual.
"""

from __future__ import annotations

import sys
from typing import Any

from .lazy import pyplot

__all__ = ["figure_axes", "in_jupyter_kernel"]


def in_jupyter_kernel() -> bool:
    """True inside an IPython kernel (Jupyter, nbclient, myst-nb), False elsewhere.

    Examples
    --------
    >>> in_jupyter_kernel()
    False
    """
    ipy = sys.modules.get("IPython")
    if ipy is None:
        return False
    try:
        shell = ipy.get_ipython()
    except Exception:  # pragma: no cover - defensive: IPython internals vary
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None


def figure_axes(ax: Any = None, **subplots_kw: Any) -> tuple[Any, Any]:
    """Return ``(figure, axes)``: the given ``ax`` and its figure, or a new pair.

    Parameters
    ----------
    ax : matplotlib Axes or array of Axes, optional
        Where to draw. When given, nothing new is created and the caller's figure is
        left as it is.
    **subplots_kw
        Passed to ``plt.subplots`` when a new figure is created.

    Returns
    -------
    tuple
        ``(Figure, Axes or array of Axes)``. In a Jupyter kernel a new figure is closed in
        pyplot (it stays fully usable: draw, ``savefig``, display) so that it is shown once.

    Examples
    --------
    >>> fig, ax = figure_axes(figsize=(3, 2))
    >>> figure_axes(ax)[0] is fig
    True
    """
    if ax is not None:
        first = ax.flat[0] if hasattr(ax, "flat") else ax
        return first.figure, ax
    plt = pyplot()
    fig, ax = plt.subplots(**subplots_kw)
    if in_jupyter_kernel():
        plt.close(fig)
    return fig, ax
