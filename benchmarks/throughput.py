#!/usr/bin/env python
"""Throughput of textwash against a naive build, in one run.

    .venv/bin/python benchmarks/throughput.py                    # 50,000 docs, median of 3
    .venv/bin/python benchmarks/throughput.py --n-docs 5000 --runs 1   # quick look

What it does, on the same input:

1. corpus: ``/work/shared/tools/gen_corpus.py`` news-like documents with junk lines, mojibake,
   HTML entities and near-duplicates, generated once and cached in ``--cache-dir``;
2. per-stage cost: the stage functions (the same DoFns / pure functions the pipeline runs)
   timed on a ``--stage-docs`` sample, in MB/s of input text; the slow variants (ftfy
   ``fix_text`` for every document, regex whitespace tidying) are timed too and checked to
   give identical output;
3. end-to-end: the real pipeline (``pipeline.cli.main``, in-process FnApiRunner) in a fresh
   child process, ``--runs`` times, median wall time; MB/s and docs/s per core; peak RSS of
   the child (self + its worker children, ``resource.getrusage``);
4. naive reference, same input, same process shape: ``ftfy.fix_text`` with defaults,
   Python shingling + ``datasketch.MinHash.update_batch``, ``datasketch.MinHashLSH`` insert
   and query, JSONL out; ratio = textwash MB/s / naive MB/s;
5. scale-out: ``--direct_running_mode=multi_processing --direct_num_workers=2`` against one
   worker; ratio, and a check that both give byte-identical outputs;
6. with ``--junk-off``, also the pipeline with every junk rule and heuristic switched off
   (``--preset minimal --set junk.rules=[]``): what end to end could reach if stripping junk
   cost nothing.

It prints a markdown table ready to paste into the README. The machine is whatever runs
it: absolute figures move with load, the same-run ratios much less.
"""
import argparse
import glob
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
GEN = os.path.join(SHARED, "tools", "gen_corpus.py")
sys.path.insert(0, REPO)


# ------------------------------------------------------------------------- corpus

def corpus_path(n_docs, cache_dir):
    """Path of a cached ``n_docs`` corpus, generating it (or cutting a bigger one) if needed."""
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"corpus_{n_docs}.jsonl")
    if os.path.exists(path):
        return path
    bigger = sorted((int(p.rsplit("_", 1)[1].split(".")[0]), p)
                    for p in glob.glob(os.path.join(cache_dir, "corpus_*.jsonl"))
                    if p.rsplit("_", 1)[1].split(".")[0].isdigit())
    bigger = [p for n, p in bigger if n >= n_docs]
    if bigger:
        with open(bigger[0], encoding="utf-8") as src, open(path + ".tmp", "w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= n_docs:
                    break
                dst.write(line)
    else:
        if not os.path.exists(GEN):
            sys.exit(f"throughput: corpus generator not found at {GEN}")
        print(f"generating {n_docs} documents with {GEN} ...", file=sys.stderr)
        subprocess.run([sys.executable, GEN, "--n-docs", str(n_docs), "--out", path + ".tmp",
                        "--truth", path + ".truth.jsonl"], check=True, stdout=subprocess.DEVNULL)
    os.replace(path + ".tmp", path)
    return path


def load_texts(path, limit=None):
    """(ids, texts) of the first ``limit`` documents of a JSONL corpus."""
    ids, texts = [], []
    with open(path, encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if limit is not None and i >= limit:
                break
            rec = json.loads(line)
            ids.append(rec["id"])
            texts.append(rec["text"])
    return ids, texts


def mb(texts):
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


# ------------------------------------------------------------------- stage timing

def _timed(fn, items):
    start = time.perf_counter()
    out = [fn(x) for x in items]
    return out, time.perf_counter() - start


def stage_costs(texts, settings):
    """Per-stage seconds on ``texts`` for the fast and the slow variants; checks equal outputs.

    Returns ``(rows, checks)``: rows are ``(stage, seconds, note)``; checks name the
    fast-vs-slow equality results.
    """
    from transforms import minhash, normalize
    from transforms.filter import rejection_reason
    from transforms.write import CLEAN_FIELDS, to_json_line

    rows, checks = [], {}
    config = normalize.ftfy_config(settings.normalize.ftfy)
    import ftfy
    fixed, t_fix = _timed(lambda t: normalize.fix_unicode(t, config, True), texts)
    fixed_slow, t_fix_slow = _timed(lambda t: ftfy.fix_text(t, config), texts)
    _, t_naive_ftfy = _timed(ftfy.fix_text, texts)
    checks["ftfy fast path == ftfy.fix_text"] = fixed == fixed_slow
    tidy, t_tidy = _timed(normalize.tidy_whitespace, fixed)
    tidy_slow, t_tidy_slow = _timed(normalize.tidy_whitespace_reference, fixed)
    checks["tidy_whitespace == reference"] = tidy == tidy_slow
    rows += [("normalize: ftfy (fast path)", t_fix, f"slow path {t_fix_slow:.2f} s; "
              f"ftfy defaults {t_naive_ftfy:.2f} s"),
             ("normalize: whitespace", t_tidy, f"reference {t_tidy_slow:.2f} s")]

    from transforms.junk import Cleaner
    from transforms.ratios import ratio_verdict
    junk = settings.junk
    cleaner = Cleaner(junk)

    def strip(text):
        clean = cleaner.clean(text)[0]
        return "" if ratio_verdict(clean, junk.doc_ratios) else clean
    cleaned, t_junk = _timed(strip, tidy)
    rows.append(("junk rules + heuristics + ratios", t_junk, ""))
    min_words = settings.filter.min_words
    _, t_filter = _timed(lambda t: rejection_reason(t, min_words), cleaned)
    rows.append(("filter", t_filter, ""))

    d = settings.dedup
    signer = minhash.Signer.from_settings(d)
    # what the pipeline calls: signature + exact-Jaccard fingerprints straight from the text
    signed, t_sign = _timed(lambda t: signer.sign_text(t, d.ngram), cleaned)
    sigs = [s[0] for s in signed if s is not None]
    sha1 = minhash.Signer(d.num_perm, d.seed, d.scheme, "sha1")
    sh, t_sh = _timed(lambda t: minhash.shingle_list(t, d.ngram), cleaned)
    _, t_sha1 = _timed(sha1.sign, sh)
    rows.append((f"shingle + MinHash ({d.hash})", t_sign,
                 f"sha1 (shingle objects + one hash call each): shingling {t_sh:.2f} s + "
                 f"signing {t_sha1:.2f} s"))

    bands, rows_per_band = minhash.lsh_params(d.lsh_threshold, d.num_perm)
    start = time.perf_counter()
    buckets = {}
    for i, sig in enumerate(sigs):
        for b in range(bands):
            buckets.setdefault((b, sig[b * rows_per_band:(b + 1) * rows_per_band].tobytes()), []).append(i)
    candidates = sum(len(v) * (len(v) - 1) // 2 for v in buckets.values())
    rows.append(("LSH band keys + buckets", time.perf_counter() - start,
                 f"{bands} bands x {rows_per_band} rows, {candidates} candidate pairs in the sample"))
    records = [{"id": str(i), "text": t, "source": "", "meta": {}, "cluster_id": str(i),
                "duplicate_count": 0} for i, t in enumerate(cleaned)]
    _, t_write = _timed(lambda r: to_json_line(r, CLEAN_FIELDS), records)
    rows.append(("write (JSON encode)", t_write, ""))
    return rows, checks


# ------------------------------------------------------------------ child processes

CHILD_PIPELINE = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from pipeline.cli import main
start = time.perf_counter()
code = main({argv!r})
wall = time.perf_counter() - start
me, kids = (resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print("@@" + json.dumps({{"code": code, "wall": wall, "rss_self_kb": me, "rss_children_kb": kids}}))
"""

CHILD_NAIVE = r"""
import json, resource, sys, time, unicodedata
import ftfy, regex
from datasketch import MinHash, MinHashLSH
start = time.perf_counter()
token = regex.compile(r"\w+")
lsh = MinHashLSH(threshold={threshold}, num_perm={num_perm})
sketches = {{}}
with open({out!r}, "w", encoding="utf-8") as out:
    for line in open({corpus!r}, encoding="utf-8"):
        rec = json.loads(line)
        text = ftfy.fix_text(rec["text"])
        tokens = token.findall(unicodedata.normalize("NFKC", text).lower())
        grams = {{" ".join(tokens[i:i + {ngram}]).encode("utf-8")
                 for i in range(max(1, len(tokens) - {ngram} + 1))}}
        m = MinHash(num_perm={num_perm}, seed={seed}, scheme={scheme!r})
        m.update_batch(grams)
        lsh.insert(rec["id"], m)
        sketches[rec["id"]] = m
        out.write(json.dumps({{"id": rec["id"], "text": text}}, ensure_ascii=False) + "\n")
pairs = 0
for doc_id, m in sketches.items():
    for other in lsh.query(m):
        if other > doc_id and m.jaccard(sketches[other]) >= {threshold}:
            pairs += 1
wall = time.perf_counter() - start
me, kids = (resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print("@@" + json.dumps({{"code": 0, "wall": wall, "pairs": pairs, "rss_self_kb": me, "rss_children_kb": kids}}))
"""


def run_child(code):
    """Run a Python snippet in a fresh interpreter; return the JSON it printed after '@@'."""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            result = json.loads(line[2:])
            if result.get("code", 0) == 0:
                return result
    sys.exit(f"throughput: child run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def output_digest(out_dir):
    """SHA-256 over every output JSONL file (name + bytes), to compare runs."""
    h = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(out_dir, "*.jsonl*"))):
        h.update(os.path.basename(path).encode())
        with open(path, "rb") as handle:
            h.update(handle.read())
    return h.hexdigest()


def pipeline_runs(corpus, out_dir, runs, beam_args, extra):
    """``runs`` end-to-end runs; returns (list of child results, output digest of the last)."""
    results = []
    for _ in range(runs):
        argv = ["run", "--input", corpus, "--output", out_dir, "--overwrite", "--quiet",
                *extra, *beam_args]
        results.append(run_child(CHILD_PIPELINE.format(repo=REPO, argv=argv)))
    return results, output_digest(out_dir)


def median_wall(results):
    return statistics.median(r["wall"] for r in results)


def peak_rss_mb(results):
    """Largest self + children peak RSS over the runs, in MB."""
    return max(r["rss_self_kb"] + r["rss_children_kb"] for r in results) / 1024


# --------------------------------------------------------------------------- main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-docs", type=int, default=50000, help="documents (default 50000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per variant; the median is shown")
    parser.add_argument("--stage-docs", type=int, default=3000, help="documents for per-stage timing")
    parser.add_argument("--cache-dir", default="/tmp/textwash_bench", help="where corpora are cached")
    parser.add_argument("--corpus", help="use this JSONL corpus instead of a generated one")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive reference")
    parser.add_argument("--no-workers", action="store_true", help="skip the 2-worker comparison")
    parser.add_argument("--slow-pipeline", action="store_true",
                        help="also run the pipeline with normalize.fast_path=false")
    parser.add_argument("--junk-off", action="store_true",
                        help="also run the pipeline with every junk rule and heuristic off")
    parser.add_argument("--also-set", action="append", default=[], metavar="KEY=VALUE",
                        help="also run the pipeline (1 worker) with this config override, e.g. "
                             "dedup.hash=xxh3; repeatable, one row each")
    args = parser.parse_args(argv)

    from pipeline.config import load_settings
    settings = load_settings()
    corpus = args.corpus or corpus_path(args.n_docs, args.cache_dir)
    ids, texts = load_texts(corpus)
    n_docs, size_mb = len(texts), mb(texts)
    file_mb = os.path.getsize(corpus) / 1e6
    sample = texts[:args.stage_docs]
    sample_mb = mb(sample)
    del ids, texts
    cores = os.cpu_count()
    print(f"corpus {corpus}: {n_docs} docs, {size_mb:.1f} MB of text ({file_mb:.1f} MB file)")
    print(f"machine: {platform.processor() or platform.machine()}, {cores} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")

    print(f"\n## per-stage cost ({len(sample)} docs, {sample_mb:.1f} MB, one core, in-process)\n")
    rows, checks = stage_costs(sample, settings)
    print("| stage | seconds | MB/s | note |\n|---|---:|---:|---|")
    for name, secs, note in rows:
        rate = f"{sample_mb / secs:.1f}" if secs else "-"
        print(f"| {name} | {secs:.2f} | {rate} | {note} |" if secs is not None
              else f"| {name} | - | - | {note} |")
    timed = [secs for _, secs, _ in rows if secs is not None]
    if timed:
        total = sum(timed)
        print(f"| **all stage functions** | {total:.2f} | {sample_mb / total:.1f} | the ceiling of "
              "end to end on one core: text work alone, no reading, no Beam |")
    for name, ok in checks.items():
        print(f"check: {name}: {'identical' if ok else 'DIFFERENT'}")

    out_root = os.path.join(args.cache_dir, "out")
    table = []

    def add(label, results, workers):
        wall = median_wall(results)
        rate = size_mb / wall
        table.append((label, workers, wall, rate, rate / workers, n_docs / wall / workers,
                      peak_rss_mb(results)))
        print(f"  {label}: median {wall:.1f} s over {len(results)} run(s)", file=sys.stderr)
        return rate

    print(f"\nrunning the pipeline {args.runs}x on {n_docs} docs ...", file=sys.stderr)
    one, digest_one = pipeline_runs(corpus, os.path.join(out_root, "w1"), args.runs, [], [])
    rate_one = add("textwash, 1 worker (in_memory)", one, 1)
    rate_two = digest_two = rate_naive = rate_slow = None
    if not args.no_workers:
        two, digest_two = pipeline_runs(
            corpus, os.path.join(out_root, "w2"), args.runs,
            ["--direct_running_mode=multi_processing", "--direct_num_workers=2"], [])
        rate_two = add("textwash, 2 workers (multi_processing)", two, 2)
        one_mp, digest_one_mp = pipeline_runs(
            corpus, os.path.join(out_root, "w1mp"), args.runs,
            ["--direct_running_mode=multi_processing", "--direct_num_workers=1"], [])
        rate_one_mp = add("textwash, 1 worker (multi_processing)", one_mp, 1)
    if args.slow_pipeline:
        slow, _ = pipeline_runs(corpus, os.path.join(out_root, "slow"), args.runs, [],
                                ["--set", "normalize.fast_path=false"])
        rate_slow = add("textwash, normalize fast path off", slow, 1)
    if args.junk_off:
        off, _ = pipeline_runs(corpus, os.path.join(out_root, "junk_off"), args.runs, [],
                               ["--preset", "minimal", "--set", "junk.rules=[]"])
        add("textwash, 1 worker (in_memory), junk rules and heuristics off", off, 1)
    for k, override in enumerate(args.also_set):
        other, _ = pipeline_runs(corpus, os.path.join(out_root, f"set{k}"), args.runs, [],
                                 ["--set", override])
        add(f"textwash, 1 worker (in_memory), {override}", other, 1)
    if not args.no_naive:
        d = settings.dedup
        naive = [run_child(CHILD_NAIVE.format(
            threshold=d.threshold, num_perm=d.num_perm, seed=d.seed, scheme=d.scheme,
            ngram=d.ngram, corpus=corpus, out=os.path.join(args.cache_dir, "naive_out.jsonl")))
            for _ in range(args.runs)]
        rate_naive = add("naive: ftfy.fix_text + MinHash.update_batch + MinHashLSH", naive, 1)

    print(f"\n## end to end ({n_docs} docs, {size_mb:.1f} MB, median of {args.runs})\n")
    print("| variant | workers | wall s | MB/s | MB/s per core | docs/s per core | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, workers, wall, rate, per_core, docs_core, rss in table:
        print(f"| {label} | {workers} | {wall:.1f} | {rate:.2f} | {per_core:.2f} | "
              f"{docs_core:.0f} | {rss:.0f} |")
    print()
    if rate_naive:
        print(f"textwash / naive (1 worker, same input): {rate_one / rate_naive:.2f}x")
    if rate_slow:
        print(f"textwash / textwash with normalize fast path off: {rate_one / rate_slow:.2f}x")
    if rate_two:
        print(f"2 workers / 1 worker (in_memory): {rate_two / rate_one:.2f}x; "
              f"2 / 1 worker (both multi_processing): {rate_two / rate_one_mp:.2f}x")
        same = digest_one == digest_two == digest_one_mp
        print(f"outputs 1 worker vs 2 workers: {'byte-identical' if same else 'DIFFERENT'}")
    print(f"peak RSS per MB of input text: {table[0][6] / size_mb:.2f} MB/MB "
          f"(1 worker); load average now {os.getloadavg()[0]:.1f}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
