"""Chrome signal: share of documents per set that show web chrome (``junk.heuristics.chrome``).

Usage: ``.venv/bin/python benchmarks/chrome_signal.py [--clean-dir DIR] [--preset P] [--set k=v]``

For every document of the four web-page sets (``../shared/data/junk``, ``raw_text``), of the
already-clean corpora ``../shared/data/dedup/{bbc,20ng}`` and of every ``*.jsonl`` in
``--clean-dir`` (hand-written clean corpora, if given) the text is normalized and run through
the regex rules, then the per-document chrome features are computed:

- ``rule``: lines hit by a rule not in ``chrome.ignore_rules``;
- ``punct``: lines hit by the ignored rules (``punctuation_only_line``), for comparison;
- ``hard``: lines hit by policy_line / cookie_banner / lorem_ipsum;
- ``menu>=k``: a run of at least k menu-item lines (:func:`transforms.chrome.is_menu_item`).

Printed: one markdown row per set with the share of documents each candidate signal flags and
``chrome``, the signal of the config (what ``transforms.chrome.shows_chrome`` decides). A
signal separates well when it flags nearly every web page and nearly no clean document.
"""
import argparse
import glob
import gzip
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
WEB = ("cleaneval", "dragnet", "scrapinghub", "cleanportaleval")
MENU_RUNS = (3, 4, 5, 8)


def _read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def corpora(clean_dir):
    """``(name, kind, texts)`` of every set found: web pages, then clean corpora."""
    for name in WEB:
        path = os.path.join(SHARED, "data", "junk", f"{name}.jsonl.gz")
        if os.path.exists(path):
            yield name, "web", [r["raw_text"] for r in _read(path)]
    for name in ("bbc", "20ng"):
        path = os.path.join(SHARED, "data", "dedup", name, "input.jsonl.gz")
        if os.path.exists(path):
            yield name, "clean", [r["text"] for r in _read(path)]
    if clean_dir:
        for path in sorted(glob.glob(os.path.join(clean_dir, "*.jsonl"))):
            yield os.path.basename(path)[:-6], "clean", [r["text"] for r in _read(path)]


def features(text, rules, h):
    """Chrome features of one normalized text (see the module docstring)."""
    from transforms.chrome import hard_chrome_line, longest_menu_run, shows_chrome
    from transforms.rules import apply_rules
    hits, removed = {}, []
    lines = apply_rules(text, rules, hits, removed)
    stripped = [line.strip() for line in lines if line and line.strip()]
    ignored = set(h.chrome.ignore_rules)
    hard = sum(hard_chrome_line(line, line.lower(), len(line.split()), h) for line in stripped)
    return {"rule": sum(n for name, n in hits.items() if name not in ignored),
            "punct": sum(n for name, n in hits.items() if name in ignored),
            "hard": hard, "menu": longest_menu_run(stripped),
            "chrome": shows_chrome(stripped, hits, h)}


def main(argv=None):
    from pipeline.config import load_config
    from transforms.normalize import ftfy_config, normalize_text
    from transforms.rules import JunkRules
    from transforms.settings import junk_settings
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clean-dir", default=None, help="directory of clean *.jsonl corpora (id, text)")
    parser.add_argument("--preset", default=None)
    parser.add_argument("--set", action="append", default=[], dest="overrides")
    args = parser.parse_args(argv)
    cfg = load_config(preset=args.preset, overrides=args.overrides)
    junk = junk_settings(cfg["junk"])
    rules = JunkRules(junk.enabled_rules, junk.regex_timeout_s)
    h = junk.heuristics
    fix, fast = ftfy_config(cfg["normalize"]["ftfy"]), cfg["normalize"]["fast_path"]
    columns = ["rule >= 1", "rule >= 2", "punct >= 1", "hard >= 1", *(f"menu >= {k}" for k in MENU_RUNS),
               "chrome (config)"]
    print(f"| set | kind | docs | {' | '.join(columns)} |")
    print("|---|---|---:|" + "---:|" * len(columns))
    for name, kind, texts in corpora(args.clean_dir):
        rows = [features(normalize_text(t, fix, fast), rules, h) for t in texts]
        tests = [lambda f: f["rule"] >= 1, lambda f: f["rule"] >= 2, lambda f: f["punct"] >= 1,
                 lambda f: f["hard"] >= 1, *((lambda k: lambda f: f["menu"] >= k)(k) for k in MENU_RUNS),
                 lambda f: f["chrome"]]
        shares = [100 * sum(map(test, rows)) / len(rows) for test in tests]
        print(f"| {name} | {kind} | {len(rows):,} | " + " | ".join(f"{s:.1f} %" for s in shares) + " |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
