"""Corpus-level boilerplate: a real Beam pipeline (FnApiRunner) over small inline documents."""
import dataclasses
from collections import Counter

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.boilerplate import (BoilerplateStreams, RemoveBoilerplate, candidate_lines, group_of,
                                    normalize_line, remove_boilerplate_in_memory)

from transforms.settings import Boilerplate

CFG = Boilerplate(enabled=True, min_docs=3, max_words=12, group_by="none", site_field="url")
BODY = "Body sentence number {i} talks about a distinct topic of its own at some length."
SHARED_LINE = "Subscribe to our newsletter"


def _doc(i, extra, source="a.jsonl", url=None):
    meta = {"url": url} if url else {}
    return {"id": f"d{i}", "source": source, "meta": meta,
            "text": "\n".join([BODY.format(i=i)] + extra)}


def test_line_shared_by_many_documents_is_dropped_but_kept_in_one():
    docs = [_doc(i, [SHARED_LINE if i % 2 else "SUBSCRIBE to our newsletter!"]) for i in range(4)]
    docs.append(_doc(9, ["Only here: a short line"]))
    expected = [(f"d{i}", BODY.format(i=i), 1) for i in range(4)]
    expected.append(("d9", BODY.format(i=9) + "\nOnly here: a short line", 0))
    with TestPipeline(runner=FnApiRunner()) as p:
        out = (p | beam.Create(docs) | RemoveBoilerplate(CFG)
               | beam.Map(lambda d: (d["id"], d["text"], d.get("junk_hits", {}).get("corpus_boilerplate", 0))))
        assert_that(out, equal_to(expected))


def test_below_threshold_and_long_lines_stay_and_groups_count_apart():
    long_line = "This long shared sentence has far more than twelve words so it is body text here."
    docs = [_doc(i, [SHARED_LINE, long_line], source="a.jsonl" if i < 2 else "b.jsonl") for i in range(4)]
    cfg = dataclasses.replace(CFG, group_by="source")  # 2 docs per source < min_docs 3: nothing is boilerplate
    expected = [(d["id"], d["text"], 0) for d in docs]
    with TestPipeline(runner=FnApiRunner()) as p:
        out = (p | beam.Create(docs) | RemoveBoilerplate(cfg)
               | beam.Map(lambda d: (d["id"], d["text"], d.get("junk_hits", {}).get("corpus_boilerplate", 0))))
        assert_that(out, equal_to(expected))


def test_number_only_lines_are_data_not_boilerplate():
    # "2", "17" and "$155" all normalize to "0": counted as one line they would recur in every
    # document with a table or a price, and be cut as boilerplate everywhere
    cells = [["2", "$155", "1-1/4"], ["17", "$95"], ["3", "$20"], ["2018"]]
    docs = [_doc(i, [SHARED_LINE, *cells[i]]) for i in range(4)]
    expected = [(f"d{i}", "\n".join([BODY.format(i=i), *cells[i]]), 1) for i in range(4)]
    with TestPipeline(runner=FnApiRunner()) as p:
        out = (p | beam.Create(docs) | RemoveBoilerplate(CFG)
               | beam.Map(lambda d: (d["id"], d["text"], d.get("junk_hits", {}).get("corpus_boilerplate", 0))))
        assert_that(out, equal_to(expected))


def test_pure_helpers():
    assert normalize_line("Posted 3 hours ago!") == normalize_line("posted 12 HOURS ago")
    doc = {"id": "x", "source": "s", "meta": {"url": "http://www.site.org/a"},
           "text": "Menu\nMenu\n\n" + "word " * 20}
    keys = list(candidate_lines(doc, 12, "site"))
    assert len(keys) == 1 and keys[0][1] == ("x", 0)  # repeated line counted once, long line skipped
    assert group_of(doc, "site") == "site.org" and group_of(doc, "source") == "s"
    assert group_of({"source": "s", "meta": {}}, "site") == "s"


def test_streams_give_the_plain_python_result_and_only_plain_documents_skip_the_join():
    """The two streams of BoilerplateStreams (documents without candidate lines, untouched;
    the rebuilt others, joined with the lines to keep) hold exactly what rebuilding every
    document with the lines to keep gives, each document once."""
    shared = ["Subscribe to our newsletter", "Share this article", "Posted 3 hours ago"]
    docs = [_doc(i, [shared[i % 3], shared[(i + 1) % 3], "Only in doc %d here" % i,
                     shared[i % 3]]) for i in range(9)]                      # shared lines, a repeat
    docs += [{"id": f"p{i}", "source": "a.jsonl", "meta": {},
              "text": BODY.format(i=i) + "\n\n" + BODY.format(i=i + 1)} for i in range(3)]  # no candidates
    docs.append(_doc(20, ["One more line here", "Share this article!"]))
    expected = {d["id"]: d for d in remove_boilerplate_in_memory(docs, CFG, keep_removed=True)}
    assert sum(expected[d["id"]] != d for d in docs) >= 9                 # the fixture removes lines
    with TestPipeline(runner=FnApiRunner()) as p:
        plain, rebuilt = p | beam.Create(docs) | BoilerplateStreams(CFG)
        assert_that(plain | "PlainIds" >> beam.Map(lambda d: d["id"]), equal_to(["p0", "p1", "p2"]),
                    label="PlainAreTheDocsWithoutCandidates")
        both = (plain, rebuilt) | beam.Flatten() | beam.Map(lambda d: (d["id"], d))
        assert_that(both, equal_to(sorted(expected.items())), label="SameAsReference")
