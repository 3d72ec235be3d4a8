"""st.options and the shared progress bar: global switch, environment, notebook, labels."""

from __future__ import annotations

import io
import sys

import pytest

import stattools as st
from stattools.core import resampling
from stattools.core.exceptions import DataError
from stattools.core.options import options
from stattools.core.resampling import parallel_map, progress_bar


@pytest.fixture(autouse=True)
def _clean_options(monkeypatch):
    monkeypatch.delenv("STATTOOLS_PROGRESS", raising=False)
    options.reset()
    yield
    options.reset()


def test_st_options_is_the_session_object():
    assert st.options is options
    assert options.progress is None
    options.progress = False
    assert st.options.progress is False and "progress=False" in repr(st.options)


def test_invalid_values_raise():
    with pytest.raises(DataError, match="options.progress"):
        options.progress = "yes"
    with pytest.raises(DataError, match="unknown option"):
        with options.context(colour=True):
            pass


def test_global_switch_overrides_the_call():
    options.progress = False
    assert progress_bar(total=3, progress=True).disable
    options.progress = True
    assert not progress_bar(total=3, progress=None).disable
    assert progress_bar(total=3, progress=False).disable


@pytest.mark.parametrize(("value", "disabled"), [("0", True), ("off", True), ("1", False)])
def test_environment_variable(monkeypatch, value, disabled):
    monkeypatch.setenv("STATTOOLS_PROGRESS", value)
    assert options.progress is (not disabled)
    assert progress_bar(total=2, progress=None).disable is disabled


def test_context_restores():
    options.progress = True
    with options.context(progress=False):
        assert progress_bar(total=1, progress=True).disable
    assert options.progress is True


def test_auto_is_off_when_not_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_bar(total=2).disable


def test_labels_what_it_counts(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    bar = progress_bar(total=4, progress=True, desc="bootstrap", unit="draw")
    bar.update(2)
    bar.refresh()
    bar.close()
    text = buf.getvalue()
    assert "bootstrap" in text and "2/4" in text and "draw" in text


def test_notebook_without_ipywidgets_gives_a_text_bar_and_no_warning(monkeypatch):
    """The old bar raised TqdmWarning 'IProgress not found' in every vignette."""
    monkeypatch.setattr(resampling, "_in_jupyter_kernel", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    bar = progress_bar(total=3, progress=None, desc="chains", unit="chain")
    assert not bar.disable and type(bar).__module__ == "tqdm.std"
    bar.update(3)
    bar.close()
    assert "chains" in out.getvalue()  # on stdout, not the red stderr box


def test_notebook_with_ipywidgets_uses_the_widget(monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setattr(resampling, "_in_jupyter_kernel", lambda: True)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # the widget's text fallback
    bar = progress_bar(total=2, progress=True, desc="sweeps", unit="sweep")
    assert type(bar).__module__ == "tqdm.notebook"
    bar.update(2)
    bar.close()


def test_parallel_map_respects_the_switch(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    options.progress = False
    assert parallel_map(abs, [-1, -2], progress=True, desc="tasks") == [1, 2]
    assert buf.getvalue() == ""
