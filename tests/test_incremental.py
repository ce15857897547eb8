"""Incremental runs: the dedup index every run writes, and ``--against`` earlier runs."""
import json
import os
import random

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import SAMPLE, read_output
from pipeline.cli import main
from pipeline.config import load_config, load_settings
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
    dedup = load_settings().dedup
    signer = Signer.from_settings(dedup)
    for row in rows:
        text = clean[row["id"]]["text"]
        sig, prints = signer.sign_text(text, dedup.ngram)
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


# ------------------------------------------------------------------ --against earlier runs

SEEDS = os.path.join(SAMPLE, "*.txt")            # run 1: the five seed articles
WIRE = os.path.join(SAMPLE, "wire.jsonl")        # run 2: a syndicated copy of 004, an exact copy
                                                 # of 001, a mojibake copy of 003, a broken line
VOCAB = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti") for b in
         ("ban", "dor", "fel", "gim", "hal", "jun", "kor", "lin", "mar", "nop")]


def _story(seed, sentences=24):
    """A fresh story (nothing like the seeds): paragraphs of plain sentences."""
    rng = random.Random(seed)
    lines = [" ".join("The " + " ".join(rng.choice(VOCAB) for _ in range(10)) + " was announced today."
                      for _ in range(4)) for _ in range(sentences // 4)]
    return "\n\n".join(lines)


def _write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    return str(path)


def _snapshot(out):
    return {name: open(os.path.join(root, name), "rb").read()
            for root, _, names in os.walk(out) for name in names if name != "report.html"}


@pytest.fixture(scope="module")
def run1(tmp_path_factory):
    """The seed articles published in run 1 (read-only)."""
    out = str(tmp_path_factory.mktemp("run1") / "out")
    assert main(["run", "--input", SEEDS, "--output", out, "--quiet"]) == 0
    return out


def test_syndicated_copy_in_run_2_of_a_story_published_in_run_1(run1, run_textwash, tmp_path):
    before = _snapshot(run1)
    fresh = _story(1)
    fresh_edit = fresh.rsplit(" The ", 1)[0]      # a shorter near copy: new docs duplicating each other
    new = _write_jsonl(tmp_path / "fresh.jsonl", [{"id": "fresh/a", "text": fresh},
                                                  {"id": "fresh/b", "text": fresh_edit}])
    code, out = run_textwash("--input", WIRE, "--input", new, "--against", run1, out=tmp_path / "run2")
    assert code == 0
    result = read_output(out)
    index1 = os.path.join(run1, "index")
    dups = {r["id"]: r for r in result["duplicates"]}
    syndicated = dups["wire/syndicated-004"]                       # near copy: verified exactly
    assert (syndicated["duplicate_of"], syndicated["cluster_id"]) == ("004_ea5aaf718d4ae898",) * 2
    assert syndicated["kind"] == "near" and syndicated["prior_run"] == index1
    assert syndicated["matched"] == "004_ea5aaf718d4ae898" and syndicated["matched_similarity"] >= 0.8
    for copy, original in (("wire/exact-copy-001", "001_51f5323d227fa5d1"),   # matched by text hash
                           ("wire/mojibake-003", "003_7203985f16038087")):
        assert dups[copy]["duplicate_of"] == original and dups[copy]["prior_run"] == index1
        assert dups[copy]["kind"] == "exact" and dups[copy]["similarity"] == 1.0
    assert dups["fresh/b"]["duplicate_of"] == "fresh/a" and "prior_run" not in dups["fresh/b"]
    assert [r["id"] for r in result["clean"]] == ["fresh/a"]      # earlier documents never output again
    assert result["stats"]["dedup"]["prior_docs"] == 5 and result["stats"]["dedup"]["prior_duplicates"] == 3
    assert _snapshot(run1) == before                               # run 1 is never rewritten
    _, rows = _index_rows(out)
    assert [r["id"] for r in rows] == ["fresh/a"]                  # run 2's index: its own kept docs

    # run 3 against both (one by its index directory): each duplicate names the run it found
    again = _write_jsonl(tmp_path / "again.jsonl", [
        {"id": "again/fresh", "text": fresh}, {"id": "again/000", "text": open(
            os.path.join(SAMPLE, "000_9e003dcc0704e3b7.txt"), encoding="utf-8").read()}])
    code, out3 = run_textwash("--input", again, "--against", run1, "--against", os.path.join(out, "index"),
                              out=tmp_path / "run3")
    assert code == 0
    dups3 = {r["id"]: r for r in read_output(out3)["duplicates"]}
    assert dups3["again/fresh"]["duplicate_of"] == "fresh/a"
    assert dups3["again/fresh"]["prior_run"] == os.path.join(out, "index")
    assert dups3["again/000"]["duplicate_of"] == "000_9e003dcc0704e3b7"
    assert dups3["again/000"]["prior_run"] == index1


def test_against_an_index_without_fingerprints_uses_the_estimate(run_textwash, tmp_path):
    code, slim = run_textwash("--input", SEEDS, "--set", "dedup.index_fingerprints=false", out=tmp_path / "slim")
    assert code == 0
    code, out = run_textwash("--input", WIRE, "--against", slim, out=tmp_path / "run2")
    assert code == 0
    result = read_output(out)
    dups = {r["id"]: r for r in result["duplicates"]}
    assert set(dups) == {"wire/syndicated-004", "wire/exact-copy-001", "wire/mojibake-003"}
    assert all(r["prior_run"] == os.path.join(slim, "index") for r in dups.values())
    assert dups["wire/syndicated-004"]["matched_similarity"] == dups["wire/syndicated-004"]["similarity"]
    # a run verifying by the estimate throughout (signatures in the buckets) finds the same
    code, out = run_textwash("--input", WIRE, "--against", slim, "--set", "dedup.verify=estimate",
                             out=tmp_path / "run2-estimate")
    assert code == 0
    again = {r["id"]: r for r in read_output(out)["duplicates"]}
    assert {k: (r["duplicate_of"], r["kind"], r["prior_run"]) for k, r in again.items()} == \
        {k: (r["duplicate_of"], r["kind"], r["prior_run"]) for k, r in dups.items()}


@pytest.mark.parametrize("change,needle", [
    ("dedup.ngram=3", "dedup.ngram=5"), ("dedup.seed=2", "dedup.seed=1"),
    ("dedup.lsh_threshold=0.7", "bands"), ("dedup.threshold=0.9", "dedup.threshold=0.8"),
    ("normalize.ftfy.normalization=NFKC", "normalize.ftfy")])
def test_settings_mismatch_is_a_one_line_error_before_the_job(run1, tmp_path, capsys, change, needle):
    out = tmp_path / "o"
    code = main(["run", "--input", WIRE, "--output", str(out), "--against", run1, "--set", change])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"textwash: error: --against {run1!r}: index made with {needle}"), err
    assert not out.exists()                                        # nothing ran, nothing written


def test_against_paths_that_cannot_be_used(run1, tmp_path, capsys):
    cases = [(str(tmp_path / "missing"), "not found"), (SAMPLE, "holds no dedup index"),
             (run1, "is inside --output")]
    for path, message in cases:
        out = run1 if message == "is inside --output" else str(tmp_path / "o")
        code = main(["run", "--input", WIRE, "--output", out, "--overwrite", "--against", path])
        err = capsys.readouterr().err.strip()
        assert code == 2 and message in err and len(err.splitlines()) == 1, err
    code = main(["run", "--input", WIRE, "--output", str(tmp_path / "o"), "--against", run1,
                 "--set", "dedup.enabled=false"])
    assert code == 2 and "dedup.enabled" in capsys.readouterr().err


def test_against_works_through_beam_filesystems(tmp_path, monkeypatch):
    """A remote-style ``scheme://`` filesystem (the stand-in for gs:// of test_runners): the index
    is written, found, read by Beam and its fingerprints fetched, all through FileSystems."""
    import shutil
    from test_runners import FAKE_ROOT_ENV
    root = tmp_path / "bucket"
    shutil.copytree(SAMPLE, root / "raw")
    monkeypatch.setenv(FAKE_ROOT_ENV, str(root))
    assert main(["run", "--input", "fakeremote://raw/0*.txt", "--output", "fakeremote://out/day1", "--quiet",
                 "--set", "output.shards=2"]) == 0
    assert (root / "out" / "day1" / "index" / "_meta.json").exists()
    assert main(["run", "--input", "fakeremote://raw/wire.jsonl", "--output", "fakeremote://out/day2", "--quiet",
                 "--against", "fakeremote://out/day1"]) == 0
    dups = {r["id"]: r for r in read_output(str(root / "out" / "day2"))["duplicates"]}
    assert dups["wire/syndicated-004"]["prior_run"] == "fakeremote://out/day1/index"
    assert dups["wire/syndicated-004"]["kind"] == "near" and len(dups) == 3
    # --overwrite clears the index too (shard count 2 -> 1: no stale shard is left to read)
    assert main(["run", "--input", "fakeremote://raw/0*.txt", "--output", "fakeremote://out/day1", "--quiet",
                 "--overwrite"]) == 0
    assert sorted(os.listdir(root / "out" / "day1" / "index")) == ["_meta.json", "index-00000-of-00001.parquet"]


# ------------------------------------------------------------------ output.format: parquet

def test_parquet_clean_corpus_holds_the_jsonl_records(run_textwash, tmp_path):
    import glob
    from transforms.columnar import read_parquet_records
    code, jsonl = run_textwash("--input", SAMPLE, "--set", "output.shards=2", out=tmp_path / "jsonl")
    assert code == 0
    code, parquet = run_textwash("--input", SAMPLE, "--set", "output.shards=2", "--set", "output.format=parquet",
                                 out=tmp_path / "parquet")
    assert code == 0
    names = sorted(os.listdir(parquet))
    assert [n for n in names if n.startswith("clean-")] == ["clean-00000-of-00002.parquet",
                                                            "clean-00001-of-00002.parquet"]
    rows = [r for path in sorted(glob.glob(os.path.join(parquet, "clean-*.parquet")))
            for r in read_parquet_records(path)]
    assert sorted(rows, key=lambda r: r["id"]) == read_output(jsonl)["clean"]
    for name in names:                                   # the other outputs are the same bytes
        if name.endswith(".jsonl"):
            assert open(os.path.join(parquet, name), "rb").read() == open(os.path.join(jsonl, name), "rb").read()
    assert os.path.exists(os.path.join(parquet, "report.html")) and os.path.exists(os.path.join(parquet, "_SUCCESS"))


def test_unknown_output_format_is_a_config_error():
    from pipeline.config import ConfigError
    with pytest.raises(ConfigError, match="output.format"):
        load_config(overrides=["output.format=csv"])


@pytest.mark.parametrize("count", [0, 1, 1024, 1025, 2500])
@pytest.mark.parametrize("fingerprints", [False, True])
def test_index_file_written_by_row_groups_is_pyarrows_one_shot_file(count, fingerprints):
    """The index shard is streamed one row group at a time; its bytes are exactly what one
    ``pyarrow.parquet.write_table`` of the whole sorted table with the same options gives."""
    import io

    import pyarrow as pa

    from transforms.index import ROW_GROUP, _schema, write_index_file
    rnd = random.Random(count)
    rows = [(f"d{rnd.randrange(10 ** 6)}", rnd.randbytes(20), rnd.randrange(1000),
             None if rnd.random() < 0.1 else rnd.randbytes(512)) + ((rnd.randbytes(80),) if fingerprints else ())
            for _ in range(count)]
    streamed = io.BytesIO()
    size = write_index_file(streamed, rows, fingerprints)
    schema = _schema(fingerprints)
    ordered = sorted(rows, key=lambda r: r[0])
    table = pa.Table.from_arrays([pa.array([r[i] for r in ordered], type=f.type) for i, f in enumerate(schema)],
                                 schema=schema)
    whole = io.BytesIO()
    pq.write_table(table, whole, row_group_size=ROW_GROUP, use_dictionary=False, write_statistics=["id"],
                   compression={"id": "zstd", "hash": "none", "chars": "zstd", "sig": "none",
                                **({"prints": "none"} if fingerprints else {})})
    assert streamed.getvalue() == whole.getvalue() and size == len(whole.getvalue())
