"""Multilingual benchmark row: the real pipeline on ``data/multilingual``, scored per language.

Per language (zh, ja, th, ru, es, de, ar) the corpus holds an article, a near copy with a few
edited characters, the article wrapped in that language's web chrome and a different article
on the same topic (``data/multilingual/make_corpus.py``). Scored here, from the run's outputs:

* ``kept``: documents not rejected (of 4);
* ``lang``: documents whose detected ``lang`` is the truth (of 4);
* pair P / R: same-cluster pairs against the truth (article, near copy and chrome copy belong
  together; the other article belongs with none of them);
* ``chrome``: the chrome copy cleans to exactly the article's clean text (1) or not (0);
* ``last``: documents whose last body sentence is in their clean text (of 4).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/multilingual.py [--keep DIR] [--set KEY=VALUE ...]
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "data", "multilingual")
sys.path.insert(0, REPO)


def _jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score(out_dir):
    import glob
    truth = {r["id"]: r for r in _jsonl(os.path.join(DATA, "truth.jsonl"))}
    records = {}
    for kind in ("clean", "duplicates", "rejected"):
        for path in sorted(glob.glob(os.path.join(out_dir, f"{kind}-*.jsonl"))):
            for rec in _jsonl(path):
                records[rec["id"]] = (kind, rec)
    rows = []
    for lang in sorted({t["lang"] for t in truth.values()}):
        ids = sorted(i for i, t in truth.items() if t["lang"] == lang)
        got = {i: records.get(i, ("missing", {})) for i in ids}
        kept = sum(kind in ("clean", "duplicates") for kind, _ in got.values())
        lang_ok = sum(rec.get("lang") == lang for _, rec in got.values())
        tp = fp = fn = 0
        for a, b in itertools.combinations(ids, 2):
            same_truth = truth[a]["kind"] != "other" and truth[b]["kind"] != "other"
            same_run = got[a][1].get("cluster_id") is not None and got[a][1].get("cluster_id") == got[b][1].get(
                "cluster_id")
            tp += same_truth and same_run
            fp += same_run and not same_truth
            fn += same_truth and not same_run
        chrome = int(got[f"{lang}-chrome"][1].get("text") == got[f"{lang}-orig"][1].get("text"))
        last = sum(truth[i]["last_sentence"] in (got[i][1].get("text") or "") for i in ids)
        rows.append({"lang": lang, "kept": kept, "lang_ok": lang_ok, "tp": tp, "fp": fp, "fn": fn,
                     "chrome": chrome, "last": last, "near_jc5": truth[f"{lang}-near"]["jc5"],
                     "near_j5": truth[f"{lang}-near"]["j5"]})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", help="output directory (default: a temporary one)")
    parser.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    out = args.keep or tempfile.mkdtemp(prefix="multilingual-bench-")
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--input", os.path.join(DATA, "corpus.jsonl"),
           "--output", out, "--overwrite", "--quiet"]
    for item in args.overrides:
        cmd += ["--set", item]
    started = time.time()
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    wall = time.time() - started
    rows = score(out)
    print("| lang | kept | lang ok | pair P | pair R | chrome copy = article | last sentence kept | "
          "near copy jc5 / j5 |")
    print("|---|---|---|---|---|---|---|---|")
    total = {"kept": 0, "lang_ok": 0, "tp": 0, "fp": 0, "fn": 0, "chrome": 0, "last": 0}
    for r in rows:
        for key in total:
            total[key] += r[key]
        p = r["tp"] / (r["tp"] + r["fp"]) if r["tp"] + r["fp"] else 1.0
        rc = r["tp"] / (r["tp"] + r["fn"]) if r["tp"] + r["fn"] else 1.0
        print(f"| {r['lang']} | {r['kept']}/4 | {r['lang_ok']}/4 | {p:.3f} | {rc:.3f} | {r['chrome']} | "
              f"{r['last']}/4 | {r['near_jc5']:.3f} / {r['near_j5']:.3f} |")
    n = len(rows)
    p = total["tp"] / (total["tp"] + total["fp"]) if total["tp"] + total["fp"] else 1.0
    rc = total["tp"] / (total["tp"] + total["fn"]) if total["tp"] + total["fn"] else 1.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    print(f"| ALL | {total['kept']}/{4 * n} | {total['lang_ok']}/{4 * n} | {p:.3f} | {rc:.3f} | "
          f"{total['chrome']}/{n} | {total['last']}/{4 * n} | |")
    print(f"\nmultilingual pair F1 {f1:.3f}; wall {wall:.1f} s; outputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
