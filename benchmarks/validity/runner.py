"""``python -m benchmarks validity``: run the calibration atlas and write VALIDITY.md.

Usage::

    python -m benchmarks validity [--family F ...] [--ci | --reps N] [--study NAME ...]
                                  [--scheduler ADDRESS] [--store DIR] [--time-limit MINUTES]
                                  [--n-jobs N] [--out FILE] [--figures DIR]
    python -m benchmarks validity --overhead [--reps N]   # RESULTS.md "simulation engine"

``--family`` takes a family name (``benchmarks/validity/<family>.py``) or a dotted module
path exposing ``studies()``; default: every family file present. ``--ci`` uses each
study's ``reps_ci``, ``--reps N`` forces N, default the final-table ``reps``.
``--scheduler`` runs on that dask scheduler (``backend="dask"``); ``--store`` checkpoints
every study in ``DIR/<study>-r<reps>`` so an interrupted atlas resumes where it stopped (a
store whose study changed since - code, grid or seed - is moved aside to
``<name>.stale-<time>`` and the study recomputed; a new ``<study>-r<reps>`` starts from
the replications of the same study's largest current store at another ``reps``, so a
200-replication table grows to 1000 by running only the missing 800). ``--time-limit`` reports a study that
runs longer as timed out instead of blocking the atlas.
Each family's section of the Markdown file (between ``<!-- validity:F:start/end -->``
markers) is replaced; the other sections are kept.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import importlib
import json
import logging
import math
import os
import platform
import re
import shutil
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from . import FAMILIES

HERE = Path(__file__).resolve().parent
VALIDITY = HERE.parent / "VALIDITY.md"
FIGURES = HERE.parent / "figures"
REQUIRED = ("name", "title", "description", "simulate", "analyse", "grid", "reps", "reps_ci",
            "nominal", "kind")  # fmt: skip
KINDS = ("size", "power", "coverage")
log = logging.getLogger("benchmarks.validity")


class StudySpecError(ValueError):
    """A family's ``studies()`` entry is malformed."""


class StudyTimeout(BaseException):  # noqa: N818 - BaseException: not recorded per replication
    """Raised by the alarm of ``--time-limit`` inside a running study."""


class _Deadline:
    """``simulate`` with a deadline: a replication that would start late raises StudyTimeout.

    Cooperative (checked between replications, never inside numerical code, which a signal
    could corrupt), so a single replication running past the limit is allowed to finish.
    The engine identifies the study by the wrapped function (``__wrapped__``).
    """

    def __init__(self, simulate: Any, deadline: float):
        self.__wrapped__ = simulate
        self.deadline = deadline

    def __call__(self, design: dict[str, Any], rng: Any) -> Any:
        if time.time() > self.deadline:
            raise StudyTimeout
        return self.__wrapped__(design, rng)


def _stored_reps(path: Path) -> int:
    import pandas as pd

    return sum(len(pd.read_parquet(f, columns=["rep"])) for f in path.glob("chunk-*.parquet"))


def _seed_store(spec: dict[str, Any], reps: int, seed: int, spath: Path) -> str | None:
    """Start ``spath`` from the largest current store of the same study at other ``reps``.

    Replication r of design d has the same seed whatever the total, so the finished chunks of
    a 200-replication store are replications 0-199 of the 1000-replication study. Chunks
    are hard-linked (copied across file systems); stale siblings are skipped.
    """
    from stattools.core.exceptions import DataError
    from stattools.core.simulation import check_store

    siblings = []
    for p in spath.parent.glob(f"{spec['name']}-r*"):
        tail = p.name[len(spec["name"]) + 2 :]
        if tail.isdigit() and (p / "manifest.json").exists():
            siblings.append((int(tail), p))
    for _, src in sorted(siblings, reverse=True):
        try:
            check_store(spec["simulate"], spec["analyse"], spec["grid"], reps,
                        rng=seed, store=src)  # fmt: skip
        except DataError:
            continue
        spath.mkdir(parents=True)
        for f in src.glob("chunk-*.parquet"):
            if int(f.name.split("-r")[1].split("-")[0]) < reps:  # chunk-dD-rSTART-STOP
                try:
                    os.link(f, spath / f.name)
                except OSError:
                    shutil.copy2(f, spath / f.name)
        manifest = json.loads((src / "manifest.json").read_text())
        manifest["reps"] = reps
        (spath / "manifest.json").write_text(json.dumps(manifest, indent=1))
        return src.name
    return None


@dataclass
class StudyRun:
    """One study's spec, result (or error) and run facts."""

    family: str
    spec: dict[str, Any]
    reps: int
    seed: int
    result: Any = None
    error: str | None = None
    seconds: float = math.nan
    figure: str | None = None
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ loading
def load_studies(family: str) -> tuple[str, list[dict[str, Any]]]:
    """Import a family file (or a dotted module) and validate its ``studies()``."""
    modname = family if "." in family else f"benchmarks.validity.{family}"
    label = family.rsplit(".", 1)[-1] if "." in family else family
    mod = importlib.import_module(modname)
    if not hasattr(mod, "studies"):
        raise StudySpecError(f"{modname} has no studies() function.")
    specs = list(mod.studies())
    names = set()
    for i, spec in enumerate(specs):
        missing = [k for k in REQUIRED if k not in spec]
        if missing:
            raise StudySpecError(f"{modname}.studies()[{i}] lacks the keys {missing}.")
        if spec["kind"] not in KINDS:
            raise StudySpecError(f"study {spec['name']!r}: kind must be one of {KINDS}.")
        if spec["name"] in names or not re.fullmatch(r"[a-z0-9_]+", spec["name"]):
            raise StudySpecError(f"study name {spec['name']!r} must be a unique snake_case id.")
        names.add(spec["name"])
    return label, specs


def study_seed(spec: dict[str, Any]) -> int:
    """The study's seed: ``spec["seed"]`` or a hash of its name (stable across runs)."""
    if spec.get("seed") is not None:
        return int(spec["seed"])
    return int(hashlib.sha256(spec["name"].encode()).hexdigest()[:8], 16)


def _available_families() -> list[str]:
    return [f for f in FAMILIES if (HERE / f"{f}.py").exists()]


# ------------------------------------------------------------------ running
def run_study(
    family: str,
    spec: dict[str, Any],
    *,
    reps: int,
    store: Path | None = None,
    backend: str | None = None,
    n_jobs: int = 1,
    progress: bool | None = None,
    time_limit: float | None = None,
) -> StudyRun:
    """Run one study through ``st.simulation_study``; errors are captured on the run.

    ``time_limit`` (seconds) stops a study at the first replication that would start
    later; with a store, its finished chunks are kept and the same command resumes it.
    """
    import stattools as st
    from stattools.core.exceptions import DataError
    from stattools.core.simulation import check_store

    run = StudyRun(family, spec, reps, study_seed(spec))
    nominal = spec["nominal"] if spec["kind"] != "power" else {}
    t0 = time.perf_counter()
    spath = None if store is None else store / f"{spec['name']}-r{reps}"
    simulate = spec["simulate"]
    if time_limit:
        simulate = _Deadline(simulate, time.time() + time_limit)
    if spath is not None and not (spath / "manifest.json").exists():
        source = _seed_store(spec, reps, run.seed, spath)
        if source is not None:
            run.notes.append(f"store started from the replications of {source}")
    if spath is not None and (spath / "manifest.json").exists():
        try:  # the study's code, grid or seed changed since the store was written
            check_store(spec["simulate"], spec["analyse"], spec["grid"], reps,
                        rng=run.seed, store=spath)  # fmt: skip
        except DataError as exc:
            stale = spath.with_name(f"{spath.name}.stale-{int(time.time())}")
            spath.rename(stale)
            run.notes.append(f"store {spath.name} was stale ({exc}); moved to {stale.name}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run.result = st.simulation_study(
                simulate,
                spec["analyse"],
                spec["grid"],
                reps,
                rng=run.seed,
                n_jobs=n_jobs,
                backend=backend,
                progress=progress,
                store=spath,
                on_error=spec.get("on_error", "record"),
                nominal=nominal,
            )
            if spec.get("finalize") is not None:  # derived rates (e.g. warp-speed bootstrap)
                run.result = spec["finalize"](run.result)
        run.notes += sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    except StudyTimeout:
        n_designs = len(_design_count(spec["grid"]))
        done = f"{_stored_reps(spath)} of {n_designs * reps}" if spath else "an unknown number"
        run.error = (
            f"TIMED OUT after the --time-limit of {time_limit:.0f} s; {done} replications "
            "finished" + (" (kept in the store: rerun to resume)" if spath else "")
        )
    except Exception as exc:  # noqa: BLE001 - one failing study must not stop the atlas
        run.error = f"{type(exc).__name__}: {exc}"
        log.error("study %s failed:\n%s", spec["name"], traceback.format_exc())
    run.seconds = time.perf_counter() - t0
    return run


def _design_count(grid: Any) -> list[Any]:
    from stattools.core.simulation import _design_dicts, _design_frame

    return _design_dicts(_design_frame(grid))


def _figure(run: StudyRun, outdir: Path) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = run.result
    tab = res.tidy()
    if not tab["rate"].notna().any():
        fig = res.plot(kind="mean")
    elif run.spec["kind"] == "power":
        try:
            fig = res.plot(kind="power", x=run.spec.get("x"))
        except Exception:  # noqa: BLE001 - no numeric grid column: fall back to rates
            fig = res.plot(kind="rate")
    else:
        fig = res.plot(kind="rate")
    fig.suptitle(f"{run.spec['title']} ({run.reps} reps per design)", fontsize=9)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{run.spec['name']}.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path.name


# ------------------------------------------------------------------ rendering
def _versions() -> str:
    out = [f"Python {platform.python_version()}"]
    for p in ("stattools", "numpy", "scipy", "pandas", "statsmodels"):
        try:
            out.append(f"{p} {version(p)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def _num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _explanation(spec: dict[str, Any], row: Any) -> str:
    expl = spec.get("explanations") or {}
    text = expl.get(row["term"]) or expl.get(row["quantity"])
    return text or "not explained by the family yet"


def _cost(res: Any) -> tuple[float, float]:
    """Mean wall and CPU milliseconds per replication."""
    tim = res.timings
    n = max(int(tim["reps"].sum()), 1)
    return 1e3 * float(tim["seconds_total"].sum()) / n, 1e3 * float(
        tim["cpu_seconds_total"].sum()
    ) / n


def render_study(run: StudyRun, figures_rel: str) -> str:
    """The Markdown block of one study."""
    spec = run.spec
    lines = [f"### {spec['title']} (`{spec['name']}`)", "", f"{spec['description']}", ""]
    facts = (
        f"Kind: {spec['kind']}. Replications: {run.reps} per design. Seed: {run.seed}. "
        f"Wall time: {run.seconds:.1f} s."
    )
    if run.error:
        return "\n".join([*lines, facts, "", f"**FAILED**: `{run.error}`", ""])
    res = run.result
    wall, cpu = _cost(res)
    lines += [f"{facts} Mean cost per replication: {wall:.1f} ms wall, {cpu:.1f} ms CPU.", ""]
    tab = res.tidy()
    gcols = list(res.designs.columns)
    head = [*gcols, "quantity", "n ok", "rate / mean", "Wilson 95% / MC s.e.", "nominal",
            "MC band", "status"]  # fmt: skip
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    explained = []
    for _, r in tab.iterrows():
        is_rate = not math.isnan(r["rate"])
        value = _num(r["rate"]) if is_rate else _num(r["mean"], 4)
        spread = (
            f"[{_num(r['rate_low'])}, {_num(r['rate_high'])}]" if is_rate else _num(r["mc_se"], 4)
        )
        band, status = "", ""
        if is_rate and not math.isnan(r["nominal"]):
            band = f"[{_num(r['band_low'])}, {_num(r['band_high'])}]"
            if bool(r["in_band"]):
                status = "in band"
            else:
                status = f"**OUTSIDE** ({len(explained) + 1})"
                explained.append(f"{r['term']}: {_explanation(spec, r)}")
        elif is_rate and spec["kind"] == "power":
            status = "power"
        elif is_rate:
            status = "no nominal given"
        cells = [str(r[c]) for c in gcols]
        cells += [r["quantity"], str(r["n_ok"]), value, spread, _num(r["nominal"]), band, status]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for i, text in enumerate(explained, 1):
        lines.append(f"({i}) Outside its Monte Carlo band: {text}.")
    if res.n_failed:
        first = res.replicates["error"].dropna().iloc[0]
        lines.append(f"Failed replications (recorded): {res.n_failed}; first: `{first}`.")
    for note in run.notes:
        lines.append(f"Note: {note}")
    if run.figure:
        lines += ["", f"![{spec['name']}]({figures_rel}/{run.figure})"]
    lines.append("")
    return "\n".join(lines)


def render_family(family: str, runs: list[StudyRun], mode: str, figures_rel: str) -> str:
    """The Markdown section of one family (cost table, then one table per study)."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {family}",
        "",
        f"Run {stamp} ({mode}) on {platform.machine()}, {_versions()}.",
        f"Reproduce: `python -m benchmarks validity --family {family}"
        + (" --ci`." if mode == "CI repetitions" else "`."),
        "",
        "| study | kind | designs | reps | wall (s) | wall ms / rep | CPU ms / rep "
        "| rates outside band | CPU at final reps (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run.error:
            lines.append(f"| `{run.spec['name']}` | {run.spec['kind']} | | {run.reps} | "
                         f"{run.seconds:.1f} | | | FAILED | |")  # fmt: skip
            continue
        res = run.result
        wall, cpu = _cost(res)
        lines.append(
            f"| `{run.spec['name']}` | {run.spec['kind']} | {len(res.designs)} | {run.reps} | "
            f"{run.seconds:.1f} | {wall:.1f} | {cpu:.1f} | {len(res.out_of_band)} "
            f"| {cpu / 1e3 * len(res.designs) * run.spec['reps']:.0f} |"
        )
    lines.append("")
    lines += [render_study(run, figures_rel) for run in runs]
    return "\n".join(lines)


HEADER = """# Calibration atlas (VALIDITY)

Size, power and coverage of every test and interval in stattools, written by
`python -m benchmarks validity` (see `benchmarks/validity/`). Every study runs through
`st.simulation_study`: each replication has its own seed (`SeedSequence(seed,
spawn_key=(design, replication))`), so a table is reproduced exactly by its seed whatever the
number of workers. Rates carry Wilson 95% intervals; a rate with a nominal value is checked
against the exact binomial Monte Carlo band `[binom.ppf(5e-4, n, p), binom.isf(5e-4, n, p)]`
(the band of the validity tests; one end only for one-sided guarantees). A rate outside its
band is marked **OUTSIDE** and explained below its table. Timings were measured on a shared
2-core machine, often under load. A table completed or re-rendered from its resumable store
(`--store`) shows the wall time of that last run; the per-replication costs come from the
timings stored with each replication.
"""


def update_markdown(path: Path, family: str, body: str) -> None:
    """Replace (or append) the family's section of the Markdown file."""
    start, end = f"<!-- validity:{family}:start -->", f"<!-- validity:{family}:end -->"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    block = f"{start}\n{body}\n{end}"
    pat = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pat.search(text):
        text = pat.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ CLI
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks validity", description=__doc__.split("\n")[0]
    )
    p.add_argument("--family", action="append", help="family name or dotted module (repeatable)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--ci", action="store_true", help="use each study's reps_ci")
    g.add_argument("--reps", type=int, help="replications per design for every study")
    p.add_argument("--study", action="append", help="run only these study names")
    p.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://10.0.0.1:8786")
    p.add_argument("--store", type=Path, help="directory for resumable per-study stores")
    p.add_argument("--n-jobs", type=int, default=1, help="loky workers (without --scheduler)")
    p.add_argument("--out", type=Path, default=VALIDITY, help="Markdown file to update")
    p.add_argument("--figures", type=Path, default=FIGURES, help="directory of the PNG figures")
    p.add_argument("--progress", action="store_true", help="show progress bars")
    p.add_argument(
        "--time-limit",
        type=float,
        help="minutes per study; a study running longer is reported as timed out "
        "(its finished chunks stay in --store)",
    )
    p.add_argument(
        "--overhead",
        action="store_true",
        help="only measure the engine's serial and dask overhead (RESULTS.md section)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks validity``; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.overhead:
        print(measure_overhead(args.reps or 200))
        return 0
    families = args.family or _available_families()
    if not families:
        print("no family files in benchmarks/validity/", file=sys.stderr)
        return 2
    client = None
    backend = None
    if args.scheduler:
        distributed = importlib.import_module("distributed")
        client = distributed.Client(args.scheduler, set_as_default=False)
        backend = "dask"
        print(f"dask: {args.scheduler}, {len(client.scheduler_info()['workers'])} workers")
    mode = "CI repetitions" if args.ci else "final-table repetitions"
    if args.reps:
        mode = f"{args.reps} repetitions"
    import contextlib

    current = client.as_current() if client is not None else contextlib.nullcontext()
    try:
        current.__enter__()
        failed = 0
        for family in families:
            try:
                label, specs = load_studies(family)
            except (ImportError, StudySpecError) as exc:
                print(f"== {family}: cannot load its studies ({exc})", file=sys.stderr)
                failed += 1
                continue
            if args.study:
                specs = [s for s in specs if s["name"] in args.study]
            runs = []
            for spec in specs:
                reps = args.reps or (spec["reps_ci"] if args.ci else spec["reps"])
                print(f"== {label}: {spec['name']} ({reps} reps)", flush=True)
                run = run_study(label, spec, reps=reps, store=args.store, backend=backend,
                                n_jobs=args.n_jobs, progress=args.progress or None,
                                time_limit=args.time_limit and 60 * args.time_limit)  # fmt: skip
                if run.result is not None:
                    run.figure = _figure(run, args.figures)
                    print(f"   {run.seconds:.1f} s, {len(run.result.out_of_band)} outside band")
                else:
                    failed += 1
                    print(f"   FAILED: {run.error}")
                runs.append(run)
            try:
                figures_rel = str(args.figures.resolve().relative_to(args.out.resolve().parent))
            except ValueError:
                figures_rel = str(args.figures.resolve())
            update_markdown(args.out, label, render_family(label, runs, mode, figures_rel))
        return 1 if failed else 0
    finally:
        current.__exit__(None, None, None)
        if client is not None:
            client.close()


# ------------------------------------------------------------------ engine overhead
def _oh_simulate(design: dict[str, Any], rng: Any) -> Any:
    return rng.standard_t(5, size=design["n"])


def _oh_analyse(x: Any) -> dict[str, Any]:
    """Percentile-bootstrap 95% interval of the mean (2000 resamples): a few ms of work."""
    import numpy as np

    idx = np.random.default_rng(x.size).integers(0, x.size, size=(2000, x.size))
    lo, hi = np.quantile(x[idx].mean(axis=1), [0.025, 0.975])
    return {"cover": bool(lo <= 0 <= hi), "width": float(hi - lo)}


def measure_overhead(reps: int = 100, repeat: int = 5) -> str:
    """Time one small study as a plain loop, serially through the engine and on dask
    LocalClusters of 1 and 2 worker processes (minimum of ``repeat`` interleaved runs); write the
    RESULTS.md section "simulation engine"."""
    import contextlib
    import os
    import statistics

    import numpy as np
    import pandas as pd

    import stattools as st
    from stattools.core.simulation import replication_seed

    from ..harness import _update

    grid = {"n": [100, 200, 300, 400]}
    kw = dict(rng=1, progress=False)

    def loop() -> None:
        for d, n in enumerate(grid["n"]):
            for r in range(reps):
                rng = np.random.default_rng(replication_seed(1, d, r))
                _oh_analyse(_oh_simulate({"n": n}, rng))

    def engine(**extra: Any) -> Any:
        return st.simulation_study(_oh_simulate, _oh_analyse, grid, reps, **kw, **extra)

    load = os.getloadavg()[0]
    distributed = importlib.import_module("distributed")
    names = ["plain Python loop (no engine)", "engine, serial",
             "engine, dask LocalCluster, 1 worker process",
             "engine, dask LocalCluster, 2 worker processes"]  # fmt: skip
    times: dict[str, list[float]] = {k: [] for k in names}
    cpus: dict[str, list[float]] = {k: [] for k in names}
    overhead: dict[str, list[float]] = {k: [] for k in names}
    psutil = importlib.import_module("psutil")

    def cpu_now() -> float:  # CPU of this process (client + schedulers) and all workers
        procs = [psutil.Process(), *psutil.Process().children(recursive=True)]
        total = 0.0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    info: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        clients = []
        for workers in (1, 2):
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None))  # fmt: skip
            client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
            with client.as_current():
                engine(backend="dask")  # warm-up: worker imports
            clients.append(client)
        serial = engine()
        for _ in range(repeat):  # interleaved, so that load changes hit every path alike
            for name in names:
                t0, c0 = time.perf_counter(), cpu_now()
                if name == names[0]:
                    loop()
                elif name == names[1]:
                    out = engine()
                else:
                    with clients[names.index(name) - 2].as_current():
                        out = engine(backend="dask")
                    pd.testing.assert_frame_equal(out.replicates, serial.replicates)
                times[name].append(time.perf_counter() - t0)
                cpus[name].append(cpu_now() - c0)
                if name != names[0]:
                    info[name] = (out.info["chunk_size"], out.info["chunks_run"])
                    work = float(out.timings["cpu_seconds_total"].sum())
                    overhead[name].append((cpus[name][-1] - work) / cpus[name][-1])
    t_serial = min(times[names[1]])
    cpu = float(serial.timings["cpu_seconds_total"].sum())
    rows = [
        (n, min(times[n]), min(cpus[n]), statistics.median(overhead[n]) if overhead[n] else None,
         *info.get(n, ("-", "-")))
        for n in names
    ]  # fmt: skip
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## simulation engine",
        "",
        f"Run {stamp} on {platform.machine()}, {_versions()}; a shared 2-core machine under "
        f"load (1-minute load average {load:.1f} at the start), so times are noisy; the "
        f"minimum of {repeat} interleaved runs per path.",
        f"Study: bootstrap-interval coverage, 4 designs x {reps} replications "
        f"({1e3 * cpu / (4 * reps):.2f} ms of CPU per replication, {cpu:.2f} s in total). "
        "Results are bit-identical on every path (asserted).",
        "",
        "| path | wall (s) | wall ratio to engine serial | CPU of all processes (s) "
        "| CPU overhead beyond the replications' own CPU (median) | chunk size | tasks |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, t, c, oh, chunk, tasks in rows:
        ohs = "-" if oh is None else f"{100 * oh:.1f}%"
        lines.append(
            f"| {name} | {t:.2f} | {t / t_serial:.2f} | {c:.2f} | {ohs} | {chunk} | {tasks} |"
        )
    lines += [
        "",
        "The wall-time ratios are dominated by the machine's load (other agents' processes "
        "compete with the dask workers and scheduler). The CPU column counts this process "
        "(client and both LocalCluster schedulers) and all worker and nanny processes during "
        "each run, against the thread CPU of the replications of that run; both clusters stay "
        "up during every path, so their idle heartbeats are in every row's overhead "
        "(the serial row is the baseline), and dask's own cost is the difference between a "
        "dask row and the serial row. Chunks are sized from a two-replication pilot so that "
        "a task lasts ~2 s on workers (capped to give each worker at least 4 tasks).",
        "",
    ]
    body = "\n".join(lines)
    _update("simulation engine", body)
    return body
