"""textwash inspect / tune / rules, live progress and the summary table."""
import contextlib
import gzip
import io
import json
import os
import random
import re
import time

import pytest

from conftest import SAMPLE
from pipeline.cli import main
from pipeline.config import load_config, load_settings
from pipeline.progress import expected_bytes, format_progress, summary_table
from pipeline.report import iter_records
from pipeline.tune import THRESHOLDS
from transforms.minhash import Signer, estimated_jaccard, shingles


@pytest.fixture(scope="module")
def progress_run(tmp_path_factory):
    """The sample run with progress on (every 0.2 s) and removed lines recorded: (out, stderr)."""
    out = str(tmp_path_factory.mktemp("commands") / "out")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", "--input", SAMPLE, "--output", out, "--progress-every", "0.2",
                     "--set", "output.write_removed=true"])
    assert code == 0, err.getvalue()
    return out, err.getvalue()


def read_output(out):
    """{kind: [records]} of a run plus its 'stats' (removed-* records have no id)."""
    data = {kind: list(iter_records(out, kind)) for kind in ("clean", "duplicates", "rejected", "removed")}
    data["stats"] = json.load(open(os.path.join(out, "stats.json")))
    return data


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------ progress and summary

def test_progress_counts_every_document_that_was_cleaned(progress_run):
    out, stderr = progress_run
    stats = read_output(out)["stats"]
    read_rejects = sum(n for k, n in stats["rejected_by_reason"].items() if k.startswith("read:"))
    cleaned = stats["counts"]["read"] - read_rejects
    assert f"textwash: done: {cleaned:,} docs" in stderr
    assert "Traceback" not in stderr


def test_format_progress_rate_and_time_left():
    line = format_progress(200, 20_000_000, 4.0, 100_000_000)
    assert "200 docs" in line and "20.0 MB" in line and "(20%)" in line
    assert "50 docs/s" in line and "5.00 MB/s" in line and "~16s left" in line
    assert "left" not in format_progress(200, 20_000_000, 4.0, 0)


def test_expected_bytes_reads_gzip_size(tmp_path):
    body = ("hello world " * 5000).encode()
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(gzip.compress(body))
    assert expected_bytes([{"path": str(path), "size": path.stat().st_size}]) == len(body)


def test_summary_table_numbers_come_from_stats():
    stats = {"counts": {"read": 10, "kept": 6, "duplicates": 3, "rejected": 1}, "conserved": True,
             "duplicates_by_kind": {"near": 2, "exact": 1}, "rejected_by_reason": {"filter:too_few_words": 1},
             "rules": {"ad": {"lines": 4, "docs": 2}}, "wall_time_s": 2.0, "input_bytes": 4_000_000,
             "output": "/o"}
    table = summary_table(stats)
    assert table.splitlines()[0].startswith("read 10 = kept 6 + duplicates 3 + rejected 1   [conserved]")
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[2:]}
    assert rows["kept"] == ["6", "60.0", "%"] and rows["duplicates"] == ["3", "30.0", "%"]
    assert rows["near"] == ["2"] and rows["filter:too_few_words"] == ["1"]
    assert "5 docs/s, 2.00 MB/s" in table


# ------------------------------------------------------------------ inspect

def test_inspect_near_duplicate(progress_run, capsys):
    out, _ = progress_run
    data = read_output(out)
    dup = next(d for d in data["duplicates"] if d["kind"] == "near")
    code, text, err = run_cli(capsys, "inspect", out, dup["id"])
    assert code == 0, err
    assert "ended up in: duplicates-*.jsonl" in text
    assert f"near duplicate of {dup['duplicate_of']}" in text
    rep = next(d for d in data["clean"] if d["id"] == dup["duplicate_of"])
    row = next(line for line in text.splitlines() if line.strip().startswith(rep["id"]))
    dedup = load_settings().dedup
    signer = Signer.from_settings(dedup)
    a, b = shingles(dup["text"], dedup.ngram), shingles(rep["text"], dedup.ngram)
    est = estimated_jaccard(signer.signature(a), signer.signature(b))
    assert row.split()[-2:] == [f"{est:.3f}", f"{len(a & b) / len(a | b):.3f}"]
    assert abs(est - dup["similarity"]) < 1e-3
    for rec in data["removed"]:
        if rec["doc_id"] == dup["id"]:
            assert rec["rule"] in text and rec["line"][:60] in text


def test_inspect_kept_and_rejected(progress_run, capsys):
    out, _ = progress_run
    data = read_output(out)
    rejected = data["rejected"][0]
    code, text, _ = run_cli(capsys, "inspect", out, rejected["id"])
    assert code == 0 and f"reason {rejected['reason']}" in text and "rejected-*.jsonl" in text
    rep = next(d for d in data["clean"] if d["duplicate_count"] > 0)
    code, text, _ = run_cli(capsys, "inspect", out, rep["id"])
    assert code == 0 and "(kept)" in text and f"with {rep['duplicate_count']} duplicate(s)" in text
    members = [d["id"] for d in data["duplicates"] if d["cluster_id"] == rep["cluster_id"]]
    assert members and all(m in text for m in members)


def test_inspect_mistakes_are_one_line_errors(progress_run, capsys, tmp_path):
    out, _ = progress_run
    code, _, err = run_cli(capsys, "inspect", out, "no-such-id")
    assert code == 2 and err.count("\n") == 1 and "no-such-id" in err
    code, _, err = run_cli(capsys, "inspect", str(tmp_path / "missing"), "x")
    assert code == 2 and err.startswith("textwash: error:") and "Traceback" not in err


# ------------------------------------------------------------------ tune

def _words(rng, n):
    return " ".join(rng.choice(VOCAB) for _ in range(n))


VOCAB = [f"w{i}" for i in range(3000)]


def test_tune_counts_match_brute_force(tmp_path, capsys):
    rng = random.Random(7)
    docs, base = [], _words(rng, 300).split()
    for k, changed in enumerate((0, 8, 20, 35, 60)):  # variants of one text, more and more edited
        words = list(base)
        for i in range(changed):
            words[(i * 37) % len(words)] = f"x{k}_{i}"
        docs.append({"id": f"v{k}", "text": " ".join(words)})
    docs.append({"id": "copy", "text": docs[1]["text"]})          # an exact copy
    docs += [{"id": f"other{i}", "text": _words(rng, 200)} for i in range(4)]
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    code, text, err = run_cli(capsys, "tune", "--input", str(path), "--examples", "1")
    assert code == 0, err
    rows = [line.split() for line in text.splitlines()]
    table = {float(r[0]): [int(x) for x in r[1:5]]
             for r in rows if len(r) >= 5 and all(x.isdigit() for x in r[1:5])}
    assert sorted(table) == list(THRESHOLDS)
    cfg = load_config()["dedup"]
    uniq = [shingles(d["text"], cfg["ngram"]) for d in docs if d["id"] != "copy"]
    sims = [len(a & b) / len(a | b) for i, a in enumerate(uniq) for b in uniq[i + 1:]]  # verify: exact
    for t, (pairs, clusters, dups, kept) in table.items():
        assert pairs <= sum(1 for s in sims if s >= t), t
        if t >= 0.65:  # LSH bands for dedup.lsh_threshold 0.5 find such pairs with certainty here
            assert pairs == sum(1 for s in sims if s >= t), t
        assert dups + kept == len(docs)
        assert dups >= 1  # the exact copy counts at every threshold
    assert table[0.5][0] > table[0.95][0]
    assert "<- current" in text and "example pairs" in text
    assert " vs " in text  # at least one example pair with the place where it differs


def test_tune_reads_compressed_inputs_as_the_pipeline_does(tmp_path, capsys):
    """A .jsonl.gz sample is decompressed by textwash's own reader (Beam's compressed file
    object has no readline(limit)); every document is read."""
    rng = random.Random(3)
    docs = [{"id": f"d{i}", "text": _words(rng, 120)} for i in range(12)]
    with gzip.open(tmp_path / "sample.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(d) + "\n" for d in docs))
    code, text, err = run_cli(capsys, "tune", "--input", str(tmp_path / "sample.jsonl.gz"))
    assert code == 0, err
    assert "12 document(s) read" in text and "unreadable" not in text


def test_tune_bad_arguments(capsys, tmp_path):
    code, _, err = run_cli(capsys, "tune", "--input", str(tmp_path / "nothing*.jsonl"))
    assert code == 2 and "textwash: error:" in err
    code, _, err = run_cli(capsys, "tune", "--input", SAMPLE, "--bogus")
    assert code == 2 and "--bogus" in err


# ------------------------------------------------------------------ rules

def test_rules_lists_every_rule_with_its_example_removed(capsys):
    code, text, _ = run_cli(capsys, "rules")
    assert code == 0
    cfg = load_config()
    enabled = [r for r in cfg["junk"]["rules"] if r.get("enabled", True)]
    assert f"{len(enabled)} junk rule(s) in effect" in text
    for rule in cfg["junk"]["rules"]:
        assert f"\n{rule['name']}  [{rule['scope']}" in text
        if rule.get("description"):
            assert rule["description"] in text
    assert "removes: NOTHING" not in text
    assert "removes: 'More Shorts'  keeps: 'The timing is important ...'" in text


def test_rules_with_config_flags_a_bad_example(capsys, tmp_path):
    conf = tmp_path / "c.yaml"
    conf.write_text("junk:\n  rules:\n    - name: promo\n      scope: line\n      pattern: 'PROMO'\n"
                    "      description: Promo banners.\n      example: 'promo'\n")
    code, text, _ = run_cli(capsys, "rules", "--config", str(conf))
    assert code == 0 and "1 junk rule(s) in effect" in text and "removes: NOTHING" in text
    code, text, _ = run_cli(capsys, "rules", "--config", str(conf), "--set", "junk.rules[0]=x")
    assert code == 2


# ------------------------------------------------------------------ honest figures (issue 19)

def test_progress_says_dedup_write_and_claims_no_time_left_once_reading_stops():
    """Documents stop coming after 1 s (reading/cleaning is over) and the first line is due at
    5 s: it must name the dedup/write phase, not "94 %, ~2s left" (the old reporter waited
    1.5 print intervals, here 7.5 s, before it noticed)."""
    from pipeline.progress import TRACKER, Reporter
    stream = io.StringIO()
    with Reporter(total_bytes=10_000_000, every=5.0, stream=stream):
        for _ in range(10):
            TRACKER.add(10, 940_000 // 10)
            time.sleep(0.1)
        time.sleep(5.5)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("textwash: dedup/write: 100 docs, 0.9 MB cleaned"), lines
    assert "left" not in lines[0] and "%" not in lines[0]
    assert lines[-1].startswith("textwash: done: 100 docs")


def test_progress_while_reading_names_its_phase():
    line = format_progress(940, 9_400_000, 100.0, 10_000_000)
    assert line.startswith("textwash: reading/cleaning: 940 docs") and "(94%)" in line
    assert "~6s left in this phase; dedup/write follow" in line


def test_summary_rates_use_uncompressed_bytes(tmp_path, run_textwash, capsys):
    body = b"".join(json.dumps({"id": f"d{i}", "text": f"document {i} says " + "many words here " * 40}
                               ).encode() + b"\n" for i in range(50))
    path = tmp_path / "docs.jsonl.gz"
    path.write_bytes(gzip.compress(body))
    code, out = run_textwash("--input", str(path))
    table = capsys.readouterr().out
    assert code == 0
    stats = json.load(open(os.path.join(out, "stats.json")))
    assert stats["input_bytes"] == path.stat().st_size < len(body) / 10  # compressed well
    assert stats["input_bytes_uncompressed"] == len(body)
    wall_line = next(line for line in table.splitlines() if line.startswith("wall time"))
    assert f"{len(body) / 1e6:.2f} MB input ({path.stat().st_size / 1e6:.2f} MB compressed)" in wall_line
    mb_s = float(re.search(r"([\d.]+) MB/s", wall_line).group(1))
    assert mb_s == pytest.approx(len(body) / 1e6 / stats["wall_time_s"], abs=0.011)
