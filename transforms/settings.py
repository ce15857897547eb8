"""Typed, frozen settings of the junk stage, built once from the merged YAML config.

``configs/default.yaml`` is the one source of every value: the dataclasses below declare the
keys, their types and their allowed ranges, not defaults (only a rule's optional keys have
defaults, since a rule is a list item the user writes). :func:`transforms.typed.build` turns
a mapping into one of them and is the validation (unknown key, missing key, type, range,
choice, regex), raising :class:`ConfigError` with a one-line message naming the dotted key.

>>> build(Toggle, {"enabled": True}, "junk.heuristics.lorem_ipsum")
Toggle(enabled=True)
>>> build(Toggle, {"enabled": 1}, "x")
Traceback (most recent call last):
...
transforms.typed.ConfigError: config key 'x.enabled' must be bool, got 1
"""
import dataclasses
import functools
import typing
from dataclasses import dataclass, field

import regex

from transforms.typed import ConfigError, bounded, build, check_pattern

SCOPES = ("line", "inline", "top", "bottom")
PATTERN_FLAGS = regex.IGNORECASE | regex.V1  # heuristic patterns (rules choose ignore_case themselves)
LANGUAGE_CODE = regex.compile(r"[a-z]{2,3}")  # a rule's languages: ISO 639-1 codes (as transforms.language)


# ------------------------------------------------------------------ regex rules (junk.rules)

def joined_pattern(pattern):
    """A rule pattern as one regex: a YAML list of alternatives is joined with ``|``.

    >>> joined_pattern(["Share", "Tweet"]), joined_pattern("Share|Tweet")
    ('Share|Tweet', 'Share|Tweet')
    """
    return "|".join(pattern) if isinstance(pattern, (list, tuple)) else pattern


@dataclass(frozen=True)
class RuleSpec:
    """One named regex rule (``junk.rules`` / ``junk.extra_rules`` item).

    ``pattern`` may be written in YAML as a list of alternatives, one a line. ``languages``
    (ISO 639-1 codes) limits the rule to documents detected in those languages; empty = all.
    """
    name: str
    scope: str = bounded(choices=SCOPES)
    pattern: str = bounded()  # checked by from_dict, compiled with the rule's own flags
    replace: str = ""
    ignore_case: bool = False
    max_lines: int = field(default=3, metadata={"low": 1})
    enabled: bool = True
    description: str = ""
    example: str = ""
    languages: typing.Tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data, path):
        """A rule from its YAML mapping (pattern lists joined), validated."""
        if isinstance(data, dict) and isinstance(data.get("pattern"), list):
            data = dict(data, pattern=joined_pattern(data["pattern"]))
        if isinstance(data, dict) and isinstance(data.get("name"), str) and data["name"]:
            path = f"junk.rules[{data['name']}]"
        spec = build(cls, data, path)
        if not spec.name:
            raise ConfigError(f"{path} needs a non-empty 'name'")
        if not spec.pattern:
            raise ConfigError(f"{path} needs a non-empty string 'pattern'")
        check_pattern(f"{path}.pattern", spec.pattern, spec.flags)  # (the rule's compile then hits regex's cache)
        for code in spec.languages:
            if not LANGUAGE_CODE.fullmatch(code):
                raise ConfigError(f"{path}.languages must hold language codes such as zh, ru (ISO 639-1), "
                                  f"got {code!r}")
        return spec

    @property
    def flags(self):
        """The regex flags the rule is compiled with."""
        return regex.V1 | (regex.IGNORECASE if self.ignore_case else 0)


# ------------------------------------------------------------------ line heuristics (junk.heuristics)

@dataclass(frozen=True)
class Toggle:
    """A block's switch: the base of every block that can be switched off (``lorem_ipsum``
    has nothing else)."""
    enabled: bool


def toggle_with(name, key, module, doc):
    """A frozen :class:`Toggle` dataclass ``name`` (of ``module``) with one more setting: the
    float ``key`` (>= 0), for the blocks that are a switch and one threshold.

    >>> Limit = toggle_with("Limit", "max", __name__, "A limit.")
    >>> build(Limit, {"enabled": True, "max": 2}, "x")
    Limit(enabled=True, max=2.0)
    """
    return dataclasses.make_dataclass(name, [(key, float, bounded(0.0))], bases=(Toggle,), frozen=True,
                                      namespace={"__doc__": doc, "__module__": module})


@dataclass(frozen=True)
class WordCapped(Toggle):
    """A hard heuristic applied to lines of at most ``max_words`` words (javascript, curly_brace)."""
    max_words: int = bounded(1)


@dataclass(frozen=True)
class PolicyLine(WordCapped):
    """``policy_line``: short lines holding one of ``phrases`` (cookie / privacy / terms banners)."""
    phrases: typing.Tuple[str, ...] = bounded()


class _Compiled:
    """Mixin: ``compiled`` = ``pattern`` compiled with PATTERN_FLAGS, once per object."""

    @functools.cached_property
    def compiled(self):
        """``self.pattern`` compiled (IGNORECASE | V1)."""
        return regex.compile(self.pattern, PATTERN_FLAGS)


@dataclass(frozen=True)
class PatternLine(_Compiled, WordCapped):
    """A line of at most ``max_words`` words that ``pattern`` matches (``cookie_banner``: a
    cookie notice in the site's own voice)."""
    pattern: str = bounded(pattern=PATTERN_FLAGS)


CookieBanner = PatternLine


@dataclass(frozen=True)
class StampPattern(PatternLine):
    """``dateline`` / ``byline``: a short line that ``pattern`` matches at its start."""
    max_page_prose_share: float = bounded(0.0, 1.0)
    weak_first: int = bounded(0)
    max_hits: int = bounded(1)


@dataclass(frozen=True)
class GoodLine:
    """What a body (prose) line looks like."""
    min_words: int = bounded(1)
    long_words: int = bounded(1)
    long_min_marks: int = bounded(0)
    min_stopword_ratio: float = bounded(0.0, 1.0)
    min_alpha_ratio: float = bounded(0.0, 1.0)


@dataclass(frozen=True)
class Context(Toggle):
    """A weak line is kept when its nearest non-weak neighbours within ``window`` are good."""
    window: int = bounded(1)
    keep_if: str = bounded(choices=("either", "both"))


@dataclass(frozen=True)
class ExtendBelow:
    """Which weak lines right below the main region extend it."""
    terminal: bool
    min_words: int = bounded(0)
    min_stopword_ratio: float = bounded(0.0, 1.0)


@dataclass(frozen=True)
class MainRegion(Toggle):
    """Keep the densest run of body text (a maximum-sum segment of line scores)."""
    bad_penalty: float = bounded(0.0)
    weak_penalty: float = bounded(0.0)
    weak_penalty_per_word: float = bounded(0.0)
    good_offset: float = bounded(0.0)
    good_offset_max_share: float = bounded(0.0, 1.0)
    good_offset_weak_min_stop: float = bounded(0.0, 1.0)
    extra_min_score: float = bounded(0.0)
    extend_with_context: bool = bounded()
    extend_below: ExtendBelow = bounded()
    keep_weak_inside: bool = bounded()
    keep_weak_min_share: float = bounded(0.0, 1.0)


@dataclass(frozen=True)
class RepeatedAbove(Toggle):
    """A kept line above the body that is kept again below it is a copy."""
    min_words: int = bounded(1)


@dataclass(frozen=True)
class ScatteredPage(Toggle):
    """A page without a dominant article block is kept whole but for bad lines."""
    max_region_share: float = bounded(0.0, 1.0)
    weak_penalty: float = bounded(0.0)
    min_weak_stopword_ratio: float = bounded(0.0, 1.0)
    max_prose_share: float = bounded(0.0, 1.0)
    min_article_words: int = bounded(0)


@dataclass(frozen=True)
class Chrome(Toggle):
    """The context heuristics and document ratios apply only to a document that shows web chrome
    (:mod:`transforms.chrome`); ``enabled`` false: to every document. ``ignore_rules`` names rules
    whose hits are no chrome signal (a name no rule of the config has is no error: a config that
    replaces the rule list need not repeat it here)."""
    menu_run: int = bounded(0)
    ignore_rules: typing.Tuple[str, ...] = bounded()


ThreadPage = toggle_with("ThreadPage", "min_ratio", __name__,
                         "A comment heading followed by ``min_ratio`` x the body's words does not end the region.")


@dataclass(frozen=True)
class RegionEnd(PatternLine):
    """A region-end marker (comment / related / footer heading) after ``min_body_words``."""
    min_body_words: int = bounded(0)


@dataclass(frozen=True)
class RelatedStart(RegionEnd):
    """``related_start``: a region-end marker that an inline box followed by prose does not trip."""
    resume_min_words: int = bounded(0)
    resume_window: int = bounded(0)


@dataclass(frozen=True)
class StampList(Toggle):
    """A run of date / time stamps after the body ends it (stamped comments, dated teasers)."""
    min_body_words: int = bounded(0)
    min_stamps: int = bounded(1)
    window: int = bounded(1)
    back: int = bounded(0)
    max_page_prose_share: float = bounded(0.0, 1.0)
    max_item_share: float = bounded(0.0)


#: the heuristics that ``junk.disable`` can switch off by name
HEURISTIC_SWITCHES = ("chrome", "javascript", "policy_line", "cookie_banner", "lorem_ipsum", "curly_brace",
                      "dateline", "byline", "context", "main_region", "comment_start", "related_start", "footer_start",
                      "scattered_page", "thread_page", "stamp_list", "repeated_above")


@dataclass(frozen=True)
class Heuristics(Toggle):
    """``junk.heuristics``: the line classes, context and main-region settings."""
    chrome: Chrome
    javascript: WordCapped
    policy_line: PolicyLine
    cookie_banner: CookieBanner
    lorem_ipsum: Toggle
    curly_brace: WordCapped
    dateline: StampPattern
    byline: StampPattern
    good_line: GoodLine
    context: Context
    main_region: MainRegion
    repeated_above: RepeatedAbove
    scattered_page: ScatteredPage
    thread_page: ThreadPage
    comment_start: RegionEnd
    related_start: RelatedStart
    stamp_list: StampList
    footer_start: RegionEnd

    @functools.cached_property
    def without_stamp_patterns(self):
        """These heuristics with ``dateline`` and ``byline`` off (a line re-classified as if
        neither pattern matched it)."""
        return dataclasses.replace(self, dateline=dataclasses.replace(self.dateline, enabled=False),
                                   byline=dataclasses.replace(self.byline, enabled=False))


# ------------------------------------------------------------------ document ratios, boilerplate

Ratio = toggle_with("Ratio", "max", __name__, "One document ratio: over ``max`` rejects the document.")


@dataclass(frozen=True)
class DocRatios(Toggle):
    """``junk.doc_ratios`` (Gopher / FineWeb), judged on documents of ``min_lines`` lines or more."""
    min_lines: int = bounded(0)
    symbol_word: Ratio = bounded()
    bullet_lines: Ratio = bounded()
    ellipsis_lines: Ratio = bounded()
    short_lines: Ratio = bounded()


@dataclass(frozen=True)
class Boilerplate(Toggle):
    """``junk.boilerplate``: corpus-level removal of short lines shared by many documents
    (outside numeric blocks, quotes and wrapped prose), at most ``max_doc_share`` of a
    document's words."""
    min_docs: int = bounded(2)
    max_words: int = bounded(1)
    max_doc_share: float = bounded(0.0, 1.0)
    group_by: str = bounded(choices=("none", "source", "site"))
    site_field: str = bounded()


@dataclass(frozen=True)
class JunkSettings:
    """``junk``: the rules, heuristics, document ratios and corpus boilerplate settings, with the
    names in ``disable`` already switched off (see :func:`junk_settings`)."""
    regex_timeout_s: float = bounded(0.001)
    disable: typing.Tuple[str, ...] = bounded()
    rules: typing.Tuple[RuleSpec, ...] = bounded()
    heuristics: Heuristics = bounded()
    doc_ratios: DocRatios = bounded()
    boilerplate: Boilerplate = bounded()

    @property
    def enabled_rules(self):
        """The rules that apply (enabled and not disabled), in config order."""
        return tuple(r for r in self.rules if r.enabled)


def _rules(data, path):
    if not isinstance(data, list):
        raise ConfigError(f"config key {path!r} must be a list of rules")
    specs, names = [], set()
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise ConfigError(f"{path}[{i}] must be a mapping")
        spec = RuleSpec.from_dict(item, f"{path}[{i}]")
        if spec.name in names:
            raise ConfigError(f"junk rule {spec.name!r} is defined twice in {path}")
        names.add(spec.name)
        specs.append(spec)
    return tuple(specs)


def _with_extra(rules, extra):
    """``rules`` with the ``extra`` rules added: one named like a rule replaces it in place, the
    others come after, in their order.

    >>> a, b, a2 = RuleSpec("a", "line", "x"), RuleSpec("b", "line", "y"), RuleSpec("a", "line", "z")
    >>> [(r.name, r.pattern) for r in _with_extra((a, b), (a2, RuleSpec("c", "line", "w")))]
    [('a', 'z'), ('b', 'y'), ('c', 'w')]
    """
    by_name = {r.name: r for r in extra}
    kept = tuple(by_name.pop(r.name, r) for r in rules)
    return kept + tuple(r for r in extra if r.name in by_name)


def _switched_off(settings, disabled):
    """``settings`` with every name in ``disabled`` (rule, heuristic, ``heuristics``,
    ``boilerplate``) switched off."""
    off = {"enabled": False}
    rules = tuple(dataclasses.replace(r, **off) if r.name in disabled else r for r in settings.rules)
    h = settings.heuristics
    h = dataclasses.replace(h, **off) if "heuristics" in disabled else h
    h = dataclasses.replace(h, **{name: dataclasses.replace(getattr(h, name), **off)
                                  for name in HEURISTIC_SWITCHES if name in disabled})
    b = settings.boilerplate
    b = dataclasses.replace(b, **off) if "boilerplate" in disabled else b
    return dataclasses.replace(settings, rules=rules, heuristics=h, boilerplate=b)


def junk_settings(junk):
    """:class:`JunkSettings` from the ``junk`` mapping of a merged config, validated, with the
    names in ``junk.disable`` switched off. Raises ConfigError naming the key on any problem."""
    if not isinstance(junk, dict):
        raise ConfigError(f"config key 'junk' must be a mapping, got {junk!r}")
    rules = _with_extra(_rules(junk.get("rules"), "junk.rules"),
                        _rules(junk.get("extra_rules"), "junk.extra_rules"))
    settings = build(JunkSettings, {k: v for k, v in junk.items() if k != "extra_rules"} | {"rules": []}, "junk")
    settings = dataclasses.replace(settings, rules=rules)
    known = {r.name for r in rules} | set(HEURISTIC_SWITCHES) | {"heuristics", "boilerplate"}
    for name in settings.disable:
        if name not in known:
            raise ConfigError(f"config key 'junk.disable' names unknown rule {name!r} (known: {sorted(known)})")
    return _switched_off(settings, set(settings.disable))
