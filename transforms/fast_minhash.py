"""Faster shingling + MinHash with output identical to ``transforms.minhash`` / datasketch.

Not wired into the pipeline yet (``transforms/minhash.py`` belongs to the dedup stage);
``FastSigner.text_signature(text)`` equals ``Signer.signature(shingles(text, n))`` bit for
bit, which tests/test_fast_minhash.py checks. Where the time goes and what changes:

- tokenizing: unchanged (``minhash.tokenize``; the stdlib ``re`` engine was measured only
  ~20 % faster and its ``\\w`` differs from ``regex``'s on combining marks and the like);
- n-grams: ``map(" ".join, zip(...))`` builds them in C, no per-shingle slicing; no set is
  built (MinHash of a multiset equals MinHash of its set: ``min`` ignores repeats);
- hashing: SHA-1 digests are concatenated and the first 4 (8) bytes read with numpy
  strides instead of one ``int.from_bytes`` per shingle;
- permutations: datasketch's own ``_fmix`` and affine step, vectorized (as minhash.Signer).
"""
import hashlib
from operator import methodcaller

import numpy as np
from datasketch.minhash import _SCHEME_WIDTHS, _fmix

from transforms.minhash import Signer, tokenize

_DIGEST = methodcaller("digest")


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

    def gram_hashes(self, grams):
        """datasketch's ``sha1_hash32`` (or 64-bit for affine64) of each gram string (numpy array)."""
        digests = b"".join(map(_DIGEST, map(hashlib.sha1, map(str.encode, grams))))
        raw = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 20)[:, :self.width]
        little = "<u8" if self.width == 8 else "<u4"
        return np.ascontiguousarray(raw).view(little).ravel().astype(
            np.uint64 if self.width == 8 else np.uint32)

    def text_signature(self, text, chunk=2048):
        """MinHash hash values of ``text``: equal to ``Signer.signature(shingles(text, ngram))``."""
        grams = ngrams(tokenize(text), self.ngram)
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
