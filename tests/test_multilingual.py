"""Multilingual news (issue 18): language per document, chrome in other languages, the real
pipeline on data/multilingual (Chinese, Japanese, Thai, Russian, Spanish, German, Arabic)."""
import gzip
import json
import os
import unicodedata

import pycld2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, SHARED, read_output
from pipeline.config import load_config
from transforms.junk import Cleaner, strip_junk
from transforms.language import detect_language, is_plain_english, sample_text
from transforms.normalize import ftfy_config, normalize_text
from transforms.rules import JunkRules
from transforms.settings import ConfigError, junk_settings

DATA = os.path.join(REPO, "data", "multilingual")
CORPUS = os.path.join(DATA, "corpus.jsonl")


def _jsonl(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


TRUTH = {r["id"]: r for r in _jsonl("truth.jsonl")}
TEXTS = {r["id"]: r["text"] for r in _jsonl("corpus.jsonl")}
LANGS = sorted({r["lang"] for r in TRUTH.values()})


@pytest.fixture(scope="module")
def multilingual_run(tmp_path_factory):
    """The default pipeline on the multilingual corpus, once (read-only)."""
    from pipeline.cli import main
    out = str(tmp_path_factory.mktemp("multilingual") / "out")
    assert main(["run", "--input", CORPUS, "--output", out, "--quiet", "--set", "output.write_removed=true"]) == 0
    result = read_output(out)
    result["by_id"] = {r["id"]: (kind, r) for kind in ("clean", "duplicates", "rejected") for r in result[kind]}
    return result


# ------------------------------------------------------------------ language detection

def test_language_of_every_corpus_document():
    for doc_id, text in TEXTS.items():
        assert detect_language(text) == TRUTH[doc_id]["lang"], doc_id


def test_language_is_deterministic_and_bounded():
    text = TEXTS["zh-orig"]
    assert {detect_language(text) for _ in range(5)} == {"zh"}
    assert len(sample_text("\n".join([text] * 200))) <= 600
    assert detect_language("") == detect_language("12:30 | 2024") == "und"
    assert detect_language("bad \udc80 surrogate in an English sentence about the weather today") == "en"


ASCII_NOT_ENGLISH = [
    "De gemeente heeft maandag een nieuwe fietsbrug geopend die het centrum verbindt met de universiteit en het "
    "station, en de wethouder zei dat er dit jaar nog twee bruggen volgen.",
    "Pemerintah kota membuka jembatan sepeda baru pada hari Senin yang menghubungkan pusat kota dengan universitas "
    "dan stasiun kereta, dan wali kota mengatakan dua jembatan lagi akan dibangun tahun ini.",
    "Binuksan ng pamahalaang lungsod noong Lunes ang bagong tulay para sa mga bisikleta na nag-uugnay sa sentro ng "
    "lungsod at sa unibersidad, at sinabi ng alkalde na dalawa pang tulay ang itatayo ngayong taon.",
    "Serikali ya jiji ilifungua daraja jipya la baiskeli siku ya Jumatatu linalounganisha katikati ya jiji na chuo "
    "kikuu na kituo cha treni, na meya alisema madaraja mengine mawili yatajengwa mwaka huu.",
]


def test_english_fast_path_only_takes_english():
    """ASCII text of other languages goes to CLD2 (and is not called English); text in other
    scripts, or with accents, never takes the fast path."""
    for text in ASCII_NOT_ENGLISH + [unicodedata.normalize("NFKD", TEXTS[f"{lang}-orig"]).encode("ascii", "ignore")
                                     .decode() for lang in ("es", "de")]:
        assert not is_plain_english(sample_text(text)), text[:30]
        assert detect_language(text) != "en", text[:30]
    for lang in LANGS:
        assert not is_plain_english(sample_text(TEXTS[f"{lang}-orig"]))


def test_english_fast_path_agrees_with_cld2_on_english_corpora():
    path = os.path.join(SHARED, "data", "dedup", "bbc", "input.jsonl.gz")
    if not os.path.exists(path):
        pytest.skip("../shared/data/dedup/bbc not found")
    config = ftfy_config()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        texts = [normalize_text(json.loads(line)["text"], config) for _, line in zip(range(400), handle)]
    fast = [t for t in texts if is_plain_english(sample_text(t))]
    assert len(fast) > 300
    for text in fast:
        found = pycld2.detect(sample_text(text), bestEffort=True)[2][0][1]
        assert found == "en", text[:60]


# ------------------------------------------------------------------ chrome lines per language

BODY = {
    "zh": "本市新建的中心图书馆于周六上午正式向公众开放，首日接待读者超过八千人次。新馆位于滨江公园北侧，设有儿童阅览区。",
    "ja": "緑ヶ丘市は十日、市の中心部と港地区を結ぶ新しい路面電車を来月一日から運行すると発表した。全長は約六キロである。",
    "th": "ตลาดน้ำริมคลองบางใหญ่กลับมาเปิดให้บริการอีกครั้งในวันเสาร์ที่ผ่านมา หลังจากปิดปรับปรุงนานกว่าหนึ่งปี",
    "ru": "В субботу в Заречье открылась новая станция метро, которую строили почти три года, и в первый день ею "
          "воспользовались более двадцати тысяч пассажиров.",
    "es": "El ayuntamiento inauguró este lunes veinte kilómetros de nuevos carriles bici que conectan el centro "
          "histórico con la universidad.",
    "pt": "A prefeitura inaugurou nesta segunda-feira vinte quilômetros de novas ciclovias que ligam o centro "
          "histórico à universidade.",
    "fr": "La mairie a inauguré lundi vingt kilomètres de nouvelles pistes cyclables qui relient le centre historique "
          "à l'université.",
    "de": "Nach zwei Jahren Bauzeit ist der Bahnhof von Lindenau seit Montag wieder vollständig in Betrieb, und alle "
          "Gleise sind über Aufzüge erreichbar.",
    "ar": "افتتحت وزارة الطاقة يوم الأحد محطة جديدة للطاقة الشمسية في صحراء الواحة الشرقية، وهي الأكبر من نوعها في المنطقة.",
}

# (language, kind, line): every line is removed from a document of that language
CHROME = [(r["lang"], r["kind"], r["line"]) for r in _jsonl("chrome_lines.jsonl")]


@pytest.fixture(scope="module")
def rules():
    return JunkRules(junk_settings(load_config()["junk"]).enabled_rules)


@pytest.mark.parametrize("lang,kind,line", CHROME, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CHROME)])
def test_chrome_line_is_removed_by_a_rule_of_its_language(rules, lang, kind, line):
    """The line rules alone (no heuristics) remove the chrome line and leave the body line (a
    language-free rule such as share_bar may be the one that does)."""
    text = "\n".join([BODY[lang], line, BODY[lang] + " 2"])
    clean, hits, removed = strip_junk(text, rules, None, lang)
    assert [fragment for _, fragment in removed] == [line]
    assert clean.split("\n") == [BODY[lang], BODY[lang] + " 2"]
    names = [name for name, _ in removed]
    assert all(not _rule_languages(name) or lang in _rule_languages(name) for name in names), names


def _rule_languages(name):
    return next(s.languages for s in junk_settings(load_config()["junk"]).rules if s.name == name)


def test_every_language_has_each_kind_of_chrome():
    kinds = {"breadcrumb", "share", "follow", "related", "comments", "copyright"}
    for lang in ("zh", "ja", "ru", "es", "pt", "fr", "de", "ar"):
        assert kinds <= {k for code, k, _ in CHROME if code == lang}, lang
    assert {"editor"} <= {k for code, k, _ in CHROME if code == "zh"}


def test_language_rules_apply_only_to_their_language(rules):
    """A zh rule does not touch an English (or unknown-language) document, and the English view
    holds no language-limited rule at all (English pays nothing for them)."""
    english = rules.for_language("en")
    assert all(not r.languages for r in english.rules)
    assert {r.name for r in rules.for_language("zh").rules} - {r.name for r in english.rules} >= {
        "zh_share_bar", "zh_copyright"}
    text = "Readers said the library was bright.\n版权所有 © 2024\n相关新闻"
    for lang in ("en", "und", None, "ru"):
        _, _, removed = strip_junk(text, rules, None, lang)
        assert not any(name.startswith("zh_") for name, _ in removed), lang
    _, _, removed = strip_junk(text, rules, None, "zh")
    assert {name for name, _ in removed} == {"zh_copyright", "zh_list_heading"}


def test_rule_languages_must_be_codes():
    cfg = load_config()["junk"]
    bad = dict(cfg, rules=cfg["rules"] + [{"name": "x", "scope": "line", "pattern": "x", "languages": ["Chinese"]}])
    with pytest.raises(ConfigError, match="languages"):
        junk_settings(bad)


def test_english_cleaning_is_the_same_with_or_without_language(rules):
    """An English page cleans the same as before language rules existed (the English view of the
    rules is the language-free rules)."""
    settings = junk_settings(load_config()["junk"])
    cleaner = Cleaner(settings)
    page = ("Home | World | Sport\nShare Facebook Twitter\n" + "The minister said on Tuesday that the budget "
            "would rise next year, and officials expect a vote soon.\n" * 3 + "© 2024 The Post. All rights reserved.")
    assert cleaner.clean(page, "en") == cleaner.clean(page, None) == cleaner.clean(page, "und")


# ------------------------------------------------------------------ the real pipeline on the corpus

def test_articles_without_spaces_are_kept(multilingual_run):
    """Chinese, Japanese and Thai articles of three sentences or more are not rejected."""
    by_id = multilingual_run["by_id"]
    assert multilingual_run["rejected"] == []
    for lang in ("zh", "ja", "th"):
        for kind in ("orig", "near", "chrome", "other"):
            assert by_id[f"{lang}-{kind}"][0] in ("clean", "duplicates"), (lang, kind)


def _cluster(by_id, doc_id):
    kind, rec = by_id[doc_id]
    return rec["cluster_id"]


@pytest.mark.parametrize("lang", LANGS)
def test_near_copies_cluster_and_same_topic_articles_do_not(multilingual_run, lang):
    by_id = multilingual_run["by_id"]
    assert TRUTH[f"{lang}-near"]["jc5"] >= 0.85
    cluster = _cluster(by_id, f"{lang}-orig")
    assert _cluster(by_id, f"{lang}-near") == cluster
    assert _cluster(by_id, f"{lang}-chrome") == cluster
    assert _cluster(by_id, f"{lang}-other") != cluster
    assert by_id[f"{lang}-other"][0] == "clean"


@pytest.mark.parametrize("lang", LANGS)
def test_chrome_is_removed_and_the_last_sentence_stays(multilingual_run, lang):
    """The chrome-wrapped copy cleans to exactly the article (so it is an exact copy of it), and
    every document keeps the last sentence of its body."""
    by_id = multilingual_run["by_id"]
    assert by_id[f"{lang}-chrome"][1]["text"] == by_id[f"{lang}-orig"][1]["text"]
    for kind in ("orig", "near", "chrome", "other"):
        doc_id = f"{lang}-{kind}"
        assert TRUTH[doc_id]["last_sentence"] in by_id[doc_id][1]["text"], doc_id


def test_listed_chinese_and_russian_chrome_is_gone(multilingual_run):
    by_id = multilingual_run["by_id"]
    zh, ru = by_id["zh-chrome"][1]["text"], by_id["ru-chrome"][1]["text"]
    for fragment in ("首页", "国际新闻", "分享到", "QQ空间", "责任编辑", "相关新闻", "扫一扫", "关注我们", "版权所有"):
        assert fragment not in zh, fragment
    for fragment in ("Поделиться", "Читайте также", "Комментарии", "Все права защищены", "©"):
        assert fragment not in ru, fragment


def test_lang_in_every_record_and_counted_in_stats(multilingual_run):
    stats = multilingual_run["stats"]
    records = multilingual_run["clean"] + multilingual_run["duplicates"]
    assert all(r["lang"] == TRUTH[r["id"]]["lang"] for r in records)
    assert stats["languages"] == {lang: 4 for lang in LANGS}
    assert sum(stats["languages_kept"].values()) == stats["counts"]["kept"] == 2 * len(LANGS)


def test_filter_languages_keeps_only_those(run_textwash):
    code, out = run_textwash("--input", CORPUS, "--set", "filter.languages=[zh, ru]",
                             "--max-rejected-share", "1")  # most of the corpus is other languages
    assert code == 0
    result = read_output(out)
    kept = {r["lang"] for r in result["clean"] + result["duplicates"]}
    assert kept == {"zh", "ru"}
    rejected = result["rejected"]
    assert len(rejected) == len(TEXTS) - 8
    assert {(r["stage"], r["reason"]) for r in rejected} == {("filter", "language")}
    assert {r["lang"] for r in rejected} == set(LANGS) - {"zh", "ru"}
    assert result["stats"]["languages"]["ja"] == 4 and "ja" not in result["stats"]["languages_kept"]


def test_filter_languages_must_be_a_list_of_codes():
    with pytest.raises(ConfigError, match="filter.languages"):
        load_config(overrides=["filter.languages=[English]"])
    assert load_config()["filter"]["languages"] == []


def _sample_text_reference(text, limit):
    """sample_text's definition: the (at most 64) longest non-empty lines, ties by position,
    taken while under ``limit`` characters (the last one cut), in document order."""
    import heapq
    if len(text) <= limit:
        return " ".join(text.split("\n"))
    lines = text.split("\n")
    longest = max(lines, key=len)
    if len(longest) >= limit:
        return longest[:limit]
    chosen, total = [], 0
    for _, i, line in heapq.nsmallest(64, ((-len(line), i, line) for i, line in enumerate(lines) if line)):
        if total >= limit:
            break
        chosen.append((i, line[:limit - total]))
        total += len(line) + 1
    return " ".join(line for _, line in sorted(chosen))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "bb", "ccc ddd", "e" * 9, "f" * 30, "g" * 70]), max_size=150),
       st.sampled_from([5, 20, 60, 600]))
def test_sample_text_equals_its_definition(lines, limit):
    text = "\n".join(lines)
    assert sample_text(text, limit) == _sample_text_reference(text, limit)


def test_sample_text_takes_at_most_64_lines():
    text = "\n".join(["ccc ddd", "a", "", "bb"] * 100)  # 64 x "ccc ddd" are 512 characters
    assert sample_text(text, 600) == _sample_text_reference(text, 600) == " ".join(["ccc ddd"] * 64)
