"""Do-no-harm corpora (issue 17): text that is already clean comes out of the default run whole.

``data/clean/*.jsonl`` are small hand-written corpora of clean text of kinds unlike the web-page
dev sets (agency items with tables, press releases, lists and recipes, code in articles, poems,
quoted statements, data tables). The pipeline tests run the REAL pipeline once on all of them
(default config, dedup off; the ids are unique across the files) and check per corpus that at
least 99.5 % of the words are kept and no document is emptied or rejected. Figures and the
rules at fault: ``benchmarks/do_no_harm.py`` and ``docs/do_no_harm.md``.
"""
import json
import os
import sys

import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "benchmarks"))
from do_no_harm import measure, run_pipeline  # noqa: E402  (benchmarks/ is not a package)

CLEAN = os.path.join(REPO, "data", "clean")
KINDS = ("newswire", "press_releases", "lists_recipes", "code_articles", "poems_lyrics",
         "quoted_statements", "tables")
MIN_SHARE = 0.995


def _path(kind):
    return os.path.join(CLEAN, f"{kind}.jsonl")


def _records(kind):
    with open(_path(kind), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_clean_corpora_are_well_formed():
    """One JSONL file per kind, {"id","text"[,"meta"]} per line, ids unique across all files
    (they share one pipeline run), text non-empty, 10-40 documents each."""
    assert sorted(f[:-len(".jsonl")] for f in os.listdir(CLEAN) if f.endswith(".jsonl")) == sorted(KINDS)
    seen = set()
    for kind in KINDS:
        records = _records(kind)
        assert 10 <= len(records) <= 40, (kind, len(records))
        for rec in records:
            assert set(rec) <= {"id", "text", "meta"}, (kind, rec.get("id"))
            assert isinstance(rec["id"], str) and rec["id"] not in seen, (kind, rec["id"])
            seen.add(rec["id"])
            assert isinstance(rec["text"], str) and rec["text"].strip(), (kind, rec["id"])
            assert rec["text"] == rec["text"].strip("\n"), (kind, rec["id"])


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """{kind: figures (``do_no_harm.measure``)} of ONE default run over every clean corpus."""
    out = str(tmp_path_factory.mktemp("do_no_harm") / "out")
    assert run_pipeline([_path(kind) for kind in KINDS], out) == 0
    return {kind: measure([_path(kind)], out) for kind in KINDS}


def _assert_comes_through_whole(figures):
    """>= 99.5 % of the words kept, nothing emptied or rejected."""
    assert figures["emptied"] == 0, figures["emptied"]
    assert not figures["rejected"], dict(figures["rejected"])
    top = figures["rule_words"].most_common(3)
    assert figures["share"] >= MIN_SHARE, f"{figures['share']:.4f} of the words kept; removed most: {top}"


def test_newswire_items_come_through_whole(clean_run):
    """Earnings tables, dividend notices, datelined stories: no row is boilerplate."""
    _assert_comes_through_whole(clean_run["newswire"])


def test_press_releases_come_through_whole(clean_run):
    """Headline, dateline, body, "About X" and the media contact lines stay."""
    _assert_comes_through_whole(clean_run["press_releases"])


def test_lists_and_recipes_come_through_whole(clean_run):
    """Ingredient lists, numbered steps, bullet lists and listicle headings stay."""
    _assert_comes_through_whole(clean_run["lists_recipes"])


def test_code_articles_come_through_whole(clean_run):
    """Code snippets, curly braces and shell commands in an article stay."""
    _assert_comes_through_whole(clean_run["code_articles"])


def test_poems_and_lyrics_come_through_whole(clean_run):
    """Short lines without terminal punctuation stay (passes today: not marked, guards it)."""
    _assert_comes_through_whole(clean_run["poems_lyrics"])


def test_quoted_statements_come_through_whole(clean_run):
    """A statement quoted in 5+ posts, attributions and signatures stay."""
    _assert_comes_through_whole(clean_run["quoted_statements"])


def test_data_tables_come_through_whole(clean_run):
    """Results, standings, election and financial tables (one row per line) stay."""
    _assert_comes_through_whole(clean_run["tables"])
