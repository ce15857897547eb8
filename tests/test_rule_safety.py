"""The shipped junk rules meet lines of up to ``rules.UNTIMED_MAX_CHARS`` characters without a
per-call timeout (``transforms.rules``): each must stay far from ``junk.regex_timeout_s`` on the
worst lines of that length we can build, and every other rule must keep its timeout."""
import itertools

import pytest
import regex

from pipeline.config import available_presets, load_settings
from transforms.rules import UNTIMED_MAX_CHARS, JunkRules, RuleTimeout, combined_line_check, shipped_patterns
from transforms.settings import RuleSpec

#: a tenth of the default regex_timeout_s: a shipped rule on a worst-case line must finish well
#: inside it (they take well under a millisecond)
BUDGET_S = 0.1

#: characters and fragments the rules' quantifiers and lookarounds work on
FRAGMENTS = [" ", ".", "a", "A", "(", ")", ":", "/", "-", "|", "1", "\t", "©", "»", "首页", "位置",
             "Photo ", "Photo: ", "Getty Images ", "Credit: ", "(AP Photo/", "Share ", "Read more: ",
             "Image 1 of 2", "Sign up for our newsletter ", "Copyright 2020 ", "Leave a Reply ",
             "Home > ", "Главная > ", "分享到 ", "シェア ", "Subscribe ", "Inicio > "]


def _shipped_rules():
    """Every junk rule of the default config and the presets, once per (pattern, flags)."""
    seen = {}
    for preset in [None] + available_presets():
        for spec in load_settings(preset=preset).junk.rules:
            seen.setdefault((spec.pattern, spec.flags), spec)
    return list(seen.values())


def _worst_lines(spec):
    """Lines of ``UNTIMED_MAX_CHARS`` characters: each fragment and the rule's example repeated,
    and the example followed by a long run of each fragment."""
    n = UNTIMED_MAX_CHARS
    fragments = FRAGMENTS + ([spec.example] if spec.example else [])
    lines = [(f * (n // len(f) + 1))[:n] for f in fragments]
    if spec.example:
        lines += [(spec.example + f * n)[:n] for f in FRAGMENTS]
        lines += [(f * n)[:n - len(spec.example)] + spec.example for f in FRAGMENTS]
    lines += [(a + b) * (n // (len(a) + len(b)) + 1) for a, b in itertools.combinations(FRAGMENTS[:12], 2)]
    return [line[:n] for line in lines]


SHIPPED = _shipped_rules()


@pytest.mark.slow
@pytest.mark.parametrize("spec", SHIPPED, ids=[s.name for s in SHIPPED])
def test_shipped_rule_is_fast_on_worst_lines(spec):
    pattern = regex.compile(spec.pattern, spec.flags)
    method = pattern.search if spec.scope == "inline" else pattern.fullmatch
    for line in _worst_lines(spec):
        try:
            method(line, timeout=BUDGET_S)
        except TimeoutError:
            pytest.fail(f"rule {spec.name!r} took over {BUDGET_S}s on a {len(line)}-char line {line[:60]!r}...")


@pytest.mark.slow
def test_combined_line_checks_are_fast_on_worst_lines():
    for preset in [None] + available_presets():
        rules = JunkRules(load_settings(preset=preset).junk.rules)
        for lang in (None, "zh", "ja", "ru", "es", "de", "fr", "pt", "ar", "th"):
            view = rules.for_language(lang)
            check = combined_line_check(view.by_scope["line"])
            for spec in SHIPPED[:5]:
                for line in _worst_lines(spec):
                    try:
                        check.fullmatch(line, timeout=BUDGET_S)
                    except TimeoutError:
                        pytest.fail(f"combined line check ({preset}, {lang}) over {BUDGET_S}s on {line[:60]!r}")


def test_every_default_rule_counts_as_shipped():
    rules = JunkRules(load_settings().junk.rules)
    assert rules.rules and all(rule.shipped for rule in rules.rules)
    assert len(shipped_patterns()) >= len(rules.rules)


def test_a_rule_of_your_own_keeps_its_timeout():
    # catastrophic backtracking: (?:a|aa)+b on forty a's takes minutes without a timeout
    mine = RuleSpec("mine", "line", r"(?:a|aa)+b")
    rules = JunkRules([mine], timeout=0.05)
    assert not rules.rules[0].shipped
    with pytest.raises(RuleTimeout) as caught:
        rules.first_full_match("a" * 40 + "!", "line")
    assert caught.value.rule == "mine"


def test_a_shipped_pattern_with_other_flags_is_not_shipped():
    spec = next(s for s in SHIPPED if not s.flags & regex.IGNORECASE and s.scope == "line")
    other = RuleSpec(spec.name, spec.scope, spec.pattern, ignore_case=True)
    assert JunkRules([spec]).rules[0].shipped
    assert not JunkRules([other]).rules[0].shipped


def test_a_long_line_meets_shipped_rules_with_the_timeout():
    line_rule = next(s for s in SHIPPED if s.name == "photo_caption")
    inline_rule = next(s for s in SHIPPED if s.name == "glued_widget_label")
    rules = JunkRules([line_rule, inline_rule], timeout=1e-9)  # any timed call times out at once
    short, long = "x" * 10, "x" * (UNTIMED_MAX_CHARS + 1)
    assert rules.first_full_match(short, "line") is None  # short line: not timed
    assert rules.line_outcome(short) == (short, ())  # nor the inline rule on it
    with pytest.raises(RuleTimeout):
        rules.first_full_match(long, "line")
    with pytest.raises(RuleTimeout):
        rules.line_outcome(long)
    mine = JunkRules([inline_rule, RuleSpec("mine", "inline", "y+")], timeout=1e-9)
    with pytest.raises(RuleTimeout):  # a rule of your own among them: every inline call is timed
        mine.line_outcome(short)
