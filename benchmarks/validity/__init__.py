"""The calibration atlas: every family's size, power and coverage designs.

``benchmarks/validity/<family>.py`` (one per family, written by the family) exposes
``studies() -> list[dict]``; each dict has the keys

* ``name`` (unique snake id), ``title``, ``description`` (the design in words);
* ``simulate(design, rng)`` and ``analyse(data)`` - module-level (picklable) functions;
* ``grid`` - dict of lists (crossed) or a DataFrame (one design per row);
* ``reps`` (final tables, e.g. 1000) and ``reps_ci`` (the reduced CI count);
* ``nominal`` - ``{quantity: rate}`` (or ``(rate, "lower"|"upper")`` for one-sided
  guarantees, or the name of a grid column holding the rate);
* ``kind`` - ``"size"``, ``"power"`` or ``"coverage"``.

Optional keys: ``seed`` (int; default derived from ``name``), ``x`` (grid column for power
curves), ``explanations`` (``{quantity or term: text}`` printed beside a rate outside its
Monte Carlo band), ``on_error`` (``"record"`` by default in the atlas), ``finalize``
(``SimulationResult -> SimulationResult``, applied after the run: rates that pool
replications, e.g. warp-speed bootstrap decisions).

``python -m benchmarks validity [--family F] [--ci | --reps N] [--scheduler ADDRESS]
[--store DIR]`` runs them through :func:`stattools.simulation_study` and rewrites the
family's section of ``benchmarks/VALIDITY.md`` plus PNG figures in ``benchmarks/figures/``
(see :mod:`benchmarks.validity.runner`).
"""

FAMILIES = (
    "duration",
    "duration_forecast",
    "conformal",
    "conformal_highprob",
    "conformal_cross",
    "nonstationary",
    "nonstationary_breaks",
    "nonstationary_tv",
    "frechet",
    "frechet_changepoint",
    "frechet_spaces",
    "mixture",
)
