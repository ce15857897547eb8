"""A run's outcome is what its exit status says (issue 19): a run that rejects most of its
input fails with the reason and the fix, an interrupted run says what it left, a closed stdout
is not a failure, and no shard looks complete unless it is."""
import json
import os
import random
import re

import pytest

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
    for i in range(10):  # 9 or 18 words after cleaning, < filter.min_words=20
        lines = [" ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + "."
                 for _ in range(2 if i % 2 else 1)]
        (docs / f"note{i}.txt").write_text("\n\n".join(lines) + "\n")
    code, out = run_textwash("--input", str(docs))
    err = _error_line(capsys)
    assert code == 1 and "filter:too_few_words (10)" in err
    suggested = re.search(r"try --set filter\.min_words=(\d+)", err)
    assert suggested and int(suggested.group(1)) == 9, err
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
