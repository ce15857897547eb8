"""Faster shingling + MinHash with output identical to ``transforms.minhash`` / datasketch.

Not wired into the pipeline yet (``transforms/minhash.py`` belongs to the dedup stage);
``FastSigner.text_signature(text)`` equals ``Signer.signature(shingles(text, n))`` bit for
bit, which tests/test_fast_minhash.py checks. Where the time goes and what changes:

- tokenizing: ``regex``'s ``\\w+`` is slow; the stdlib ``re`` engine is ~1.5x faster but its
  ``\\w`` differs on some characters (combining marks, superscript digits ...). The set of
  characters where the two disagree is computed once per process from the engines
  themselves; a text holding none of them is tokenized with ``re``, any other with ``regex``;
- n-grams: ``map(" ".join, zip(...))`` builds them in C, no per-shingle slicing; no set is
  built (MinHash of a multiset equals MinHash of its set: ``min`` ignores repeats);
- hashing: SHA-1 digests are concatenated and the first 4 (8) bytes read with numpy
  strides instead of one ``int.from_bytes`` per shingle;
- permutations: datasketch's own ``_fmix`` and affine step, vectorized (as minhash.Signer).
"""
import hashlib
import re
import sys
import unicodedata
from operator import methodcaller

import numpy as np
import regex
from datasketch.minhash import _SCHEME_WIDTHS, _fmix

from transforms.minhash import TOKEN_RE, Signer

_STD_WORD_RE = re.compile(r"\w+")
_DIGEST = methodcaller("digest")
_DISAGREE_RE = None  # compiled lazily: the characters where re's \w and regex's \w differ


def _ranges_class(codes):
    """A regex character class (string) matching exactly the sorted code points ``codes``."""
    parts, start, prev = [], None, None
    for c in codes:
        if start is None:
            start = prev = c
        elif c == prev + 1:
            prev = c
        else:
            parts.append((start, prev))
            start = prev = c
    if start is not None:
        parts.append((start, prev))
    body = "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in parts)
    return "[" + body + "]" if body else "[^\\s\\S]"


def word_disagreement_re():
    """Compiled ``re`` pattern matching a character ``re`` and ``regex`` classify differently as ``\\w``.

    The BMP members are one character class (``re`` compiles it to a bitmap: fast); any
    character beyond the BMP also matches (most disagreements are there), so such text simply
    takes the ``regex`` path.
    """
    global _DISAGREE_RE
    if _DISAGREE_RE is None:
        everything = "".join(map(chr, range(sys.maxunicode + 1)))
        differ = set(regex.findall(r"\w", everything)) ^ set(re.findall(r"\w", everything))
        bmp = sorted(ord(c) for c in differ if ord(c) < 0x10000)
        _DISAGREE_RE = re.compile(_ranges_class(bmp) + "|[\U00010000-\U0010ffff]")
    return _DISAGREE_RE


def fast_tokenize(text):
    """Same list as ``minhash.tokenize(text)``: lower-cased NFKC ``\\w+`` tokens."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if folded.isascii() or word_disagreement_re().search(folded) is None:
        return _STD_WORD_RE.findall(folded)
    return TOKEN_RE.findall(folded)


def ngrams(tokens, n):
    """Word n-grams of ``tokens`` as strings, repeats kept (a list shorter than n gives one gram).

    >>> ngrams(["a", "b", "c"], 2), ngrams(["a"], 3), ngrams([], 2)
    (['a b', 'b c'], ['a'], [])
    """
    if len(tokens) < n:
        return [" ".join(tokens)] if tokens else []
    return list(map(" ".join, zip(*[tokens[i:] for i in range(n)])))


class FastSigner(Signer):
    """``minhash.Signer`` plus a text-to-signature path that skips the shingle set."""

    def __init__(self, num_perm, seed, scheme, ngram):
        super().__init__(num_perm, seed, scheme)
        self.ngram = ngram
        word_disagreement_re()  # build once per worker (DoFn.setup)

    def gram_hashes(self, grams):
        """datasketch's ``sha1_hash32`` (or 64-bit for affine64) of each gram string (numpy array)."""
        digests = b"".join(map(_DIGEST, map(hashlib.sha1, map(str.encode, grams))))
        raw = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 20)[:, :self.width]
        little = "<u8" if self.width == 8 else "<u4"
        return np.ascontiguousarray(raw).view(little).ravel().astype(
            np.uint64 if self.width == 8 else np.uint32)

    def text_signature(self, text, chunk=2048):
        """MinHash hash values of ``text``: equal to ``Signer.signature(shingles(text, ngram))``."""
        grams = ngrams(fast_tokenize(text), self.ngram)
        if not grams:
            return self.empty.copy()
        hv = self.gram_hashes(grams).reshape(-1, 1)
        result = self.empty.copy()
        for start in range(0, hv.shape[0], chunk):
            part = hv[start:start + chunk]
            if self.scheme == "legacy":
                phv = (part.astype(np.uint64) * self.a + self.b) % np.uint64((1 << 61) - 1)
                phv = np.bitwise_and(phv, np.uint64((1 << 32) - 1))
            else:
                phv = _fmix(part, _SCHEME_WIDTHS[self.scheme]) * self.a + self.b
            result = np.minimum(result, phv.min(axis=0))
        return result
