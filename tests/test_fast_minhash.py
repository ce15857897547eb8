"""fast_minhash gives bit-identical signatures to minhash.Signer and to datasketch itself."""
import gzip
import itertools
import json
import os

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED
from transforms.fast_minhash import FastSigner, ngrams
from transforms.minhash import Signer, shingles, tokenize


def sample_texts():
    texts = ["", "one", "a b c d", "The Ｐost's NEWS! caf\u00e9 x\u00b2 \u0301no \u2019quoted\u2019 " * 3,
             "ma\u00f1ana se\u0303 \u6771\u4eac \u0661\u0662 \u00bd \U0001d7d9 " * 5]
    for corpus in ("20ng", "bbc"):
        path = os.path.join(SHARED, "data", "dedup", corpus, "input.jsonl.gz")
        if os.path.exists(path):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                texts += [json.loads(line)["text"] for line in itertools.islice(handle, 0, 1500, 10)]
    return texts


@pytest.mark.parametrize("scheme", ["affine32", "affine64", "legacy"])
def test_same_signatures_as_minhash_signer(scheme):
    fast, slow = FastSigner(64, 7, scheme, 5), Signer(64, 7, scheme)
    texts = sample_texts()
    for text in texts:
        assert np.array_equal(fast.text_signature(text), slow.signature(shingles(text, 5))), text[:100]


def test_same_as_datasketch_update_batch():
    fast = FastSigner(128, 1, "affine32", 3)
    for text in sample_texts()[:40]:
        grams = shingles(text, 3)
        if not grams:
            continue
        reference = MinHash(num_perm=128, seed=1, scheme="affine32")
        reference.update_batch(grams)
        assert np.array_equal(fast.text_signature(text), reference.hashvalues)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "\u00e9", "x y"]), max_size=12), st.integers(1, 6))
def test_property_ngrams_match_shingle_set(tokens, n):
    text = " ".join(tokens)
    assert {g.encode("utf-8") for g in ngrams(tokenize(text), n)} == shingles(text, n)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80), st.integers(1, 6))
def test_property_any_text_same_signature(text, n):
    fast, slow = FastSigner(16, 3, "affine32", n), Signer(16, 3, "affine32")
    assert np.array_equal(fast.text_signature(text), slow.signature(shingles(text, n)))
