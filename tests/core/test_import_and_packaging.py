from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ("duration", "conformal", "nonstationary", "frechet", "mixture")
HEAVY = ("pymc", "arviz", "matplotlib", "dask", "sklearn", "ot", "pytensor", "statsmodels")


def test_import_is_light():
    # import *time* is measured in benchmarks/bench_core.py (never timed in a unit test);
    # here the deterministic cause of a slow import: no heavy module and no family loaded
    families = [f"stattools.{f}" for f in FAMILIES]
    code = (
        "import sys; import stattools; "
        f"print([m for m in {HEAVY + tuple(families)!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_public_name_resolves():
    import stattools as st

    for name in st.api.EXPORTS:
        assert getattr(st, name) is not None, name


def test_package_list_matches_tree():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(cfg["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.relative_to(ROOT).parent.parts)
        for p in (ROOT / "stattools").rglob("__init__.py")
    }
    assert listed - {"stattools._data"} == found
    assert (ROOT / "datasets" / "__init__.py").exists()


@pytest.mark.slow
def test_wheel_installs_and_loads_every_dataset(tmp_path):
    # build from a copy so that setuptools' build/ folder never lands in the work tree
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for item in ("stattools", "datasets"):
        shutil.copytree(ROOT / item, src / item, ignore=ignore)
    for item in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / item, src / item)
    dist = tmp_path / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip_wheel, "-q", "-w", str(dist), str(src)], check=True, capture_output=True)
    wheel = next(dist.glob("stattools-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # dependencies come from the dev environment (appended after the fresh site-packages;
    # its editable-install hooks are not processed from a .pth path entry)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "zz_deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import stattools as st, pathlib; "
        f"assert pathlib.Path(st.__file__).is_relative_to({site!r}), st.__file__; "
        "ds = st.datasets.list_datasets().query(\"origin == 'stattools'\"); "
        "n = [len(st.datasets.load_dataset(x)) for x in ds['name']]; "
        "assert all(n) and len(n) == len(ds); print(len(n))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([py, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 11
