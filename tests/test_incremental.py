"""Incremental runs: the dedup index every run writes, and ``--against`` earlier runs."""
import json
import os

import numpy as np
import pyarrow.parquet as pq

from conftest import SAMPLE, read_output
from pipeline.config import load_config
from transforms.dedup import text_hash
from transforms.minhash import Signer


def _index_rows(out):
    meta = json.load(open(os.path.join(out, "index", "_meta.json")))
    rows = []
    for shard in range(meta["shards"]):
        path = os.path.join(out, "index", f"index-{shard:05d}-of-{meta['shards']:05d}.parquet")
        rows += pq.read_table(path).to_pylist()
    return meta, rows


def test_every_run_writes_an_index_of_its_kept_documents(run_textwash):
    code, out = run_textwash("--input", SAMPLE, "--set", "output.shards=2")
    assert code == 0
    result = read_output(out)
    meta, rows = _index_rows(out)
    assert (meta["format"], meta["version"], meta["shards"], meta["docs"]) == ("textwash-dedup-index", 1, 2, 5)
    assert (meta["ngram"], meta["num_perm"], meta["bands"], meta["rows"]) == (5, 128, 25, 5)
    assert meta["fingerprints"] is True and meta["bytes"] > 0
    clean = {r["id"]: r for r in result["clean"]}
    assert sorted(r["id"] for r in rows) == sorted(clean)          # kept documents only
    cfg = load_config()["dedup"]
    signer = Signer.from_config(cfg)
    for row in rows:
        text = clean[row["id"]]["text"]
        sig, prints = signer.sign_text(text, cfg["ngram"])
        assert row["hash"].hex() == text_hash(text) and row["chars"] == len(text)
        assert np.array_equal(np.frombuffer(row["sig"], dtype=meta["sig_dtype"]), sig)
        assert np.array_equal(np.frombuffer(row["prints"], dtype="<u8"), prints)


def test_index_can_be_switched_off_or_slimmed(run_textwash, tmp_path):
    code, out = run_textwash("--input", SAMPLE, "--set", "dedup.index=false", out=tmp_path / "off")
    assert code == 0 and not os.path.exists(os.path.join(out, "index"))
    code, out = run_textwash("--input", SAMPLE, "--set", "dedup.index_fingerprints=false", out=tmp_path / "slim")
    assert code == 0
    meta, rows = _index_rows(out)
    assert meta["fingerprints"] is False and "prints" not in rows[0] and len(rows) == 5
