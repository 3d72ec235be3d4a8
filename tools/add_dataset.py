"""Copy a CSV into datasets/ (gzipped when large) and write its JSON metadata.

Usage (from the repository root)::

    python tools/add_dataset.py NAME SOURCE.csv META.json [--columns a,b,c]

META.json holds title, description, source, licence, citation and variables
({column: {"unit": ..., "description": ...}}); this script adds file, rows, sha256.
The SOURCE path is read once here; nothing in the package reads ../shared/.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1] / "datasets"
GZIP_ABOVE = 200_000  # bytes


def add(name: str, source: Path, meta: dict, columns: list[str] | None = None) -> Path:
    df = pd.read_csv(source)
    if columns:
        df = df[columns]
    missing = [c for c in df.columns if c not in meta.get("variables", {})]
    if missing:
        raise SystemExit(f"metadata lacks variables entries for: {missing}")
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    raw = buf.getvalue().encode()
    if len(raw) > GZIP_ABOVE:
        fname = f"{name}.csv.gz"
        data = gzip.compress(raw, compresslevel=9, mtime=0)
    else:
        fname = f"{name}.csv"
        data = raw
    (ROOT / fname).write_bytes(data)
    meta = {
        "name": name,
        **meta,
        "file": fname,
        "rows": int(len(df)),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    (ROOT / f"{name}.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return ROOT / fname


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("source", type=Path)
    ap.add_argument("meta", type=Path)
    ap.add_argument("--columns", default=None)
    a = ap.parse_args()
    meta = json.loads(a.meta.read_text(encoding="utf-8"))
    cols = a.columns.split(",") if a.columns else None
    print(add(a.name, a.source, meta, cols))


if __name__ == "__main__":
    main()
