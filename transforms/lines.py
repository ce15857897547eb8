"""Line classes of the junk heuristics: every non-blank line is good, weak or bad.

- ``good``: a prose line (enough words, ends like a sentence, enough letters);
- ``bad``: hit by a hard heuristic (javascript, cookie / privacy / terms, lorem ipsum, braces,
  a dateline or byline stamp, ...);
- ``weak``: short or unterminated: junk unless its context says otherwise
  (:mod:`transforms.heuristics` decides).

Pure functions of one line and the :class:`transforms.settings.Heuristics` settings.
"""
import regex

from transforms.separators import UNICODE_WORD, ascii_but_separators, lower_ascii_word_tokens
from transforms.tokens import MAYBE_NO_SPACE, line_words

STOPWORDS = frozenset("""a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this
those through to too under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves said says one two new like get got may might must
de la le les des et en un une est du que qui dans pour pas sur il elle el los las y por con para del
der die das und ist nicht mit den ein eine zu von sich auch auf für il di che non per una della""".split())

TERMINAL = (".", "!", "?", "\u3002", "\uff01", "\uff1f", '"', "\u201d", "\u2019", "'", ")", "\u00bb", ":", ";", "\u2026",
            "\u061f", "\u06d4", "\u0964", "\u0965", "\u104b", "\u17d4", "\u0589", "\u1362")  # ؟ ۔ । ॥ ။ ។ ։ ።
#: Thai and Lao end a sentence (or clause) with a space, not a mark: a line with a space between
#: letters of theirs holds two and counts as terminal (a teaser or menu item has none)
SPACED_CLAUSE = regex.compile(r"[\p{Thai}\p{Lao}] (?=[\p{Thai}\p{Lao}])")
WORD_TOKEN = UNICODE_WORD
SENTENCE_MARKS = ",;:.!?"  # good_line.long_min_marks: prose without an end still has these

#: hard heuristics given by a pattern: a line of at most ``max_words`` words that the pattern
#: matches at its start is bad (a dateline / timestamp, a byline)
PATTERN_HEURISTICS = ("dateline", "byline")

_STOPWORDS_BYTES = frozenset(word.encode("utf-8") for word in STOPWORDS)  # for lower_ascii_word_tokens
_NOT_LOWER_ASCII_LETTER = bytes(c for c in range(256) if not (97 <= c <= 122))


def line_features(line):
    """Features of one stripped line: dict of words, tokens, stop density, terminal, symbol share."""
    return _line_features(line, line.lower())


def _line_features(line, low):
    """:func:`line_features` of ``line`` given ``low`` = ``line.lower()`` (computed once per line
    for the features and the hard heuristics)."""
    words = len(line.split())
    if ascii_but_separators(line):
        # no CJK, the same tokens as bytes, and the letters are the ASCII ones: lowering maps
        # A-Z to a-z and leaves a separator (no letter, no case) as it is, whose UTF-8 bytes
        # the letter count drops with every other byte that is not a-z
        data = low.encode("utf-8")
        toks = lower_ascii_word_tokens(data)
        stops = sum(map(_STOPWORDS_BYTES.__contains__, toks))
        letters = len(data.translate(None, _NOT_LOWER_ASCII_LETTER))
    else:
        words = line_words(line)  # each character of a script without spaces is a word
        toks = WORD_TOKEN.findall(low)
        stops = sum(map(STOPWORDS.__contains__, toks))
        letters = sum(map(str.isalpha, line))
        if MAYBE_NO_SPACE.search(line) and SPACED_CLAUSE.search(line):
            return {"words": words, "tokens": len(toks), "stop": stops / len(toks) if toks else 0.0,
                    "terminal": True, "chars": len(line), "alpha": letters / len(line)}
    return {"words": words, "tokens": len(toks), "stop": stops / len(toks) if toks else 0.0,
            "terminal": line.rstrip().endswith(TERMINAL), "chars": len(line),
            "alpha": letters / len(line) if line else 0.0}


def line_checks(h):
    """The hard heuristics of ``h`` (a Heuristics) that are on, looked up once per document for
    :func:`classify`: a tuple of javascript, policy_line, cookie_banner, lorem_ipsum and
    curly_brace settings (None when off) and the tuple of enabled pattern heuristics as
    ``(name, settings)``."""
    def enabled(cfg):
        return cfg if cfg.enabled else None

    patterns = tuple((key, getattr(h, key)) for key in PATTERN_HEURISTICS if getattr(h, key).enabled)
    return (enabled(h.javascript), enabled(h.policy_line), enabled(h.cookie_banner), enabled(h.lorem_ipsum),
            enabled(h.curly_brace), patterns)


def _hard_hit(line, low, words, hard):
    """Name of the first enabled hard heuristic ``line`` (of ``words`` words, lower-cased
    ``low``) trips, else None; ``hard`` is :func:`line_checks` of the heuristics."""
    javascript, policy, cookie, lorem, curly, patterns = hard
    if javascript is not None and "javascript" in low and words <= javascript.max_words:
        return "javascript"
    if policy is not None and words <= policy.max_words and any(p in low for p in policy.phrases):
        return "policy_line"
    if cookie is not None and "cookie" in low and words <= cookie.max_words and cookie.compiled.match(line):
        return "cookie_banner"
    if lorem is not None and "lorem ipsum" in low:
        return "lorem_ipsum"
    if curly is not None and ("{" in line or "}" in line) and words <= curly.max_words:
        return "curly_brace"
    for key, cfg in patterns:
        if words <= cfg.max_words and cfg.compiled.match(line):
            return key
    return None


def classify(line, feats, h, low=None, hard=None):
    """Class of one line under heuristics ``h``: ``(cls, rule)`` with cls good / weak / bad.

    ``low`` (``line.lower()``) and ``hard`` (:func:`line_checks` of ``h``) are computed here
    unless the caller has them already.
    """
    hit = _hard_hit(line, line.lower() if low is None else low, feats["words"], hard or line_checks(h))
    if hit:
        return "bad", hit
    good = h.good_line
    words, terminal = feats["words"], feats["terminal"]
    long_enough = words >= good.min_words
    very_long = words >= good.long_words and (
        terminal or sum(map(line.count, SENTENCE_MARKS)) >= good.long_min_marks)
    if (long_enough and (terminal or very_long) and feats["stop"] >= good.min_stopword_ratio
            and feats["alpha"] >= good.min_alpha_ratio):
        return "good", None
    return "weak", "short_line" if not long_enough else "no_terminal_punct"


def classify_lines(lines, h):
    """``(feats, classified, lows)`` of the stripped non-blank ``lines``: the features, the
    ``(cls, rule)`` of each line under ``h`` and the lower-cased lines."""
    lows = [line.lower() for line in lines]
    feats = list(map(_line_features, lines, lows))
    hard = line_checks(h)
    classified = [classify(line, f, h, low, hard) for line, f, low in zip(lines, feats, lows)]
    return feats, classified, lows
