#!/usr/bin/env python
"""Throughput of textwash against a naive build, per document and per byte, in one run.

    .venv/bin/python benchmarks/throughput.py                          # 3 corpora, median of 3
    .venv/bin/python benchmarks/throughput.py --corpora 20ng --runs 1  # quick look

What it does (issue 21):

1. corpora (``--corpora``, default ``20ng,short,long``): ``20ng`` = the 19,997 real
   20 Newsgroups posts of ``../shared/data/dedup/20ng/input.jsonl.gz`` (~1.8 KB), unpacked
   once to plain JSONL; ``short`` / ``long`` = ``/work/shared/tools/gen_corpus.py`` news-like
   documents with junk lines, mojibake, HTML entities and near-duplicates, ``--words 110``
   (~0.8 KB) and ``--words 500`` (~3.4 KB), ``--n-docs`` each; a path to a JSONL(.gz) file
   is a corpus too. Everything is cached in ``--cache-dir``;
2. start-up: textwash on the bundled 9-document sample (``data/sample``) in a fresh child,
   and, in another child, that run split into import (``import pipeline.cli``), setup (config,
   inputs, options, runner), graph build (``assembly.build``), run and finalize, mirroring
   ``pipeline.cli.run_command``; the rest of the child's CPU is the interpreter's start and
   exit. Per corpus, textwash's docs per CPU-second less the sample run's CPU is printed too;
3. per corpus, ``--runs`` times each, interleaved: textwash ``run`` (the real CLI,
   ``pipeline.cli.main``, in-process DirectRunner, 1 worker, ``--quiet``) in a fresh child,
   and the naive composition in a fresh child: ``ftfy.fix_text`` with defaults, Python
   shingling + ``datasketch.MinHash.update_batch``, ``datasketch.MinHashLSH`` insert and
   query, JSONL out. Reported, median over the runs: docs and MB of text per CPU-second, where
   CPU = user + sys of the child and its descendants (``resource.getrusage(RUSAGE_CHILDREN)``
   deltas around each child), wall seconds of the child, peak RSS (the largest ``ru_maxrss``
   in the child's process tree, as ``getrusage`` gives it for a tree; largest over the runs)
   and per 100,000 documents; ratio textwash / naive in docs per CPU-second; the acceptance
   lines of issue 21 with PASS/FAIL;
4. ``--also ARGS``: one more textwash row per corpus with these extra ``run`` arguments,
   e.g. ``--also "--set normalize.fast_path=false"`` (repeatable);
5. ``--workers``: also textwash with ``--direct_running_mode=multi_processing`` and 2, then
   1 worker; wall speed-up and a check that the outputs are byte-identical to the 1-worker
   in-process run;
6. ``--stages``: per-stage cost of the stage functions (the same DoFns / pure functions the
   pipeline runs) on a ``--stage-docs`` sample of each corpus, in MB/s, one core, in-process;
   the slow variants (ftfy ``fix_text`` on every document, regex whitespace tidying) are
   timed too and checked to give identical output.

It prints markdown tables ready to paste into docs/benchmarks.md, with the machine and its
load average. CPU seconds move much less with other load on the machine than wall seconds.
"""
import argparse
import glob
import gzip
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
GEN = os.path.join(SHARED, "tools", "gen_corpus.py")
NG20 = os.path.join(SHARED, "data", "dedup", "20ng", "input.jsonl.gz")
SAMPLE = os.path.join(REPO, "data", "sample")
sys.path.insert(0, REPO)

# name -> (description, words per generated document or None for a file)
CORPORA = {"20ng": ("20 Newsgroups", None), "short": ("generated 0.8 KB", 110),
           "long": ("generated 3.4 KB", 500)}


# ------------------------------------------------------------------------- corpus

def corpus_path(n_docs, words, cache_dir):
    """Path of a cached generated corpus of ``n_docs`` documents of ~``words`` words,
    generating it (or cutting a bigger one with the same ``words``) if needed."""
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"corpus_w{words}_{n_docs}.jsonl")
    if os.path.exists(path):
        return path
    name = re.compile(rf"corpus_w{words}_(\d+)\.jsonl$")
    cached = glob.glob(os.path.join(cache_dir, f"corpus_w{words}_*.jsonl"))
    bigger = sorted((int(m.group(1)), p) for p in cached
                    if (m := name.search(p)) and int(m.group(1)) >= n_docs)
    if bigger:
        with open(bigger[0][1], encoding="utf-8") as src, open(path + ".tmp", "w", encoding="utf-8") as dst:
            for i, line in enumerate(src):
                if i >= n_docs:
                    break
                dst.write(line)
    else:
        if not os.path.exists(GEN):
            sys.exit(f"throughput: corpus generator not found at {GEN}")
        print(f"generating {n_docs} documents of ~{words} words with {GEN} ...", file=sys.stderr)
        subprocess.run([sys.executable, GEN, "--n-docs", str(n_docs), "--words", str(words),
                        "--out", path + ".tmp", "--truth", path + ".truth.jsonl"],
                       check=True, stdout=subprocess.DEVNULL)
        if os.path.exists(path + ".tmp.meta.json"):
            os.replace(path + ".tmp.meta.json", path + ".meta.json")
    os.replace(path + ".tmp", path)
    return path


def file_corpus(path, cache_dir):
    """A JSONL corpus file as plain JSONL: itself, or a copy unpacked once into ``cache_dir``."""
    if not os.path.exists(path):
        sys.exit(f"throughput: corpus not found: {path}")
    if not path.endswith(".gz"):
        return path
    stem = os.path.basename(os.path.dirname(path)) if os.path.basename(path).startswith("input.") else ""
    plain = os.path.join(cache_dir, "_".join(filter(None, [stem, os.path.basename(path)[:-3]])))
    if not os.path.exists(plain):
        os.makedirs(cache_dir, exist_ok=True)
        with gzip.open(path, "rb") as src, open(plain + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(plain + ".tmp", plain)
    return plain


def resolve_corpora(names, n_docs, cache_dir):
    """[(name, description, path)] for ``--corpora``."""
    out = []
    for name in filter(None, (n.strip() for n in names.split(","))):
        if name in CORPORA:
            label, words = CORPORA[name]
            path = corpus_path(n_docs, words, cache_dir) if words else file_corpus(NG20, cache_dir)
        else:
            label, path = "JSONL file", file_corpus(name, cache_dir)
            name = os.path.basename(name).split(".")[0]
        out.append((name, label, path))
    return out


def load_texts(path, limit=None):
    """Texts of the first ``limit`` documents of a JSONL corpus."""
    texts = []
    with open(path, encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if limit is not None and i >= limit:
                break
            texts.append(json.loads(line)["text"])
    return texts


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

RSS = r"""
import resource as _r
_rss = max(_r.getrusage(w).ru_maxrss for w in (_r.RUSAGE_SELF, _r.RUSAGE_CHILDREN))
"""

CHILD_PIPELINE = r"""
import json, sys
sys.path.insert(0, {repo!r})
from pipeline.cli import main
code = main({argv!r})
""" + RSS + r"""
print("@@" + json.dumps({{"code": code, "rss_kb": _rss}}))
"""

CHILD_NAIVE = r"""
import json, sys, unicodedata
import ftfy, regex
from datasketch import MinHash, MinHashLSH
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
""" + RSS + r"""
print("@@" + json.dumps({{"code": 0, "pairs": pairs, "rss_kb": _rss}}))
"""

# pipeline.cli.run_command's steps, each timed (CPU = user + sys of this process, os.times())
CHILD_STARTUP = r"""
import json, os, sys, time
def now():
    t = os.times()
    return t.user + t.system, time.perf_counter()
marks = [now()]
sys.path.insert(0, {repo!r})
import pipeline.cli as cli
marks.append(now())
import logging
import apache_beam as beam
logging.basicConfig(level=logging.ERROR)
args, beam_args = cli.build_parser().parse_known_args({argv!r})
settings = cli.load_settings(args.config, args.preset, args.overrides)
skipped = []
specs = cli.list_inputs(args.input, skipped, cli.Selection(args.include, args.exclude))
options = cli.make_options(beam_args)
output_dir = os.path.abspath(args.output)
cli.prepare_output(args.output, args.overwrite)
num_shards = cli.auto_shards(settings, specs)
cli.tune_allocator()
pipeline = beam.Pipeline(runner=cli.make_runner(options), options=options)
marks.append(now())
cli.assembly.build(pipeline, settings, specs, output_dir, num_shards, ())
cli.freeze_gc()
marks.append(now())
result = pipeline.run()
result.wait_until_finish()
marks.append(now())
wall, cpu = marks[-1][1] - marks[2][1], marks[-1][0] - marks[2][0]
extra = {{"timing": cli.run_timing(result, wall, cpu, None), "read": cli.read_stats(skipped, specs)}}
stats = cli.assembly.finalize(output_dir, cli.assembly.read_job_stats(output_dir), extra,
                              args.max_rejected_share)
print(cli.progress.summary_table(stats))
marks.append(now())
steps = {{name: [b[0] - a[0], b[1] - a[1]] for name, a, b in zip(STEPS, marks, marks[1:])}}
print("@@" + json.dumps({{"code": 0, "steps": steps}}))
""".replace("STEPS", repr(("import pipeline.cli", "setup: config, inputs, options, runner",
                           "graph build (assembly.build)", "run (pipeline.run)", "finalize + summary")))


def run_child(code):
    """Run a Python snippet in a fresh interpreter: the JSON it printed after '@@', plus
    ``cpu`` (user + sys of the child and its descendants, from this process's
    RUSAGE_CHILDREN before and after), ``wall`` (seconds) and ``rss_mb``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for line in proc.stdout.splitlines():
        if line.startswith("@@"):
            result = json.loads(line[2:])
            if result.get("code", 0) == 0:
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                return dict(result, cpu=cpu, wall=wall, rss_mb=result.get("rss_kb", 0) / 1024)
    sys.exit(f"throughput: child run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def textwash_child(corpus, out_dir, extra=()):
    argv = ["run", "--input", corpus, "--output", out_dir, "--overwrite", "--quiet", *extra]
    return run_child(CHILD_PIPELINE.format(repo=REPO, argv=argv))


def naive_child(corpus, out_path, dedup):
    return run_child(CHILD_NAIVE.format(
        threshold=dedup.threshold, num_perm=dedup.num_perm, seed=dedup.seed, scheme=dedup.scheme,
        ngram=dedup.ngram, corpus=corpus, out=out_path))


def output_digest(out_dir):
    """SHA-256 over every output JSONL file (name + bytes), to compare runs."""
    h = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(out_dir, "*.jsonl*"))):
        h.update(os.path.basename(path).encode())
        with open(path, "rb") as handle:
            h.update(handle.read())
    return h.hexdigest()


def summarize(results, n_docs, size_mb):
    """Medians over ``results`` (CPU, wall), largest peak RSS, and the rates."""
    cpu = statistics.median(r["cpu"] for r in results)
    rss = max(r["rss_mb"] for r in results)
    return {"cpu": cpu, "wall": statistics.median(r["wall"] for r in results),
            "docs_cpu": n_docs / cpu, "mb_cpu": size_mb / cpu, "rss": rss,
            "rss_100k": rss * 100_000 / n_docs}


# --------------------------------------------------------------------------- report

def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next(l.split(":", 1)[1].strip() for l in handle if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    from importlib.metadata import version
    libs = ", ".join(f"{name} {version(name)}" for name in ("apache-beam", "ftfy", "datasketch", "regex"))
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {libs}; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def startup(runs, cache_dir):
    """Start-up section: the 9-document sample end to end, and its steps in one child."""
    out = os.path.join(cache_dir, "out", "sample")
    argv = ["run", "--input", SAMPLE, "--output", out, "--overwrite", "--quiet"]
    print(f"start-up: {runs} run(s) on {SAMPLE} ...", file=sys.stderr)
    whole = [textwash_child(SAMPLE, out) for _ in range(runs)]
    split = [run_child(CHILD_STARTUP.format(repo=REPO, argv=argv)) for _ in range(runs)]
    print(f"\n## start-up: textwash on data/sample (9 documents), fresh child, median of {runs}\n")
    print("| step | CPU s | wall s |\n|---|---:|---:|")
    print(f"| **whole run (textwash run ... --quiet)** | {statistics.median(r['cpu'] for r in whole):.2f} | "
          f"{statistics.median(r['wall'] for r in whole):.2f} |")
    for name in split[0]["steps"]:
        print(f"| {name} | {statistics.median(r['steps'][name][0] for r in split):.2f} | "
              f"{statistics.median(r['steps'][name][1] for r in split):.2f} |")
    rest_cpu = statistics.median(r["cpu"] - sum(s[0] for s in r["steps"].values()) for r in split)
    rest_wall = statistics.median(r["wall"] - sum(s[1] for s in r["steps"].values()) for r in split)
    print(f"| interpreter start + exit (rest of the child) | {rest_cpu:.2f} | {rest_wall:.2f} |")
    return statistics.median(r["cpu"] for r in whole)


ACCEPT = {"20ng": "docs", "short": "docs", "long": "mb"}  # issue 21's acceptance lines


def acceptance(name, tw, naive):
    """The issue-21 lines for corpus ``name``: [(text, passed)]."""
    kind = ACCEPT.get(name)
    if kind == "docs":
        ratio = tw["docs_cpu"] / naive["docs_cpu"]
        return [(f"{name}: textwash {tw['docs_cpu']:.0f} docs/CPU-s >= 1,000", tw["docs_cpu"] >= 1000),
                (f"{name}: textwash / naive {ratio:.2f}x >= 1.3x (docs/CPU-s)", ratio >= 1.3)]
    if kind == "mb":
        return [(f"{name}: textwash {tw['mb_cpu']:.2f} MB/CPU-s >= 1.5", tw["mb_cpu"] >= 1.5)]
    return []


# --------------------------------------------------------------------------- main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="20ng,short,long",
                        help="comma-separated: 20ng, short (0.8 KB), long (3.4 KB) or a JSONL(.gz) "
                             "path (default 20ng,short,long)")
    parser.add_argument("--n-docs", type=int, default=20000,
                        help="documents of each generated corpus (default 20000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per variant; the median is shown")
    parser.add_argument("--cache-dir", default="/tmp/textwash_bench", help="where corpora and outputs go")
    parser.add_argument("--also", action="append", default=[], metavar="ARGS",
                        help='also run textwash with these extra run arguments, e.g. '
                             '--also "--set normalize.fast_path=false" (repeatable, one row each)')
    parser.add_argument("--workers", action="store_true",
                        help="also run textwash with multi_processing, 2 and 1 workers")
    parser.add_argument("--stages", action="store_true", help="also time each stage function")
    parser.add_argument("--stage-docs", type=int, default=3000, help="documents for --stages")
    args = parser.parse_args(argv)

    from pipeline.config import load_settings
    settings = load_settings()
    corpora = resolve_corpora(args.corpora, args.n_docs, args.cache_dir)
    print(f"machine: {machine()}")
    startup_cpu = startup(args.runs, args.cache_dir)

    mp = "--direct_running_mode=multi_processing"
    variants = [("textwash, 1 worker (in-process)", [])]
    variants += [(f"textwash, {a}", shlex.split(a)) for a in args.also]
    if args.workers:
        variants += [("textwash, 2 workers (multi_processing)", [mp, "--direct_num_workers=2"]),
                     ("textwash, 1 worker (multi_processing)", [mp, "--direct_num_workers=1"])]
    naive_label = "naive: ftfy.fix_text + MinHash.update_batch + MinHashLSH"
    rows, accept, checks, notes, stage_tables = [], [], [], [], []
    for name, label, path in corpora:
        texts = load_texts(path)
        n_docs, size_mb = len(texts), mb(texts)
        if args.stages:
            sample = texts[:args.stage_docs]
            stage_tables.append((name, len(sample), mb(sample), *stage_costs(sample, settings)))
        del texts
        print(f"{name}: {n_docs} docs, {size_mb:.1f} MB; {args.runs} run(s) of each variant ...",
              file=sys.stderr)
        results = {v: [] for v, _ in variants + [(naive_label, None)]}
        out_root = os.path.join(args.cache_dir, "out", name)
        for _ in range(args.runs):  # interleaved, so drifting load touches every variant alike
            for k, (variant, extra) in enumerate(variants):
                results[variant].append(textwash_child(path, os.path.join(out_root, str(k)), extra))
            results[naive_label].append(naive_child(path, os.path.join(out_root, "naive.jsonl"),
                                                    settings.dedup))
        summary = {v: summarize(r, n_docs, size_mb) for v, r in results.items()}
        tw, naive = summary["textwash, 1 worker (in-process)"], summary[naive_label]
        for variant, s in summary.items():
            ratio = f"{s['docs_cpu'] / naive['docs_cpu']:.2f}x" if variant != naive_label else "1"
            corpus = f"{name}: {label}, {n_docs:,} docs, {size_mb * 1000 / n_docs:.2f} KB"
            rows.append((corpus, variant, s, ratio))
            print(f"  {variant}: {s['cpu']:.1f} CPU-s, {s['wall']:.1f} s wall", file=sys.stderr)
        accept += acceptance(name, tw, naive)
        if tw["cpu"] > 2 * startup_cpu:
            notes.append(f"{name}: textwash without its start-up ({startup_cpu:.1f} CPU-s, the sample "
                         f"run): {n_docs / (tw['cpu'] - startup_cpu):.0f} docs/CPU-s")
        if args.workers:
            two, one_mp = (summary[v] for v, _ in variants[-2:])
            same = len({output_digest(os.path.join(out_root, str(k)))
                        for k in (0, len(variants) - 2, len(variants) - 1)}) == 1
            notes.append(f"{name}: 2 workers / 1 worker (multi_processing) wall "
                         f"{one_mp['wall'] / two['wall']:.2f}x, "
                         f"/ 1 worker in-process {tw['wall'] / two['wall']:.2f}x; outputs "
                         f"{'byte-identical' if same else 'DIFFERENT'}")
            checks.append((f"{name}: outputs 1 worker == 2 workers", same))

    print(f"\n## end to end, median of {args.runs} (CPU = user + sys of the child process tree)\n")
    print("| corpus | variant | docs/CPU-s | MB/CPU-s | vs naive (docs/CPU-s) | CPU s | wall s | "
          "peak RSS MB | RSS MB per 100k docs |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for corpus, variant, s, ratio in rows:
        print(f"| {corpus} | {variant} | {s['docs_cpu']:.0f} | {s['mb_cpu']:.2f} | {ratio} | "
              f"{s['cpu']:.1f} | {s['wall']:.1f} | {s['rss']:.0f} | {s['rss_100k']:.0f} |")
    print()
    for note in notes:
        print(note)
    for name, n, sample_mb, stage_rows, stage_checks in stage_tables:
        print(f"\n## per-stage cost, {name} ({n} docs, {sample_mb:.1f} MB, one core, in-process)\n")
        print("| stage | seconds | MB/s | note |\n|---|---:|---:|---|")
        for stage, secs, note in stage_rows:
            print(f"| {stage} | {secs:.2f} | {sample_mb / secs:.1f} | {note} |")
        total = sum(secs for _, secs, _ in stage_rows)
        print(f"| **all stage functions** | {total:.2f} | {sample_mb / total:.1f} | the ceiling of "
              "end to end on one core: text work alone, no reading, no Beam |")
        checks += [(f"{name}: {check} (identical)", ok) for check, ok in stage_checks.items()]
    print("\nacceptance (issue 21), then same-output checks:")
    for text, ok in accept + checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    print(f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
