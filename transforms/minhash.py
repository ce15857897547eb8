"""Shingling and MinHash signatures identical to ``datasketch.MinHash`` for the same shingles.

Tokens are the ``\\w+`` runs of the NFKC-normalized, lower-cased text; shingles are word
n-grams joined by one space and UTF-8 encoded (a text shorter than n words is one shingle).
Each shingle is hashed with datasketch's ``sha1_hash32`` and the permutations come from a
``datasketch.MinHash(num_perm, seed, scheme)`` built once per worker, so a signature can be
loaded into ``datasketch.MinHash(hashvalues=..., scheme=...)`` and ``MinHashLSH``.
``Signer.sign`` also returns the shingle fingerprints (sorted unique 64-bit hashes) that
``exact_jaccard`` compares to verify candidate pairs exactly.
"""
import hashlib
import re
import unicodedata
from itertools import accumulate
from operator import methodcaller

import numpy as np
import regex
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _SCHEME_WIDTHS, _fmix

TOKEN_RE = regex.compile(r"\w+")
ASCII_TOKEN_RE = re.compile(r"\w+")  # same matches as TOKEN_RE on ASCII text, faster engine
_DIGEST = methodcaller("digest")
try:  # OpenSSL's SHA-1 constructor itself: the same digest as hashlib.sha1, less call overhead
    from _hashlib import openssl_sha1 as _sha1
except ImportError:  # pragma: no cover - Python built without OpenSSL
    _sha1 = hashlib.sha1


def tokenize(text):
    """Lower-cased NFKC ``\\w+`` tokens of ``text``.

    >>> tokenize("The Ｐost's NEWS!")
    ['the', 'post', 's', 'news']
    """
    if text.isascii():  # NFKC leaves ASCII alone and both engines agree on ASCII \w
        return ASCII_TOKEN_RE.findall(text.lower())
    return TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower())


def shingles(text, n):
    """Set of UTF-8 encoded word n-grams of ``text`` (one shingle if it has fewer than n words).

    >>> sorted(shingles("a b c", 2))
    [b'a b', b'b c']
    """
    return set(shingle_list(text, n))


def shingle_list(text, n):
    """The word n-grams of ``text`` in order, repeats included: ``set(shingle_list(t, n)) ==
    shingles(t, n)``. MinHash and the fingerprints do not need the set, so the pipeline skips it.

    >>> shingle_list("a b a b", 2)
    [b'a b', b'b a', b'a b']
    """
    tokens = tokenize(text)
    if len(tokens) < n:
        return [" ".join(tokens).encode("utf-8")] if tokens else []
    # encode the token stream once and slice it: the bytes of each n-gram joined by spaces
    # (no per-shingle tuple, join and encode); offsets are UTF-8 byte lengths
    joined = " ".join(tokens).encode("utf-8")
    if len(joined) == len(tokens) - 1 + sum(map(len, tokens)):
        lengths = map(len, tokens)  # every token is ASCII
    else:
        lengths = (len(t.encode("utf-8")) for t in tokens)
    starts = [0, *accumulate(length + 1 for length in lengths)]
    count = len(tokens) - n + 1
    return [joined[a:b - 1] for a, b in zip(starts[:count], starts[n:])]


def lsh_params(threshold, num_perm):
    """(bands, rows) that datasketch's MinHashLSH would choose for ``threshold`` and ``num_perm``.

    Uses datasketch's own parameter search (equal false-positive / false-negative weights).

    >>> lsh_params(0.5, 128)
    (25, 5)
    """
    return _optimal_param(threshold, num_perm, 0.5, 0.5)


class Signer:
    """Computes MinHash signatures; build it in ``DoFn.setup`` (the permutations are numpy arrays)."""

    def __init__(self, num_perm, seed, scheme):
        proto = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
        self.num_perm, self.seed, self.scheme = num_perm, seed, scheme
        self.a, self.b = proto.permutations
        self.empty = proto.hashvalues.copy()
        self.dtype = proto.hashvalues.dtype
        self.width = 8 if scheme == "affine64" else 4

    def _hash(self, shingle_set):
        w = self.width
        return np.fromiter(
            (int.from_bytes(hashlib.sha1(s).digest()[:w], "little") for s in shingle_set),
            dtype=np.uint64 if w == 8 else np.uint32, count=len(shingle_set))

    def signature(self, shingle_set, chunk=2048):
        """MinHash hash values (numpy array) of a set of byte shingles, equal to datasketch's."""
        if not shingle_set:
            return self.empty.copy()
        return self._signature_of(self._hash(shingle_set), chunk)

    def sign(self, shingles_in, chunk=2048):
        """``(signature, fingerprints)`` of byte shingles (a set, or a list with repeats: a
        repeat changes neither), hashing each shingle once.

        ``signature`` equals :meth:`signature` of the set; ``fingerprints`` is the sorted array
        of unique 64-bit shingle hashes (first 8 bytes of SHA-1) for exact Jaccard verification.
        """
        if not shingles_in:
            return self.empty.copy(), np.zeros(0, dtype=np.uint64)
        # all 20-byte SHA-1 digests in one buffer (C-level map, no Python loop per shingle)
        digests = np.frombuffer(b"".join(map(_DIGEST, map(_sha1, shingles_in))), dtype=np.uint8)
        first8 = digests.reshape(-1, 20)[:, :8].copy().view("<u8").ravel().astype(np.uint64)
        prints = np.sort(first8)  # then drop repeats (np.unique sorts again, ~6x slower)
        if len(prints) > 1:
            repeat = prints[1:] == prints[:-1]
            if repeat.any():
                prints = prints[np.concatenate(([True], ~repeat))]
        # datasketch's sha1_hash32 / sha1_hash64: the first 4 / 8 digest bytes, little-endian,
        # i.e. the low 32 bits of the first 8 bytes read as one little-endian integer
        hv = first8 if self.width == 8 else first8.astype(np.uint32)
        return self._signature_of(hv, chunk), prints

    def _signature_of(self, hashes, chunk):
        hv = hashes.reshape(-1, 1)
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

    def to_datasketch(self, hashvalues):
        """Wrap hash values in a ``datasketch.MinHash`` of the same seed and scheme."""
        return MinHash(num_perm=self.num_perm, seed=self.seed, scheme=self.scheme, hashvalues=hashvalues)


def exact_jaccard(prints_a, prints_b):
    """Jaccard similarity of two shingle sets given as sorted unique fingerprint arrays.

    Two empty sets have similarity 0 (nothing to compare).

    >>> exact_jaccard(np.array([1, 2, 3], dtype=np.uint64), np.array([2, 3, 4], dtype=np.uint64))
    0.5
    """
    if len(prints_a) == 0 or len(prints_b) == 0:
        return 0.0
    inter = len(np.intersect1d(prints_a, prints_b, assume_unique=True))
    return inter / (len(prints_a) + len(prints_b) - inter)


def estimated_jaccard(sig_a, sig_b):
    """Share of equal positions of two signatures (datasketch's ``MinHash.jaccard``)."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
