"""Normalize: repair Unicode with ftfy, drop invisible characters, tidy whitespace.

The ftfy configuration is explicit (see ``configs/default.yaml`` -> ``normalize.ftfy``):
mojibake, HTML entities, C1/terminal/control characters and ligatures are fixed; curly
quotes are KEPT (uncurling changes every document and loses information) and full-width
characters are KEPT (converting them rewrites CJK punctuation). After ftfy: zero-width and
bidi control characters are removed (ZWJ/ZWNJ are kept: scripts and emoji need them),
horizontal whitespace (including NBSP) collapses to one space, lines lose trailing spaces,
runs of blank lines collapse to one, and the text is stripped.
"""
import dataclasses
import re
import unicodedata

import apache_beam as beam
import ftfy
import regex
from ftfy import badness as _badness
from ftfy import chardata as _chardata
from ftfy import fixes as _ftfy_fixes

from transforms.language import detect_language
from transforms.stage_settings import FtfySettings, default_settings

try:  # the stdlib regex parser, used to read ftfy's own patterns
    from re import _parser as _sre
except ImportError:  # Python < 3.11
    import sre_parse as _sre

# Invisible characters that carry no text: zero-width space, word joiner, BOM, soft hyphen,
# bidi embeddings/overrides/isolates and marks.
INVISIBLE_RE = regex.compile("[\u200b\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HSPACE_RE = regex.compile(r"[^\S\n]+")
BLANK_RUN_RE = regex.compile(r"\n{3,}")
# Same character class as INVISIBLE_RE, on the (faster) stdlib engine.
INVISIBLE_FAST_RE = re.compile(INVISIBLE_RE.pattern)
# Characters str.split() treats as whitespace but HSPACE_RE does not: they need the slow path.
INFO_SEPARATOR_RE = re.compile("[\x1c-\x1f]")
#: every character ``str.isspace`` counts as space but " " and "\n" (the list is checked
#: against all of Unicode by tests/test_normalize.py)
OTHER_SPACES = ("\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
                "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
#: a character tidy_whitespace removes (invisible) or turns into a space (one C-level scan)
UNTIDY_CHAR_RE = re.compile("[" + OTHER_SPACES + INVISIBLE_RE.pattern[1:-1] + "]")
# The ftfy fixers whose effect FastFixer knows how to rule out (see fixer_trigger_chars).
KNOWN_FIXERS = frozenset({
    "unescape_html", "remove_terminal_escapes", "fix_c1_controls", "fix_latin_ligatures",
    "fix_character_width", "uncurl_quotes", "fix_line_breaks", "fix_surrogates",
    "remove_control_chars", "restore_byte_a0", "replace_lossy_sequences",
    "decode_inconsistent_utf8",
})
# Typographic punctuation common in clean news text: the mojibake trigger set avoids it.
COMMON_PUNCTUATION = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u2022\u00a0\u00ab\u00bb"
_FIXERS = {}  # TextFixerConfig -> FastFixer, one per process

def ftfy_config(options=None):
    """The ``ftfy.TextFixerConfig`` of ``options``: a :class:`transforms.stage_settings.FtfySettings`
    (``normalize.ftfy``), or a dict of options changed from ``configs/default.yaml``'s (None:
    those as they are)."""
    if not isinstance(options, FtfySettings):
        options = dataclasses.replace(default_settings().normalize.ftfy, **(options or {}))
    return ftfy.TextFixerConfig(explain=False, **options.options())


def _parsed_codes(item):
    """Code points a single-character regex item (literal or plain class) can match, else None."""
    op, arg = item
    if op is _sre.LITERAL:
        return {arg}
    if op is not _sre.IN:
        return None
    codes = set()
    for sub_op, sub_arg in arg:
        if sub_op is _sre.LITERAL:
            codes.add(sub_arg)
        elif sub_op is _sre.RANGE:
            codes.update(range(sub_arg[0], sub_arg[1] + 1))
        else:  # NEGATE, CATEGORY (\s, \w ...): not a finite set we can use
            return None
    return codes


def pattern_chars(compiled):
    """Every character a regex made of one literal or plain character class can match (set of str).

    >>> sorted(pattern_chars(re.compile("[a-c]")))
    ['a', 'b', 'c']
    """
    items = list(_sre.parse(compiled.pattern, compiled.flags))
    if len(items) != 1 or _parsed_codes(items[0]) is None:
        raise ValueError(f"not a single character class: {compiled.pattern!r}")
    return {chr(c) for c in _parsed_codes(items[0])}


def mojibake_trigger_chars(avoid=COMMON_PUNCTUATION):
    """Characters of which every match of ftfy's ``BADNESS_RE`` contains at least one (frozenset).

    ftfy only tries to fix the encoding of a segment when ``is_bad`` finds a BADNESS_RE match.
    The pattern is parsed (``re._parser``): each alternative is a sequence, and we pick one of
    its mandatory one-character items whose characters are all non-ASCII, preferring one that
    avoids ``avoid`` (common typographic punctuation such as curly quotes and dashes) and then
    the smallest. A text holding none of the returned characters cannot match, so
    ``is_bad`` is False for it and every part of it. Returns None when the pattern has a
    shape this analysis does not understand (then the caller must not use the shortcut).
    """
    compiled = _badness.BADNESS_RE
    if compiled.flags & re.IGNORECASE:
        return None
    items = list(_sre.parse(compiled.pattern, compiled.flags))
    if len(items) == 1 and items[0][0] is _sre.BRANCH:
        branches = items[0][1][1]
    else:
        branches = [items]
    avoid_codes = {ord(c) for c in avoid}
    chosen = set()
    for branch in branches:
        candidates = [codes for codes in map(_parsed_codes, list(branch))
                      if codes and min(codes) > 0x7F]
        if not candidates:
            return None
        chosen |= min(candidates, key=lambda c: (len(c & avoid_codes), len(c)))
    return frozenset(map(chr, chosen))


def _char_class(chars):
    """A compiled regex matching any one of ``chars`` (None for an empty set)."""
    if not chars:
        return None
    return re.compile("[" + "".join(f"\\U{ord(c):08x}" for c in sorted(chars)) + "]")


def fixer_trigger_chars(config):
    """Characters without which every enabled ftfy fixer except fix_encoding is the identity.

    Built from ftfy's own tables for ``config`` (a TextFixerConfig): '&' for unescape_html,
    ESC for terminal escapes, C1 controls, Latin ligatures, width forms (if enabled), curly
    quotes (if uncurl_quotes), CR/NEL/LS/PS line breaks, surrogates and ftfy's control chars.
    """
    chars = set()
    if config.unescape_html:
        chars.add("&")  # HTML_ENTITY_RE starts with '&'
    if config.remove_terminal_escapes:
        chars.add("\x1b")  # ANSI_RE starts with ESC
    if config.fix_c1_controls:
        chars |= pattern_chars(_chardata.C1_CONTROL_RE)
    if config.fix_latin_ligatures:
        chars |= set(map(chr, _chardata.LIGATURES))
    if config.fix_character_width:
        chars |= set(map(chr, _chardata.WIDTH_MAP))
    if config.uncurl_quotes:
        chars |= pattern_chars(_chardata.SINGLE_QUOTE_RE) | pattern_chars(_chardata.DOUBLE_QUOTE_RE)
    if config.fix_line_breaks:
        chars |= set("\r\u2028\u2029\x85")  # what fixes.fix_line_breaks replaces
    if config.fix_surrogates:
        chars |= pattern_chars(_ftfy_fixes.SURROGATE_RE)
    if config.remove_control_chars:
        chars |= set(map(chr, _chardata.CONTROL_CHARS))
    return chars


class FastFixer:
    """``ftfy.fix_text(text, config)`` with shortcuts that provably return the same string.

    ftfy fixes a text line by line (segments end after each '\\n' or every
    ``max_decode_length`` characters); a segment comes back unchanged when no enabled fixer
    has anything to act on: no trigger character of ``fixer_trigger_chars`` (where an '&'
    counts only as the start of an HTML entity, ftfy's ``HTML_ENTITY_RE``), ``is_bad`` false
    (or pure ASCII) so fix_encoding does nothing, and already in ``config.normalization``.

    1. Whole text: no trigger character (fixers + ``mojibake_trigger_chars``), no entity, and
       normalized -> returned as is (one C-level regex scan plus ``unicodedata.is_normalized``).
    2. Otherwise segment by segment exactly as ``ftfy.fix_text`` does (including its switch
       to ``unescape_html=False`` after a segment containing '<'): a segment passing the
       checks above (with ftfy's own ``is_bad``, asked only when the segment holds a mojibake
       trigger character) is kept, any other goes to
       ``ftfy.fix_and_explain`` with the same config.
    If the installed ftfy has a fixer this class does not know, every call is ``fix_text``.
    """

    def __init__(self, config):
        self.config = config
        enabled = {name for name in getattr(ftfy, "FIXERS", {}) if getattr(config, name, False)}
        self.usable = enabled <= KNOWN_FIXERS and not config.explain
        # unescape_html changes only what ftfy's HTML_ENTITY_RE matches: an '&' alone
        # ("AT&T", "Q&A") is no reason to run ftfy, an entity ("&amp;") is
        simple = fixer_trigger_chars(config) - {"&"}
        self.entities = _chardata.HTML_ENTITY_RE if config.unescape_html else None
        self.segment_triggers = _char_class(simple)
        mojibake = mojibake_trigger_chars() if config.fix_encoding else frozenset()
        self.text_triggers = None if mojibake is None else _char_class(simple | mojibake)
        self.whole_text_ok = mojibake is not None
        # a segment without any of these characters cannot be ``is_bad`` (None: always ask ftfy)
        self.mojibake_triggers = None if mojibake is None else _char_class(mojibake)

    def __reduce__(self):
        return (FastFixer, (self.config,))

    def _normalized(self, text, config):
        return config.normalization is None or unicodedata.is_normalized(config.normalization, text)

    def segment_unchanged(self, segment, config):
        """True when ftfy's fix_and_explain(segment, config) must return ``segment`` itself."""
        if self.segment_triggers is not None and self.segment_triggers.search(segment):
            return False
        if self._has_entity(segment, config):
            return False
        if (config.fix_encoding and not segment.isascii() and self._may_be_bad(segment)
                and _badness.is_bad(segment)):
            return False
        return self._normalized(segment, config)

    def _has_entity(self, text, config):
        """True when unescape_html is on in ``config`` and ``text`` holds an HTML entity (a
        bare '&' is left alone by ftfy; a plain '&' test first, then ftfy's own pattern)."""
        return bool(config.unescape_html) and "&" in text and self.entities.search(text) is not None

    def _may_be_bad(self, segment):
        """False when ``segment`` holds no character every ``BADNESS_RE`` match needs (then
        ftfy's ``is_bad`` is False for it; one C-level scan instead of ftfy's large regex)."""
        triggers = self.mojibake_triggers
        return triggers is None or triggers.search(segment) is not None

    def text_unchanged(self, text):
        """True when ``ftfy.fix_text(text, config)`` must return ``text`` itself (cheap check)."""
        if not self.whole_text_ok or len(text) > self.config.max_decode_length:
            return False
        if self.text_triggers is not None and self.text_triggers.search(text):
            return False
        if self._has_entity(text, self.config):
            return False
        return self._normalized(text, self.config)

    def fix(self, text):
        """The same string as ``ftfy.fix_text(text, config)``, faster when little needs fixing."""
        if not self.usable:
            return ftfy.fix_text(text, self.config)
        if self.text_unchanged(text):
            return text
        config, out, pos, end = self.config, [], 0, len(text)
        while pos < end:
            stop = text.find("\n", pos) + 1 or end
            if stop - pos > config.max_decode_length:
                stop = pos + config.max_decode_length
            segment = text[pos:stop]
            if config.unescape_html == "auto" and "<" in segment:
                config = config._replace(unescape_html=False)
            if self.segment_unchanged(segment, config):
                out.append(segment)
            else:
                out.append(ftfy.fix_and_explain(segment, config).text)
            pos = stop
        return "".join(out)


def ftfy_can_skip(text, config=None):
    """True when ``ftfy.fix_text(text, config)`` provably returns ``text`` unchanged.

    ``config`` defaults to ``ftfy_config()``. Curly quotes and dashes do not prevent the skip;
    mojibake, entities, control characters or un-normalized text do.

    >>> ftfy_can_skip("plain words."), ftfy_can_skip("\u6771\u4eac \u201cquoted\u201d")
    (True, True)
    >>> ftfy_can_skip("a &amp; b"), ftfy_can_skip("Li\u00e2\u20ac\u2122s"), ftfy_can_skip("e\u0301")
    (False, False, False)
    """
    return _fixer_for(config).text_unchanged(text)


def _fixer_for(config):
    config = config if config is not None else ftfy_config()
    fixer = _FIXERS.get(config)
    if fixer is None:
        fixer = _FIXERS[config] = FastFixer(config)
    return fixer


def fix_unicode(text, config, fast=True):
    """``ftfy.fix_text(text, config)``; with ``fast``, through FastFixer (same output, faster)."""
    if not fast:
        return ftfy.fix_text(text, config)
    return _fixer_for(config).fix(text)


def tidy_whitespace_reference(text):
    """The plain definition of tidy_whitespace (regex passes); kept as the reference for tests.

    >>> tidy_whitespace_reference("  a\u200b  b \\r\\n\\n\\n\\nc\u00a0d  ")
    'a b\\n\\nc d'
    """
    text = INVISIBLE_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = HSPACE_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return BLANK_RUN_RE.sub("\n\n", text).strip()


def is_tidy(text):
    """True when :func:`tidy_whitespace` returns ``text`` itself: no invisible character, no
    space character but " " and "\\n", no two spaces, no space next to a line break, no two
    blank lines in a row, and no space or line break at either end.

    >>> is_tidy("a b\\n\\nc d"), is_tidy("a  b"), is_tidy("a \\nb"), is_tidy("a\u00a0b"), is_tidy("a\\n")
    (True, False, False, False, False)
    """
    if not text:
        return True
    if text[0] in " \n" or text[-1] in " \n":
        return False
    if "  " in text or " \n" in text or "\n " in text or "\n\n\n" in text:
        return False
    return UNTIDY_CHAR_RE.search(text) is None


def tidy_whitespace(text):
    """Remove invisible characters, collapse spaces, trim lines and blank runs.

    Same output as tidy_whitespace_reference, faster: a text that is already tidy
    (:func:`is_tidy`, a few C-level scans) comes back as it is; otherwise invisible
    characters are non-ASCII (skipped for ASCII text), and when the text has no
    U+001C..U+001F (the only characters ``str.isspace`` counts as space but Unicode
    White_Space does not) each line is rebuilt with ``" ".join(line.split())``, which is
    exactly "collapse runs, then strip".

    >>> tidy_whitespace("  a\u200b  b \\r\\n\\n\\n\\nc\u00a0d  ")
    'a b\\n\\nc d'
    """
    if is_tidy(text):
        return text
    if not text.isascii():
        text = INVISIBLE_FAST_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if INFO_SEPARATOR_RE.search(text):
        text = HSPACE_RE.sub(" ", text)
        text = "\n".join(line.strip() for line in text.split("\n"))
    else:
        text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return BLANK_RUN_RE.sub("\n\n", text).strip()


def normalize_text(text, config, fast=True):
    """Full normalization of one text: ftfy repair (``config``), then tidy_whitespace.

    >>> normalize_text("Li\u00e2\u20ac\u2122s trip\\r\\n", ftfy_config())
    'Li\u2019s trip'
    """
    return tidy_whitespace(fix_unicode(text, config, fast))


class NormalizeDoc(beam.DoFn):
    """Replace each document's text by its normalized form and set ``lang``, its language
    (:func:`transforms.language.detect_language`, detected once here so that every later stage
    knows it); the ftfy config is built in setup."""

    def __init__(self, ftfy_settings, fast=True):
        self.ftfy_settings = ftfy_settings
        self.fast = fast

    def setup(self):
        self.config = ftfy_config(self.ftfy_settings)
        _fixer_for(self.config)  # parse ftfy's tables once per worker

    def process(self, doc):
        out = dict(doc)
        out["text"] = normalize_text(doc["text"], self.config, self.fast)
        out["lang"] = detect_language(out["text"])
        yield out


class Normalize(beam.PTransform):
    """PCollection[doc] -> PCollection[doc] with normalized text and its language (``lang``)."""

    def __init__(self, settings):
        super().__init__()
        self.settings = settings  # transforms.stage_settings.NormalizeSettings

    def expand(self, docs):
        return docs | "NormalizeText" >> beam.ParDo(
            NormalizeDoc(self.settings.ftfy, self.settings.fast_path))
