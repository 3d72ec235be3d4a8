"""core.plotting: a figure made by plot() is shown once in a notebook, kept by pyplot elsewhere."""

from __future__ import annotations

import matplotlib.pyplot as plt

from stattools.core import plotting
from stattools.core.plotting import figure_axes, in_jupyter_kernel


def test_outside_a_kernel_pyplot_keeps_the_figure():
    assert not in_jupyter_kernel()
    fig, ax = figure_axes()
    try:
        assert fig.number in plt.get_fignums()  # plt.show()/savefig work in scripts
    finally:
        plt.close(fig)


def test_in_a_kernel_the_figure_is_detached_but_usable(monkeypatch, tmp_path):
    monkeypatch.setattr(plotting, "in_jupyter_kernel", lambda: True)
    before = set(plt.get_fignums())
    fig, ax = figure_axes(ncols=2, figsize=(4, 2))
    # not in pyplot's manager: Jupyter will not auto-display it at the end of the cell ...
    assert set(plt.get_fignums()) == before
    # ... yet it draws, saves and renders (its rich repr is the one display)
    ax[0].plot([0, 1], [1, 0])
    fig.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 0


def test_given_axes_are_used_as_they_are(monkeypatch):
    monkeypatch.setattr(plotting, "in_jupyter_kernel", lambda: True)
    fig, ax = plt.subplots()
    try:
        assert figure_axes(ax) == (fig, ax)
        assert fig.number in plt.get_fignums()  # the caller's figure is left alone
    finally:
        plt.close(fig)
