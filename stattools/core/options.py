"""Global options: ``st.options``.

Only one option exists so far, ``progress``: the default for every ``progress=`` argument.

* ``None`` (default): automatic - a bar on a terminal or in a Jupyter notebook, none in
  scripts whose output is redirected, CI logs and executed documentation.
* ``True``: always a bar (``progress=False`` on a call still turns it off).
* ``False``: never a bar, whatever the call says - the global switch.

The environment variable ``STATTOOLS_PROGRESS`` (``0``/``false``/``off``, ``1``/``true``/``on``,
``auto``) gives the default when the option has not been set in the session.

Examples
--------
>>> from stattools.core.options import options
>>> with options.context(progress=False):
...     options.progress
False
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .exceptions import DataError

__all__ = ["Options", "options"]

_UNSET: Any = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _from_env() -> bool | None:
    raw = os.environ.get("STATTOOLS_PROGRESS", "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    return None


class Options:
    """Session-wide defaults of stattools (``st.options``).

    Attributes
    ----------
    progress : bool or None
        Default for ``progress=`` (see the module docstring). Assigning anything but
        None, True or False raises :class:`~stattools.core.exceptions.DataError`.
    """

    __slots__ = ("_progress",)

    def __init__(self) -> None:
        self._progress: Any = _UNSET

    @property
    def progress(self) -> bool | None:
        """The global progress setting (the environment's when not set in the session)."""
        return _from_env() if self._progress is _UNSET else self._progress

    @progress.setter
    def progress(self, value: bool | None) -> None:
        if value is not None and not isinstance(value, bool):
            raise DataError(f"options.progress must be None, True or False, got {value!r}")
        self._progress = value

    def reset(self) -> None:
        """Forget session settings (the environment variables apply again)."""
        self._progress = _UNSET

    @contextmanager
    def context(self, **settings: Any) -> Iterator[Options]:
        """Temporarily change options: ``with st.options.context(progress=False): ...``."""
        unknown = set(settings) - {"progress"}
        if unknown:
            raise DataError(f"unknown option(s): {sorted(unknown)}; known: ['progress']")
        saved = self._progress
        try:
            for k, v in settings.items():
                setattr(self, k, v)
            yield self
        finally:
            self._progress = saved

    def __repr__(self) -> str:
        return f"Options(progress={self.progress!r})"


options = Options()
