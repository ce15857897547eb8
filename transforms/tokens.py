"""Tokens that fit the script: the one tokenizer behind shingles, word counts and line features.

Scripts written without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer,
Myanmar: :data:`NO_SPACE_SCRIPTS`) have no word boundary a regex can see, so there each
character is a token (with the combining marks that follow it: Thai vowel and tone marks,
Khmer and Myanmar signs stay on their consonant). Every other script keeps ``\\w+`` word
tokens; mixed text mixes both ("iPhone 15在东京发售" -> ``iphone``, ``15``, ``在``, ``东``,
``京``, ``发``, ``售``). So ``dedup.ngram: 5`` means word 5-grams in English or Russian and
character 5-grams in Chinese, Japanese or Thai, ``filter.min_words`` counts characters there,
and a junk line's ``words`` does too.

Text without a character of those scripts tokenizes exactly as ``\\w+`` did before (same
tokens, same counts), and ASCII text (but for word separators, :mod:`transforms.separators`)
keeps its bytes fast path.

- :func:`tokens` / :func:`count_tokens` / :func:`has_tokens`: the tokens of a text as written
  (the word count of ``filter.min_words``);
- :func:`shingle_tokens`: the tokens of the NFKC, lower-cased text (shingles,
  :mod:`transforms.minhash`), as ``str`` or UTF-8 ``bytes``;
- :func:`line_words`: the ``words`` of a junk line (whitespace-separated pieces; its tokens
  in a line with characters of a no-space script).
"""
import re
import unicodedata

import regex

from transforms.separators import ASCII_WORD, UNICODE_WORD, ascii_but_separators, ascii_word_tokens

#: scripts written without spaces between words: each character is a token
NO_SPACE_SCRIPTS = ("Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar")
_NO_SPACE_CLASS = "".join(rf"\p{{{name}}}" for name in NO_SPACE_SCRIPTS)

#: one character of a no-space script (with its combining marks)
NO_SPACE_CHAR = regex.compile(rf"[{_NO_SPACE_CLASS}]\p{{M}}*", regex.V1)
#: a token: one no-space-script character (with its marks), or a run of other word characters
TOKEN = regex.compile(rf"[{_NO_SPACE_CLASS}]\p{{M}}*|[\w--[{_NO_SPACE_CLASS}]]+", regex.V1)
#: the code point blocks of those scripts (a superset of them, checked by tests/test_tokens.py):
#: a text without any of these characters tokenizes as ``\w+`` runs (one C-level scan of the
#: stdlib engine instead of the slower property classes)
MAYBE_NO_SPACE = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\u2e80-\u2fdf\u3005-\u30ff\u31f0-\u9fff"
    "\ua9e0-\ua9ff\uaa60-\uaa7f\uf900-\ufaff\uff66-\uff9d\U000116d0-\U000116ef\U00016fe0-\U0001b16f"
    "\U0001f200\U00020000-\U0003ffff]")


def _unicode_tokens(text):
    """:data:`TOKEN` runs of a non-ASCII text (``\\w+`` when no no-space script can be in it)."""
    if MAYBE_NO_SPACE.search(text) is None:
        return UNICODE_WORD.findall(text)
    return TOKEN.findall(text)


def tokens(text):
    """The tokens of ``text`` as written (no case folding, no NFKC).

    >>> tokens("It's 3 o'clock.")
    ['It', 's', '3', 'o', 'clock']
    >>> tokens("iPhone 15在东京发售。")
    ['iPhone', '15', '在', '东', '京', '发', '售']
    >>> tokens("สวัสดีครับ")
    ['ส', 'วั', 'ส', 'ดี', 'ค', 'รั', 'บ']
    """
    if text.isascii():
        return ASCII_WORD.findall(text)
    return _unicode_tokens(text)


def count_tokens(text):
    """Number of :func:`tokens` of ``text`` (``\\w+`` words; characters in no-space scripts).

    >>> count_tokens("It's 3 o'clock."), count_tokens("東京は晴れ。")
    (5, 5)
    """
    return len(tokens(text))


def has_tokens(text, n):
    """True when ``text`` has at least ``n`` tokens (stops scanning at the n-th); the same
    answer as ``count_tokens(text) >= n``.

    >>> has_tokens("It's 3 o'clock.", 5), has_tokens("It's 3 o'clock.", 6), has_tokens("東京は晴れ。", 5)
    (True, False, True)
    """
    if n <= 0:
        return True
    count = 0
    if text.isascii():
        for _ in ASCII_WORD.finditer(text):
            count += 1
            if count >= n:
                return True
        return False
    for found in UNICODE_WORD.finditer(text):  # a \\w+ run holds one token, or several
        run = found.group()
        count += 1 if run.isascii() or MAYBE_NO_SPACE.search(run) is None else len(TOKEN.findall(run))
        if count >= n:
            return True
    return False


def shingle_tokens(text):
    """The tokens of the NFKC, lower-cased ``text`` (the shingle tokens).

    >>> shingle_tokens("The Ｐost’s “NEWS”!")
    ['the', 'post', 's', 'news']
    >>> shingle_tokens("ＡＢＣ新聞の記事")
    ['abc', '新', '聞', 'の', '記', '事']
    """
    if ascii_but_separators(text):  # NFKC changes no token, and \\w is ASCII
        return ASCII_WORD.findall(text.lower())
    return _unicode_tokens(unicodedata.normalize("NFKC", text).lower())


def shingle_token_bytes(text):
    """``[t.encode("utf-8") for t in shingle_tokens(text)]`` (news text is tokenized as bytes).

    >>> shingle_token_bytes("It’s “NEWS”, café!")
    [b'it', b's', b'news', b'caf\\xc3\\xa9']
    """
    if ascii_but_separators(text):
        return ascii_word_tokens(text)
    return [token.encode("utf-8") for token in _unicode_tokens(unicodedata.normalize("NFKC", text).lower())]


def line_words(line):
    """The ``words`` of one junk line: its whitespace-separated pieces (as always), or, in a
    line with characters of a script without spaces, its :func:`tokens` (each such character
    a word, each other ``\\w+`` run one).

    >>> line_words("Share — Facebook"), line_words("责任编辑：王小明"), line_words("分享到：微信 微博 QQ空间")
    (3, 7, 10)
    """
    if ascii_but_separators(line) or MAYBE_NO_SPACE.search(line) is None or NO_SPACE_CHAR.search(line) is None:
        return len(line.split())
    return len(TOKEN.findall(line))
