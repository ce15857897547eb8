"""A run's outcome is what its exit status says (issue 19): a run that rejects most of its
input fails with the reason and the fix, an interrupted run says what it left, a closed stdout
is not a failure, and no shard looks complete unless it is."""
import json
import os
import random
import re
import subprocess
import sys

import pytest

from conftest import REPO, SAMPLE
from pipeline import assembly
from pipeline.cli import main

WORDS = ("river stone market winter garden letter window silver harbor meadow candle forest "
         "bridge yellow painter station").split()


def _error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("textwash: error: "), err
    assert "Traceback" not in err
    return err


def _posts(path, n=200, field="content"):
    """A JSONL file whose text is in ``field`` (not ``text``)."""
    with open(path, "w") as handle:
        for i in range(n):
            body = " ".join(f"{WORDS[(i + j) % len(WORDS)]}{j}" for j in range(40)) + f" post {i}."
            handle.write(json.dumps({"id": f"p{i}", field: body, "lang": "en"}) + "\n")
    return str(path)


def test_text_in_another_field_fails_the_run_with_the_field_to_use(tmp_path, capsys, run_textwash):
    """All 200 records rejected used to exit 0 with _SUCCESS written."""
    posts = _posts(tmp_path / "posts.jsonl")
    code, out = run_textwash("--input", posts)
    err = _error_line(capsys)
    assert code == 1
    assert "200 of 200 records rejected" in err and "read:missing_text_field" in err
    assert "its records have fields [id, content, lang]: try --set input.text_field=content" in err
    assert not os.path.exists(os.path.join(out, "_SUCCESS"))
    stats = json.load(open(os.path.join(out, "stats.json")))  # kept for a look
    assert stats["counts"]["rejected"] == 200 and stats["rejected_share"] == 1.0 and stats["failed"]
    assert os.path.getsize(os.path.join(out, "rejected-00000-of-00001.jsonl")) > 0
    # the suggested fix works
    code, out = run_textwash("--input", posts, "--set", "input.text_field=content", "--overwrite")
    assert code == 0 and os.path.exists(os.path.join(out, "_SUCCESS"))


def test_max_rejected_share_1_accepts_any_share(tmp_path, run_textwash):
    code, out = run_textwash("--input", _posts(tmp_path / "posts.jsonl", n=20), "--max-rejected-share", "1")
    assert code == 0 and os.path.exists(os.path.join(out, "_SUCCESS"))
    assert json.load(open(os.path.join(out, "stats.json")))["rejected_share"] == 1.0


def test_too_short_documents_fail_with_a_min_words_that_keeps_half(tmp_path, capsys, run_textwash):
    rng = random.Random(1)
    docs = tmp_path / "notes"
    docs.mkdir()
    for i in range(10):  # 4 or 8 words after cleaning, < filter.min_words=10
        lines = [" ".join(rng.choice(WORDS) for _ in range(4)).capitalize() + "."
                 for _ in range(2 if i % 2 else 1)]
        (docs / f"note{i}.txt").write_text("\n\n".join(lines) + "\n")
    code, out = run_textwash("--input", str(docs))
    err = _error_line(capsys)
    assert code == 1 and "filter:too_few_words (10)" in err
    suggested = re.search(r"try --set filter\.min_words=(\d+)", err)
    assert suggested and int(suggested.group(1)) == 4, err
    assert not os.path.exists(os.path.join(out, "_SUCCESS"))
    code, out = run_textwash("--input", str(docs), "--set", f"filter.min_words={suggested.group(1)}",
                             "--overwrite")
    assert code == 0 and os.path.exists(os.path.join(out, "_SUCCESS"))


def test_a_run_that_reads_nothing_is_a_failure(tmp_path):
    (tmp_path / assembly.JOB_STATS).write_text("{}")
    with pytest.raises(assembly.NothingRead):
        assembly.finalize(str(tmp_path), {"counts": {}}, {"wall_time_s": 0.0}, 0.5)
    assert not (tmp_path / assembly.MARKER).exists()
    assert json.load(open(tmp_path / "stats.json"))["failed"] == "no record was read"


# ------------------------------------------------------------------ interrupts and pipes

# Runs the real CLI in a child process (its own stderr and logging, as a user sees them) and
# sends the process SIGNAL from inside the job at a chosen place: "read" (the first file read)
# or "write" (the first record of a clean shard), so the interrupt lands mid-stage every time.
INTERRUPTING_RUN = r"""
import os, signal, sys
import transforms.read as read
import transforms.write as write
from pipeline.cli import main

sig, where, args = getattr(signal, sys.argv[1]), sys.argv[2], sys.argv[3:]
if where == "read":
    original_read = read.read_text_file
    def read_text_file(spec, handle, cfg):
        os.kill(os.getpid(), sig)
        yield from original_read(spec, handle, cfg)
    read.read_text_file = read_text_file
else:
    original_line = write.to_json_line
    def to_json_line(record, fields):
        if fields == write.CLEAN_FIELDS:
            os.kill(os.getpid(), sig)
        return original_line(record, fields)
    write.to_json_line = to_json_line
sys.exit(main(args))
"""


def _interrupted_run(tmp_path, signame, where, *extra):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPTING_RUN, signame, where, "run", "--input", SAMPLE,
         "--output", str(out), "--progress-every", "0.2", *extra],
        cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO), capture_output=True, text=True, timeout=300)
    return proc, out


def _assert_interrupt_reported(proc, status):
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == status, proc.stderr
    assert lines[-1].startswith("textwash: interrupted"), proc.stderr
    assert sum("interrupted" in line for line in lines) == 1
    assert "Traceback" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    assert "done:" not in proc.stderr and proc.stdout == ""  # no "done" line, no summary
    return lines[-1]


def test_ctrl_c_while_reading_says_nothing_was_written(tmp_path):
    """Ctrl-C used to print "done: ... cleaned", a Beam traceback, and exit 1."""
    proc, out = _interrupted_run(tmp_path, "SIGINT", "read")
    line = _assert_interrupt_reported(proc, 130)
    assert line == f"textwash: interrupted (SIGINT); nothing written to {out}"
    assert os.listdir(out) == []


def _shards(out, prefix):
    return sorted(name for name in os.listdir(out) if re.match(rf"\.?{prefix}-\d+-of-\d+\.jsonl", name))


@pytest.mark.parametrize("signame,status", [("SIGINT", 130), ("SIGTERM", 143)])
def test_interrupt_while_writing_leaves_no_shard_that_looks_complete(tmp_path, signame, status):
    """The signal arrives while the first clean shard is being written: that shard used to
    stay, cut, under its final name. Now it was a temporary file, deleted on the way out."""
    proc, out = _interrupted_run(tmp_path, signame, "write")  # one shard per kind
    line = _assert_interrupt_reported(proc, status)
    assert signame in line and str(out) in line
    assert _shards(out, "clean") == []  # neither a final-named nor a temporary clean shard
    assert not [name for name in os.listdir(out) if name.endswith(".tmp")]
    assert not os.path.exists(os.path.join(out, "_SUCCESS"))
    for name in os.listdir(out):  # whatever is left (rejected shards written earlier) is whole
        if name == "index":  # the dedup index: whole shards at most, and no _meta.json (incomplete)
            assert all(n.startswith("index-") and n.endswith(".parquet") for n in os.listdir(out / "index"))
            continue
        assert name.startswith("rejected-"), name
        with open(os.path.join(out, name)) as handle:
            assert all(json.loads(row)["reason"] for row in handle)


def test_failed_shard_write_leaves_neither_final_nor_temporary_file(tmp_path):
    from transforms.write import write_sorted
    path = str(tmp_path / "clean-00000-of-00001.jsonl")
    records = [{"id": f"d{i:03d}", "text": "x" * 100} for i in range(50)] + [{"id": "z", "text": {1}}]
    with pytest.raises(TypeError):  # the last record cannot be serialized, after chunks were written
        write_sorted(path, records, ("id", "text"), compress=False, chunk_bytes=256)
    assert os.listdir(tmp_path) == []


def test_stale_temporary_shards_are_cleared_by_the_next_run(tmp_path, run_textwash):
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".clean-00000-of-00001.jsonl.0badf00d.tmp"  # left by a killed run
    stale.write_text('{"id": "cut')
    code, _ = run_textwash("--input", SAMPLE, out=out)  # no --overwrite needed: nothing usable there
    assert code == 0 and not stale.exists() and (out / "_SUCCESS").exists()
    stale.write_text('{"id": "cut')
    (out / "_SUCCESS").unlink()
    code, _ = run_textwash("--input", SAMPLE, "--overwrite", out=out)
    assert code == 0 and not stale.exists() and (out / "_SUCCESS").exists()


def test_closed_stdout_is_not_a_failure_of_the_run(tmp_path):
    """`textwash run ... | head -1`: the reader leaves before the summary is printed."""
    out = tmp_path / "out"
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the summary's write gets EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--input", SAMPLE,
                               "--output", str(out), "--quiet"], cwd=REPO, stdout=write_end,
                              env=dict(os.environ, PYTHONPATH=REPO), stderr=subprocess.PIPE,
                              text=True, timeout=300)
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no "run failed", no "Exception ignored ... BrokenPipeError"
    assert os.path.exists(os.path.join(out, "_SUCCESS"))
