"""Hostile input end to end: every bad record is accounted for, with a reason, and the run exits 0.

``data/hostile/`` holds one small file per kind of broken input (see the README section
"What happens to bad input"); the 50 MB document and the 10 MB line are generated here.
"""
import json
import os

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from conftest import REPO, SAMPLE, read_output
from pipeline import assembly
from pipeline.cli import main
from transforms.ids import AssignUniqueIds
from transforms.normalize import INVISIBLE_RE
from transforms.records import REJECTED

HOSTILE = os.path.join(REPO, "data", "hostile")

# what must happen to every bad record of data/hostile: id -> (stage, reason)
EXPECTED_REJECTED = {
    "empty": ("read", "empty_file"),
    "blank_lines.jsonl": ("read", "empty_file"),
    "image_named": ("read", "binary_file"),
    "logo.png": ("read", "unsupported_file"),
    "records.jsonl:3": ("read", "invalid_json"),
    "records.jsonl:4": ("read", "not_an_object"),
    "records.jsonl:5": ("read", "not_an_object"),
    "no-text": ("read", "missing_text_field"),
    "null-text": ("read", "text_not_string"),
    "number-text": ("read", "text_not_string"),
    "truncated.jsonl.gz:22": ("read", "truncated_file"),
    "truncated_article": ("read", "truncated_file"),
    "corrupt.jsonl.zst:6": ("read", "corrupt_file"),
    "junk-only": ("filter", "empty_after_cleaning"),
    "junk_only": ("filter", "empty_after_cleaning"),
    "invisible_only": ("filter", "empty_after_cleaning"),
    "wire.jsonl:4": ("read", "invalid_json"),  # the sample's broken line
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """data/hostile + data/sample through the CLI with the default config (read-only!)."""
    out = str(tmp_path_factory.mktemp("hostile") / "out")
    code = main(["run", "--input", HOSTILE, "--input", SAMPLE, "--output", out, "--quiet"])
    return code, read_output(out), out


def test_run_exits_0_and_counts_are_conserved(hostile):
    code, result, out = hostile
    assert code == 0 and os.path.exists(os.path.join(out, "_SUCCESS"))
    counts = result["stats"]["counts"]
    assert result["stats"]["conserved"] is True
    assert counts["read"] == counts["kept"] + counts["duplicates"] + counts["rejected"]
    assert (counts["kept"], counts["duplicates"], counts["rejected"]) == (
        len(result["clean"]), len(result["duplicates"]), len(result["rejected"]))


def test_every_bad_record_is_rejected_with_an_actionable_reason(hostile):
    _, result, _ = hostile
    rejected = {r["id"]: r for r in result["rejected"]}
    got = {rid: (r["stage"], r["reason"]) for rid, r in rejected.items()}
    assert got == EXPECTED_REJECTED
    for rec in rejected.values():
        assert len(rec["detail"]) >= 15 and rec["source"], rec
    for rid in ("truncated.jsonl.gz:22", "truncated_article", "corrupt.jsonl.zst:6"):
        assert rejected[rid]["source"] in rejected[rid]["detail"]  # names the file
    assert "input.text_field" in rejected["no-text"]["detail"]
    assert "null" in rejected["null-text"]["detail"]


def test_readable_part_of_damaged_archives_is_kept(hostile):
    _, result, _ = hostile
    clean = {r["id"] for r in result["clean"]}
    assert {f"gz-{i}" for i in range(21)} <= clean and "gz-21" not in clean
    assert {f"zst-{i}" for i in range(5)} <= clean
    assert not any(i.startswith("zst-lost") for i in clean)


def test_invalid_utf8_is_decoded_with_the_encoding_recorded(hostile):
    _, result, _ = hostile
    clean = {r["id"]: r for r in result["clean"]}
    doc = clean["cp1252_article"]
    assert doc["meta"]["source_encoding"] == "cp1252"
    assert doc["text"].startswith("Café owners in the old port say the ‘summer’ season")
    line = clean["latin1-line"]
    assert line["meta"]["source_encoding"] == "cp1252" and "Café crème" in line["text"]


def test_lone_surrogate_escapes_are_repaired(hostile):
    _, result, _ = hostile
    doc = {r["id"]: r for r in result["clean"]}["lone-surrogate"]
    assert doc["text"].startswith("Broken escapes \ufffd from a bad JSON writer")
    assert doc["meta"]["note"] == "x\ufffd" and "unicode_repaired" in doc["meta"]


def test_zero_width_and_bidi_characters_are_removed(hostile):
    _, result, _ = hostile
    clean = {r["id"]: r for r in result["clean"]}
    assert clean["zero_width_bidi"]["text"].startswith("Hidden characters are removed before cleaning.")
    assert clean["bidi-text"]["text"].startswith("Spoofed direction marks inside.")
    for doc in result["clean"]:
        assert not INVISIBLE_RE.search(doc["text"]), doc["id"]


def test_duplicate_ids_are_qualified_by_source(hostile):
    _, result, _ = hostile
    every = result["clean"] + result["duplicates"] + result["rejected"]
    ids = [r["id"] for r in every]
    assert len(ids) == len(set(ids))
    clean = {r["id"]: r for r in result["clean"]}
    assert clean["shared-id"]["source"] == "more.jsonl"  # first source path keeps the id
    assert clean["records.jsonl#shared-id"]["meta"]["original_id"] == "shared-id"
    assert clean["dup-in-file"]["source"] == "records.jsonl"
    assert clean["records.jsonl#dup-in-file#2"]["meta"]["original_id"] == "dup-in-file"


def _prose(seed, sentences=6):
    """A few plain sentences (kept by every junk rule and heuristic), different for each seed."""
    return " ".join(f"The {seed} council said on day {i} that the river was higher than it had "
                    f"been for years." for i in range(sentences))


def _doc(rid, source, pos, text="t"):
    return {"id": rid, "source": source, "pos": pos, "text": text, "meta": {}}


def _ids_input(p, docs, rejected):
    """The ids stage's input: one PCollection of (kind, record) pairs, as ReadRecords gives."""
    return p | "KR" >> beam.Create([("doc", d) for d in docs] + [("rejected", r) for r in rejected])


def test_duplicate_id_reject_policy_and_collisions_in_the_graph():
    """The ids stage alone: reject policy, rejected-record ids, a qualified id that already
    exists, an id with '#' that meets nobody."""
    docs = [_doc("x", "b.jsonl", 1), _doc("x", "a.jsonl", 9), _doc("x", "a.jsonl", 3),
            _doc("a.jsonl#x#2", "c.jsonl", 1), _doc("y", "a.jsonl", 4), _doc("b#q", "c.jsonl", 2)]
    rej = [{"id": "x", "source": "z.jsonl", "pos": 2, "stage": "read", "reason": "text_not_string",
            "detail": "d", "text": ""}]
    for order in (docs, docs[::-1]):
        with BeamTestPipeline(runner=FnApiRunner()) as p:
            out = _ids_input(p, order, rej) | AssignUniqueIds("reject")
            assert_that(out.docs | "DocIds" >> beam.Map(lambda d: (d["id"], d["source"], d["pos"])),
                        equal_to([("x", "a.jsonl", 3), ("a.jsonl#x#2", "c.jsonl", 1), ("y", "a.jsonl", 4),
                                  ("b#q", "c.jsonl", 2)]),
                        label="docs")
            assert_that(out[REJECTED] | beam.Map(lambda r: (r["id"], r["reason"])),
                        equal_to([("a.jsonl#x#2#dup1", "duplicate_id"), ("b.jsonl#x", "duplicate_id"),
                                  ("z.jsonl#x", "text_not_string")]), label="rejected")


def test_50mb_document_and_10mb_line_are_rejected_as_too_large(tmp_path, run_textwash):
    src = tmp_path / "in"
    src.mkdir()
    with open(src / "huge.txt", "wb") as handle:
        chunk = b"lorem ipsum dolor sit amet " * 40000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    with open(src / "lines.jsonl", "wb") as handle:
        handle.write(json.dumps({"id": "before", "text": _prose("harbour")}).encode() + b"\n")
        handle.write(b'{"id": "huge-line", "text": "' + b"x" * (10 * 1024 * 1024) + b'"}\n')
        handle.write(json.dumps({"id": "after", "text": _prose("mountain")}).encode() + b"\n")
    code, out = run_textwash("--input", str(src), out=tmp_path / "out")
    assert code == 0
    result = read_output(out)
    rejected = {r["id"]: r for r in result["rejected"]}
    assert set(rejected) == {"huge", "lines.jsonl:2"}
    for rec in rejected.values():
        assert rec["reason"] == "too_large" and "input.max_doc_bytes=10000000" in rec["detail"]
        assert len(rec["text"]) < 5000  # the rejected record does not carry the whole document
    assert {r["id"] for r in result["clean"]} == {"before", "after"}
    assert result["stats"]["conserved"]


def test_pathological_rule_times_out_and_rejects_the_document(tmp_path, run_textwash):
    (tmp_path / "docs.jsonl").write_text(
        json.dumps({"id": "evil", "text": _prose("island") + "\n" + "a" * 30000 + "!"}) + "\n"
        + json.dumps({"id": "fine", "text": _prose("valley")}) + "\n")
    cfg = tmp_path / "slow.yaml"
    cfg.write_text("junk:\n  regex_timeout_s: 0.05\n  rules:\n"
                   "    - name: catastrophic_backtracking\n      scope: inline\n"
                   "      pattern: '(a|aa)+$'\n")
    code, out = run_textwash("--input", str(tmp_path / "docs.jsonl"), "--config", str(cfg),
                             out=tmp_path / "out")
    assert code == 0
    result = read_output(out)
    assert [r["id"] for r in result["clean"]] == ["fine"]
    (evil,) = result["rejected"]
    assert (evil["id"], evil["stage"], evil["reason"]) == ("evil", "junk", "rule_timeout")
    assert "catastrophic_backtracking" in evil["detail"]


def test_failed_conservation_writes_no_success_marker(tmp_path):
    out = str(tmp_path)
    (tmp_path / assembly.JOB_STATS).write_text("{}")
    stats = {"counts": {"read": 5, "kept": 2, "duplicates": 1, "rejected": 1}}
    with pytest.raises(assembly.ConservationError, match="read=5"):
        assembly.finalize(out, stats, {"wall_time_s": 0.0})
    assert not (tmp_path / assembly.MARKER).exists()
    assert json.load(open(tmp_path / "stats.json"))["conserved"] is False


def test_incomplete_run_needs_overwrite_then_reject_policy_for_duplicate_ids(tmp_path, capsys):
    """A directory left by a failed run (shards, no _SUCCESS) needs --overwrite, then is replaced;
    the run uses input.duplicate_ids=reject."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "clean-00000-of-00001.jsonl").write_text('{"id": "stale"}\n')
    args = ["run", "--input", os.path.join(HOSTILE, "records.jsonl"), "--input",
            os.path.join(HOSTILE, "more.jsonl"), "--output", str(out), "--quiet",
            "--set", "input.duplicate_ids=reject", "--max-rejected-share", "1"]  # mostly bad records
    assert main(args) == 2 and "--overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite"]) == 0 and (out / "_SUCCESS").exists()
    result = read_output(str(out))
    assert "stale" not in {r["id"] for r in result["clean"]}
    rejected = {r["id"]: r for r in result["rejected"]}
    assert rejected["records.jsonl#shared-id"]["reason"] == "duplicate_id"
    assert "more.jsonl" in rejected["records.jsonl#shared-id"]["detail"]
    assert rejected["records.jsonl#dup-in-file#2"]["stage"] == "ids"
    assert result["stats"]["conserved"]
