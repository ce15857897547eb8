"""MinHash signatures equal datasketch's, exact Jaccard, datasketch's LSH parameters and scheme values
(transforms.datasketch_compat), and a run that imports neither datasketch nor scipy."""
import gzip
import json
import os
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
import xxhash
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32 as ds_sha1_hash32
from datasketch.hashfunc import sha1_hash64 as ds_sha1_hash64
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix as ds_fmix
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED
from transforms.separators import WORD_SEPARATORS
from transforms import datasketch_compat as compat
from transforms.datasketch_compat import SCHEMES, lsh_param_errors, scheme_permutations
from transforms.minhash import (HASHES, TOKEN_RE, Signer, estimated_jaccard, exact_jaccard, lsh_params,
                                poly64_hash32, poly64_hash64, poly64_many, poly64_ngrams, sha1_hash32,
                                sha1_hash64, shingle_list, shingles, token_stream, tokenize, xxh3_hash32,
                                xxh3_hash64)

TEXTS = [
    "The quick brown fox jumps over the lazy dog while the cat watches from the fence.",
    "Zürich’s Ｆull-width NEWS: café prices rose 3 % on Monday, officials said.",
    "short text",
    " ".join(f"w{i % 997}" for i in range(6000)),  # more shingles than one chunk (2048)
]


@pytest.mark.parametrize("hash_name", ["poly64", "sha1", "xxh3"])
@pytest.mark.parametrize("scheme", ["affine32", "affine64", "legacy"])
def test_signatures_equal_datasketch(scheme, hash_name):
    """sha1: datasketch's own default hashfunc; poly64, xxh3: datasketch given our hashfunc.
    ``sign_text`` (the pipeline's call, vectorized for poly64) gives the same as ``sign``."""
    signer = Signer(128, 7, scheme, hash_name)
    hashfunc = {} if hash_name == "sha1" else {"hashfunc": signer.hashfunc}
    for text in TEXTS:
        shingle_set = shingles(text, 5)
        reference = MinHash(num_perm=128, seed=7, scheme=scheme, **hashfunc)
        reference.update_batch(list(shingle_set))
        sig, prints = signer.sign(shingle_set)
        assert sig.dtype == reference.hashvalues.dtype
        assert np.array_equal(sig, reference.hashvalues), (scheme, text[:30])
        assert np.array_equal(signer.signature(shingle_set), reference.hashvalues)
        assert len(prints) == len(shingle_set)
        assert signer.to_datasketch(sig).jaccard(reference) == 1.0
        sig_t, prints_t = signer.sign_text(text, 5)
        assert np.array_equal(sig_t, sig) and np.array_equal(prints_t, prints)
    assert signer.sign_text("!!! ---", 5) is None


def test_xxh3_hashfuncs_are_xxhash():
    data = "Zürich’s café".encode("utf-8")
    assert xxh3_hash64(data) == xxhash.xxh3_64_intdigest(data) == xxhash.xxh3_64(data).intdigest()
    assert xxh3_hash32(data) == xxh3_hash64(data) % 2 ** 32
    assert poly64_hash32(data) == poly64_hash64(data) % 2 ** 32
    with pytest.raises(ValueError, match="unknown shingle hash"):
        Signer(128, 1, "affine32", "md5")


def test_signatures_load_into_datasketch_lsh():
    signer = Signer(128, 1, "affine32", "xxh3")
    bands, rows = lsh_params(0.5, 128)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    assert (lsh.b, lsh.r) == (bands, rows)
    base = " ".join(f"word{i}" for i in range(200))
    near = base.replace("word100 ", "changed ")
    for key, text in (("base", base), ("other", TEXTS[0])):
        lsh.insert(key, signer.to_datasketch(signer.signature(shingles(text, 5))))
    found = lsh.query(signer.to_datasketch(signer.signature(shingles(near, 5))))
    assert found == ["base"]


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_lsh_params_are_datasketch_choice(threshold):
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    assert lsh_params(threshold, 128) == (lsh.b, lsh.r)


@pytest.mark.parametrize("num_perm", [2, 3, 17, 64, 128, 200])
def test_lsh_param_errors_pick_datasketch_choice(num_perm):
    """The exact integrals pick datasketch's (bands, rows) wherever the best two are further
    apart than the margin; lsh_params (which asks datasketch for the closer calls) equals
    datasketch's search everywhere; and the closer calls are rare."""
    thresholds = [0.01, 0.02, *np.round(np.arange(0.05, 1.0, 0.05), 2), 0.97, 0.99, 1.0]
    close = 0
    for threshold in thresholds:
        expected = _optimal_param(threshold, num_perm, 0.5, 0.5)
        bands, rows, error = lsh_param_errors(threshold, num_perm)
        order = np.argsort(error, kind="stable")
        assert len(bands) == sum(num_perm // b for b in range(1, num_perm + 1))
        if len(order) > 1 and error[order[1]] - error[order[0]] <= compat._PARAM_MARGIN:
            close += 1
        else:
            assert (bands[order[0]], rows[order[0]]) == expected, (threshold, num_perm)
        assert lsh_params(threshold, num_perm) == expected, (threshold, num_perm)
    assert close <= 2, f"{close} of {len(thresholds)} thresholds went to datasketch"


def test_lsh_params_beyond_the_numpy_search_are_datasketch_choice():
    assert lsh_params(0.5, 600) == _optimal_param(0.5, 600, 0.5, 0.5)


@pytest.mark.parametrize("scheme", ["affine32", "affine64", "legacy"])
def test_scheme_values_equal_datasketch(scheme):
    """The permutations, the empty signature and the pre-mix are datasketch's for each scheme."""
    assert SCHEMES == tuple(sorted(SCHEMES)) and scheme in SCHEMES
    for seed, num_perm in ((1, 2), (7, 128), (2 ** 31 - 1, 257)):
        reference = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
        a, b = scheme_permutations(num_perm, seed, scheme)
        assert a.dtype == reference.permutations[0].dtype and b.dtype == reference.permutations[1].dtype
        assert np.array_equal(a, reference.permutations[0]) and np.array_equal(b, reference.permutations[1])
        signer = Signer(num_perm, seed, scheme, "poly64")
        assert signer.empty.dtype == reference.hashvalues.dtype
        assert np.array_equal(signer.empty, reference.hashvalues)
    with pytest.raises(ValueError, match="scheme must be one of"):
        scheme_permutations(4, 1, "affine16")
    if scheme != "legacy":
        width = compat._SCHEME_WIDTHS[scheme]
        values = np.random.RandomState(3).randint(0, 1 << width, 1000, dtype=np.uint64).astype(
            compat._SCHEME_DTYPES[scheme])
        assert np.array_equal(compat._fmix(values, width), ds_fmix(values, width))


def test_sha1_hashfuncs_are_datasketch():
    for data in (b"", b"a", "Zürich’s café".encode("utf-8"), bytes(range(256))):
        assert sha1_hash32(data) == ds_sha1_hash32(data)
        assert sha1_hash64(data) == ds_sha1_hash64(data)


def test_a_run_does_not_import_datasketch():
    """Building and signing take nothing from datasketch (its import pulls in scipy): a fresh
    interpreter that builds the whole job graph and signs a text has imported neither."""
    code = ("import sys, apache_beam as beam; from pipeline import assembly; "
            "from pipeline.config import load_settings; from transforms.minhash import Signer; "
            "s = load_settings(); p = beam.Pipeline(); "
            "assembly.build(p, s, [{'path': 'x.jsonl', 'size': 1}], '/tmp/unused', 1); "
            "Signer.from_settings(s.dedup).sign_text('a b c d e f', 5); "
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_exact_jaccard_matches_python_sets():
    signer = Signer(64, 1, "affine32", "xxh3")
    rng = np.random.default_rng(3)
    words = [f"t{i}" for i in range(60)]
    for _ in range(30):
        a = " ".join(rng.choice(words, 80))
        b = " ".join(rng.choice(words, 80))
        sa, sb = shingles(a, 2), shingles(b, 2)
        expected = len(sa & sb) / len(sa | sb)
        got = exact_jaccard(signer.sign(sa)[1], signer.sign(sb)[1])
        assert got == pytest.approx(expected)
    assert exact_jaccard(np.zeros(0, np.uint64), np.zeros(0, np.uint64)) == 0.0


def test_estimate_tracks_exact_jaccard():
    signer = Signer(256, 1, "affine32", "xxh3")
    base = [f"w{i}" for i in range(400)]
    other = base[40:] + [f"x{i}" for i in range(40)]
    sa, sb = shingles(" ".join(base), 5), shingles(" ".join(other), 5)
    exact = len(sa & sb) / len(sa | sb)
    est = estimated_jaccard(signer.signature(sa), signer.signature(sb))
    assert abs(est - exact) < 0.1


def test_shingles_short_and_empty():
    assert shingles("a b", 5) == {b"a b"}
    assert shingles("!!! ---", 5) == set()


# --- fast paths: same output as the plain definitions --------------------------------------

def _tokenize_reference(text):
    """The plain definition: NFKC, lower case, Unicode ``\\w+`` (the ``regex`` engine)."""
    return TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower())


def _corpus_texts(limit=400):
    path = os.path.join(SHARED, "data", "dedup", "20ng", "input.jsonl.gz")
    if not os.path.exists(path):
        pytest.skip("../shared/data/dedup/20ng not found")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for _, line in zip(range(limit), handle)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200))
def test_ascii_tokenize_equals_reference(text):
    assert tokenize(text) == _tokenize_reference(text)


NEWS_ALPHABET = st.one_of(
    st.characters(max_codepoint=0x7F),
    st.sampled_from(sorted(WORD_SEPARATORS)),
    st.sampled_from(list("™²éÉİßﬁ\u0301\u00ad\u200b₨½Ｐ")),  # \w or NFKC-sensitive: the slow path
)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=NEWS_ALPHABET, max_size=200))
def test_tokenize_with_word_separators_equals_reference(text):
    """Text with quotes, dashes and other separators (tokenized on ASCII, as bytes for the
    shingles) gives the reference tokens and n-grams."""
    reference = _tokenize_reference(text)
    assert tokenize(text) == reference
    assert shingle_list(text, 3) == [" ".join(g).encode() for g in _ngrams(reference, 3)]


@pytest.mark.parametrize("hash_name", ["poly64", "sha1", "xxh3"])
def test_tokenize_and_sign_fast_paths_on_real_posts(hash_name):
    """On real newsgroup posts: tokenize == reference, and signing the shingle list (repeats
    kept, one C-level map of the hash) gives the signature and fingerprints of the shingle
    set; the fingerprints are the 64-bit hashfunc values."""
    signer = Signer(128, 1, "affine32", hash_name)
    hash64 = HASHES[hash_name][1]
    texts = _corpus_texts() + TEXTS + ["a b a b a b a b a b a b", "x y"]
    for text in texts:
        assert tokenize(text) == _tokenize_reference(text)
        ngrams = shingle_list(text, 5)
        assert set(ngrams) == shingles(text, 5)
        assert ngrams == [" ".join(g).encode() for g in _ngrams(_tokenize_reference(text), 5)]
        sig_l, prints_l = signer.sign(ngrams)
        sig_s, prints_s = signer.sign(shingles(text, 5))
        assert np.array_equal(sig_l, sig_s) and np.array_equal(prints_l, prints_s)
        assert prints_l.tolist() == sorted({hash64(s) for s in ngrams})
        sig_t, prints_t = signer.sign_text(text, 5)
        assert np.array_equal(sig_t, sig_l) and np.array_equal(prints_t, prints_l)


def _ngrams(tokens, n):
    """The plain definition of word n-grams (a shorter text is one n-gram, an empty one none)."""
    if len(tokens) < n:
        return [tokens] if tokens else []
    return [tokens[i:i + n] for i in range(len(tokens) - n + 1)]


def _poly64_reference(text, n):
    """The plain definition: each n-gram built as bytes, then hashed one by one."""
    return [poly64_hash64(" ".join(g).encode()) for g in _ngrams(_tokenize_reference(text), n)]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=NEWS_ALPHABET, max_size=300), st.integers(min_value=1, max_value=6))
def test_vectorized_poly64_equals_hashing_each_ngram(text, n):
    """The token stream is the reference tokens joined by spaces, and numpy's prefix-sum
    hashes of its n-grams equal the per-n-gram hashfunc (ASCII, separators, Unicode paths)."""
    assert token_stream(text) == " ".join(_tokenize_reference(text)).encode()
    assert poly64_ngrams(token_stream(text), n).tolist() == _poly64_reference(text, n)


@pytest.mark.parametrize("text", [
    " ".join(f"w{i % 997}" for i in range(30000)),  # longer than one 64 KiB segment: grouped
    "a" * 70000 + " b c",  # one token longer than a segment
    " ".join(["x" * 30000, "y" * 30000, "z" * 30000, "q"]),  # n-grams spanning segments
])
def test_vectorized_poly64_on_long_streams(text):
    assert len(token_stream(text)) > 65536
    assert poly64_ngrams(token_stream(text), 5).tolist() == _poly64_reference(text, 5)
    grams = shingle_list(text, 5)
    assert poly64_many(grams).tolist() == [poly64_hash64(g) for g in grams]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=30))
def test_poly64_many_equals_hashfunc(items):
    """Already-built shingles (``Signer.sign``: tune, inspect) hash as the hashfunc does,
    empty ones included."""
    assert poly64_many(items).tolist() == [poly64_hash64(b) for b in items]


def test_gauss_legendre_rule_equals_numpys():
    """The rule lsh_params integrates with is numpy's ``leggauss`` (which asks LAPACK, whose
    idle OpenBLAS threads then spin on another core), computed element-wise."""
    from transforms.datasketch_compat import gauss_legendre
    for n in (1, 2, 3, 17, 65, 129, 257):
        nodes, weights = gauss_legendre(n)
        want_nodes, want_weights = np.polynomial.legendre.leggauss(n)
        assert np.abs(nodes - want_nodes).max() < 1e-13 and np.abs(weights - want_weights).max() < 1e-13
