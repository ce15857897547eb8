"""The junk and filter fast paths give the same answers as the plain rule-by-rule / full-count paths."""
import glob
import gzip
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, SAMPLE, SHARED
from pipeline.config import load_config
from transforms.filter import count_words, has_words
from transforms.junk import strip_junk
from transforms.lines import SPACED_CLAUSE, STOPWORDS, TERMINAL, WORD_TOKEN, line_features
from transforms.ratios import RATIO_NAMES, doc_ratios, ratio_verdict
from transforms.rules import JunkRules, combined_line_check
from transforms.settings import DocRatios, RuleSpec, junk_settings
from transforms.normalize import ftfy_config, normalize_text
from transforms.separators import WORD_SEPARATORS, ascii_but_separators
from transforms.tokens import NO_SPACE_CHAR, TOKEN


def _texts(limit=600):
    """Seed, hostile and (when ../shared is there) junk-benchmark raw texts, normalized."""
    texts = [open(p, encoding="utf-8", errors="replace").read()
             for p in sorted(glob.glob(os.path.join(SAMPLE, "*.txt")))
             + sorted(glob.glob(os.path.join(REPO, "data", "hostile", "*.txt")))]
    for path in sorted(glob.glob(os.path.join(SHARED, "data", "junk", "*.jsonl.gz")))[:2]:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            texts.extend(json.loads(line)["raw_text"] for _, line in zip(range(limit // 2), handle))
    config = ftfy_config()
    return [normalize_text(t, config) for t in texts]


@pytest.mark.slow
@pytest.mark.parametrize("preset", [None, "aggressive"])
def test_combined_line_check_changes_no_output(preset):
    junk = junk_settings(load_config(preset=preset)["junk"])
    fast = JunkRules(junk.rules, junk.regex_timeout_s)
    slow = JunkRules(junk.rules, junk.regex_timeout_s, combined=False)  # every rule on every line
    assert fast.line_check is not None
    heuristics = junk.heuristics
    texts = _texts()
    for text in texts:
        assert strip_junk(text, fast, heuristics) == strip_junk(text, slow, heuristics)
    for line in {line for text in texts for line in text.split("\n") if line}:
        if slow.first_full_match(line, "line"):
            assert fast.any_line_rule(line), line


def test_combined_check_is_off_for_backreferences():
    rules = JunkRules([RuleSpec("a", "line", r"(\w+) \1"), RuleSpec("b", "line", "x+")])
    assert combined_line_check(rules.by_scope["line"]) is None
    assert rules.any_line_rule("anything") is True
    assert rules.first_full_match("go go", "line") == "a"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é1_-.’\n\t")), max_size=80), st.integers(-1, 12))
def test_has_words_equals_full_count(text, n):
    assert has_words(text, n) == (count_words(text) >= n)


def _line_features_reference(line):
    """The plain definition of ``junk.line_features``: Unicode tokens, whitespace-separated
    words (the tokens in a line of a script without spaces: a character each), ``str.isalpha``
    letters (no ASCII or word-separator shortcut)."""
    words = len(TOKEN.findall(line)) if NO_SPACE_CHAR.search(line) else len(line.split())
    toks = WORD_TOKEN.findall(line.lower())
    stops = len([t for t in toks if t in STOPWORDS])
    return {"words": words, "tokens": len(toks), "stop": stops / len(toks) if toks else 0.0,
            "terminal": line.rstrip().endswith(TERMINAL) or SPACED_CLAUSE.search(line) is not None,
            "chars": len(line),
            "alpha": sum(map(str.isalpha, line)) / len(line) if line else 0.0}


LINE_ALPHABET = st.one_of(st.characters(max_codepoint=0x7F), st.sampled_from(sorted(WORD_SEPARATORS)),
                          st.sampled_from(list("éßİ™²東京\u0301ａกั่ខ្ ")))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=LINE_ALPHABET, max_size=120))
def test_line_features_fast_path_equals_reference(line):
    assert line_features(line) == _line_features_reference(line)


def test_line_features_fast_path_on_real_lines():
    lines = {line for text in _texts(300) for line in text.split("\n") if line.strip()}
    assert any(not line.isascii() and ascii_but_separators(line) for line in lines)
    for line in lines:
        assert line_features(line) == _line_features_reference(line), line


def _ratio_verdict_reference(text, cfg):
    """``junk.ratio_verdict`` as first written: every ratio computed, then the enabled ones checked."""
    values = doc_ratios(text)
    if sum(1 for line in text.split("\n") if line.strip()) < cfg["min_lines"]:
        return None
    for name in RATIO_NAMES:
        if cfg[name]["enabled"] and values[name] > cfg[name]["max"]:
            return f"ratio_{name}", f"{name} ratio {values[name]:.2f} > {cfg[name]['max']}"
    return None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab #.\u2026-\u2022\n ")), max_size=200),
       st.lists(st.booleans(), min_size=4, max_size=4), st.integers(0, 4),
       st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.9]), min_size=4, max_size=4))
def test_ratio_verdict_computes_only_enabled_ratios_same_answer(text, enabled, min_lines, maxes):
    cfg = {"enabled": True, "min_lines": min_lines}
    cfg.update({name: {"enabled": on, "max": top} for name, on, top in zip(RATIO_NAMES, enabled, maxes)})
    ratios = junk_settings(dict(load_config()["junk"], doc_ratios=cfg)).doc_ratios
    assert isinstance(ratios, DocRatios)
    assert ratio_verdict(text, ratios) == _ratio_verdict_reference(text, cfg)


def _repeating_texts():
    """Texts whose lines come back within and across texts (the outcome cache's hits)."""
    lines = ["Share this article", "More ShortsThe timing is right.", "A plain line of text.", ">",
             "Image: A photographer", "Leave a Reply", "", "The vote was held. Image: Name/AP", "-- ",
             "Share the load with friends.", "More than that.", "Image: a photographer", "Leave it."]
    return ["\n".join(lines[(i * j) % len(lines)] for j in range(12)) for i in range(1, 8)] * 3


@pytest.mark.parametrize("cache_lines", [3, 20000])
def test_line_outcome_cache_changes_no_output(monkeypatch, cache_lines):
    import transforms.rules
    monkeypatch.setattr(transforms.rules, "OUTCOME_CACHE_LINES", cache_lines)  # 3: it fills and starts again
    junk = junk_settings(load_config()["junk"])
    fast = JunkRules(junk.rules, junk.regex_timeout_s)
    slow = JunkRules(junk.rules, junk.regex_timeout_s, combined=False)
    for text in _repeating_texts():
        assert strip_junk(text, fast, junk.heuristics) == strip_junk(text, slow, junk.heuristics)
    assert 0 < len(fast.for_language(None)._outcomes) <= cache_lines and not slow.for_language(None)._outcomes


def test_line_outcome_cache_keeps_no_timed_line():
    rules = JunkRules([RuleSpec("mine", "line", "Share.*"), RuleSpec("b", "inline", "^More ")])
    assert rules.line_outcome("Share it") == (None, (("mine", "Share it"),))
    assert not rules._outcomes  # a rule of your own: every call timed, nothing kept
