"""Junk-stripping quality on third-party gold: run the REAL pipeline, score with score_junk.py.

Usage: ``.venv/bin/python benchmarks/junk.py [--preset news|aggressive|minimal] [--sets a,b]``

Each record of ``../shared/data/junk/<set>.jsonl.gz`` is fed with its ``raw_text`` as the
document text (``--set input.text_field=raw_text``), through ``pipeline.cli.main`` with
``filter.min_words=0`` (nothing rejected for length) and ``dedup.enabled=false`` (near-copy
pages must still be scored). Kept documents are written ``{"id","text"}`` and scored with
``../shared/eval/score_junk.py`` (which also prints the keep-everything and C4-like rows), then
once per gold file, so that CleanEval is also scored as one set (dev + final, as issue 3 measures).
Rejected documents (document ratios) are scored as empty output, as the scorer does.
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
sys.path.insert(0, REPO)
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
SETS = ("cleaneval", "dragnet", "scrapinghub", "cleanportaleval")


def main(argv=None):
    """Run the benchmark; returns the scorer's exit status."""
    from pipeline.cli import main as textwash
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="news")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--set", action="append", default=[], dest="overrides",
                        help="extra config override, e.g. junk.boilerplate.enabled=false")
    args = parser.parse_args(argv)
    golds = [os.path.join(SHARED, "data", "junk", f"{name}.jsonl.gz") for name in args.sets.split(",")]
    missing = [g for g in golds if not os.path.exists(g)]
    if missing:
        print(f"benchmark data not found: {missing[0]} (needs ../shared next to the repo)", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="textwash-junk-")
    out = os.path.join(work, "out")
    started = time.time()
    code = textwash(["run", *[a for g in golds for a in ("--input", g)], "--output", out,
                     "--preset", args.preset, "--quiet",
                     "--set", "input.text_field=raw_text", "--set", "filter.min_words=0",
                     "--set", "dedup.enabled=false", "--set", "output.write_removed=false",
                     *[a for o in args.overrides for a in ("--set", o)]])
    elapsed = time.time() - started
    if code != 0:
        return code
    pred = os.path.join(work, "pred.jsonl")
    n = 0
    with open(pred, "w", encoding="utf-8") as handle:
        for path in sorted(glob.glob(os.path.join(out, "clean-*.jsonl*"))):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as shard:
                for line in shard:
                    rec = json.loads(line)
                    handle.write(json.dumps({"id": rec["id"],
                                             "text": rec["text"]}) + "\n")
                    n += 1
    print(f"preset {args.preset}: pipeline {elapsed:.1f}s, {n} kept docs -> {pred}")
    scorer = os.path.join(SHARED, "eval", "score_junk.py")
    code = subprocess.call([sys.executable, scorer, "--gold", *golds, "--pred", pred])
    # acceptance (issue 3) measures each gold FILE as a whole (CleanEval = dev + final): one row per file
    print("\n== per gold file (macro token F1 (P / R); acceptance rows)")
    for gold in golds:
        out = subprocess.run([sys.executable, scorer, "--gold", gold, "--pred", pred, "--no-baselines"],
                             capture_output=True, text=True)
        last = (out.stdout.strip().splitlines() or [""])[-1]
        print(f"{os.path.basename(gold).split('.')[0]:<18}{last}")
    return code


if __name__ == "__main__":
    sys.exit(main())
