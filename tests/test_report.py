"""report.html: written by every run, self-contained, and its numbers equal stats.json in a real browser."""
import contextlib
import io
import json
import os
import shutil
import subprocess

import pytest

from conftest import REPO, SAMPLE
from pipeline.cli import main
from pipeline.report import CLEANED_DOCS, MEMBERS_PER_CLUSTER, TOP_CLUSTERS, write_report

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The README sample command (with removed lines recorded), run quietly; (out dir, stderr)."""
    out = str(tmp_path_factory.mktemp("report") / "out")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["run", "--input", SAMPLE, "--output", out, "--quiet",
                     "--set", "output.write_removed=true"])
    assert code == 0, err.getvalue()
    return out, err.getvalue()


def chromium(tmp_path, *args):
    """Run headless Chromium with a fresh profile; returns stdout (fails clearly if it is missing)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (scripts/test.sh does it with apt-get)")
    profile = tmp_path / "chromium-profile"
    done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom_value(dom, element_id):
    """The data-value attribute of the element with ``element_id`` in a dumped DOM."""
    import re
    found = re.search(rf'id="{re.escape(element_id)}"[^>]*data-value="([^"]*)"', dom)
    assert found, f"no element #{element_id} in the rendered page"
    return found.group(1)


def test_quiet_run_prints_no_progress(sample_run):
    _, stderr = sample_run
    assert "docs cleaned" not in stderr and "textwash: done" not in stderr


def test_report_is_written_before_success_and_self_contained(sample_run):
    out, _ = sample_run
    path = os.path.join(out, "report.html")
    assert os.path.exists(path) and os.path.exists(os.path.join(out, "_SUCCESS"))
    assert os.path.getmtime(path) <= os.path.getmtime(os.path.join(out, "_SUCCESS"))
    page = open(path, encoding="utf-8").read()
    for needle in ("<script src", "<link", "<img", "url(", "@import", "https://", "http://cdn"):
        assert needle not in page, needle


def test_report_in_headless_browser_matches_stats(sample_run, tmp_path):
    out, _ = sample_run
    stats = json.load(open(os.path.join(out, "stats.json")))
    url = "file://" + os.path.join(out, "report.html")
    dom = chromium(tmp_path, "--dump-dom", url)
    for key in ("read", "kept", "duplicates", "rejected"):
        assert int(dom_value(dom, f"stat-{key}")) == stats["counts"][key], key
    assert dom_value(dom, "stat-conserved") == "yes"
    for kind, n in stats["duplicates_by_kind"].items():
        assert int(dom_value(dom, f"dup-{kind}")) == n
    for reason, n in stats["rejected_by_reason"].items():
        assert f'data-reason="{reason}" data-value="{n}"' in dom
    for rule in stats["rules"]:  # every rule that fired has a bar
        assert f"<title>{rule}: {stats['rules'][rule]['lines']}</title>" in dom
    # the near duplicate is shown beside its representative with the changed words marked
    assert "wire/syndicated-004 · near" in dom and "<ins>is starting </ins>" in dom
    # removed lines of a cleaned document are struck through with their rule
    assert '<del><span class="rule">[shorts_widget]</span>Impact Shorts</del>' in dom

    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert shot.exists() and shot.stat().st_size > 10_000
    keep = os.path.join(REPO, "out", "report-screenshot.png")
    os.makedirs(os.path.dirname(keep), exist_ok=True)
    shutil.copy(shot, keep)
    print(f"report screenshot: {keep}")


def _jsonl(path, records):
    with open(path, "w", encoding="utf-8") as handle:
        for rec in records:
            handle.write(json.dumps(rec) + "\n")


def test_report_of_a_large_output_stays_bounded(tmp_path):
    """20k kept docs, 4k duplicates in 2k clusters, 60k removed lines: the page keeps only samples."""
    words = " ".join(f"word{i}" for i in range(600))
    clean, dups, removed = [], [], []
    for i in range(20000):
        doc_id = f"d{i:05d}"
        clean.append({"id": doc_id, "text": f"{doc_id} {words}", "source": "s", "meta": {},
                      "cluster_id": doc_id, "duplicate_count": 2 if i < 2000 else 0})
        removed += [{"doc_id": doc_id, "rule": "r", "line": "x" * 200} for _ in range(3)]
        if i < 2000:
            dups += [{"id": f"{doc_id}-c{k}", "source": "s", "text": f"{doc_id} copy {k} {words}",
                      "duplicate_of": doc_id, "cluster_id": doc_id, "similarity": 0.9, "kind": "near"}
                     for k in range(2)]
    _jsonl(tmp_path / "clean-00000-of-00001.jsonl", clean)
    _jsonl(tmp_path / "duplicates-00000-of-00001.jsonl", dups)
    _jsonl(tmp_path / "removed-00000-of-00001.jsonl", removed)
    _jsonl(tmp_path / "rejected-00000-of-00001.jsonl",
           [{"id": f"r{i}", "source": "s", "stage": "filter", "reason": "too_few_words",
             "detail": "", "text": "short " * 500} for i in range(3000)])
    stats = {"counts": {"read": 27000, "kept": 20000, "duplicates": 4000, "rejected": 3000},
             "conserved": True, "wall_time_s": 10.0, "input_bytes": 10**8,
             "cluster_sizes": {"3": 2000}, "rules": {"r": {"lines": 60000, "docs": 20000}},
             "duplicates_by_kind": {"near": 4000}, "rejected_by_reason": {"filter:too_few_words": 3000}}
    page = open(write_report(str(tmp_path), stats), encoding="utf-8").read()
    assert len(page.encode("utf-8")) < 10_000_000
    assert page.count("<h3>cluster ") == TOP_CLUSTERS
    assert MEMBERS_PER_CLUSTER >= 2  # each cluster has 2 near members, all shown
    assert page.count('<div class="pair">') == TOP_CLUSTERS * 2 + CLEANED_DOCS
    assert 'data-reason="filter:too_few_words" data-value="3000"' in page
    assert "cluster d00000 · 3 documents" in page  # ties on size: smallest cluster ids first


def test_report_says_how_to_record_removed_lines(tmp_path):
    _jsonl(tmp_path / "clean-00000-of-00001.jsonl", [])
    stats = {"counts": {"read": 0, "kept": 0, "duplicates": 0, "rejected": 0}, "conserved": True}
    page = open(write_report(str(tmp_path), stats), encoding="utf-8").read()
    assert "output.write_removed=true" in page and 'id="stat-read" data-value="0"' in page


def test_report_reads_compressed_shards(tmp_path):
    """output.compress=true writes .jsonl.gz shards: the report reads them the same way."""
    import gzip
    rep = {"id": "a", "text": "one two three four", "source": "s", "meta": {}, "cluster_id": "a",
           "duplicate_count": 1}
    dup = {"id": "b", "source": "s", "text": "one two six four", "duplicate_of": "a", "cluster_id": "a",
           "similarity": 0.5, "kind": "near"}
    for prefix, rec in (("clean", rep), ("duplicates", dup)):
        with gzip.open(tmp_path / f"{prefix}-00000-of-00001.jsonl.gz", "wt", encoding="utf-8") as handle:
            handle.write(json.dumps(rec) + "\n")
    stats = {"counts": {"read": 2, "kept": 1, "duplicates": 1, "rejected": 0}, "conserved": True}
    page = open(write_report(str(tmp_path), stats), encoding="utf-8").read()
    assert "cluster a · 2 documents" in page and "<del>three </del>" in page and "<ins>six </ins>" in page
