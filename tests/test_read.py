"""The reader's pure parts: decoding policy, line parsing, archives that end early or are damaged.

These call the reader functions directly on real files (real gzip / bz2 / zstandard streams,
real charset-normalizer); the whole pipeline over the same kinds of input is in test_hostile.py.
"""
import bz2
import contextlib
import dataclasses
import gzip
import json

import apache_beam as beam
import pytest
import zstandard
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.config import load_settings
from transforms.inputs import InputError, list_inputs, open_input
from transforms.read import ReadDocuments, decode_bytes, parse_json_line, read_jsonl_file, read_text_file
from transforms.records import REJECTED

CFG = dataclasses.replace(load_settings().input, max_doc_bytes=10_000)


def _split(outputs):
    """(documents, rejected records) from a reader generator's outputs."""
    docs, rejected = [], []
    for item in outputs:
        if isinstance(item, beam.pvalue.TaggedOutput):
            assert item.tag == REJECTED
            rejected.append(item.value)
        else:
            docs.append(item)
    return docs, rejected


def _lines(n, prefix="l"):
    return b"".join(json.dumps({"id": f"{prefix}{i}", "text": f"document number {i} " * 20}).encode() + b"\n"
                    for i in range(n))


def _read_path(path, cfg=CFG):
    spec = list_inputs([str(path)])[0]
    reader = read_text_file if spec["kind"] == "text" else read_jsonl_file
    with contextlib.ExitStack() as stack:
        return _split(reader(spec, open_input(spec["path"], stack), cfg))


# ------------------------------------------------------------------ decoding policy

def test_utf8_is_decoded_as_is():
    assert decode_bytes("naïve ‘quotes’".encode(), "reject") == ("naïve ‘quotes’", "utf-8")


def test_decode_policies_on_cp1252_bytes():
    raw = "Café owners say the ‘summer’ season started early.".encode("cp1252")
    assert decode_bytes(raw, "reject") == (None, None)
    text, enc = decode_bytes(raw, "replace")
    assert enc == "utf-8+replace" and "\ufffd" in text
    assert decode_bytes(raw, "fallback") == ("Café owners say the ‘summer’ season started early.", "cp1252")
    assert decode_bytes(raw, "detect")[1] == "cp1252"  # detector tie -> the declared fallback


def test_detect_still_finds_other_code_pages():
    text = "Привет, как дела? Сегодня в Москве тепло и солнечно, говорят синоптики."
    assert decode_bytes(text.encode("cp1251"), "detect") == (text, "cp1251")


def test_declared_fallback_encoding_is_used():
    assert decode_bytes(b"caf\xe9", "fallback", "latin-1") == ("café", "latin-1")


# ------------------------------------------------------------------ JSON lines

@pytest.mark.parametrize("raw, reason, rec_id", [
    (b'{"id": "a", "text": "cut', "invalid_json", "f.jsonl:7"),
    (b'[1, 2]', "not_an_object", "f.jsonl:7"),
    (b'"a string"', "not_an_object", "f.jsonl:7"),
    (b'{"id": "a", "body": "x"}', "missing_text_field", "a"),
    (b'{"id": "a", "text": null}', "text_not_string", "a"),
    (b'{"id": "a", "text": ["x"]}', "text_not_string", "a"),
    (b'{"id": 5, "text": 12}', "text_not_string", "5"),
])
def test_bad_json_lines_are_rejected_with_reason(raw, reason, rec_id):
    docs, rejected = _split(parse_json_line("f.jsonl:7", "f.jsonl", raw, CFG, 7))
    assert docs == [] and len(rejected) == 1
    rec = rejected[0]
    assert (rec["id"], rec["stage"], rec["reason"], rec["source"]) == (rec_id, "read", reason, "f.jsonl")
    assert rec["detail"]


def test_invalid_utf8_line_reject_policy_and_detect_policy():
    raw = b'{"id": "x", "text": "caf\xe9 cr\xe8me"}'
    _, rejected = _split(parse_json_line("f:1", "f", raw, dataclasses.replace(CFG, decode_errors="reject")))
    assert rejected[0]["reason"] == "invalid_utf8" and "decode_errors" in rejected[0]["detail"]
    docs, _ = _split(parse_json_line("f:1", "f", raw, CFG))
    assert docs[0]["text"] == "café crème" and docs[0]["meta"]["source_encoding"] == "cp1252"


def test_lone_surrogate_escapes_are_repaired_not_fatal():
    raw = b'{"id": "s\\udc00", "text": "a \\ud800 b \\ud83d\\ude00", "note": "\\udfff"}'
    docs, rejected = _split(parse_json_line("f:1", "f", raw, CFG))
    assert rejected == [] and docs[0]["id"] == "s\ufffd"
    assert docs[0]["text"] == "a \ufffd b \U0001f600" and docs[0]["meta"]["note"] == "\ufffd"
    assert "unicode_repaired" in docs[0]["meta"]
    json.dumps(docs[0], ensure_ascii=False).encode("utf-8")  # writable


def test_good_line_keeps_other_fields_in_meta():
    docs, rejected = _split(parse_json_line("f:1", "f", b'{"id": "x", "text": "t", "url": "u"}', CFG))
    assert rejected == [] and docs[0]["id"] == "x" and docs[0]["meta"] == {"url": "u"}


# ------------------------------------------------------------------ whole files

def test_empty_and_blank_files(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    (tmp_path / "b.jsonl").write_bytes(b"\n  \n")
    for name in ("e.txt", "b.jsonl"):
        docs, rejected = _read_path(tmp_path / name)
        assert docs == [] and [r["reason"] for r in rejected] == ["empty_file"]


def test_binary_files(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    (tmp_path / "img.txt").write_bytes(png)
    (tmp_path / "img.jsonl").write_bytes(png)
    for name in ("img.txt", "img.jsonl"):
        docs, rejected = _read_path(tmp_path / name)
        assert docs == [] and [r["reason"] for r in rejected] == ["binary_file"], name


def test_size_cap_is_configurable(tmp_path):
    cfg = dataclasses.replace(CFG, max_doc_bytes=100)
    (tmp_path / "big.txt").write_text("word " * 100)
    (tmp_path / "lines.jsonl").write_bytes(
        b'{"text": "short one"}\n' + b'{"text": "' + b"x" * 500 + b'"}\n' + b'{"text": "after"}\n')
    _, rejected = _read_path(tmp_path / "big.txt", cfg)
    assert rejected[0]["reason"] == "too_large" and "input.max_doc_bytes=100" in rejected[0]["detail"]
    docs, rejected = _read_path(tmp_path / "lines.jsonl", cfg)
    assert [d["text"] for d in docs] == ["short one", "after"]
    assert [(r["id"], r["reason"]) for r in rejected] == [("lines.jsonl:2", "too_large")]


@pytest.mark.parametrize("suffix, compress", [
    (".gz", lambda b: gzip.compress(b, mtime=0)),
    (".bz2", bz2.compress),
    (".zst", lambda b: zstandard.ZstdCompressor().compress(b)),
])
def test_truncated_archive_keeps_complete_lines_and_names_the_file(tmp_path, suffix, compress):
    body = _lines(3000)
    data = compress(body)
    path = tmp_path / f"cut.jsonl{suffix}"
    path.write_bytes(data[: len(data) * 3 // 4])
    docs, rejected = _read_path(path)
    assert len(rejected) == 1, rejected
    err = rejected[0]
    assert err["reason"] == "truncated_file" and f"cut.jsonl{suffix}" in err["detail"]
    assert err["id"] == f"cut.jsonl{suffix}:{len(docs) + 1}"
    assert 0 < len(docs) < 3000  # the readable part is kept ...
    assert [d["id"] for d in docs] == [f"l{i}" for i in range(len(docs))]  # ... in order, none cut
    full = tmp_path / f"full.jsonl{suffix}"
    full.write_bytes(data)
    docs, rejected = _read_path(full)
    assert len(docs) == 3000 and rejected == []


def test_corrupt_zstd_frame_keeps_earlier_frames(tmp_path):
    comp = zstandard.ZstdCompressor(write_checksum=True)
    second = bytearray(comp.compress(_lines(50, "lost")))
    for i in range(12, len(second) - 4):
        second[i] ^= 0x5A
    path = tmp_path / "c.jsonl.zst"
    path.write_bytes(comp.compress(_lines(50)) + bytes(second))
    docs, rejected = _read_path(path)
    assert [d["id"] for d in docs] == [f"l{i}" for i in range(50)]
    assert [r["reason"] for r in rejected] == ["corrupt_file"] and "c.jsonl.zst" in rejected[0]["detail"]


def test_truncated_single_document_is_rejected_with_its_readable_start(tmp_path):
    text = " ".join(f"word{i}" for i in range(20000)).encode()
    data = gzip.compress(text, mtime=0)
    path = tmp_path / "doc.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    docs, rejected = _read_path(path, dataclasses.replace(CFG, max_doc_bytes=10_000_000))
    assert docs == [] and rejected[0]["reason"] == "truncated_file" and rejected[0]["id"] == "doc"
    assert rejected[0]["text"].startswith("word0 word1 word2")


def test_not_an_archive_at_all(tmp_path):
    (tmp_path / "fake.jsonl.gz").write_bytes(b'{"id": "a", "text": "plain"}\n')
    docs, rejected = _read_path(tmp_path / "fake.jsonl.gz")
    assert docs == [] and rejected[0]["reason"] == "corrupt_file"


def test_read_transform_in_a_pipeline(tmp_path):
    """ReadDocuments on workers: documents and rejections of a damaged archive, nothing else."""
    data = gzip.compress(_lines(400), mtime=0)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "notes.csv").write_text("a,b\n")
    specs = list_inputs([str(tmp_path)])
    expected_docs = len(_read_path(tmp_path / "cut.jsonl.gz")[0])
    with BeamTestPipeline(runner=FnApiRunner()) as p:
        read = p | ReadDocuments(specs, CFG)
        assert_that(read.docs | "N" >> beam.combiners.Count.Globally(), equal_to([expected_docs]),
                    label="docs")
        assert_that(read[REJECTED] | beam.Map(lambda r: (r["source"], r["reason"])),
                    equal_to([("cut.jsonl.gz", "truncated_file"), ("notes.csv", "unsupported_file")]),
                    label="rejected")


# ------------------------------------------------------------------ input folders (issue 19)

PROSE = ("The river council met on Tuesday evening to discuss the new bridge, the budget for the "
         "coming winter and the plans for the market square, which residents say is too small.\n")


def _messy_folder(root):
    """A folder as users have them: VCS and OS files, project files, upper-case extensions."""
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "sub" / "__pycache__").mkdir(parents=True)
    (root / "sub" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\x00\x01")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "sub" / ".notes.txt").write_text(PROSE)
    (root / "README.md").write_text("# My corpus\n\nScraped in May; see LICENSE.\n")
    (root / "LICENSE").write_text("MIT License\n")
    (root / "sub" / "CHANGELOG.md").write_text("## 1.0\n- first crawl\n")
    (root / "news").mkdir()
    (root / "news" / "Story.TXT").write_text(PROSE * 2)
    (root / "WIRE.JSONL.GZ").write_bytes(gzip.compress(_lines(3, "w")))
    return root


def test_input_folder_skips_hidden_vcs_and_project_files_and_matches_extensions_in_any_case(tmp_path):
    root = _messy_folder(tmp_path / "in")
    skipped = []
    specs = list_inputs([str(root)], skipped)
    assert [(s["path"][len(str(root)) + 1:], s["kind"]) for s in specs] == [
        ("WIRE.JSONL.GZ", "jsonl"), ("news/Story.TXT", "text")]
    assert sorted(skipped) == [
        (".DS_Store", "hidden file"), (".git/", "hidden or VCS folder"),
        ("LICENSE", "README/LICENSE/CHANGELOG file"), ("README.md", "README/LICENSE/CHANGELOG file"),
        ("sub/.notes.txt", "hidden file"), ("sub/CHANGELOG.md", "README/LICENSE/CHANGELOG file"),
        ("sub/__pycache__/", "hidden or VCS folder")]
    docs, rejected = _read_path(root / "WIRE.JSONL.GZ")  # upper-case .GZ is decompressed
    assert [d["id"] for d in docs] == ["w0", "w1", "w2"] and rejected == []


def test_a_file_named_explicitly_is_always_read(tmp_path):
    root = _messy_folder(tmp_path / "in")
    specs = list_inputs([str(root / "README.md"), str(root / "sub" / ".notes.txt")])
    assert [s["kind"] for s in specs] == ["text", "text"] and len(specs) == 2


def test_a_folder_of_skipped_files_only_is_an_input_error(tmp_path):
    root = tmp_path / "in"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("x")
    (root / "README.md").write_text("# notes\n")
    with pytest.raises(InputError, match=r"holds no file to read: .*\.git/, README\.md"):
        list_inputs([str(root)])


def test_run_on_a_messy_folder_reports_what_it_skipped(tmp_path, run_textwash, capsys):
    root = _messy_folder(tmp_path / "in")
    code, out = run_textwash("--input", str(root))
    summary = capsys.readouterr().out
    assert code == 0
    stats = json.load(open(f"{out}/stats.json"))
    assert stats["counts"]["read"] == 4 and stats["counts"]["rejected"] == 0  # 3 lines + Story.TXT
    assert stats["read"]["skipped_files"] == 5 and stats["read"]["skipped_folders"] == 2
    assert {".git/ (hidden or VCS folder)", ".DS_Store (hidden file)"} <= set(stats["read"]["skipped_examples"])
    line = next(row for row in summary.splitlines() if row.startswith("skipped"))
    assert "5   file(s) and 2 folder(s)" in line and ".DS_Store" in line

