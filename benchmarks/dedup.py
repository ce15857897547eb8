"""Near-duplicate quality benchmark: the real pipeline on ../shared/data/dedup/<corpus>, scored.

For each corpus (default: 20ng and bbc) the CLI runs twice:

* ``normalize-only``: junk rules, line heuristics, document ratios and corpus boilerplate off,
  ``filter.min_words=0``: the text reaches dedup as given (only ftfy/whitespace normalization),
  which is what the gold (exact all-pairs Jaccard of word 5-grams of the input) was computed on,
  so this row measures the dedup stage alone;
* ``default``: the default preset (junk stripping changes the texts, so the gold is only
  approximately right for it).

Each output directory is scored with ``../shared/eval/score_dedup.py --threshold T`` and a
table of pair P / R / F1, the datasketch MinHashLSH baseline and the wall time is printed.

    .venv/bin/python benchmarks/dedup.py [--corpus 20ng --corpus bbc] [--threshold 0.8] [--keep DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
sys.path.insert(0, REPO)


def normalize_only_overrides():
    """``--set`` overrides that switch off every junk-stripping step and the word filter.

    Every mapping under ``junk`` with an ``enabled`` key is switched off, so steps added later
    are covered too.
    """
    from pipeline.config import load_config
    junk = load_config()["junk"]
    sets = ["junk.rules=[]", "filter.min_words=0"]
    sets += [f"junk.{key}.enabled=false" for key, value in junk.items()
             if isinstance(value, dict) and "enabled" in value]
    return sets


def run_pipeline(corpus_dir, out_dir, overrides, extra):
    """Run ``textwash run`` on the corpus into ``out_dir``; return wall seconds."""
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--input", os.path.join(corpus_dir, "input.jsonl.gz"),
           "--output", out_dir, "--overwrite", "--quiet"]
    for item in list(overrides) + list(extra):
        cmd += ["--set", item]
    started = time.time()
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.time() - started


def score(corpus_dir, out_dir, threshold):
    """Scores of one output dir: {'pred': {...}, 'baseline': {...}} (pair P/R/F1)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        subprocess.run([sys.executable, os.path.join(SHARED, "eval", "score_dedup.py"), "--gold", corpus_dir,
                        "--pred", out_dir, "--threshold", str(threshold), "--json", tmp.name],
                       check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(tmp.name))
    return data


def main(argv=None):
    """Run and score every corpus/setting; print a markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", help="corpus under ../shared/data/dedup (repeatable)")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--setting", action="append", choices=("normalize-only", "default"))
    ap.add_argument("--keep", help="keep output dirs under this directory")
    ap.add_argument("--set", dest="extra", action="append", default=[], help="extra --set for every run")
    args = ap.parse_args(argv)
    if not os.path.isdir(os.path.join(SHARED, "data", "dedup")):
        print(f"benchmarks/dedup.py: {SHARED}/data/dedup not found", file=sys.stderr)
        return 2
    corpora = args.corpus or ["20ng", "bbc"]
    settings = args.setting or ["normalize-only", "default"]
    extra = list(args.extra) + [f"dedup.threshold={args.threshold}"]
    base = args.keep or tempfile.mkdtemp(prefix="dedup-bench-")
    rows = []
    for corpus in corpora:
        corpus_dir = os.path.join(SHARED, "data", "dedup", corpus)
        for setting in settings:
            out = os.path.join(base, f"{corpus}-{setting}")
            overrides = normalize_only_overrides() if setting == "normalize-only" else []
            secs = run_pipeline(corpus_dir, out, overrides, extra)
            data = score(corpus_dir, out, args.threshold)
            stats = json.load(open(os.path.join(out, "stats.json")))
            rows.append((corpus, setting, data, secs, stats.get("dedup", {})))
            print(f"{corpus} {setting}: {json.dumps(_summary(data))} {secs:.0f}s", file=sys.stderr, flush=True)
    print(f"\n| corpus | setting | pair F1 | P | R | ARI | datasketch MinHashLSH F1 (P / R) | "
          f"verified pairs | largest cluster | wall s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for corpus, setting, data, secs, dstats in rows:
        s = _summary(data)
        b = s.get("baseline") or {}
        largest = max((c["size"] for c in dstats.get("largest_clusters", [])), default=1)
        print(f"| {corpus} | {setting} | {s['f1']:.3f} | {s['p']:.3f} | {s['r']:.3f} | {s['ari']:.3f} | "
              f"{b.get('f1', float('nan')):.3f} ({b.get('p', float('nan')):.3f} / {b.get('r', float('nan')):.3f}) | "
              f"{dstats.get('verified_pairs', 0)} | {largest} | {secs:.0f} |")
    print(f"\nthreshold {args.threshold}, outputs in {base}")
    return 0


def _summary(data):
    """{'f1','p','r','ari','baseline':{'f1','p','r'}} from a score_dedup --json payload."""
    pred, ref = data["pred"], data.get("minhashlsh") or {}
    return {"f1": pred["F1"], "p": pred["P"], "r": pred["R"], "ari": pred["ARI"],
            "baseline": {"f1": ref.get("F1", float("nan")), "p": ref.get("P", float("nan")),
                         "r": ref.get("R", float("nan"))}}


if __name__ == "__main__":
    sys.exit(main())
