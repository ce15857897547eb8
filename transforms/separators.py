"""Word separators: the non-ASCII characters that only ever end a word.

News text is ASCII but for curly quotes, dashes, ellipses and the like. A text whose only
non-ASCII characters are such separators tokenizes exactly as its ASCII letters and digits
do, so the stages that count or hash ``\\w+`` tokens can take their ASCII (stdlib ``re``,
bytes) fast path on it instead of the Unicode one (``regex``, NFKC, per-character scans).
"""
import re
import unicodedata

import regex

UNICODE_WORD = regex.compile(r"\w+")
ASCII_WORD = re.compile(r"\w+")


def _word_separators():
    """The punctuation, symbols and spaces of Latin-1 and the general punctuation / currency
    blocks that are a word boundary and nothing else: not ``\\w`` for either regex engine, not
    combining, not a letter, and their NFKC form is non-empty and holds no ``\\w`` either."""
    chars = []
    for cp in (*range(0x80, 0x100), *range(0x2000, 0x2070), *range(0x20A0, 0x20D0)):
        ch = chr(cp)
        nfkc = unicodedata.normalize("NFKC", ch)
        if (unicodedata.category(ch)[0] in "PSZ" and not unicodedata.combining(ch) and nfkc
                and not ch.isalpha() and ch.lower() == ch and not UNICODE_WORD.search(nfkc)
                and not UNICODE_WORD.search(ch) and not ASCII_WORD.search(ch)):
            chars.append(ch)
    return "".join(chars)


#: every word separator, as one string ('’', '“', '—', '…', NBSP, '€' qualify; '™' (NFKC
#: 'TM') and '²' (NFKC '2') do not)
WORD_SEPARATORS = _word_separators()
_OTHER_NON_ASCII = re.compile("[^\x00-\x7f" + re.escape(WORD_SEPARATORS) + "]")


def ascii_but_separators(text):
    """True when every non-ASCII character of ``text`` is a word separator.

    >>> ascii_but_separators("It’s “news” — 5 €"), ascii_but_separators("café"), ascii_but_separators("5™")
    (True, False, False)
    """
    return text.isascii() or not _OTHER_NON_ASCII.search(text)


# bytes that are not ASCII \w (UTF-8 lead and continuation bytes of separators included) -> space
_NON_WORD_TO_SPACE = bytes(c if c < 128 and (chr(c).isalnum() or c == 95) else 32 for c in range(256))


def ascii_word_tokens(text):
    """The lower-cased ``\\w+`` tokens of a text for which ``ascii_but_separators`` holds, as
    bytes (a C-level translate and split: a few times cheaper than ``findall``).

    >>> ascii_word_tokens("It’s “NEWS”: a_b-2!")
    [b'it', b's', b'news', b'a_b', b'2']
    """
    return lower_ascii_word_tokens(text.lower().encode("utf-8"))


def lower_ascii_word_tokens(data):
    """:func:`ascii_word_tokens` of a text given as ``data``, its lower-cased UTF-8 bytes.

    >>> lower_ascii_word_tokens("it’s “news”: a_b-2!".encode("utf-8"))
    [b'it', b's', b'news', b'a_b', b'2']
    """
    return data.translate(_NON_WORD_TO_SPACE).split()

