"""Typed, frozen settings of the junk stage, built once from the merged YAML config.

``configs/default.yaml`` is the one source of every value: the dataclasses below declare the
keys, their types and their allowed ranges, not defaults (only a rule's optional keys have
defaults, since a rule is a list item the user writes). :func:`build` turns a mapping into a
dataclass and is the validation: an unknown key, a missing key, a wrong type, a value out of
range, an unknown choice or a regex that does not compile raises :class:`ConfigError` with a
one-line message naming the dotted key.

>>> build(Toggle, {"enabled": True}, "junk.heuristics.lorem_ipsum")
Toggle(enabled=True)
>>> build(Toggle, {"enabled": 1}, "x")
Traceback (most recent call last):
...
transforms.settings.ConfigError: config key 'x.enabled' must be bool, got 1
"""
import dataclasses
import functools
import typing
from dataclasses import dataclass, field

import regex

SCOPES = ("line", "inline", "top", "bottom")
PATTERN_FLAGS = regex.IGNORECASE | regex.V1  # heuristic patterns (rules choose ignore_case themselves)


class ConfigError(Exception):
    """A configuration problem; the message names the file or key and what is wrong."""


def bounded(low=None, high=None, choices=None, pattern=False):
    """Field metadata: the value must lie in ``low..high``, be one of ``choices``, or (``pattern``)
    be a regex that compiles. Used as ``field(metadata=bounded(0.0, 1.0))``."""
    return field(metadata={"low": low, "high": high, "choices": choices, "pattern": pattern})


def _type_error(path, value, name):
    return ConfigError(f"config key {path!r} must be {name}, got {value!r}")


def _convert(path, value, kind):
    """``value`` checked against (and converted to) the annotation ``kind``."""
    if dataclasses.is_dataclass(kind):
        return build(kind, value, path)
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        if not isinstance(value, (list, tuple)):
            raise _type_error(path, value, "a list")
        return tuple(_convert(f"{path}[{i}]", v, item) for i, v in enumerate(value))
    if kind is bool:
        if not isinstance(value, bool):
            raise _type_error(path, value, "bool")
    elif kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _type_error(path, value, "int")
    elif kind is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _type_error(path, value, "float")
        value = float(value)
    elif kind is str:
        if not isinstance(value, str):
            raise _type_error(path, value, "str")
    return value


def _check_bounds(path, value, meta):
    low, high, choices = meta.get("low"), meta.get("high"), meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"config key {path!r} must be one of {list(choices)}, got {value!r}")
    if low is not None and (value != value or value < low or (high is not None and value > high)):
        span = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ConfigError(f"config key {path!r} must be {span}, got {value!r}")
    if meta.get("pattern"):
        try:
            regex.compile(value, regex.V1)
        except (regex.error, ValueError, TypeError) as exc:
            raise ConfigError(f"config key {path!r}: bad regex: {exc}") from None


@functools.lru_cache(maxsize=None)
def _fields(cls):
    hints = typing.get_type_hints(cls)
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


def build(cls, data, path):
    """The dataclass ``cls`` built from the mapping ``data`` found at dotted key ``path``.

    Every field without a default must be present; unknown keys, wrong types and values
    outside a field's :func:`bounded` metadata raise ConfigError naming the key.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"config key {path!r} must be a mapping, got {data!r}")
    fields = _fields(cls)
    known = {f.name for f, _ in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown config key {path + '.' + unknown[0]!r} (known here: {', '.join(sorted(known))})")
    values = {}
    for f, kind in fields:
        where = f"{path}.{f.name}"
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"config key {where!r} is missing")
            continue
        values[f.name] = _convert(where, data[f.name], kind)
        _check_bounds(where, values[f.name], f.metadata)
    return cls(**values)


def as_dict(settings):
    """A settings dataclass as plain nested dicts and lists (for printing, YAML, JSON)."""
    return dataclasses.asdict(settings)


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
    pattern: str = bounded(pattern=True)
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
        return spec

    @property
    def flags(self):
        """The regex flags the rule is compiled with."""
        return regex.V1 | (regex.IGNORECASE if self.ignore_case else 0)


# ------------------------------------------------------------------ line heuristics (junk.heuristics)

@dataclass(frozen=True)
class Toggle:
    """A heuristic with no setting but its switch (``lorem_ipsum``)."""
    enabled: bool


@dataclass(frozen=True)
class WordCapped:
    """A hard heuristic applied to lines of at most ``max_words`` words (javascript, curly_brace)."""
    enabled: bool
    max_words: int = bounded(1)


@dataclass(frozen=True)
class PolicyLine:
    """``policy_line``: short lines holding one of ``phrases`` (cookie / privacy / terms banners)."""
    enabled: bool
    max_words: int = bounded(1)
    phrases: typing.Tuple[str, ...] = bounded()


class _Compiled:
    """Mixin: ``compiled`` = ``pattern`` compiled with PATTERN_FLAGS, once per object."""

    @functools.cached_property
    def compiled(self):
        """``self.pattern`` compiled (IGNORECASE | V1)."""
        return regex.compile(self.pattern, PATTERN_FLAGS)


@dataclass(frozen=True)
class CookieBanner(_Compiled):
    """``cookie_banner``: a cookie notice up to ``max_words`` words in the site's own voice."""
    enabled: bool
    max_words: int = bounded(1)
    pattern: str = bounded(pattern=True)


@dataclass(frozen=True)
class StampPattern(_Compiled):
    """``dateline`` / ``byline``: a short line that ``pattern`` matches at its start."""
    enabled: bool
    max_words: int = bounded(1)
    max_page_prose_share: float = bounded(0.0, 1.0)
    weak_first: int = bounded(0)
    max_hits: int = bounded(1)
    pattern: str = bounded(pattern=True)


@dataclass(frozen=True)
class GoodLine:
    """What a body (prose) line looks like."""
    min_words: int = bounded(1)
    long_words: int = bounded(1)
    long_min_marks: int = bounded(0)
    min_stopword_ratio: float = bounded(0.0, 1.0)
    min_alpha_ratio: float = bounded(0.0, 1.0)


@dataclass(frozen=True)
class Context:
    """A weak line is kept when its nearest non-weak neighbours within ``window`` are good."""
    enabled: bool
    window: int = bounded(1)
    keep_if: str = bounded(choices=("either", "both"))


@dataclass(frozen=True)
class ExtendBelow:
    """Which weak lines right below the main region extend it."""
    terminal: bool
    min_words: int = bounded(0)
    min_stopword_ratio: float = bounded(0.0, 1.0)


@dataclass(frozen=True)
class MainRegion:
    """Keep the densest run of body text (a maximum-sum segment of line scores)."""
    enabled: bool
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
class RepeatedAbove:
    """A kept line above the body that is kept again below it is a copy."""
    enabled: bool
    min_words: int = bounded(1)


@dataclass(frozen=True)
class ScatteredPage:
    """A page without a dominant article block is kept whole but for bad lines."""
    enabled: bool
    max_region_share: float = bounded(0.0, 1.0)
    weak_penalty: float = bounded(0.0)
    min_weak_stopword_ratio: float = bounded(0.0, 1.0)
    max_prose_share: float = bounded(0.0, 1.0)
    min_article_words: int = bounded(0)


@dataclass(frozen=True)
class Chrome:
    """The context heuristics and document ratios apply only to a document that shows web chrome
    (:mod:`transforms.chrome`); ``enabled`` false: to every document. ``ignore_rules`` names rules
    whose hits are no chrome signal (a name no rule of the config has is no error: a config that
    replaces the rule list need not repeat it here)."""
    enabled: bool
    menu_run: int = bounded(0)
    ignore_rules: typing.Tuple[str, ...] = bounded()


@dataclass(frozen=True)
class ThreadPage:
    """A comment heading followed by ``min_ratio`` x the body's words does not end the region."""
    enabled: bool
    min_ratio: float = bounded(0.0)


@dataclass(frozen=True)
class RegionEnd(_Compiled):
    """A region-end marker (comment / related / footer heading) after ``min_body_words``."""
    enabled: bool
    max_words: int = bounded(1)
    min_body_words: int = bounded(0)
    pattern: str = bounded(pattern=True)


@dataclass(frozen=True)
class RelatedStart(RegionEnd):
    """``related_start``: a region-end marker that an inline box followed by prose does not trip."""
    resume_min_words: int = bounded(0)
    resume_window: int = bounded(0)


@dataclass(frozen=True)
class StampList:
    """A run of date / time stamps after the body ends it (stamped comments, dated teasers)."""
    enabled: bool
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
class Heuristics:
    """``junk.heuristics``: the line classes, context and main-region settings."""
    enabled: bool
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

@dataclass(frozen=True)
class Ratio:
    """One document ratio: over ``max`` rejects the document."""
    enabled: bool
    max: float = bounded(0.0)


@dataclass(frozen=True)
class DocRatios:
    """``junk.doc_ratios`` (Gopher / FineWeb), judged on documents of ``min_lines`` lines or more."""
    enabled: bool
    min_lines: int = bounded(0)
    symbol_word: Ratio = bounded()
    bullet_lines: Ratio = bounded()
    ellipsis_lines: Ratio = bounded()
    short_lines: Ratio = bounded()


@dataclass(frozen=True)
class Boilerplate:
    """``junk.boilerplate``: corpus-level removal of short lines shared by many documents."""
    enabled: bool
    min_docs: int = bounded(2)
    max_words: int = bounded(1)
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
            raise ConfigError(f"junk rule {spec.name!r} is defined twice")
        names.add(spec.name)
        specs.append(spec)
    return tuple(specs)


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
    rules = _rules(junk.get("rules"), "junk.rules")
    settings = build(JunkSettings, dict(junk, rules=[]), "junk")
    settings = dataclasses.replace(settings, rules=rules)
    known = {r.name for r in rules} | set(HEURISTIC_SWITCHES) | {"heuristics", "boilerplate"}
    for name in settings.disable:
        if name not in known:
            raise ConfigError(f"config key 'junk.disable' names unknown rule {name!r} (known: {sorted(known)})")
    return _switched_off(settings, set(settings.disable))
