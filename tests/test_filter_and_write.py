"""FilterDocs, WriteJsonlShards and WriteCorpus as Beam transforms, plus their pure functions."""
import json
import os

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.filter import FilterDocs, count_words, rejection_reason
from transforms.records import REJECTED, make_doc
from transforms.stage_settings import FilterSettings
from transforms.write import DeepSum, WriteCorpus, WriteJsonlShards, deep_add, shard_of, shard_path


def test_rejection_reasons():
    assert rejection_reason("   \n ", 1)[0] == "empty_after_cleaning"
    assert rejection_reason("a b c", 4) == ("too_few_words", "3 words < filter.min_words=4")
    assert rejection_reason("a b c d", 4) is None
    assert count_words("Li’s 4-day trip") == 5


def test_filter_docs_routes_short_documents_to_rejected():
    docs = [make_doc("long", "one two three four five", "s"), make_doc("short", "one", "s"),
            make_doc("empty", "", "s")]
    with TestPipeline(runner=FnApiRunner()) as p:
        out = p | beam.Create(docs) | FilterDocs(FilterSettings(languages=(), min_words=3))
        assert_that(out.docs | "KeptIds" >> beam.Map(lambda d: d["id"]), equal_to(["long"]), label="kept")
        assert_that(out[REJECTED] | "RejectedReasons" >> beam.Map(lambda r: (r["id"], r["stage"], r["reason"])),
                    equal_to([("short", "filter", "too_few_words"), ("empty", "filter", "empty_after_cleaning")]),
                    label="rejected")


def test_shard_of_is_stable_and_in_range():
    assert shard_of("doc-1", 7) == shard_of("doc-1", 7)
    assert {shard_of(f"d{i}", 4) for i in range(200)} == {0, 1, 2, 3}
    assert shard_path("gs://b/out/", "clean", 3, 10, True) == "gs://b/out/clean-00003-of-00010.jsonl.gz"


def test_deep_sum_is_a_combiner():
    assert deep_add({"a": {"b": 1}}, {"a": {"b": 2, "c": 1}, "d": 4}) == {"a": {"b": 3, "c": 1}, "d": 4}
    with TestPipeline(runner=FnApiRunner()) as p:
        total = (p | beam.Create([{"n": 1, "r": {"x": 2}}, {"n": 2}, {"r": {"y": 1}}])
                 | beam.CombineGlobally(DeepSum()))
        assert_that(total, equal_to([{"n": 3, "r": {"x": 2, "y": 1}}]))


def test_write_jsonl_shards_writes_every_shard_sorted(tmp_path):
    records = [{"id": f"doc-{i:03d}", "text": f"text {i}", "extra": "dropped"} for i in range(40)]
    with TestPipeline(runner=FnApiRunner()) as p:
        _ = (p | beam.Create(list(reversed(records)))
             | WriteJsonlShards(str(tmp_path), "clean", 3, ("id", "text")))
    files = sorted(os.listdir(tmp_path))
    assert files == [f"clean-0000{i}-of-00003.jsonl" for i in range(3)]
    seen = []
    for name in files:
        lines = [json.loads(line) for line in open(tmp_path / name, encoding="utf-8")]
        ids = [r["id"] for r in lines]
        assert ids == sorted(ids)
        assert all(set(r) == {"id", "text"} for r in lines)
        assert all(shard_of(i, 3) == int(name[6:11]) for i in ids)
        seen.extend(ids)
    assert sorted(seen) == [r["id"] for r in records]


def test_write_corpus_applies_decisions_per_shard_and_writes_empty_shards(tmp_path):
    """Documents grouped by shard meet their decisions (a side input read per shard): the
    duplicate goes to ``duplicates``, the others to ``clean``; the shards no document falls in
    still get both files (empty), and the counters add up over all shards."""
    n = 6
    docs = [make_doc(f"d{i}", f"text number {i}", "s") for i in range(3)]
    assert len({shard_of(d["id"], n) for d in docs}) < n  # some shards get no document
    decision = {"kept": False, "duplicate_of": "d0", "cluster_id": "d0", "similarity": 1.0, "kind": "exact",
                "matched": "d0", "matched_similarity": 1.0}
    with TestPipeline(runner=FnApiRunner()) as p:
        decisions = p | "Decisions" >> beam.Create([("d2", decision)])
        stats = (p | "Docs" >> beam.Create(docs), decisions) | WriteCorpus(str(tmp_path), n)
        assert_that(stats | beam.CombineGlobally(DeepSum()) | beam.Map(lambda s: s["counts"]),
                    equal_to([{"kept": 2, "duplicates": 1}]))
    names = sorted(os.listdir(tmp_path))
    assert names == sorted(f"{prefix}-{i:05d}-of-{n:05d}.jsonl" for prefix in ("clean", "duplicates")
                           for i in range(n))

    def ids(prefix):
        return sorted(json.loads(line)["id"] for name in names if name.startswith(prefix)
                      for line in open(tmp_path / name, encoding="utf-8"))
    assert ids("clean") == ["d0", "d1"] and ids("duplicates") == ["d2"]
    empty = [name for name in names if os.path.getsize(tmp_path / name) == 0]
    assert len(empty) >= 2 * (n - len({shard_of(d["id"], n) for d in docs}))
