"""One tokenizer for every stage: characters in scripts without spaces, ``\\w+`` words elsewhere."""
import json
import os
import unicodedata

import numpy as np
import pytest
import regex
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from transforms.filter import count_words, has_words
from transforms.lines import line_features
from transforms.minhash import Signer, exact_jaccard, shingle_list, shingles, token_stream, tokenize
from transforms.separators import UNICODE_WORD
from transforms.tokens import (MAYBE_NO_SPACE, NO_SPACE_CHAR, NO_SPACE_SCRIPTS, TOKEN, count_tokens,
                               has_tokens, line_words, shingle_token_bytes, shingle_tokens, tokens)

CORPUS = os.path.join(REPO, "data", "multilingual", "corpus.jsonl")
ZH = "本市新建的中心图书馆于周六上午正式向公众开放，首日接待读者超过八千人次。"
JA = "緑ヶ丘市は十日、新しい路面電車を来月一日から運行すると発表した。"
TH = "ตลาดน้ำริมคลองบางใหญ่กลับมาเปิดให้บริการอีกครั้งในวันเสาร์ที่ผ่านมา"


def _corpus():
    with open(CORPUS, encoding="utf-8") as handle:
        return {r["id"]: r["text"] for r in map(json.loads, handle)}


def test_no_space_scripts_are_characters():
    assert tokens(ZH)[:5] == ["本", "市", "新", "建", "的"]
    assert len(tokens(ZH)) == len(regex.findall(r"\p{Han}", ZH))
    assert tokens("東京のコーヒー") == ["東", "京", "の", "コ", "ー", "ヒ", "ー"]  # ー (Common script) alone
    # Thai: a consonant keeps its vowel and tone marks
    assert tokens("ที่ผ่านมา") == ["ที่", "ผ่", "า", "น", "ม", "า"]
    assert "".join(tokens(TH)) == TH


def test_mixed_text_mixes_words_and_characters():
    assert tokens("iPhone 15在东京发售，售价999美元") == ["iPhone", "15", "在", "东", "京", "发", "售", "售",
                                                   "价", "999", "美", "元"]
    assert shingle_tokens("ＡＢＣ新聞の記事") == ["abc", "新", "聞", "の", "記", "事"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(max_codepoint=0x7F),
                                  st.sampled_from(list("éßİ™²Ｐ\u0301—“’…Жжعم")))))
def test_text_without_no_space_scripts_tokenizes_as_before(text):
    """Latin, Cyrillic, Arabic ...: exactly the ``\\w+`` tokens of before, on every path."""
    assert tokens(text) == UNICODE_WORD.findall(text)
    assert shingle_tokens(text) == UNICODE_WORD.findall(unicodedata.normalize("NFKC", text).lower())
    assert line_words(text) == len(text.split())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(max_codepoint=0x7F),
                                  st.sampled_from(list("東京のコーヒー新聞ดีที่ខ្មែរ\u0301é—")))),
       st.integers(-1, 30))
def test_fast_paths_equal_plain_definition(text, n):
    reference = TOKEN.findall(text)
    assert tokens(text) == reference
    assert count_tokens(text) == len(reference) == count_words(text)
    assert has_tokens(text, n) == has_words(text, n) == (len(reference) >= n)
    folded = TOKEN.findall(unicodedata.normalize("NFKC", text).lower())
    assert shingle_tokens(text) == folded == tokenize(text)
    assert shingle_token_bytes(text) == [t.encode() for t in folded]
    assert token_stream(text) == " ".join(folded).encode()
    assert line_words(text) == (len(reference) if NO_SPACE_CHAR.search(text) else len(text.split()))


def test_prefilter_covers_every_no_space_character():
    """MAYBE_NO_SPACE (a stdlib-engine block list) holds every character of the scripts."""
    exact = regex.compile("[" + "".join(rf"\p{{{s}}}" for s in NO_SPACE_SCRIPTS) + "]")
    missed = [hex(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000
              and exact.match(chr(cp)) and not MAYBE_NO_SPACE.match(chr(cp))]
    assert missed == []


def test_word_counts_of_articles_without_spaces():
    """A three-sentence Japanese article and a Thai one are far above filter.min_words=20."""
    corpus = _corpus()
    for lang in ("zh", "ja", "th"):
        assert count_words(corpus[f"{lang}-orig"]) > 100, lang
        assert len(UNICODE_WORD.findall(corpus[f"{lang}-orig"])) < 40  # what \w+ saw before
    assert count_words("It's 3 o'clock.") == 5


def test_line_words_count_characters():
    assert line_words("责任编辑：王小明") == 7
    assert line_features("本市新建的中心图书馆于周六上午正式向公众开放。")["words"] == 22
    assert line_features("Share — Facebook")["words"] == 3


@pytest.mark.parametrize("scheme", ["affine32", "affine64", "legacy"])
@pytest.mark.parametrize("hash_name", ["poly64", "sha1", "xxh3"])
def test_cjk_and_thai_signatures_equal_datasketch(scheme, hash_name):
    """Character n-gram shingles sign as datasketch's MinHash does (scheme passed explicitly)."""
    signer = Signer(128, 3, scheme, hash_name)
    hashfunc = {} if hash_name == "sha1" else {"hashfunc": signer.hashfunc}
    corpus = _corpus()
    texts = [ZH, JA, TH, corpus["zh-orig"], corpus["ja-orig"], corpus["th-orig"], "iPhone 15在东京发售"]
    for text in texts:
        grams = shingles(text, 5)
        assert all(len(g.split(b" ")) == 5 for g in grams) or len(grams) == 1
        reference = MinHash(num_perm=128, seed=3, scheme=scheme, **hashfunc)
        reference.update_batch(sorted(grams))
        sig, prints = signer.sign_text(text, 5)
        assert np.array_equal(sig, reference.hashvalues), text[:20]
        assert np.array_equal(signer.signature(grams), reference.hashvalues)
        assert len(prints) == len(grams)


def test_character_five_grams_find_cjk_near_copies():
    """One edited character in Chinese changes five 5-gram shingles, not a whole clause."""
    corpus = _corpus()
    signer = Signer(128, 1, "affine32", "poly64")
    for lang in ("zh", "ja", "th"):
        orig, near, other = (signer.sign_text(corpus[f"{lang}-{k}"], 5)[1] for k in ("orig", "near", "other"))
        assert exact_jaccard(orig, near) >= 0.85, lang
        assert exact_jaccard(orig, other) < 0.1, lang
    assert shingle_list("东京都知事选", 5) == ["东 京 都 知 事".encode(), "京 都 知 事 选".encode()]
