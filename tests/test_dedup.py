"""Deduplicate in a real Beam pipeline: exact verification, chaining policy, bucket cap, stats."""
import dataclasses
from collections import defaultdict
import json
import os
import sys

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.config import load_config, load_settings
from tests.conftest import REPO, SHARED
from transforms.dedup import Deduplicate, rank_key
from transforms.lsh import BandBatches, band_keys, bucket_pairs, candidate_pairs, partition_buckets
from transforms.minhash import Signer, shingles
from transforms.write import deep_add


def words(start, stop):
    """A text of distinct equal-length words w<start> .. w<stop - 1>."""
    return " ".join(f"w{i:04d}" for i in range(start, stop))


def doc(doc_id, text):
    return {"id": doc_id, "text": text, "source": "t", "meta": {}}


# a..e: a chain, each 10 words further (neighbours: exact Jaccard 0.81; a-c 0.66; a-e 0.41)
CHAIN = [doc(name, words(10 * k, 10 * k + 100)) for k, name in enumerate("abcde")]
DOCS = CHAIN + [
    doc("a_copy", words(0, 100)),                                  # exact copy of a
    doc("f", words(1000, 1100)), doc("g", words(1008, 1108)),      # exact Jaccard 0.846: near dups
    doc("h", words(2000, 2100)), doc("i", words(2012, 2112)),      # exact Jaccard 0.778: not
    doc("p1", "!!! ???"), doc("p2", "--- ..."),                    # no words: never near dups
] + [doc(f"n{k}", words(3000, 3200) + f" tail{k}") for k in range(5)]  # five near copies


def jaccard(t1, t2):
    s1, s2 = shingles(t1, 5), shingles(t2, 5)
    return len(s1 & s2) / len(s1 | s2)


def test_fixture_similarities():
    """The fixture has the exact Jaccard values the pipeline tests rely on."""
    text = {d["id"]: d["text"] for d in DOCS}
    assert jaccard(text["a"], text["b"]) >= 0.8 and jaccard(text["b"], text["c"]) >= 0.8
    assert jaccard(text["a"], text["e"]) < 0.5
    assert jaccard(text["f"], text["g"]) >= 0.8
    assert 0.7 <= jaccard(text["h"], text["i"]) < 0.8


def dedup_cfg(**changes):
    return dataclasses.replace(load_settings().dedup, max_cc_rounds=6, **changes)


def merged(stats):
    out = {}
    for s in stats:
        deep_add(out, s)
    return out["dedup"]


def check_representative(kept, dups):
    """Default policy: exact verification, chain split at the representative."""
    clusters = {}
    for r in list(kept) + list(dups):
        clusters.setdefault(r["cluster_id"], set()).add(r["id"])
    by_id = {d["id"]: d for d in dups}
    assert len(kept) + len(dups) == len(DOCS)
    assert {"a", "a_copy", "b", "c"} <= clusters["a"]
    assert "e" not in clusters["a"]                      # far end of the chain is split off
    assert clusters["f"] == {"f", "g"}
    assert "h" not in by_id and "i" not in by_id         # 0.778 < 0.8: rejected by exact check
    assert "p1" not in by_id and "p2" not in by_id
    assert clusters["n0"] == {f"n{k}" for k in range(5)}
    assert by_id["a_copy"]["kind"] == "exact" and by_id["a_copy"]["duplicate_of"] == "a"
    for rec in dups:
        assert rec["duplicate_of"] == rec["cluster_id"]
        if rec["kind"] == "near":
            assert rec["similarity"] >= 0.5              # estimated Jaccard with the representative
            assert rec["matched_similarity"] >= 0.8      # exact Jaccard with the verified neighbour
    assert by_id["g"]["matched"] == "f"
    assert by_id["g"]["matched_similarity"] == pytest.approx(jaccard(words(1000, 1100), words(1008, 1108)),
                                                             abs=1e-4)
    kept_by_id = {k["id"]: k for k in kept}
    assert kept_by_id["a"]["duplicate_count"] == len(clusters["a"]) - 1


def check_components(kept, dups):
    clusters = {}
    for r in list(kept) + list(dups):
        clusters.setdefault(r["cluster_id"], set()).add(r["id"])
    assert clusters["a"] == {"a", "a_copy", "b", "c", "d", "e"}   # whole component kept


def check_stats(stats):
    d = merged(stats)
    assert d["cc_violations"] == 0
    assert (d["lsh_bands"], d["lsh_rows"]) == (25, 5)
    assert d["verified_pairs"] >= 5 and d["candidate_pairs"] >= d["verified_pairs"]
    assert d["split_members"] >= 1
    largest = d["largest_clusters"]
    assert largest[0]["size"] >= largest[-1]["size"]
    assert {c["cluster_id"] for c in largest} >= {"a", "f", "n0"}
    assert next(c for c in largest if c["cluster_id"] == "f")["sample_ids"] == ["f", "g"]


def check_capped(kept, dups):
    clusters = {}
    for r in list(kept) + list(dups):
        clusters.setdefault(r["cluster_id"], set()).add(r["id"])
    assert clusters["n0"] == {f"n{k}" for k in range(5)}   # every member anchored to n0


def check_capped_stats(stats):
    assert merged(stats)["oversized_buckets"] > 0


@pytest.mark.slow
def test_deduplicate_policies_in_beam():
    with TestPipeline(runner=FnApiRunner()) as p:
        docs = p | beam.Create(DOCS)
        kept, dups, stats = docs | "Default" >> Deduplicate(dedup_cfg())
        assert_that((kept | "K1" >> beam.combiners.ToList(), dups | "D1" >> beam.combiners.ToList())
                    | "Z1" >> beam.Flatten() | "L1" >> beam.combiners.ToList(),
                    lambda got: _pairwise(got, check_representative), label="Representative")
        assert_that(stats, check_stats, label="Stats")
        kept2, dups2, _ = docs | "Components" >> Deduplicate(dedup_cfg(cluster_policy="components"))
        assert_that((kept2 | "K2" >> beam.combiners.ToList(), dups2 | "D2" >> beam.combiners.ToList())
                    | "Z2" >> beam.Flatten() | "L2" >> beam.combiners.ToList(),
                    lambda got: _pairwise(got, check_components), label="ComponentsPolicy")
        kept3, dups3, stats3 = docs | "Capped" >> Deduplicate(dedup_cfg(max_bucket_size=2))
        assert_that((kept3 | "K3" >> beam.combiners.ToList(), dups3 | "D3" >> beam.combiners.ToList())
                    | "Z3" >> beam.Flatten() | "L3" >> beam.combiners.ToList(),
                    lambda got: _pairwise(got, check_capped), label="Capped")
        assert_that(stats3, check_capped_stats, label="CappedStats")


def _pairwise(got, check):
    """got = [[kept list], [dups list]] in some order: split by record shape, then check."""
    (lists,) = got
    kept = [r for lst in lists for r in lst if "duplicate_count" in r]
    dups = [r for lst in lists for r in lst if "duplicate_of" in r]
    check(kept, dups)


def test_candidate_pairs_cap_is_linear():
    signer = Signer(128, 1, "affine32", "xxh3")
    sig = signer.signature(shingles(words(0, 50), 5))
    bucket = ("k", [(f"d{k}", sig.tobytes()) for k in range(50)])
    full = [x for x in candidate_pairs(bucket, 0.5, 100, sig.dtype.str)]
    capped = [x for x in candidate_pairs(bucket, 0.5, 10, sig.dtype.str)]
    assert len(full) == 50 * 49 // 2
    pairs = [x for x in capped if isinstance(x, tuple)]
    assert len(pairs) == 49 and all(a == "d0" for (a, _), _ in pairs)
    assert len(capped) == 50                                # + one tagged stat


def test_bucket_pairs_cap_is_linear():
    ids = [f"d{k:02d}" for k in range(50)]
    assert len(list(bucket_pairs(("k", ids[::-1]), 100))) == 50 * 49 // 2
    capped = list(bucket_pairs(("k", ids), 10))
    assert [x for x in capped if isinstance(x, tuple)] == [("d00", other) for other in ids[1:]]
    assert len(capped) == 50                                # + one tagged stat


@pytest.mark.parametrize("partitions,flush_docs", [(1, 10_000), (7, 3), (4096, 10_000)])
def test_band_batches_give_the_buckets_of_a_plain_grouping(partitions, flush_docs, monkeypatch):
    """Batching band keys per bundle and partition (flushed every ``flush_docs`` documents)
    yields exactly the buckets of two or more members that grouping every band key gives."""
    monkeypatch.setattr(BandBatches, "FLUSH_DOCS", flush_docs)
    signer = Signer(128, 1, "affine32", "xxh3")
    reps = [(d["id"], {"sig": signer.signature(shingles(d["text"], 5)).tobytes() if d["text"][0] == "w" else None})
            for d in DOCS]
    band_bytes = 5 * signer.empty.itemsize
    plain = defaultdict(list)
    for rep in reps:
        for key, member in band_keys(rep, 25, band_bytes, False):
            plain[key].append(member)
    expected = [(key, sorted(members)) for key, members in plain.items() if len(members) > 1]
    assert expected  # the fixture has near and exact copies
    with TestPipeline(runner=FnApiRunner()) as p:
        got = (p | beam.Create(reps)
               | beam.ParDo(BandBatches(25, band_bytes, False, partitions))
               | beam.GroupByKey()
               | beam.FlatMap(partition_buckets)
               | beam.MapTuple(lambda key, members: (key, sorted(members))))
        assert_that(got, equal_to(expected))


def test_rank_key_policies():
    docs = [{"id": "b", "text": "xx", "meta": {"date": "2024-01-02"}},
            {"id": "a", "text": "x", "meta": {}},
            {"id": "c", "text": "xx", "meta": {"date": "2024-01-01"}}]
    assert min(docs, key=lambda d: rank_key(d, "longest"))["id"] == "b"
    assert min(docs, key=lambda d: rank_key(d, "smallest_id"))["id"] == "a"
    assert min(docs, key=lambda d: rank_key(d, "meta:date"))["id"] == "c"


@pytest.mark.parametrize("key,value", [("verify", "maybe"), ("cluster_policy", "all"),
                                       ("min_rep_similarity", 1.5), ("max_bucket_size", 1)])
def test_bad_dedup_config_is_rejected(key, value):
    from pipeline.config import ConfigError
    with pytest.raises(ConfigError, match=f"dedup.{key}"):
        load_config(overrides=[f"dedup.{key}={value}"])


@pytest.mark.slow
def test_bbc_acceptance_normalize_only(tmp_path):
    """Dedup stage alone on BBC (2,225 articles) vs the exact-Jaccard gold: pair F1 >= 0.995."""
    corpus = os.path.join(SHARED, "data", "dedup", "bbc")
    if not os.path.isdir(corpus):
        pytest.skip("../shared/data/dedup/bbc not available")
    sys.path.insert(0, os.path.join(REPO, "benchmarks"))
    from dedup import normalize_only_overrides, run_pipeline, score
    out = str(tmp_path / "bbc")
    run_pipeline(corpus, out, normalize_only_overrides(), ["dedup.max_cc_rounds=8"])
    result = score(corpus, out, 0.8)["pred"]
    assert result["F1"] >= 0.995, result
    stats = json.load(open(os.path.join(out, "stats.json")))
    assert stats["dedup"]["cc_violations"] == 0
