from __future__ import annotations

import hashlib
import io

import pytest

import stattools as st


def test_list_and_describe_every_dataset():
    ds = st.datasets.list_datasets()
    assert {"name", "title", "rows", "licence"} <= set(ds.columns)
    for name in ds.loc[ds["origin"] == "stattools", "name"]:
        meta = st.datasets.describe(name)
        for key in ("title", "description", "source", "licence", "variables", "rows", "sha256"):
            assert meta.get(key), f"{name}: metadata lacks {key}"
        df = st.datasets.load_dataset(name)
        assert len(df) == meta["rows"]
        assert set(df.columns) == set(meta["variables"])
        raw = io.StringIO()
        df.to_csv(raw, index=False, lineterminator="\n")


def test_checksums_match_files():
    from importlib import resources

    root = resources.files("stattools._data")
    for name in st.datasets.list_datasets().query("origin == 'stattools'")["name"]:
        meta = st.datasets.describe(name)
        data = (root / meta["file"]).read_bytes()
        if meta["file"].endswith(".gz"):
            import gzip

            data = gzip.decompress(data)
        assert hashlib.sha256(data).hexdigest() == meta["sha256"], name


def test_statsmodels_proxy():
    nile = st.datasets.load_dataset("nile")
    assert len(nile) == 100


def test_unknown_name_suggests():
    with pytest.raises(KeyError, match="galaxies"):
        st.datasets.load_dataset("galaxy")
    with pytest.raises(KeyError):
        st.datasets.describe("nope")


def test_shipped_data_small():
    from importlib import resources

    total = sum(
        p.stat().st_size
        for p in resources.files("stattools._data").iterdir()
        if p.name.endswith((".csv", ".gz", ".json"))
    )
    assert total < 10 * 2**20
