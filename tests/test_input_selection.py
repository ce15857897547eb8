"""Choosing input files (issue 19): ``--include`` / ``--exclude`` globs over the files found in
input folders and globs, and unsupported files counted once by extension; whole runs through
the CLI, on real files."""
import json
import re

import pytest

from pipeline.cli import main
from test_read import PROSE, _lines
from transforms import inputs
from transforms.inputs import InputError, list_inputs


def _folder_to_select_from(root):
    """News stories in two folders (one of drafts), a JSONL file and a log, at several depths."""
    for rel in ("news/a.txt", "news/b.TXT", "news/drafts/c.txt", "archive/2020/d.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(PROSE.replace("river", rel.split("/")[-1]) * 2)
    (root / "wire.jsonl").write_bytes(_lines(3, "w"))
    (root / "logs").mkdir()
    (root / "logs" / "crawl.log").write_text("GET /index.html 200\n")
    return root


def _selected(root, include=(), exclude=()):
    skipped = []
    specs = list_inputs([str(root)], skipped, inputs.Selection(include, exclude))
    return [s["path"][len(str(root)) + 1:] for s in specs], sorted(skipped)


def test_include_and_exclude_globs_match_names_and_relative_paths(tmp_path):
    root = _folder_to_select_from(tmp_path / "in")
    # no '/': the file name or any folder name, any depth, any case
    assert _selected(root, include=["*.txt"], exclude=["drafts"]) == (
        ["archive/2020/d.txt", "news/a.txt", "news/b.TXT"],
        [("logs/crawl.log", "not matched by --include"),
         ("news/drafts/c.txt", "matched by --exclude 'drafts'"),
         ("wire.jsonl", "not matched by --include")])
    # with '/': the path under the input folder; * stays in one folder, ** crosses them
    assert _selected(root, include=["news/*.txt"])[0] == ["news/a.txt", "news/b.TXT"]
    assert _selected(root, include=["news/**"])[0] == ["news/a.txt", "news/b.TXT", "news/drafts/c.txt"]
    assert _selected(root, include=["**/d.txt", "wire.*"])[0] == ["archive/2020/d.txt", "wire.jsonl"]
    # a glob input: paths relative to the glob's folder part; a file named explicitly is always read
    specs = list_inputs([str(root / "news" / "*"), str(root / "logs" / "crawl.log")], [],
                        inputs.Selection(exclude=["a.txt", "drafts", "*.log"]))
    assert [s["path"][len(str(root)) + 1:] for s in specs] == ["logs/crawl.log", "news/b.TXT"]


@pytest.mark.parametrize("glob, message", [
    ("[abc", r"--include '\[abc': '\[' at position 1 is not closed"),
    ("", r"--include needs a glob"),
    ("/data/*.txt", r"relative to the input folder"),
])
def test_bad_globs_stop_the_run_with_one_line(tmp_path, capsys, glob, message):
    root = _folder_to_select_from(tmp_path / "in")
    code = main(["run", "--input", str(root), "--include", glob, "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("textwash: error: ")
    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_globs_that_leave_nothing_say_so(tmp_path):
    root = _folder_to_select_from(tmp_path / "in")
    with pytest.raises(InputError, match=r"every file was skipped \(.*not matched by --include.*change "
                                         r"--include/--exclude"):
        list_inputs([str(root)], [], inputs.Selection(include=["*.pdf"]))


def test_run_counts_the_files_include_and_exclude_left_out(tmp_path, run_textwash, capsys):
    root = _folder_to_select_from(tmp_path / "in")
    code, out = run_textwash("--input", str(root), "--include", "*.txt", "--include", "*.jsonl",
                             "--exclude", "drafts")
    summary = capsys.readouterr().out
    assert code == 0
    stats = json.load(open(f"{out}/stats.json"))
    assert stats["counts"]["read"] == 3 + 3 and stats["conserved"]  # 3 stories + 3 JSONL lines
    assert stats["read"]["skipped_files"] == 2 and stats["read"]["skipped_by_reason"] == {
        "matched by --exclude 'drafts'": 1, "not matched by --include": 1}
    line = next(row for row in summary.splitlines() if row.startswith("skipped"))
    assert "2   file(s) and 0 folder(s)" in line and "not matched by --include 1" in line
    assert "news/drafts/c.txt" in line and "logs/crawl.log" in line


def test_unsupported_files_are_counted_once_by_extension(tmp_path, run_textwash, capsys):
    root = _folder_to_select_from(tmp_path / "in")
    for i in range(10):
        (root / "papers" / f"p{i}.PDF").parent.mkdir(exist_ok=True)
        (root / "papers" / f"p{i}.PDF").write_bytes(b"%PDF-1.4 ...")
    (root / "memo.docx").write_bytes(b"PK\x03\x04")
    (root / "notes.docx").write_bytes(b"PK\x03\x04")
    code, out = run_textwash("--input", str(root), "--exclude", "*.log", "--max-rejected-share", "1")
    summary = capsys.readouterr().out
    assert code == 0
    stats = json.load(open(f"{out}/stats.json"))
    assert stats["read"]["unsupported_files"] == {".pdf": 10, ".docx": 2}
    # still accounted: each is one rejected record, and read = kept + duplicates + rejected
    assert stats["rejected_by_reason"]["read:unsupported_file"] == 12 and stats["conserved"]
    lines = [row for row in summary.splitlines() if "unsupported" in row and ".pdf" in row]
    assert len(lines) == 1 and "12   file(s) of a type textwash does not read: .pdf 10, .docx 2" in lines[0]
