"""Do-no-harm benchmark: text that is already clean must come out of the cleaner almost unchanged.

Usage: ``.venv/bin/python benchmarks/do_no_harm.py [--preset news|minimal|aggressive]
[--set key=value ...] [--corpora newswire,bbc,...] [--limit N] [--show-removed N]``

Corpora: the hand-written clean sets ``data/clean/<name>.jsonl`` (newswire, press_releases,
lists_recipes, code_articles, poems_lyrics, quoted_statements, tables) and, when ``../shared`` is
next to the repo, ``bbc`` (``../shared/data/dedup/bbc/input.jsonl.gz``, full articles) and ``20ng``
(``../shared/data/dedup/20ng/input.jsonl.gz``, newsgroup post bodies). ``--limit N`` feeds only
the first N documents of each corpus (default: all); ``--keep`` keeps the run outputs.

Each corpus is cleaned ON ITS OWN (corpus boilerplate counts lines across one corpus, as a user
with that corpus would run it) by the REAL pipeline (``pipeline.cli.main`` in-process) with
``output.write_removed=true`` and ``dedup.enabled=false``; ``--preset`` and ``--set`` are passed
through. Words are the scorer's tokens (lowercase NFKC ``\\w+``, ``../shared/eval/score_junk.py``).
Per corpus one markdown row:

* words kept: sum over documents of the bag overlap (with multiplicity) of the output words of a
  kept document with its input words (0 for a rejected one), divided by all input words;
* emptied: rejected with reason ``empty_after_cleaning``; rejected: any other reason, by reason;
* kept docs losing > 20 %: kept documents that lost more than a fifth of their words;
* top rules: the 3 rules that removed most words, from the ``removed-*.jsonl`` audit files.

``--show-removed N`` also prints, per top rule, N removed lines drawn at random (seeded).
Exit status 0 (a benchmark, not a gate; the gates are in tests/test_do_no_harm_corpora.py).
"""
import argparse
import collections
import contextlib
import glob
import gzip
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import unicodedata

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # this checkout's pipeline, as benchmarks/junk.py does
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))
CLEAN_DIR = os.path.join(REPO, "data", "clean")
SHARED_CORPORA = {"bbc": ("data", "dedup", "bbc", "input.jsonl.gz"),
                  "20ng": ("data", "dedup", "20ng", "input.jsonl.gz")}
BIG_LOSS = 0.2
_TOKEN = re.compile(r"\w+")


def tokens(text):
    """The scorer's words: lowercase NFKC ``\\w+`` tokens of ``text``."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def read_jsonl(path):
    """The records of a JSONL or JSONL.gz file, in file order."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def available_corpora():
    """{name: input path} of every corpus found: data/clean/*.jsonl, then bbc and 20ng."""
    found = {os.path.basename(p)[:-len(".jsonl")]: p
             for p in sorted(glob.glob(os.path.join(CLEAN_DIR, "*.jsonl")))}
    for name, parts in SHARED_CORPORA.items():
        path = os.path.join(SHARED, *parts)
        if os.path.exists(path):
            found[name] = path
    return found


def limited_input(path, limit, work):
    """``path`` itself, or a copy of its first ``limit`` records written under ``work``."""
    if not limit:
        return path
    out = os.path.join(work, os.path.basename(path).split(".")[0] + f"-first{limit}.jsonl")
    with open(out, "w", encoding="utf-8") as handle:
        for rec in read_jsonl(path)[:limit]:
            handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def run_pipeline(inputs, out, preset=None, overrides=()):
    """Run ``textwash run`` in-process on ``inputs`` (paths) into ``out``; returns the exit code."""
    from pipeline.cli import main as textwash
    args = ["run", *[a for p in inputs for a in ("--input", p)], "--output", out, "--overwrite", "--quiet",
            "--set", "output.write_removed=true", "--set", "dedup.enabled=false"]
    if preset:
        args += ["--preset", preset]
    with contextlib.redirect_stdout(io.StringIO()):  # the run's summary table: not ours to print
        return textwash(args + [a for o in overrides for a in ("--set", o)])


def measure(inputs, out):
    """Figures of one run: what happened to the documents of ``inputs`` (paths) in ``out``.

    Returns a dict: docs, words_in, words_kept, share (words kept / input words), emptied,
    rejected (Counter by reason), short (Counter by reason of the rejected documents that were
    already empty or short in the input: not harm done by cleaning), big_losses (kept docs
    losing > 20 %), rule_words (Counter of removed words by rule), removed (rule -> [(words,
    line, doc_id)]) and losses ({kept doc_id: share of its words lost}). Output records whose
    id is not in ``inputs`` are ignored, so one run over several corpora can be measured per corpus.
    """
    source = {rec["id"]: tokens(rec["text"]) for path in inputs for rec in read_jsonl(path)}
    clean = read_jsonl_glob(os.path.join(out, "clean-*.jsonl*"))
    rejected = [r for r in read_jsonl_glob(os.path.join(out, "rejected-*.jsonl*")) if r["id"] in source]
    words_kept, losses = 0, {}
    for rec in clean:
        if rec["id"] not in source:
            continue
        given = source[rec["id"]]
        kept = sum((collections.Counter(given) & collections.Counter(tokens(rec["text"]))).values())
        words_kept += kept
        losses[rec["id"]] = 1 - kept / len(given) if given else 0.0
    reasons = collections.Counter(r["reason"] for r in rejected)
    short = collections.Counter(r["reason"] for r in rejected if short_in_input(r, source[r["id"]]))
    removed, rule_words = collections.defaultdict(list), collections.Counter()
    for rec in read_jsonl_glob(os.path.join(out, "removed-*.jsonl*")):
        if rec["doc_id"] in source:
            n = len(tokens(rec["line"]))
            rule_words[rec["rule"]] += n
            removed[rec["rule"]].append((n, rec["line"], rec["doc_id"]))
    words_in = sum(len(t) for t in source.values())
    return {"docs": len(source), "words_in": words_in, "words_kept": words_kept,
            "share": words_kept / words_in if words_in else 1.0,
            "emptied": reasons.pop("empty_after_cleaning", 0), "rejected": reasons, "short": short,
            "big_losses": sum(1 for v in losses.values() if v > BIG_LOSS),
            "rule_words": rule_words, "removed": removed, "losses": losses}


def short_in_input(rejected, words):
    """True when a rejected document failed its test already in the input: it had no words
    (``empty_after_cleaning``) or fewer than the ``filter.min_words`` of its detail (``too_few_words``)."""
    if rejected["reason"] == "empty_after_cleaning":
        return not words
    found = re.search(r"min_words=(\d+)", rejected.get("detail") or "")
    return bool(found) and len(words) < int(found.group(1))


def read_jsonl_glob(pattern):
    """All records of the files matching ``pattern`` (output shards)."""
    return [rec for path in sorted(glob.glob(pattern)) for rec in read_jsonl(path)]


HEADER = ("| corpus | docs | words kept | emptied | rejected (reason) | kept docs losing > 20 % "
          "| top rules by removed words |\n|---|---:|---:|---:|---|---:|---|")


def table_row(name, m):
    """One markdown row of the figures ``m`` of corpus ``name``."""
    def cell(n, reason, label):
        short = m["short"][reason]
        return f"{n}{label}" + (f" ({short} already in input)" if short else "")
    rejected = ", ".join(cell(n, reason, " " + reason) for reason, n in m["rejected"].most_common()) or "0"
    emptied = cell(m["emptied"], "empty_after_cleaning", "")
    rules = ", ".join(f"{rule} {n:,}" for rule, n in m["rule_words"].most_common(3)) or "-"
    return (f"| {name} | {m['docs']:,} | {100 * m['share']:.2f} % | {emptied} | {rejected} "
            f"| {m['big_losses']} | {rules} |")


def sample_removed(m, per_rule, rules=3, seed=0):
    """Text lines: ``per_rule`` removed lines of each top rule, drawn at random (seeded) among
    lines of distinct shapes (digits folded: table rows that differ by numbers only count once),
    printed longest first. Random, not longest: on big corpora the longest are mostly noise."""
    rng = random.Random(seed)
    lines = []
    for rule, n in m["rule_words"].most_common(rules):
        lines.append(f"  {rule} ({n:,} words, {len(m['removed'][rule]):,} lines):")
        shapes = {}
        for row in sorted(m["removed"][rule], key=lambda r: (r[2], r[1])):
            shapes.setdefault(re.sub(r"\d+", "0", row[1].lower()), row)
        picked = rng.sample(sorted(shapes.values()), min(per_rule, len(shapes)))
        for words, line, doc_id in sorted(picked, key=lambda r: (-r[0], r[2])):
            lines.append(f"    [{doc_id}] {line[:160]!r}")
    return lines


def main(argv=None):
    """Run the benchmark on the chosen corpora and print the table; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default=None, help="config preset (default: configs/default.yaml)")
    parser.add_argument("--set", action="append", default=[], dest="overrides",
                        help="extra config override, passed through, e.g. junk.boilerplate.enabled=false")
    parser.add_argument("--corpora", default=None, help="comma-separated names (default: all found)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents of each corpus")
    parser.add_argument("--show-removed", type=int, default=0, metavar="N",
                        help="print N sample removed lines per top rule")
    parser.add_argument("--keep", action="store_true", help="keep the run outputs (default: deleted)")
    args = parser.parse_args(argv)
    corpora = available_corpora()
    names = args.corpora.split(",") if args.corpora else list(corpora)
    missing = [n for n in names if n not in corpora]
    if missing:
        print(f"do_no_harm: corpus not found: {', '.join(missing)} (have: {', '.join(corpora)})",
              file=sys.stderr)
    work = tempfile.mkdtemp(prefix="textwash-dnh-")
    rows, samples = [], []
    for name in (n for n in names if n in corpora):
        path = limited_input(corpora[name], args.limit, work)
        out = os.path.join(work, name)
        if run_pipeline([path], out, args.preset, args.overrides) != 0:
            rows.append(f"| {name} | pipeline failed | | | | | |")
            continue
        m = measure([path], out)
        rows.append(table_row(name, m))
        if args.show_removed:
            samples += [f"{name}:"] + sample_removed(m, args.show_removed)
    overrides = " ".join(f"--set {o}" for o in args.overrides)
    kept = f" (outputs in {work})" if args.keep else ""
    print(f"\npreset {args.preset or 'default'} {overrides}".rstrip() + kept + "\n")
    print(HEADER)
    print("\n".join(rows))
    if samples:
        print("\nsample removed lines (random, seeded; longest first):\n" + "\n".join(samples))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
