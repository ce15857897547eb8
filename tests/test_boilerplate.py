"""Corpus-level boilerplate: a real Beam pipeline (FnApiRunner) over small inline documents."""
import dataclasses
import glob
import json

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.boilerplate import (GUARD, RULE, BoilerplateStreams, RemoveBoilerplate, candidate_lines,
                                    group_of, normalize_line, protected_lines, remove_boilerplate_in_memory)

from transforms.settings import Boilerplate

CFG = Boilerplate(enabled=True, min_docs=3, max_words=12, max_doc_share=0.5, group_by="none", site_field="url")
BODY = "Body sentence number {i} talks about a distinct topic of its own at some length."
SHARED_LINE = "Subscribe to our newsletter"


def _doc(i, extra, source="a.jsonl", url=None):
    meta = {"url": url} if url else {}
    return {"id": f"d{i}", "source": source, "meta": meta,
            "text": "\n".join([BODY.format(i=i)] + extra)}


def _run(docs, tmp_path, cfg=CFG):
    """{id: (text, lines removed, lines the guard kept)} after RemoveBoilerplate in a real pipeline."""
    prefix = str(tmp_path / f"out{len(list(tmp_path.iterdir()))}")
    with TestPipeline(runner=FnApiRunner()) as p:
        _ = (p | beam.Create(docs) | RemoveBoilerplate(cfg)
             | beam.Map(lambda d: json.dumps([d["id"], d["text"], d.get("junk_hits", {}).get(RULE, 0),
                                              d.get("junk_hits", {}).get(GUARD, 0)]))
             | beam.io.WriteToText(prefix))
    rows = [json.loads(line) for path in sorted(glob.glob(prefix + "*")) for line in open(path, encoding="utf-8")]
    assert len(rows) == len(docs)
    return {i: (text, removed, guarded) for i, text, removed, guarded in rows}


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


def test_number_only_lines_are_data_not_boilerplate(tmp_path):
    # "2018" alone in three documents is a number, not a line of a template
    cells = [["2", "$155", "1-1/4"], ["17", "$95"], ["3", "$20"]]
    docs = [_doc(i, [SHARED_LINE, *cells[i]]) for i in range(3)]
    docs += [_doc(3 + i, [SHARED_LINE, "2018"]) for i in range(3)]
    out = _run(docs, tmp_path)
    assert {i: n for i, (_, n, _) in out.items()} == {f"d{i}": 1 for i in range(6)}
    assert all(out[d["id"]][0] == d["text"].replace(SHARED_LINE + "\n", "") for d in docs)


EARNINGS = ["{name} <{tick}> 4TH QTR NET",
            "Shr 45 cts vs 58 cts",            # the same row in every report
            "Net {net} mln vs {prev} mln",      # a row whose numbers differ
            "Sales 7.9 mln vs 9.4 mln",
            "Avg shrs 2.4 mln vs 2.3 mln",
            "Year",                             # a row label without a digit, inside the table
            "Shr 1.62 dlrs vs 1.91 dlrs",
            "Net 3.9 mln vs 4.4 mln",
            "NOTE: 1986 net includes a gain from the sale of a warehouse in Dayton, Ohio, the company said."]
DIVIDEND = ["{name} <{tick}> QTLY DIVIDEND",
            "Qtly div 25 cts vs 25 cts prior",
            "Pay April 30",
            "Record April 16"]
FOOTER = "Share this article on Facebook and Twitter"


def _company(i):
    return {"name": f"COMPANY NUMBER {chr(65 + i)} INC", "tick": f"C{chr(65 + i)}", "net": f"{i + 1}.1",
            "prev": f"{i + 2}.9"}


def test_table_blocks_and_dividend_notices_in_many_documents_stay_whole_and_a_footer_goes(tmp_path):
    """20 earnings reports (rows identical and differing across them, a 'Year' label inside) and
    20 copies of one dividend notice (only the company differs) are tables, not boilerplate;
    the share-bar line under each of them is. With digits merged to 0, as before, every row
    was 'the same line in 20 documents'."""
    story = ("The company said the results reflect weaker demand in its home market this winter "
             "and a one-time charge.")
    earnings = [{"id": f"e{i}", "source": "wire", "meta": {},
                 "text": "\n".join([line.format(**_company(i)) for line in EARNINGS] + [story, FOOTER])}
                for i in range(20)]
    dividends = [{"id": f"v{i}", "source": "wire", "meta": {},
                  "text": "\n".join([line.format(**_company(i)) for line in DIVIDEND] + ["", FOOTER])}
                 for i in range(20)]
    out = _run(earnings + dividends, tmp_path, dataclasses.replace(CFG, min_docs=10))
    for doc in earnings + dividends:
        text, removed, guarded = out[doc["id"]]
        assert (text, removed, guarded) == (doc["text"].split("\n" + FOOTER)[0].strip(), 1, 0), doc["id"]


STATEMENT = ["We regret the delay to the spring bus schedule and",
             "apologise to every family affected by it.",
             "The new timetable will be posted at the school office",
             "by Friday, and drivers will be at the depot",
             "on Saturday morning to answer questions."]


def test_a_statement_quoted_in_five_posts_is_not_boilerplate(tmp_path):
    """A statement e-mail-wrapped into short lines (each under max_words), quoted whole or in
    part in 5 posts (with '> ' markers, in quotes, plain), stays in every post even at
    min_docs 3; the signature line shared by the posts still goes."""
    quoted = [
        ["> " + line for line in STATEMENT],
        ['"' + STATEMENT[0]] + STATEMENT[1:-1] + [STATEMENT[-1] + '"'],
        STATEMENT,
        ["> " + line for line in STATEMENT[:2]],
        STATEMENT[2:],
    ]
    posts = [{"id": f"p{i}", "source": "news", "meta": {},
              "text": "\n".join([f"Post {i} opens with its own remark on the matter, which is long enough.", "",
                                 *lines, "", "--", "Sent from the parents' list"])}
             for i, lines in enumerate(quoted)]
    out = _run(posts, tmp_path)
    for post in posts:
        text, removed, _ = out[post["id"]]
        assert removed == 1 and text == post["text"].replace("\nSent from the parents' list", ""), post["id"]


NAV = ["Home", "News", "Sport", "Weather", "Contact us"]


def test_the_guard_keeps_a_document_made_of_shared_lines_whole(tmp_path):
    """Boilerplate may take at most half of a document's words: the page that is all menu but
    for one short line keeps its lines (and counts them as guarded); the others lose the menu."""
    pages = [{"id": f"w{i}", "source": "s", "meta": {"url": f"https://www.site.org/{i}"},
              "text": "\n".join(NAV + [BODY.format(i=i)])} for i in range(4)]
    stub = {"id": "w9", "source": "s", "meta": {"url": "https://site.org/stub"},
            "text": "\n".join(NAV + ["Page moved."])}
    elsewhere = {"id": "x1", "source": "s", "meta": {"url": "https://other.net/a"},  # another site: 1 doc
                 "text": "\n".join(NAV + [BODY.format(i=7)])}
    cfg = dataclasses.replace(CFG, group_by="site")
    out = _run(pages + [stub, elsewhere], tmp_path, cfg)
    for i in range(4):
        assert out[f"w{i}"] == (BODY.format(i=i), 5, 0)
    assert out["w9"] == (stub["text"], 0, 5)
    assert out["x1"] == (elsewhere["text"], 0, 0)
    unguarded = _run(pages + [stub], tmp_path, dataclasses.replace(cfg, max_doc_share=1.0))
    assert unguarded["w9"] == ("Page moved.", 5, 0)


def test_pure_helpers():
    assert normalize_line("Posted 3 hours ago!") == normalize_line("posted 3 HOURS  ago")
    assert normalize_line("Shr 45 cts vs 58 cts") != normalize_line("Shr 31 cts vs 27 cts")  # digits kept
    doc = {"id": "x", "source": "s", "meta": {"url": "http://www.site.org/a"},
           "text": "Menu\nMenu\n\n" + "word " * 20}
    keys = list(candidate_lines(doc, 12, "site"))
    assert len(keys) == 1 and keys[0][1] == ("x", 0)  # repeated line counted once, long line skipped
    assert group_of(doc, "site") == "site.org" and group_of(doc, "source") == "s"
    assert group_of({"source": "s", "meta": {}}, "site") == ""  # no URL: counted corpus wide
    lines = ["Menu", "Shr 45 cts vs 58 cts", "Six mths", "Net 1.1 mln vs 829,000", "",
             "Posted May 3", "", "> I think so", "|> and so", "A line that stops in the middle of its",
             "sentence and goes on.", "(J. Smith, 1919)", "and more, as it was wrapped at fifty", "columns.",
             "A complete sentence ends here.", "Another starts.", "Reuter"]
    assert protected_lines(lines, 12) == ["", "numeric", "between", "numeric", "", "", "", "quote", "quote",
                                          "wrap", "wrap", "between", "wrap", "wrap", "", "", ""]
    assert protected_lines([BODY.format(i=1), "Share", "Posted 3 May 2020"], 12) == ["", "", ""]  # prose is no row


def test_streams_give_the_plain_python_result_and_only_plain_documents_skip_the_join():
    """The two streams of BoilerplateStreams (documents without candidate lines, untouched;
    the rebuilt others, joined with the lines to keep) hold exactly what rebuilding every
    document with the lines to keep gives, each document once."""
    shared = ["Subscribe to our newsletter", "Share this article", "Posted 3 hours ago"]
    docs = [_doc(i, [shared[i % 3], shared[(i + 1) % 3], "Only in doc %s here" % "abcdefghi"[i],
                     shared[i % 3]]) for i in range(9)]                      # shared lines, a repeat
    docs += [{"id": f"p{i}", "source": "a.jsonl", "meta": {},
              "text": BODY.format(i=i) + "\n\n" + BODY.format(i=i + 1)} for i in range(3)]  # no candidates
    docs.append({"id": "p3", "source": "a.jsonl", "meta": {},              # only protected lines
                 "text": "Posted 3 hours ago\nShr 45 cts vs 58 cts\n" + BODY.format(i=4)})
    docs.append(_doc(20, ["One more line here", "Share this article!"]))
    docs += [{"id": f"t{i}", "source": "a.jsonl", "meta": {},                # a table: protected lines
              "text": "\n".join(["Results table", "Shr 45 cts vs 58 cts", "Year", "Net 2 mln vs 1 mln",
                                 shared[1]])} for i in range(4)]
    docs.append({"id": "g0", "source": "a.jsonl", "meta": {}, "text": "\n".join(shared + ["Mine"])})  # guard
    expected = {d["id"]: d for d in remove_boilerplate_in_memory(docs, CFG, keep_removed=True)}
    assert sum(expected[d["id"]] != d for d in docs) >= 15                # the fixture removes lines
    assert expected["g0"]["text"] == docs[-1]["text"] and expected["g0"]["junk_hits"] == {GUARD: 3}
    with TestPipeline(runner=FnApiRunner()) as p:
        plain, rebuilt = p | beam.Create(docs) | BoilerplateStreams(CFG)
        assert_that(plain | "PlainIds" >> beam.Map(lambda d: d["id"]), equal_to(["p0", "p1", "p2", "p3"]),
                    label="PlainAreTheDocsWithoutCandidates")
        both = (plain, rebuilt) | beam.Flatten() | beam.Map(lambda d: (d["id"], d))
        assert_that(both, equal_to(sorted(expected.items())), label="SameAsReference")
