"""Normalize stage: ftfy repair with our config, whitespace tidying, and the Beam wrapper."""
import dataclasses

import apache_beam as beam
import ftfy
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.config import load_settings
from transforms.language import detect_language
from hypothesis import example, given, settings
from hypothesis import strategies as st

from transforms.normalize import (OTHER_SPACES, Normalize, ftfy_can_skip, ftfy_config, is_tidy,
                                  normalize_text, tidy_whitespace, tidy_whitespace_reference)

CONFIG = ftfy_config()


def test_mojibake_entities_and_controls_are_fixed():
    assert normalize_text("Li\u00e2\u20ac\u2122s trip", CONFIG) == "Li\u2019s trip"
    assert normalize_text("Fish &amp; chips", CONFIG) == "Fish & chips"
    assert normalize_text("\x1b[31mred\x1b[0m ok\x00", CONFIG) == "red ok"
    assert normalize_text("\ufb01nal", CONFIG) == "final"
    assert normalize_text("cafe\u0301", CONFIG) == "caf\u00e9"


def test_curly_quotes_and_full_width_are_kept():
    text = "\u201cQuoted\u201d \u2014 it\u2019s \uff21\uff22"
    assert normalize_text(text, CONFIG) == text
    assert ftfy_can_skip(text)
    # ftfy's defaults would uncurl: our config must not.
    assert ftfy.fix_text(text) != text


def test_html_entities_not_unescaped_after_a_tag_line():
    text = "a &amp; b\n<p>x &amp; y</p>"
    assert normalize_text(text, CONFIG) == ftfy.fix_text(text, CONFIG) == "a & b\n<p>x &amp; y</p>"


def test_whitespace_tidying():
    assert tidy_whitespace(" a\u200b\t\u00a0b \r\n\r\n\r\n\r\nc\u2028d\x1cx  ") == "a b\n\nc d\x1cx"
    assert tidy_whitespace("\n\n  \n") == ""


def test_other_spaces_are_every_space_but_blank_and_line_break():
    import sys
    every = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(OTHER_SPACES) == every - {" ", "\n"} and len(OTHER_SPACES) == len(set(OTHER_SPACES))


PIECES = st.sampled_from(["a", "Z9", "\u00e9", "\u6771", ".", " ", "\n", "\n\n", "  ", "\t", "\r",
                          "\u00a0", "\u2028", "\u3000", "\x85", "\x1c", "\u200b", "\u00ad", "\ufeff"])


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
@example("a\n\n\nb")
@example("a \nb")
@example("a\n b")
@example("a  b")
@example(" a")
@example("a\n")
@example("a\u200bb")
@example("a\tb")
@example("a\u3000b")
def test_a_tidy_text_is_left_as_it_is_and_tidied_text_is_tidy(text):
    """is_tidy (the fast path) only says yes when tidying changes nothing, and says yes to
    every tidied text (but one keeping U+001C..U+001F, which only the slow path keeps)."""
    tidied = tidy_whitespace_reference(text)
    assert tidy_whitespace(text) == tidied
    if is_tidy(text):
        assert tidied == text
    if not any(c in tidied for c in "\x1c\x1d\x1e\x1f"):
        assert is_tidy(tidied)


def test_normalize_transform_fast_and_slow_agree():
    docs = [{"id": str(i), "text": t, "source": "s", "meta": {}} for i, t in enumerate([
        "plain text  here ", "Li\u00e2\u20ac\u2122s \u201ctrip\u201d\r\n\r\n\r\nnext",
        "caf\u00e9 &eacute;", "\u6771\u4eac\u00a0\u00a0news"])]
    expected = [dict(d, text=normalize_text(d["text"], CONFIG, fast=False)) for d in docs]
    for doc in expected:  # the stage also detects each document's language (transforms.language)
        doc["lang"] = detect_language(doc["text"])
    assert expected[0]["lang"] == "en"
    assert expected[1]["text"] == "Li\u2019s \u201ctrip\u201d\n\nnext"
    with BeamTestPipeline(runner=FnApiRunner()) as p:
        source = p | beam.Create(docs)
        settings = load_settings().normalize
        fast = source | "Fast" >> Normalize(dataclasses.replace(settings, fast_path=True))
        slow = source | "Slow" >> Normalize(dataclasses.replace(settings, fast_path=False))
        assert_that(fast, equal_to(expected), label="fast")
        assert_that(slow, equal_to(expected), label="slow")
