"""The single registry of stattools warnings and exceptions.

Every warning class derives from :class:`StattoolsWarning` and every error from
:class:`StattoolsError`, so users can filter or catch all of them at once::

    import warnings, stattools as st
    warnings.simplefilter("ignore", st.StattoolsWarning)

Family-specific classes are registered here too (one module, one registry).
"""

from __future__ import annotations

__all__ = [
    # warnings
    "StattoolsWarning",
    "ConvergenceWarning",
    "SmallSampleWarning",
    "TuningWarning",
    "ApproximationWarning",
    "MissingDataWarning",
    "BoundaryWarning",
    "IrregularTimeWarning",
    "HessianWarning",
    "NonStationaryWarning",
    "ZeroDurationWarning",
    "InfeasibleRiskWarning",
    "BoundViolationWarning",
    "NonMonotoneLossWarning",
    "TruncationWarning",
    "MixingWarning",
    "TiesWarning",
    "ReplicationFailureWarning",
    # errors
    "StattoolsError",
    "DataError",
    "FormulaError",
    "ColumnError",
    "ArgumentTypeError",
    "NotSupportedError",
    "NotFittedError",
    "MissingDependencyError",
    "SimulationError",
]


# ----------------------------------------------------------------------------- warnings
class StattoolsWarning(UserWarning):
    """Root of every warning emitted by stattools."""


class ConvergenceWarning(StattoolsWarning):
    """An optimiser or sampler did not converge; the result carries ``converged=False``."""


class SmallSampleWarning(StattoolsWarning):
    """The sample is small for the asymptotics or guarantee being used."""


class TuningWarning(StattoolsWarning):
    """A tuning parameter (bandwidth, block length, step size) is at an edge of its range."""


class ApproximationWarning(StattoolsWarning):
    """An approximation (e.g. Sinkhorn, a truncated series) was used and may be biased."""


class MissingDataWarning(StattoolsWarning):
    """Rows with missing values were dropped (the message gives the count)."""


class BoundaryWarning(StattoolsWarning):
    """An estimate lies on the boundary of the parameter space; inference is non-standard."""


class IrregularTimeWarning(StattoolsWarning):
    """Time stamps are irregularly spaced."""


class HessianWarning(StattoolsWarning):
    """The Hessian is not positive definite; standard errors are NaN."""


class NonStationaryWarning(StattoolsWarning):
    """The fitted process is not strictly stationary."""


class ZeroDurationWarning(StattoolsWarning):
    """Zero durations are present (valid for the exponential QMLE only)."""


class InfeasibleRiskWarning(StattoolsWarning):
    """The target risk cannot be attained with the calibration weight available."""


class BoundViolationWarning(StattoolsWarning):
    """Losses exceeded the declared bound and were clipped."""


class NonMonotoneLossWarning(StattoolsWarning):
    """A loss was not monotone in lambda; its monotone envelope was used."""


class TruncationWarning(StattoolsWarning):
    """A stick-breaking truncation level looks too small for the posterior."""


class MixingWarning(StattoolsWarning):
    """MCMC chains mix poorly (R-hat or effective sample size)."""


class TiesWarning(StattoolsWarning):
    """Heavily tied data (e.g. a mixture fit would build tiny-variance clusters on ties)."""


class ReplicationFailureWarning(StattoolsWarning):
    """Some replications of a simulation study failed and were recorded (``on_error="record"``)."""


# ----------------------------------------------------------------------------- errors
class StattoolsError(Exception):
    """Root of every exception raised by stattools."""


class DataError(StattoolsError, ValueError):
    """Input data are invalid (NaN, wrong sign, wrong shape, unsorted, ...)."""


class FormulaError(DataError):
    """A formula could not be parsed or refers to something that does not exist."""


class ColumnError(DataError, KeyError):
    """A column (or key) named by the user is not in the data.

    Both a :class:`DataError` and a :class:`KeyError`, so ``except KeyError`` keeps working.
    ``str()`` gives the plain message (``KeyError`` alone would print it quoted).

    Examples
    --------
    >>> err = ColumnError("column 'z' not found in data; available columns: x, y.")
    >>> isinstance(err, KeyError), isinstance(err, DataError)
    (True, True)
    >>> str(err)
    "column 'z' not found in data; available columns: x, y."
    """

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else Exception.__str__(self)


class ArgumentTypeError(DataError, TypeError):
    """An argument has the wrong type (e.g. an array where a fitted result is expected).

    Both a :class:`DataError` and a :class:`TypeError`; the message names the argument.
    """


class NotSupportedError(StattoolsError, NotImplementedError):
    """A combination of options that stattools does not implement (the message says which
    and what to use instead). Also a :class:`NotImplementedError`."""


class NotFittedError(StattoolsError):
    """A method needs a fitted object."""


class MissingDependencyError(StattoolsError, ImportError):
    """An optional dependency is missing; the message gives the ``pip install`` hint."""


class SimulationError(StattoolsError):
    """A replication of a simulation study failed; the message names the design and the seed
    that reproduce it, and the original exception is chained (``__cause__``)."""
