"""Warnings that become result notes: only stattools' own.

A result's ``warnings`` (and so its summary notes and exported tables) hold the
stattools warnings raised while computing it, plus numerical ``RuntimeWarning`` s raised
from stattools code. Third-party chatter (a ``TqdmWarning``, a pandas deprecation) is
passed on to the user's warning filters but never recorded on a result.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from .exceptions import StattoolsWarning

__all__ = ["is_own_warning", "record_warnings", "warn_and_record"]

# the installed package's directory (stattools/), whatever the checkout is called
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_own_warning(message: warnings.WarningMessage) -> bool:
    """True for a stattools warning, or a RuntimeWarning raised from stattools code.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("x", UserWarning)
    >>> is_own_warning(w[0])
    False
    """
    if issubclass(message.category, StattoolsWarning):
        return True
    if issubclass(message.category, RuntimeWarning):
        return os.path.abspath(str(message.filename)).startswith(_PACKAGE_DIR)
    return False


@contextmanager
def record_warnings(messages: list[str]) -> Iterator[list[str]]:
    """Record stattools' own warnings into ``messages``; re-emit every warning.

    Examples
    --------
    >>> import warnings
    >>> from stattools.core.exceptions import TuningWarning
    >>> notes = []
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with record_warnings(notes):
    ...         warnings.warn("bandwidth at the edge", TuningWarning)
    ...         warnings.warn("IProgress not found", UserWarning)
    >>> notes
    ['bandwidth at the edge']
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    for w in caught:
        if is_own_warning(w) and str(w.message) not in messages:
            messages.append(str(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def warn_and_record(
    message: str, category: type[Warning], messages: list[str], stacklevel: int = 3
) -> None:
    """``warnings.warn`` and append the message to ``messages`` (a result's notes).

    Examples
    --------
    >>> import warnings
    >>> from stattools.core.exceptions import TuningWarning
    >>> notes = []
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     warn_and_record("h at the edge", TuningWarning, notes)
    >>> notes
    ['h at the edge']
    """
    warnings.warn(message, category, stacklevel=stacklevel)
    if message not in messages:
        messages.append(message)
