"""Peak memory of the dedup stage for growing corpora (generated with ../shared/tools/gen_corpus.py).

For each size (default 20,000 and 100,000 documents) a fresh process runs a Beam job made of
only: read JSONL -> ``Deduplicate`` (default ``dedup`` config) -> count kept / duplicates, on
the in-process FnApiRunner. The parent reads the child's peak RSS (``wait4``) and prints it
with the wall time and the RSS per document, so you can check that memory grows no faster
than the data (on the in-process runner every PCollection is buffered in that one process, so
linear growth is the expected shape; on Dataflow the same graph spreads over workers, and no
step keeps a corpus-sized structure: LSH buckets, pairs, components and clusters all go
through GroupByKey / CombinePerKey).

    .venv/bin/python benchmarks/dedup_memory.py [--sizes 20000 100000] [--workdir /tmp/textwash-mem]
"""
import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.abspath(os.path.join(REPO, "..", "shared", "tools", "gen_corpus.py"))


def child(path, out_path):
    """Run read -> Deduplicate -> counts on ``path``; write the counts as JSON to ``out_path``."""
    sys.path.insert(0, REPO)
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from pipeline.config import load_settings
    from transforms.dedup import Deduplicate

    def to_doc(line):
        rec = json.loads(line)
        return {"id": str(rec["id"]), "text": rec["text"], "source": "bench", "meta": {}}

    def save(counts):
        with open(out_path, "w") as handle:
            json.dump(dict(counts), handle)

    with beam.Pipeline(runner=FnApiRunner()) as p:
        docs = p | beam.io.ReadFromText(path) | beam.Map(to_doc)
        kept, dups, _ = docs | Deduplicate(load_settings().dedup)
        counts = ((kept | "K" >> beam.Map(lambda _: ("kept", 1)),
                   dups | "D" >> beam.Map(lambda _: ("duplicates", 1)))
                  | beam.Flatten() | beam.CombinePerKey(sum) | beam.combiners.ToList())
        counts | beam.Map(save)


def measure(path, workdir):
    """Run the child on ``path``; return (peak RSS bytes, wall seconds, counts)."""
    out_path = os.path.join(workdir, "counts.json")
    started = time.time()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", path, out_path], cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"dedup job failed on {path} (status {status})")
    rss = usage.ru_maxrss * 1024  # kilobytes on Linux
    return rss, time.time() - started, json.load(open(out_path))


def main(argv=None):
    """Generate the corpora if needed, measure each, print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--workdir", default="/tmp/textwash-mem")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    os.makedirs(args.workdir, exist_ok=True)
    rows = []
    for n in args.sizes:
        path = os.path.join(args.workdir, f"corpus-{n}.jsonl")
        if not os.path.exists(path):
            subprocess.run([sys.executable, GEN, "--n-docs", str(n), "--out", path,
                            "--truth", path + ".truth"], check=True, stdout=subprocess.DEVNULL)
        rss, secs, counts = measure(path, args.workdir)
        mb = os.path.getsize(path) / 1e6
        rows.append((n, mb, rss, secs, counts))
        print(f"{n} docs: peak RSS {rss / 1e6:.0f} MB, {secs:.0f}s, {counts}", file=sys.stderr, flush=True)
    print("\n| docs | input MB | peak RSS MB | RSS / input | wall s | docs/s | kept | duplicates |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, mb, rss, secs, counts in rows:
        print(f"| {n:,} | {mb:.0f} | {rss / 1e6:.0f} | {rss / 1e6 / mb:.2f} | {secs:.0f} | {n / secs:.0f} | "
              f"{counts.get('kept', 0):,} | {counts.get('duplicates', 0):,} |")
    if len(rows) >= 2:
        (n0, mb0, r0, _, _), (n1, mb1, r1, _, _) = rows[0], rows[-1]
        print(f"\ndata grew x{n1 / n0:.1f} ({mb1 / mb0:.1f}x bytes), peak RSS grew x{r1 / r0:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
