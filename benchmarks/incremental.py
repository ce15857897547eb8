"""Incremental runs benchmark: a corpus processed in parts, each ``--against`` the earlier parts.

Part 1 (acceptance, ``docs/incremental.md``): 20 Newsgroups (``../shared/data/dedup/20ng``,
19,997 posts) split in ``--parts`` contiguous parts of its input order (which is id order),
each part run in order with ``--against`` every earlier part, all with ``--set
junk.boilerplate.enabled=false`` (corpus boilerplate depends on which documents a run sees);
one run over the same part files is the reference. For each variant it prints whether the kept
id sets are equal, the size of the difference and why (each differing id is classified), that
every duplicate points at a kept document of an earlier part (``prior_run`` = that part's
index) or of its own part, the index size per document and the wall time, CPU time and peak RSS
of every run (each run is its own process: ``os.wait4`` gives its own ``ru_maxrss``).

Variants: ``longest`` (the default representative), ``estimate`` (same, but the indexes hold no
fingerprints: pairs with earlier parts are checked by the MinHash estimate), ``smallest_id``
(the representative policy under which "published first" and the one-run choice agree when the
parts are in id order), ``boilerplate`` (the default config: corpus boilerplate on, so each part
counts its repeated lines over its own documents only).

Part 2 (``--large``): the time to check new documents against a large index: a corpus from
``../shared/tools/gen_corpus.py`` (``--large-corpus``, JSONL; its first ``--large-index``
documents make the index, the next ``--large-new`` are the new run), the new run timed alone
and ``--against`` the index.

    .venv/bin/python benchmarks/incremental.py [--parts 4] [--variant longest ...] [--keep DIR]
    .venv/bin/python benchmarks/incremental.py --no-parts --large --large-corpus /tmp/c.jsonl
"""
import argparse
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
NG20 = os.path.join(SHARED, "data", "dedup", "20ng", "input.jsonl.gz")
BASE_SETS = ["junk.boilerplate.enabled=false"]
VARIANTS = {"longest": [], "estimate": ["dedup.index_fingerprints=false"],
            "smallest_id": ["dedup.representative=smallest_id"],
            "boilerplate": ["junk.boilerplate.enabled=true"]}  # later --set wins: the default config


REUSE = False  # --reuse: an output directory with _SUCCESS and its figures is not run again


def run(inputs, out, sets, against=()):
    """One ``textwash run`` in its own process: {'wall_s', 'cpu_s', 'rss_mb', 'stats'} (also
    saved next to the output as ``<out>.run.json``)."""
    figures = out.rstrip("/") + ".run.json"
    if REUSE and os.path.exists(os.path.join(out, "_SUCCESS")) and os.path.exists(figures):
        saved = json.load(open(figures))
        if saved.get("cmd") == [inputs, sets, list(against)]:
            return dict(saved, stats=json.load(open(os.path.join(out, "stats.json"))))
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--output", out, "--overwrite", "--quiet"]
    for path in inputs:
        cmd += ["--input", path]
    for item in sets:
        cmd += ["--set", item]
    for path in against:
        cmd += ["--against", path]
    env = dict(os.environ, PYTHONPATH=REPO)
    started = time.time()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.time() - started
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"run failed: {' '.join(cmd)}\n{err}")
    result = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
              "cmd": [inputs, sets, list(against)]}
    with open(figures, "w") as handle:
        json.dump(result, handle)
    return dict(result, stats=json.load(open(os.path.join(out, "stats.json"))))


def records(out, kind):
    """{id: record} of one output kind."""
    result = {}
    for path in sorted(glob.glob(os.path.join(out, f"{kind}-*.jsonl*"))):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                result[record["id"]] = record
    return result


def index_meta(out):
    return json.load(open(os.path.join(out, "index", "_meta.json")))


def split_parts(corpus, parts, work):
    """Write ``parts`` contiguous JSONL parts of ``corpus``; return their paths and the part of each id."""
    opener = gzip.open if corpus.endswith(".gz") else open
    with opener(corpus, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    size = -(-len(lines) // parts)
    paths, part_of = [], {}
    for k in range(parts):
        chunk = lines[k * size:(k + 1) * size]
        path = os.path.join(work, f"part-{k + 1}.jsonl")
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(chunk)
        for line in chunk:
            part_of[json.loads(line)["id"]] = k
        paths.append(path)
    return paths, part_of


def classify(single_out, part_outs, part_of):
    """Compare the union of the parts' outputs with one run: kept-set difference, classified."""
    one_kept, one_dup = records(single_out, "clean"), records(single_out, "duplicates")
    inc_kept, inc_dup = {}, {}
    for out in part_outs:
        inc_kept.update(records(out, "clean"))
        inc_dup.update(records(out, "duplicates"))
    only_one = sorted(set(one_kept) - set(inc_kept))      # kept by one run, duplicate in parts
    only_inc = sorted(set(inc_kept) - set(one_kept))      # kept in parts, duplicate in one run
    reasons = {}

    def texts_differ(*ids):
        texts = [((one_kept.get(i) or one_dup.get(i) or {}).get("text"),
                  (inc_kept.get(i) or inc_dup.get(i) or {}).get("text")) for i in ids]
        return any(a != b for a, b in texts)

    def why(doc_id):
        if doc_id not in one_dup and doc_id not in one_kept:
            return "rejected by one run (its cleaned text differs: corpus boilerplate)"
        if doc_id not in inc_dup and doc_id not in inc_kept:
            return "rejected in its part (its cleaned text differs: corpus boilerplate)"
        rep = (inc_dup if doc_id in only_one else one_dup)[doc_id]["duplicate_of"]
        if texts_differ(doc_id, rep):
            return "cleaned text of the doc or its representative differs (corpus boilerplate counted per part)"
        if doc_id in only_one:
            rec = inc_dup[doc_id]
            rep = rec["duplicate_of"]
            if part_of[rep] < part_of[doc_id] and one_dup.get(rep, {}).get("duplicate_of") == doc_id:
                return "first published kept (one run: the later, longer copy)"
            if rep in one_kept and rec.get("matched") == rep:
                return (f"pair accepted by the parts (similarity {rec['matched_similarity']}) that one run's "
                        "exact check rejected")
            return "other"
        rec = one_dup[doc_id]
        rep = rec["duplicate_of"]
        if part_of[rep] > part_of[doc_id] and inc_dup.get(rep, {}).get("duplicate_of") == doc_id:
            return "first published kept (one run: the later, longer copy)"
        if rep not in inc_kept:
            return "one run's representative is itself a duplicate in the parts (chain through a removed doc)"
        if rec.get("matched") == rep or (rep in inc_kept and rec.get("matched") in inc_kept):
            return (f"pair verified by one run (exact Jaccard {rec['matched_similarity']}) that the parts "
                    "did not accept")
        return "other"
    for doc_id in only_one + only_inc:
        key = ("kept by one run only: " if doc_id in only_one else "kept by the parts only: ") + why(doc_id)
        reasons.setdefault(key, []).append(doc_id)
    # every duplicate of a part points at a kept doc of an earlier part (prior_run) or of its own part
    bad = []
    part_index = {k: os.path.join(out, "index") for k, out in enumerate(part_outs)}
    for k, out in enumerate(part_outs):
        kept_here = records(out, "clean")
        for doc_id, rec in records(out, "duplicates").items():
            rep = rec["duplicate_of"]
            if "prior_run" in rec:
                ok = part_of.get(rep, k) < k and rec["prior_run"] == part_index[part_of[rep]] \
                    and rep in inc_kept
            else:
                ok = rep in kept_here
            if not ok:
                bad.append(doc_id)
    one_text = {i: r["text"] for recs in (one_kept, one_dup) for i, r in recs.items()}
    changed = sum(1 for recs in (inc_kept, inc_dup) for i, r in recs.items()
                  if i in one_text and one_text[i] != r["text"])
    return {"one_kept": len(one_kept), "parts_kept": len(inc_kept), "equal": not only_one and not only_inc,
            "texts_differ": changed,
            "only_one": len(only_one), "only_parts": len(only_inc),
            "reasons": {key: (len(ids), ids[:3]) for key, ids in sorted(reasons.items())},
            "bad_pointers": bad[:5], "bad_pointer_count": len(bad),
            "prior_duplicates": sum(1 for r in inc_dup.values() if "prior_run" in r),
            "duplicates": (len(one_dup), len(inc_dup))}


def parts_benchmark(args, work):
    paths, part_of = split_parts(args.corpus, args.parts, work)
    print(f"## {os.path.basename(os.path.dirname(args.corpus))}: {len(part_of)} docs in {args.parts} parts "
          f"({', '.join(str(sum(1 for v in part_of.values() if v == k)) for k in range(args.parts))})\n")
    singles = {}
    for variant in args.variant:
        sets = BASE_SETS + VARIANTS[variant] + args.set
        single_sets = BASE_SETS + (VARIANTS[variant] if variant != "estimate" else []) + args.set
        single_key = tuple(single_sets)
        if single_key not in singles:
            out = os.path.join(work, f"one-{variant}")
            singles[single_key] = (out, run(paths, out, single_sets))
            print(f"one run ({variant}): {_fmt(singles[single_key][1])}", file=sys.stderr, flush=True)
        single_out, single = singles[single_key]
        part_outs, part_runs = [], []
        for k, path in enumerate(paths):
            out = os.path.join(work, f"{variant}-part-{k + 1}")
            part_runs.append(run([path], out, sets, against=part_outs))
            part_outs.append(out)
            print(f"{variant} part {k + 1}: {_fmt(part_runs[-1])}", file=sys.stderr, flush=True)
        result = classify(single_out, part_outs, part_of)
        metas = [index_meta(out) for out in part_outs]
        docs, size = sum(m["docs"] for m in metas), sum(m["bytes"] for m in metas)
        print(f"### variant `{variant}` (--set {' '.join(sets)})\n")
        print(f"- kept: one run {result['one_kept']}, parts {result['parts_kept']}; "
              f"**kept sets equal: {result['equal']}** (kept by one run only {result['only_one']}, "
              f"by the parts only {result['only_parts']})")
        for key, (n, sample) in result["reasons"].items():
            print(f"  - {key}: {n} (e.g. {', '.join(sample)})")
        print(f"- cleaned texts that differ between one run and the parts: {result['texts_differ']}")
        print(f"- duplicates: one run {result['duplicates'][0]}, parts {result['duplicates'][1]} "
              f"({result['prior_duplicates']} of them of an earlier part's doc, with prior_run)")
        print(f"- duplicates pointing at a kept doc of an earlier part or of their own part: "
              f"{'all' if not result['bad_pointer_count'] else 'NOT all: ' + str(result['bad_pointers'])}")
        print(f"- index: {docs} docs, {size / 1e6:.1f} MB, **{size / max(docs, 1):.0f} bytes/doc** "
              f"(fingerprints: {metas[0]['fingerprints']})")
        print("\n| run | docs read | wall s | CPU s | peak RSS MB |\n|---|---:|---:|---:|---:|")
        print(f"| one run | {single['stats']['counts']['read']} | {single['wall_s']:.0f} | "
              f"{single['cpu_s']:.0f} | {single['rss_mb']:.0f} |")
        for k, r in enumerate(part_runs):
            print(f"| part {k + 1} (against {k}) | {r['stats']['counts']['read']} | {r['wall_s']:.0f} | "
                  f"{r['cpu_s']:.0f} | {r['rss_mb']:.0f} |")
        print(f"| parts total / max RSS | | {sum(r['wall_s'] for r in part_runs):.0f} | "
              f"{sum(r['cpu_s'] for r in part_runs):.0f} | {max(r['rss_mb'] for r in part_runs):.0f} |\n")


def large_benchmark(args, work):
    corpus = args.large_corpus
    with open(corpus, encoding="utf-8") as handle:
        head = [next(handle) for _ in range(args.large_index + args.large_new)]
    old_path, new_path = os.path.join(work, "large-old.jsonl"), os.path.join(work, "large-new.jsonl")
    with open(old_path, "w", encoding="utf-8") as handle:
        handle.writelines(head[:args.large_index])
    with open(new_path, "w", encoding="utf-8") as handle:
        handle.writelines(head[args.large_index:])
    sets = BASE_SETS + args.set
    old = run([old_path], os.path.join(work, "large-old"), sets)
    print(f"index run: {_fmt(old)}", file=sys.stderr, flush=True)
    meta = index_meta(os.path.join(work, "large-old"))
    alone = run([new_path], os.path.join(work, "large-new-alone"), sets)
    print(f"new alone: {_fmt(alone)}", file=sys.stderr, flush=True)
    against = run([new_path], os.path.join(work, "large-new-against"), sets,
                  against=[os.path.join(work, "large-old")])
    print(f"new against: {_fmt(against)}", file=sys.stderr, flush=True)
    d = against["stats"]["dedup"]
    print(f"## {args.large_new} new documents against an index of {meta['docs']} "
          f"({args.large_index} read; {meta['bytes'] / 1e6:.0f} MB, {meta['bytes'] / meta['docs']:.0f} bytes/doc, "
          f"{meta['shards']} shards)\n")
    print("| run | wall s | CPU s | peak RSS MB | duplicates (of prior) |\n|---|---:|---:|---:|---:|")
    print(f"| index run ({args.large_index} docs) | {old['wall_s']:.0f} | {old['cpu_s']:.0f} | {old['rss_mb']:.0f} | "
          f"{old['stats']['counts']['duplicates']} |")
    print(f"| new docs alone | {alone['wall_s']:.0f} | {alone['cpu_s']:.0f} | {alone['rss_mb']:.0f} | "
          f"{alone['stats']['counts']['duplicates']} |")
    print(f"| new docs --against the index | {against['wall_s']:.0f} | {against['cpu_s']:.0f} | "
          f"{against['rss_mb']:.0f} | {against['stats']['counts']['duplicates']} ({d.get('prior_duplicates', 0)}) |")
    print(f"\nchecking against the index costs {against['wall_s'] - alone['wall_s']:+.0f} s wall, "
          f"{against['cpu_s'] - alone['cpu_s']:+.0f} s CPU, {against['rss_mb'] - alone['rss_mb']:+.0f} MB peak RSS; "
          f"candidate pairs {d.get('candidate_pairs')}, verified {d.get('verified_pairs')}\n")


def _fmt(r):
    return f"{r['wall_s']:.0f}s wall, {r['cpu_s']:.0f}s CPU, {r['rss_mb']:.0f} MB RSS"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=NG20, help="JSONL(.gz) corpus for the parts benchmark")
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    ap.add_argument("--no-parts", action="store_true", help="skip the parts benchmark")
    ap.add_argument("--large", action="store_true", help="also time new docs against a large index")
    ap.add_argument("--large-corpus", help="gen_corpus.py JSONL with >= large-index + large-new docs")
    ap.add_argument("--large-index", type=int, default=100_000)
    ap.add_argument("--large-new", type=int, default=10_000)
    ap.add_argument("--set", action="append", default=[], help="extra --set for every run")
    ap.add_argument("--keep", help="keep outputs under this directory")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: do not re-run a run whose output and figures are already there")
    args = ap.parse_args(argv)
    global REUSE
    REUSE = args.reuse
    args.variant = args.variant or ["longest", "estimate", "smallest_id", "boilerplate"]
    work = args.keep or tempfile.mkdtemp(prefix="incremental-bench-")
    os.makedirs(work, exist_ok=True)
    if not args.no_parts:
        if not os.path.exists(args.corpus):
            print(f"benchmarks/incremental.py: {args.corpus} not found", file=sys.stderr)
            return 2
        parts_benchmark(args, work)
    if args.large:
        if not args.large_corpus:
            print("benchmarks/incremental.py: --large needs --large-corpus (gen_corpus.py output)", file=sys.stderr)
            return 2
        large_benchmark(args, work)
    print(f"outputs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
