"""A shipped rule's pattern rewritten for speed matches exactly what it matched before.

Each rewrite keeps its former pattern here as the reference: the two must agree (fullmatch,
which the line rules use, and search) on every line of the shared junk and dedup corpora
(``../shared``, skipped when absent) and on lines hypothesis builds from the vocabulary the
rewritten part works on.
"""
import glob
import gzip
import json
import os

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import load_settings

from conftest import SHARED

#: rule name -> (old sub-pattern, new sub-pattern): the rewritten part of the rule's pattern
REWRITES = {
    "photo_caption": (r"Credit:\s*[^.!?]{2,60}", r"Credit:(?:[^.!?]{2,60}|\s+[^.!?]{60})"),
}

#: the shared corpora (glob under ../shared/data, JSON field of the text, documents to read)
CORPORA = [("junk/*.jsonl.gz", "raw_text", None), ("dedup/bbc/input.jsonl.gz", "text", None),
           ("dedup/20ng/input.jsonl.gz", "text", 5000)]

#: what the rewritten parts work on: their literals, spaces, the characters they stop at
VOCABULARY = ["Credit:", "Credit", "credit:", ":", " ", "  ", "\t", "\u00a0", "\u2003", ".", "!", "?",
              "a", "B", "Getty Images", " for ", "(AP Photo/", ")", "(", "/", "Photo by ", "Image: ",
              " Reuters", "AP", "\n", "é", "—"]

#: a length, often one at a bound of the rewritten parts (which count up to 60 characters
#: after the spaces, up to 40 after "Getty Images for ")
BOUNDS = st.sampled_from([0, 1, 2, 3, 39, 40, 41, 58, 59, 60, 61, 62])
LENGTHS = st.one_of(BOUNDS, BOUNDS, BOUNDS, st.integers(0, 70))

#: a run of one character or pair
RUNS = st.builds(lambda unit, n: (unit * n)[:n], st.sampled_from(["x", " ", "x ", "\t", "é", ":"]), LENGTHS)


def _rule_spec(name):
    """The default config's rule ``name``."""
    return next(spec for spec in load_settings().junk.rules if spec.name == name)


def _patterns(name):
    """``(old, new)`` compiled patterns of rule ``name``: its pattern with the rewritten part
    put back (the reference), and its pattern as shipped."""
    spec = _rule_spec(name)
    old_part, new_part = REWRITES[name]
    assert spec.pattern.count(new_part) == 1, f"{name}: the rewritten part is not in the shipped pattern"
    old = spec.pattern.replace(new_part, old_part)
    return regex.compile(old, spec.flags), regex.compile(spec.pattern, spec.flags)


def _parts(name):
    """``(old, new)`` compiled rewritten parts of rule ``name`` alone."""
    return tuple(regex.compile(part, _rule_spec(name).flags) for part in REWRITES[name])


def _corpus_lines():
    """Every distinct line of the shared corpora (the 20 Newsgroups posts: the first 5,000)."""
    lines = set()
    for pattern, field, limit in CORPORA:
        paths = sorted(glob.glob(os.path.join(SHARED, "data", pattern)))
        if not paths:
            pytest.skip(f"shared data not available: {pattern}")
        for path in paths:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for i, record in enumerate(handle):
                    if limit is not None and i >= limit:
                        break
                    text = json.loads(record).get(field) or ""
                    lines.update(line.strip() for line in text.split("\n"))
    return sorted(lines)


def _same(old, new, text):
    """The two rules agree on ``text``: fullmatch, and search (the span found)."""
    assert (old.fullmatch(text) is None) == (new.fullmatch(text) is None), text
    old_found, new_found = old.search(text), new.search(text)
    assert (old_found and old_found.span()) == (new_found and new_found.span()), text


def _same_language(old, new, text):
    r"""The two rewritten parts agree on ``text``: fullmatch, and whether search finds a match
    (the parts sit in a lookbehind, where only that counts: the span a search finds may differ
    when both match, as `\s*` and the alternatives prefer different lengths)."""
    assert (old.fullmatch(text) is None) == (new.fullmatch(text) is None), text
    assert (old.search(text) is None) == (new.search(text) is None), text


@pytest.mark.parametrize("name", sorted(REWRITES))
def test_rewrite_matches_the_same_corpus_lines(name):
    old, new = _patterns(name)
    old_part, new_part = _parts(name)
    lines = _corpus_lines()
    assert len(lines) > 100_000
    differ = [line for line in lines if (old.fullmatch(line) is None) != (new.fullmatch(line) is None)]
    assert differ == []
    # search on the whole rule tries every start of a line: on the lines where the parts could
    # differ (their literal present), the whole rule; on every line, the parts
    for line in lines:
        if "Credit" in line:
            _same(old, new, line)
        _same_language(old_part, new_part, line)


PIECES = st.lists(st.sampled_from(VOCABULARY) | RUNS | st.text(max_size=3), max_size=8).map("".join)

#: a line shaped like a credit: text, a literal of the vocabulary, spaces, a tail, its end
CREDIT_LINES = st.builds(
    lambda head, literal, spaces, tail, n, end: head + literal + " " * spaces + (tail * n)[:n] + end,
    st.sampled_from(["", "", "A caption. ", "x", " ", "("]), st.sampled_from(VOCABULARY[:3]), LENGTHS,
    st.sampled_from(["x", "x", "x ", " ", "Getty Images", "."]), LENGTHS, st.sampled_from(["", "", " ", ".", "x!"]))


def _same_everywhere(name, text):
    """Rule ``name`` and its reference agree on ``text`` (alone and after a caption), and so do
    the rewritten parts."""
    old, new = _patterns(name)
    old_part, new_part = _parts(name)
    _same_language(old_part, new_part, text)
    _same(old, new, text)
    _same(old, new, "The caption of a photo. " + text)


@pytest.mark.parametrize("name", sorted(REWRITES))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=PIECES)
def test_rewrite_matches_the_same_built_lines(name, text):
    _same_everywhere(name, text)


@pytest.mark.parametrize("name", sorted(REWRITES))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CREDIT_LINES)
def test_rewrite_matches_the_same_built_credit_lines(name, text):
    _same_everywhere(name, text)


@pytest.mark.parametrize("name", sorted(REWRITES))
def test_rewrite_matches_the_same_edge_lengths(name):
    # the bounds of the rewritten part: tails of 0-70 characters after 0-70 spaces
    old, new = _patterns(name)
    old_part, new_part = _parts(name)
    for spaces in (0, 1, 2, 5, 59, 60, 61, 70):
        for length in (0, 1, 2, 3, 58, 59, 60, 61, 62, 70):
            for tail in ("x" * length, ("x " * length)[:length], " " * length):
                text = "Credit:" + " " * spaces + tail
                _same_language(old_part, new_part, text)
                _same(old, new, "A caption. " + text)
                _same(old, new, "A caption. " + text + " ")


#: rule name -> its pattern before a rewrite that moved lookbehind alternatives into branches
#: of their own behind a forward test for their literal. Such a rule is a ``line`` rule, which
#: the engine only ever fullmatches (``rules.JunkRules``: ``first_full_match``, the combined
#: check, the edge rules): the two must fullmatch the same lines. (A search could differ: a
#: lookbehind may look before the position a search starts at, a forward test may not.)
SPLITS = {
    "photo_caption": (
        r"(?:Image|Photo|Picture|Photograph)s?(?: credit)?\s*:\s*\p{Lu}[^!?:]{1,60}|(?i:image copyright)"
        r"\s[^.!?]{1,60}|.{1,600}+(?<=(?:\((?:AP|AFP|Reuters|EPA|Getty)(?: Photo)?(?:/[^)]{2,60})?\)|"
        r"(?:Photo|Image|Picture|Photograph)s?(?: credit)?\s*(?:by|:)\s*[^.!?]{2,80}?(?:/\s*)?"
        r"(?:Getty Images|Reuters|AFP|AP|EPA|Shutterstock|Bloomberg)(?: via Getty Images)?|"
        r"(?:^|\s|/)Getty Images(?: for [^.!?]{2,40})?|Credit:(?:[^.!?]{2,60}|\s+[^.!?]{60})|"
        r"\((?:Image|Photo|Picture|Photograph)s?(?: credit)?\s*:\s*[^()]{2,80}\)|\sSubmitted photo)\s*)"),
}


def _split_patterns(name):
    """``(before, shipped)`` compiled patterns of a split rule ``name`` (a line rule)."""
    spec = _rule_spec(name)
    assert spec.scope == "line" and spec.pattern != SPLITS[name]
    return regex.compile(SPLITS[name], spec.flags), regex.compile(spec.pattern, spec.flags)


def _same_fullmatch(before, shipped, text):
    assert (before.fullmatch(text) is None) == (shipped.fullmatch(text) is None), text


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_split_rule_fullmatches_the_same_corpus_lines(name):
    before, shipped = _split_patterns(name)
    lines = _corpus_lines()
    assert len(lines) > 100_000
    assert [line for line in lines if (before.fullmatch(line) is None) != (shipped.fullmatch(line) is None)] == []
    assert sum(1 for line in lines if shipped.fullmatch(line) and ("Credit:" in line or "Getty Images" in line)) > 0


@pytest.mark.parametrize("name", sorted(SPLITS))
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(PIECES, CREDIT_LINES))
def test_split_rule_fullmatches_the_same_built_lines(name, text):
    before, shipped = _split_patterns(name)
    for line in (text, "The caption of a photo. " + text, text + " ", "(AP Photo) " + text):
        _same_fullmatch(before, shipped, line)


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_split_rule_fullmatches_the_same_edge_lines(name):
    before, shipped = _split_patterns(name)
    heads = ("", "A caption. ", "x", "/", " ", "Credit: a. ", "Getty Images. ")
    for head in heads:
        for literal in ("Credit:", "Getty Images", "Getty Images for ", "/Getty Images", "(AP Photo/x)"):
            for spaces in (0, 1, 2, 60, 61):
                for length in (0, 1, 2, 3, 39, 40, 41, 59, 60, 61, 62):
                    for tail in ("x" * length, ("x " * length)[:length], "x" * (length - 1) + "."):
                        for end in ("", " ", "  "):
                            _same_fullmatch(before, shipped, head + literal + " " * spaces + tail + end)
    _same_fullmatch(before, shipped, "x" * 590 + " Credit: Jane Doe")  # at and past 600 characters
    _same_fullmatch(before, shipped, "x" * 600 + " Credit: Jane Doe")
