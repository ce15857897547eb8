"""Shingling and MinHash signatures identical to ``datasketch.MinHash`` for the same shingles.

Tokens are those of :mod:`transforms.tokens` (``\\w+`` runs, and each character of a script
written without spaces: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) of the
NFKC-normalized, lower-cased text; shingles are token n-grams joined by one space and UTF-8
encoded (a text shorter than n tokens is one shingle): word n-grams in English or Russian,
character n-grams in Chinese, Japanese or Thai.
Each shingle is hashed once with the configured hash function (``HASHES``: ``poly64``, the
default, a polynomial hash of the shingle bytes finished with MurmurHash3's ``fmix64``, which
numpy computes for all shingles of a document at once from one prefix sum, with no shingle
ever built as a Python object; ``sha1`` is datasketch's default ``sha1_hash32``; ``xxh3`` is
XXH3-64 from the ``xxhash`` library); the permutations are those of
``datasketch.MinHash(num_perm, seed, scheme)`` (:func:`scheme_permutations`). A signature equals
``datasketch.MinHash(num_perm, seed, scheme=scheme, hashfunc=signer.hashfunc)`` updated with the
same shingles, so it can be loaded into ``datasketch.MinHash(hashvalues=...)`` and
``MinHashLSH``. ``Signer.sign`` also returns the shingle fingerprints (sorted unique 64-bit
hashes) that ``exact_jaccard`` compares to verify candidate pairs exactly.

datasketch itself is imported only where one of its objects is asked for
(:meth:`Signer.to_datasketch`) or where its LSH parameter search has to decide a close call
(``lsh_params``): importing it imports scipy, 0.5 CPU-s and 35-40 MB in every process that
signs (a run, each Dataflow worker). What a run takes from it, the permutations, the MurmurHash3
pre-mix, ``sha1_hash32`` / ``sha1_hash64`` and the (bands, rows) choice, is computed the way
datasketch 2.0 computes it (:mod:`transforms.datasketch_compat`, and the hashfuncs here);
tests/test_minhash.py holds each equal to datasketch's own.
"""
import hashlib
from itertools import accumulate
from operator import methodcaller

import numpy as np
from xxhash import xxh3_64_intdigest

from transforms.datasketch_compat import (  # noqa: F401 (lsh_params: importable from here as before)
    _FMIX_CONSTANTS, _SCHEME_DTYPES, _SCHEME_EMPTY, _SCHEME_WIDTHS, _fmix, lsh_params, scheme_permutations)
from transforms.separators import ASCII_WORD as ASCII_TOKEN_RE  # noqa: F401 (importable as before)
from transforms.tokens import TOKEN as TOKEN_RE
from transforms.tokens import shingle_token_bytes, shingle_tokens

_DIGEST = methodcaller("digest")
try:  # CPython's own SHA-1 (the same digest as hashlib.sha1, less overhead per short input)
    from _sha1 import sha1 as _sha1
except ImportError:  # pragma: no cover - a Python built without its own hash modules
    _sha1 = hashlib.sha1


def sha1_hash32(data):
    """datasketch's ``sha1_hash32``: the first 4 bytes of the SHA-1 digest, little-endian.

    >>> sha1_hash32(b"a")
    937752454
    """
    return int.from_bytes(_sha1(data).digest()[:4], "little")


def sha1_hash64(data):
    """datasketch's ``sha1_hash64``: the first 8 bytes of the SHA-1 digest, little-endian."""
    return int.from_bytes(_sha1(data).digest()[:8], "little")


def xxh3_hash32(data):
    """datasketch ``hashfunc`` for 32-bit schemes: the low 32 bits of XXH3-64 of ``data`` (bytes)."""
    return xxh3_64_intdigest(data) & 0xFFFFFFFF


def xxh3_hash64(data):
    """datasketch ``hashfunc`` for ``affine64``: XXH3-64 of ``data`` (bytes)."""
    return xxh3_64_intdigest(data)


# poly64: h = sum(byte[t] * B ** (len - 1 - t)) mod 2^64 (Horner's rule), then MurmurHash3's
# fmix64 finalizer so that every output bit depends on every input bit (B: odd, so invertible)
_MASK64 = (1 << 64) - 1
_POLY_BASE = 0x9E3779B97F4A7C15
_POLY_BASE_INV = pow(_POLY_BASE, -1, 1 << 64)
# MurmurHash3's fmix64 shift and multipliers, as datasketch's pre-mix uses them
_FMIX_SHIFT, _FMIX_C1, _FMIX_C2 = (int(_FMIX_CONSTANTS[64][i]) for i in (0, 1, 3))


def _fmix64_int(x):
    x ^= x >> _FMIX_SHIFT
    x = (x * _FMIX_C1) & _MASK64
    x ^= x >> _FMIX_SHIFT
    x = (x * _FMIX_C2) & _MASK64
    return x ^ (x >> _FMIX_SHIFT)


def poly64_hash64(data):
    """datasketch ``hashfunc`` for ``affine64``: ``fmix64`` of the polynomial hash of ``data``
    (bytes) mod 2^64. The pipeline computes the same values vectorized (:func:`poly64_ngrams`).

    >>> hex(poly64_hash64(b"a b c d e"))
    '0x6ce3b3a650ed9cf7'
    """
    h = 0
    for byte in data:
        h = (h * _POLY_BASE + byte) & _MASK64
    return _fmix64_int(h)


def poly64_hash32(data):
    """datasketch ``hashfunc`` for 32-bit schemes: the low 32 bits of :func:`poly64_hash64`."""
    return poly64_hash64(data) & 0xFFFFFFFF


#: hash name -> (datasketch hashfunc for 32-bit schemes, for affine64)
HASHES = {"poly64": (poly64_hash32, poly64_hash64), "xxh3": (xxh3_hash32, xxh3_hash64),
          "sha1": (sha1_hash32, sha1_hash64)}


def tokenize(text):
    """Lower-cased NFKC tokens of ``text`` (:func:`transforms.tokens.shingle_tokens`).

    >>> tokenize("The Ｐost’s “NEWS”!"), tokenize("東京の新聞")
    (['the', 'post', 's', 'news'], ['東', '京', 'の', '新', '聞'])
    """
    return shingle_tokens(text)


_utf8_tokens = shingle_token_bytes  # ``[t.encode("utf-8") for t in tokenize(text)]``


def token_stream(text):
    """The tokens of ``text`` (:func:`tokenize`) UTF-8 encoded and joined by one space (bytes).

    >>> token_stream("It’s “NEWS”, café!")
    b'it s news caf\\xc3\\xa9'
    """
    return b" ".join(_utf8_tokens(text))


def _powers(base, count):
    """uint64 array ``[1, base, base**2, ...]`` (``count`` values, wrapping mod 2^64)."""
    values = np.full(count, base, dtype=np.uint64)
    values[0] = 1
    return np.cumprod(values, dtype=np.uint64)


_SEGMENT = 1 << 16  # bytes of token stream hashed from one prefix sum (powers cached up to this)
_POW = _powers(_POLY_BASE, _SEGMENT + 1)
_POW_INV = _powers(_POLY_BASE_INV, _SEGMENT + 1)
_GROUP = 4096  # shingles per segment of a long stream


def _fmix64(x):
    """MurmurHash3 ``fmix64`` of a uint64 array, in place; returns it."""
    shift = np.uint64(_FMIX_SHIFT)
    x ^= x >> shift
    x *= np.uint64(_FMIX_C1)
    x ^= x >> shift
    x *= np.uint64(_FMIX_C2)
    x ^= x >> shift
    return x


def _span_hashes(data, starts, ends):
    """Polynomial hashes mod 2^64 of the byte spans ``data[s:e]`` of a uint8 array: with
    ``P[k] = sum(data[t] * B**-t for t < k)``, the hash of ``[s, e)`` is ``(P[e] - P[s]) * B**(e-1)``."""
    size = len(data)
    pow_, pow_inv = ((_POW, _POW_INV) if size <= _SEGMENT else
                     (_powers(_POLY_BASE, size + 1), _powers(_POLY_BASE_INV, size + 1)))
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(data * pow_inv[:size], out=prefix[1:])
    return (prefix[ends] - prefix[starts]) * pow_[ends - 1]  # an empty span at 0: 0 * pow_[-1]


def _poly64_spans(data, starts, ends):
    """``poly64_hash64`` of the byte spans ``data[s:e]`` of a uint8 array (starts and ends
    ascending), ``_GROUP`` spans at a time when ``data`` is longer than one segment."""
    if len(data) <= _SEGMENT:
        return _fmix64(_span_hashes(data, starts, ends))
    count = len(starts)
    out = np.empty(count, dtype=np.uint64)
    for g in range(0, count, _GROUP):
        lo, hi = starts[g], ends[min(g + _GROUP, count) - 1]
        out[g:g + _GROUP] = _span_hashes(data[lo:hi], starts[g:g + _GROUP] - lo, ends[g:g + _GROUP] - lo)
    return _fmix64(out)


def poly64_ngrams(stream, n):
    """``poly64_hash64`` of every token n-gram of a :func:`token_stream` (uint64 array, in
    order, repeats included; one value for a stream of fewer than n tokens, none for b"").

    Equal to ``[poly64_hash64(g) for g in shingle_list(text, n)]`` but computed by numpy from
    prefix sums over the stream, without building the n-grams.
    """
    data = np.frombuffer(stream, dtype=np.uint8)
    if not len(data):
        return np.zeros(0, dtype=np.uint64)
    spaces = np.flatnonzero(data == 32)
    starts = np.concatenate(([0], spaces + 1))
    ends = np.concatenate((spaces, [len(data)]))
    count = max(1, len(starts) - n + 1)
    return _poly64_spans(data, starts[:count], ends[-count:])  # n-gram i: token i .. i + n - 1


def poly64_many(items):
    """``[poly64_hash64(b) for b in items]`` as a uint64 array, computed by numpy over the
    joined bytes (for shingles that already exist as bytes: ``tune``, ``inspect``)."""
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    ends = np.cumsum(lengths)
    return _poly64_spans(np.frombuffer(b"".join(items), dtype=np.uint8), ends - lengths, ends)


def shingles(text, n):
    """Set of UTF-8 encoded token n-grams of ``text`` (one shingle if it has fewer than n tokens).

    >>> sorted(shingles("a b c", 2))
    [b'a b', b'b c']
    """
    return set(shingle_list(text, n))


def shingle_list(text, n):
    """The token n-grams of ``text`` in order, repeats included: ``set(shingle_list(t, n)) ==
    shingles(t, n)``. MinHash and the fingerprints do not need the set, so the pipeline skips it.

    >>> shingle_list("a b a b", 2)
    [b'a b', b'b a', b'a b']
    """
    tokens = _utf8_tokens(text)
    if len(tokens) < n:
        return [b" ".join(tokens)] if tokens else []
    # join the tokens once and slice: n-gram i spans starts[i] .. starts[i + n] - 1 (C-level
    # maps, no per-shingle tuple, join or encode)
    joined = b" ".join(tokens)
    starts = [0, *accumulate(map((1).__add__, map(len, tokens)))]
    ends = map((-1).__add__, starts[n:])
    return list(map(joined.__getitem__, map(slice, starts[:len(tokens) - n + 1], ends)))


class Signer:
    """Computes MinHash signatures; build it in ``DoFn.setup`` (the permutations are numpy arrays)."""

    CHUNK = 2048  # shingles permuted at a time

    def __init__(self, num_perm, seed, scheme, hash_name):
        if hash_name not in HASHES:
            raise ValueError(f"unknown shingle hash {hash_name!r}; one of {sorted(HASHES)}")
        self.width = 8 if scheme == "affine64" else 4
        self.hashfunc = HASHES[hash_name][self.width == 8]
        self.num_perm, self.seed, self.scheme, self.hash_name = num_perm, seed, scheme, hash_name
        self.a, self.b = scheme_permutations(num_perm, seed, scheme)
        self.empty = np.full(num_perm, _SCHEME_EMPTY[scheme], dtype=_SCHEME_DTYPES[scheme])
        self._buffer = np.empty((self.CHUNK, num_perm), dtype=self.empty.dtype)  # reused work array

    @classmethod
    def from_settings(cls, dedup):
        """The signer of :class:`transforms.stage_settings.DedupSettings` (num_perm, seed, scheme, hash)."""
        return cls(dedup.num_perm, dedup.seed, dedup.scheme, dedup.hash)

    def signature(self, shingle_set):
        """MinHash hash values (numpy array) of byte shingles, equal to datasketch's."""
        return self.sign(shingle_set)[0]

    def sign_text(self, text, n):
        """``(signature, fingerprints)`` of the token n-grams of ``text`` (as :meth:`sign` of
        ``shingle_list(text, n)``), or None for a text without tokens. With ``poly64`` the
        n-grams are hashed from the token stream without building them."""
        if self.hash_name != "poly64":
            ngrams = shingle_list(text, n)
            return self.sign(ngrams) if ngrams else None
        hashes = poly64_ngrams(token_stream(text), n)
        return self._sign_hashes(hashes) if len(hashes) else None

    def sign(self, shingles_in):
        """``(signature, fingerprints)`` of byte shingles (a set, or a list with repeats: a
        repeat changes neither), hashing each shingle once.

        ``signature`` equals :meth:`signature` of the set; ``fingerprints`` is the sorted array
        of unique 64-bit shingle hashes (the 64-bit hashfunc values) for exact Jaccard verification.
        """
        if not shingles_in:
            return self.empty.copy(), np.zeros(0, dtype=np.uint64)
        return self._sign_hashes(self._hash64(shingles_in))

    def _sign_hashes(self, first8):
        """``(signature, fingerprints)`` of the 64-bit shingle hashes ``first8`` (uint64 array)."""
        prints = np.sort(first8)  # then drop repeats (np.unique sorts again, ~6x slower)
        if len(prints) > 1:
            repeat = prints[1:] == prints[:-1]
            if repeat.any():
                prints = prints[np.concatenate(([True], ~repeat))]
        # the 32-bit hashfuncs are the low 32 bits of the 64-bit value
        hv = first8 if self.width == 8 else first8.astype(np.uint32)
        return self._signature_of(hv), prints

    def _hash64(self, shingles_in):
        """uint64 array: each shingle's 64-bit hash (C-level ``map``, no Python loop)."""
        if self.hash_name == "poly64":
            return poly64_many(list(shingles_in))
        if self.hash_name == "xxh3":
            return np.fromiter(map(xxh3_64_intdigest, shingles_in), dtype=np.uint64,
                               count=len(shingles_in))
        # sha1_hash64: the first 8 digest bytes, little-endian; all digests in one buffer
        digests = np.frombuffer(b"".join(map(_DIGEST, map(_sha1, shingles_in))), dtype=np.uint8)
        return digests.reshape(-1, 20)[:, :8].copy().view("<u8").ravel().astype(np.uint64)

    def _signature_of(self, hashes):
        """Column-wise minimum of the permuted hashes with datasketch's arithmetic, ``CHUNK``
        shingles at a time in one reused buffer (no large temporary array per document)."""
        hv = hashes.reshape(-1, 1)
        result = self.empty.copy()
        for start in range(0, len(hv), self.CHUNK):
            part = hv[start:start + self.CHUNK]
            buf = self._buffer[:len(part)]
            if self.scheme == "legacy":  # ((a * h + b) mod 2^64) mod (2^61 - 1), low 32 bits
                np.multiply(part.astype(np.uint64), self.a, out=buf)
                np.add(buf, self.b, out=buf)
                np.remainder(buf, np.uint64((1 << 61) - 1), out=buf)
                np.bitwise_and(buf, np.uint64((1 << 32) - 1), out=buf)
            else:  # a * fmix(h) + b, wrapping at the scheme's width
                np.multiply(_fmix(part, _SCHEME_WIDTHS[self.scheme]), self.a, out=buf)
                np.add(buf, self.b, out=buf)
            np.minimum(result, buf.min(axis=0), out=result)
        return result

    def to_datasketch(self, hashvalues):
        """A ``datasketch.MinHash`` of the same seed, scheme and hash function holding
        ``hashvalues`` (a signature; None for an empty one)."""
        from datasketch import MinHash  # (imports scipy: only when asked, see the module doc)
        return MinHash(num_perm=self.num_perm, seed=self.seed, scheme=self.scheme,
                       hashfunc=self.hashfunc, hashvalues=hashvalues)


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
