"""Randomness, parallel execution and progress bars shared by every family.

* ``rng`` (None, int, Generator or SeedSequence) is normalised once to a
  :class:`numpy.random.SeedSequence`; children are spawned per fixed work unit (one
  replicate, or one fixed-size chunk of draws), never per worker, so results are identical
  for any ``n_jobs``, backend or scheduling.
* :func:`parallel_map` runs tasks through joblib (``n_jobs=1`` by default: loky workers take
  seconds to start), or on a user's dask cluster with ``backend="dask"``.
* :func:`progress_bar` wraps tqdm: ``progress=None`` shows a bar only on a terminal or in
  a notebook, and ``st.options.progress = False`` turns every bar off.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .exceptions import DataError
from .lazy import lazy_import

__all__ = [
    "as_seed_sequence",
    "seed_record",
    "single_thread_blas",
    "check_n_jobs",
    "spawn_generators",
    "draw_chunks",
    "parallel_map",
    "progress_bar",
]

RngLike = None | int | np.random.Generator | np.random.SeedSequence


def as_seed_sequence(rng: RngLike) -> np.random.SeedSequence:
    """Normalise ``rng`` to a SeedSequence.

    A Generator is consumed once (128 bits drawn) so that repeated calls differ, as they
    would when drawing from the generator directly.

    Examples
    --------
    >>> as_seed_sequence(1).entropy
    1
    """
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        # one 126-bit integer entropy, so that ``seed_record`` can replay it as ``rng=<int>``
        hi, lo = (int(v) for v in rng.integers(0, 2**63, size=2))
        return np.random.SeedSequence((hi << 63) | lo)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if rng < 0:
            raise DataError(f"rng must be a non-negative integer seed, got {rng}.")
        return np.random.SeedSequence(int(rng))
    raise DataError(
        f"rng must be None, an int, a numpy Generator or a SeedSequence; got {type(rng).__name__}."
    )


def seed_record(seed: np.random.SeedSequence) -> int | np.random.SeedSequence:
    """The value to store on a result so that ``rng=<value>`` reproduces it exactly.

    Every stochastic result stores it as ``result.seed`` (also when the user passed
    ``rng=None``: the fresh OS entropy is recorded) and prints it in ``summary()``.
    A root SeedSequence is recorded as its integer entropy; a spawned child (non-empty
    ``spawn_key``) is recorded as the SeedSequence itself, since an integer cannot name it.

    Examples
    --------
    >>> seed_record(as_seed_sequence(12345))
    12345
    >>> ss = as_seed_sequence(None)
    >>> as_seed_sequence(seed_record(ss)).generate_state(2).tolist() == ss.generate_state(2).tolist()
    True
    """
    if not seed.spawn_key and isinstance(seed.entropy, int | np.integer):
        return int(seed.entropy)
    return seed


def single_thread_blas():
    """Context manager limiting BLAS to one thread (a no-op without threadpoolctl).

    ``parallel_map`` runs every task under it, in the parent and in the workers alike, so
    a result is bit-identical whatever ``n_jobs`` (multi-threaded BLAS kernels may sum in
    another order). It is also faster for the many small products resampling does.
    """
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        import contextlib

        return contextlib.nullcontext()
    # one controller per process: ``threadpool_limits`` rescans the loaded libraries
    # (reading /proc/self/maps) on every call, ~10 ms wall each under load; BLAS is
    # loaded with numpy, before the first call, so the cached scan sees it
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        # scipy ships its own OpenBLAS, loaded with scipy.linalg: load it before the one
        # scan, so that the limit covers it too (results must not depend on BLAS threads)
        import scipy.linalg  # noqa: F401

        _BLAS_CONTROLLER = threadpoolctl.ThreadpoolController()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


_BLAS_CONTROLLER: Any = None


def spawn_generators(rng: RngLike, n: int) -> list[np.random.Generator]:
    """``n`` independent Generators, one per work unit (reproducible for any ``n_jobs``)."""
    return [np.random.default_rng(s) for s in as_seed_sequence(rng).spawn(n)]


def draw_chunks(
    rng: RngLike, n_draws: int, chunk: int = 256
) -> list[tuple[int, np.random.SeedSequence]]:
    """Split ``n_draws`` into fixed-size chunks, each with its own child seed.

    Returns
    -------
    list of (size, SeedSequence)

    Examples
    --------
    >>> [size for size, _ in draw_chunks(0, 600, chunk=256)]
    [256, 256, 88]
    """
    if n_draws < 1:
        raise DataError(f"n_resamples must be a positive integer, got {n_draws}.")
    sizes = [chunk] * (n_draws // chunk) + ([n_draws % chunk] if n_draws % chunk else [])
    seeds = as_seed_sequence(rng).spawn(len(sizes))
    return list(zip(sizes, seeds))


def progress_bar(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    progress: bool | None = None,
    desc: str | None = None,
    unit: str = "it",
):
    """A labelled progress bar that works on a terminal and in a notebook, and never warns.

    Parameters
    ----------
    iterable : iterable, optional
        Wrapped like ``tqdm(iterable)``; or call ``.update(n)`` on the returned bar.
    total : int, optional
        Number of units (defaults to ``len(iterable)``).
    progress : bool or None
        None (auto): the global ``st.options.progress`` (environment ``STATTOOLS_PROGRESS``)
        decides, and when that is None too a bar appears only on a terminal or in a Jupyter
        kernel. True: a bar; False: none. ``st.options.progress = False`` turns every bar
        off, whatever ``progress`` says.
    desc : str, optional
        What is being done, e.g. ``"bootstrap"``.
    unit : str, default "it"
        What one tick counts, e.g. ``"draw"``, ``"sweep"``, ``"chain"``, ``"replicate"``.

    Returns
    -------
    tqdm.tqdm
        A disabled bar (no output, same interface) when no bar is wanted. In a notebook the
        widget bar is used when ipywidgets is installed (the ``docs`` extra), else a text bar
        on stdout, so tqdm's "IProgress not found" warning cannot appear.

    Examples
    --------
    >>> bar = progress_bar(range(3), progress=False, desc="demo", unit="draw")
    >>> [i for i in bar], bar.disable
    ([0, 1, 2], True)
    """
    import sys

    from .options import options

    glob = options.progress
    want = progress if progress is not None else glob
    if glob is False:
        want = False
    kernel = _in_jupyter_kernel()
    if want is None:
        stream = getattr(sys.stderr, "isatty", None)
        want = kernel or bool(stream and stream())
    std = lazy_import("tqdm.std")
    kw: dict[str, Any] = dict(total=total, desc=desc, unit=unit, leave=False)
    if not want:
        return std.tqdm(iterable, disable=True, **kw)
    if kernel:
        try:
            import ipywidgets  # noqa: F401 - the widget bar needs it

            notebook = lazy_import("tqdm.notebook")
        except ImportError:
            return std.tqdm(iterable, file=sys.stdout, dynamic_ncols=True, **kw)
        with warnings.catch_warnings():
            # tqdm warns (TqdmWarning/TqdmExperimentalWarning) about widget support details;
            # ipywidgets is importable here, so the bar works and the notice is noise.
            warnings.simplefilter("ignore", std.TqdmWarning)
            return notebook.tqdm(iterable, **kw)
    return std.tqdm(iterable, **kw)


def _in_jupyter_kernel() -> bool:
    """True inside an IPython kernel (Jupyter, nbclient), False in a terminal IPython."""
    from .plotting import in_jupyter_kernel

    return in_jupyter_kernel()


def check_n_jobs(n_jobs: Any) -> int:
    """Validate ``n_jobs`` (a non-zero integer, as in joblib: -1 means all cores).

    Examples
    --------
    >>> check_n_jobs(2)
    2
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0:
        raise DataError(
            f"n_jobs must be a non-zero integer (1 = serial, -1 = all cores); got {n_jobs!r}."
        )
    return int(n_jobs)


_WORKER_PINNED = False


def _pin_worker_blas() -> None:
    """Limit BLAS to one thread for the rest of this worker process's life.

    Done once per process rather than per task: threadpoolctl's limits are process-wide, so
    entering and leaving a context in concurrent threads (dask workers run tasks in threads)
    could restore a stale limit.
    """
    global _WORKER_PINNED
    if not _WORKER_PINNED:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            return
        threadpool_limits(limits=1, user_api="blas")
        _WORKER_PINNED = True


def _call(i: int, func: Callable, task: Any, pin: bool = True) -> tuple[int, Any]:
    if pin:
        _pin_worker_blas()
    return i, func(task)


def parallel_map(
    func: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool | None = None,
    desc: str | None = None,
) -> list[Any]:
    """Apply ``func`` to every task, in order, serially or in parallel.

    Parameters
    ----------
    func : callable
        Must be picklable for ``n_jobs != 1`` (a module-level function or a
        ``functools.partial`` of one).
    tasks : sequence
        One argument per call. Seeds belong inside the tasks (see :func:`spawn_generators`).
    n_jobs : int, default 1
        joblib's ``n_jobs``; 1 runs in-process without joblib.
    backend : {None, "loky", "dask"}
        ``"dask"`` runs on the current ``distributed.Client`` (create one first); ``None``
        uses joblib's active configuration (so ``joblib.parallel_config`` works too).
    progress : bool or None
        Progress bar (None: only on a terminal).
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    list
        ``[func(t) for t in tasks]``, in task order, whatever the backend.

    Examples
    --------
    >>> parallel_map(abs, [-1, 2, -3])
    [1, 2, 3]
    """
    tasks = list(tasks)
    check_n_jobs(n_jobs)
    if backend not in (None, "loky", "dask", "threading", "multiprocessing"):
        raise DataError(f"backend must be None, 'loky' or 'dask'; got {backend!r}.")
    bar = progress_bar(total=len(tasks), progress=progress, desc=desc)
    try:
        if n_jobs == 1 and backend is None:
            out = []
            with single_thread_blas():  # same BLAS threading as in the workers
                for t in tasks:
                    out.append(func(t))
                    bar.update(1)
            return out
        joblib = lazy_import("joblib")
        if backend == "dask":
            lazy_import("dask")
            distributed = lazy_import("distributed")
            try:
                distributed.get_client()
            except ValueError:
                raise RuntimeError(
                    "backend='dask' needs a running dask cluster: create "
                    "`distributed.Client(...)` first."
                ) from None
        results: list[Any] = [None] * len(tasks)
        cfg = joblib.parallel_config(backend=backend) if backend else _null_context()
        # threads share the parent's BLAS: pin it here once; processes pin themselves
        pin = backend not in ("threading",)
        with cfg, single_thread_blas():
            par = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            if pin and getattr(par, "_backend", None) is not None:
                pin = "Threading" not in type(par._backend).__name__
            jobs = (joblib.delayed(_call)(i, func, t, pin) for i, t in enumerate(tasks))
            for i, r in par(jobs):
                results[i] = r
                bar.update(1)
        return results
    finally:
        bar.close()


class _null_context:  # noqa: N801
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
