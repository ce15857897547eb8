"""The end-to-end acceptance on the bundled sample: the README command's run, checked as a user would."""
import os

import regex

from conftest import SAMPLE

SEED_IDS = sorted(f[:-4] for f in os.listdir(SAMPLE) if f.endswith(".txt"))
JUNK_STRINGS = ("Impact Shorts", "More Shorts", "Leave a Reply", "Back to top button",
                "Your email address will not be published")


def test_counts_add_up_and_are_in_stats(sample_output):
    counts = sample_output["stats"]["counts"]
    assert counts["read"] == counts["kept"] + counts["duplicates"] + counts["rejected"]
    assert counts["kept"] == len(sample_output["clean"])
    assert counts["duplicates"] == len(sample_output["duplicates"])
    assert counts["rejected"] == len(sample_output["rejected"])
    assert sample_output["stats"]["conserved"] is True


def test_seed_articles_are_clean(sample_output):
    clean = {r["id"]: r for r in sample_output["clean"]}
    assert set(SEED_IDS) <= set(clean)
    for doc_id in SEED_IDS:
        text = clean[doc_id]["text"]
        for line in text.split("\n"):
            assert not (line and regex.fullmatch(r"[\p{P}\p{S}\s]+", line)), (doc_id, line)
        for junk in JUNK_STRINGS:
            assert junk not in text, (doc_id, junk)
    assert ("The timing is important in terms of not only showing support to Moscow amid growing pressure"
            in clean["000_9e003dcc0704e3b7"]["text"])


def _body_sentences(raw):
    """Sentences of a seed's body lines: lines of 8+ words, after mojibake-free normalization."""
    from transforms.normalize import ftfy_config, normalize_text
    text = normalize_text(raw, ftfy_config())
    for line in text.split("\n"):
        if len(line.split()) >= 8:
            for sentence in regex.split(r"(?<=[.!?”])\s+", line):
                if len(sentence.split()) >= 6 and not any(j in sentence for j in JUNK_STRINGS):
                    yield sentence


def test_no_body_sentence_lost(sample_output):
    clean = {r["id"]: r["text"] for r in sample_output["clean"]}
    for doc_id in SEED_IDS:
        raw = open(os.path.join(SAMPLE, doc_id + ".txt"), encoding="utf-8").read()
        for sentence in _body_sentences(raw):
            core = regex.sub(r"^(?:More Shorts|\(The Post News\)-\s*)", "", sentence)
            core = regex.sub(r"\s*Image: .*$", "", core)
            assert core in clean[doc_id], (doc_id, core[:80])


def test_copies_are_duplicates_of_their_originals(sample_output):
    dups = {r["id"]: r for r in sample_output["duplicates"]}
    syndicated = dups["wire/syndicated-004"]
    assert syndicated["duplicate_of"] == "004_ea5aaf718d4ae898"
    assert syndicated["kind"] == "near" and 0.8 <= syndicated["similarity"] < 1.0
    exact = dups["wire/exact-copy-001"]
    assert exact["kind"] == "exact" and exact["duplicate_of"] == "001_51f5323d227fa5d1"
    mojibake = dups["wire/mojibake-003"]
    assert mojibake["duplicate_of"] == "003_7203985f16038087" and mojibake["kind"] == "exact"
    assert "â€" not in mojibake["text"] and "Beijing’s" in mojibake["text"]


def test_kept_records_carry_their_cluster(sample_output):
    clean = {r["id"]: r for r in sample_output["clean"]}
    assert clean["004_ea5aaf718d4ae898"]["duplicate_count"] == 1
    assert clean["002_df4dd61f7035dabd"]["duplicate_count"] == 0
    assert set(clean["001_51f5323d227fa5d1"]) >= {"id", "text", "source", "meta", "cluster_id", "duplicate_count"}


def test_broken_json_line_is_rejected_with_reason(sample_output):
    rejected = {r["id"]: r for r in sample_output["rejected"]}
    broken = rejected["wire.jsonl:4"]
    assert broken["stage"] == "read" and broken["reason"] == "invalid_json"
    assert "JSON" in broken["detail"]
