"""The normalize fast paths return exactly what the slow paths return.

Slow paths: ``ftfy.fix_text(text, config)`` and ``tidy_whitespace_reference``. Checked on
ftfy's own test cases (../shared/data/mojibake), on raw texts of the shared junk and dedup
corpora, and by hypothesis over random text built to hit every trigger.
"""
import glob
import gzip
import itertools
import json
import os

import ftfy
import pytest
from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.normalize import (FastFixer, fix_unicode, ftfy_can_skip, ftfy_config,
                                  mojibake_trigger_chars, tidy_whitespace,
                                  tidy_whitespace_reference)

from conftest import SHARED

OUR_CONFIG = ftfy_config()
# ftfy's own defaults: uncurl_quotes and fix_character_width on, so other triggers apply.
FTFY_DEFAULT = ftfy.TextFixerConfig(explain=False)
# Tiny segments: exercises ftfy's max_decode_length split inside long lines.
SHORT_SEGMENTS = ftfy_config({"max_decode_length": 7})
# HTML unescaping forced on, no normalization, no line-break fixing.
OTHER = ftfy_config({"unescape_html": True, "normalization": None, "fix_line_breaks": False,
                     "fix_encoding": True, "remove_control_chars": False})
CONFIGS = [OUR_CONFIG, FTFY_DEFAULT, SHORT_SEGMENTS, OTHER]


def need_shared(*parts):
    path = os.path.join(SHARED, "data", *parts)
    if not glob.glob(path):
        pytest.skip(f"shared data not available: {path}")
    return sorted(glob.glob(path))


def assert_same(texts, configs=CONFIGS):
    """fix_unicode == ftfy.fix_text for every text and config; tidy fast == reference."""
    for config in configs:
        for text in texts:
            expected = ftfy.fix_text(text, config)
            assert fix_unicode(text, config) == expected, (text[:200], config)
            if ftfy_can_skip(text, config):
                assert expected == text
    for text in texts:
        assert tidy_whitespace(text) == tidy_whitespace_reference(text), text[:200]


def jsonl_texts(paths, field, limit, step=1):
    out = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in itertools.islice(handle, 0, limit * step, step):
                out.append(json.loads(line)[field])
    return out


def test_ftfy_test_cases_identical():
    texts = []
    for path in need_shared("mojibake", "*.json"):
        for case in json.load(open(path, encoding="utf-8")):
            texts += [case["original"], case["fixed"],
                      case["original"] + "\n<b>" + case["original"] + "\r\n" + case["fixed"]]
    assert len(texts) > 400
    # The cases are mojibake: the whole-text shortcut must refuse most of them ...
    assert sum(not ftfy_can_skip(t) for t in texts) > len(texts) // 2
    assert_same(texts)


def test_corpus_raw_texts_identical():
    junk = jsonl_texts(need_shared("junk", "*.jsonl.gz"), "raw_text", 40, step=7)
    dedup = jsonl_texts(need_shared("dedup", "*", "input.jsonl.gz"), "text", 200, step=9)
    texts = junk + dedup
    skipped = sum(ftfy_can_skip(t) for t in texts)
    # ... and must take most clean documents (else it is no fast path at all).
    assert skipped > len(texts) // 2, (skipped, len(texts))
    assert_same(texts, [OUR_CONFIG])
    assert_same(texts[::4], [FTFY_DEFAULT])


def test_trigger_analysis_is_sound():
    """BADNESS_RE never matches text made of the pattern's characters minus the triggers."""
    triggers = mojibake_trigger_chars()
    assert triggers is not None and "\u2019" not in triggers and "\u00e9" in triggers
    pool = set("".join(MOJIBAKE_CATEGORIES.values())) | set("ÂÃÎÐØÙàβ€ВГРСāŒœ×°²³√≈‚Ä")
    pool = sorted(c for c in pool if c not in triggers and c not in "-")
    assert pool
    words = ["".join(p) for p in itertools.product(pool + [" ", "a", "Z", "."], repeat=2)]
    for i in range(0, len(words), 50):
        assert not is_bad(" ".join(words[i:i + 50]) + "a" + "".join(words[i:i + 50]))


ALPHABET = st.sampled_from(
    list("aZ09 .,<>;#&\n\r\t") + ["&amp;", "&eacute;", "&#x2019;", "&AMP;", "&nbsp", "&#39;",
                                   "AT&T", "&lt;", "&x", "\u2028", "\x85",
                                   "\x1b[31m", "\x00", "\x1c", "\x7f", "\ufeff", "\u200b",
                                   "\u00a0", "\u3000", "\uff21", "\ufb01", "\u0301", "e\u0301",
                                   "\u00e9", "\u2019", "\u201c", "\u2014", "\u00c3", "\u00a9",
                                   "\u00e2\u20ac\u2122", "\u00c3\u00a9", "\u00e2\u20ac\u0153",
                                   "\u00c2\u00a0", "\x9d", "\x80", "\ud83d", "\udca9",
                                   "\u0432\u0402", "\u043a", "\u6771", "\U0001f600", "\u00ef\u00bb\u00bf"])
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_property_fast_equals_slow(text):
    assert_same([text])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_property_any_unicode(text):
    assert_same([text], [OUR_CONFIG, FTFY_DEFAULT])


def test_fixer_pickles_and_unknown_ftfy_falls_back():
    import pickle
    fixer = pickle.loads(pickle.dumps(FastFixer(OUR_CONFIG)))
    assert fixer.fix("Li\u00e2\u20ac\u2122s") == "Li\u2019s"
    fixer.usable = False  # what happens when ftfy grows a fixer we do not know
    assert fixer.fix("a &amp; b") == ftfy.fix_text("a &amp; b", OUR_CONFIG)


def test_an_ampersand_alone_takes_the_fast_path():
    """Only an HTML entity makes unescape_html act: a text with a bare '&' needs no ftfy call."""
    fixer = FastFixer(OUR_CONFIG)
    assert fixer.text_unchanged("AT&T and Q&A: R&D, M&As & more\n")
    assert not fixer.text_unchanged("Tom &amp; Jerry") and not fixer.text_unchanged("caf&eacute;")
    assert not fixer.segment_unchanged("P&EACUTE;REZ\n", OUR_CONFIG)
    assert fixer.fix("AT&T &amp; caf&eacute;") == ftfy.fix_text("AT&T &amp; caf&eacute;", OUR_CONFIG)


def test_segment_badness_precheck_is_sound():
    """A segment is sent to ftfy's is_bad only when it holds a mojibake trigger character:
    every ftfy test case (and line of one) that is_bad flags passes the pre-check, and clean
    news lines with curly quotes and dashes are ruled out without it."""
    fixer = FastFixer(OUR_CONFIG)
    segments = []
    for path in need_shared("mojibake", "*.json"):
        for case in json.load(open(path, encoding="utf-8")):
            segments += [case["original"], case["fixed"], *case["original"].split("\n")]
    flagged = [s for s in segments if is_bad(s)]
    assert len(flagged) > 100
    assert all(fixer._may_be_bad(s) for s in flagged)
    clean = "Li said: \u201cIt\u2019s a \u2018new era\u2019 \u2014 20\u201324 May\u2026\u201d\n"
    assert not fixer._may_be_bad(clean) and not is_bad(clean)
    mixed = "Tom &amp; Jerry\n" + clean + "Li\u00e2\u20ac\u2122s trip\n" + clean
    assert fixer.fix(mixed) == ftfy.fix_text(mixed, OUR_CONFIG)
