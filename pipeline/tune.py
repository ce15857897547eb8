"""``textwash tune --input SAMPLE``: what each dedup threshold from 0.5 to 0.95 would do on a sample.

The sample (at most ``--limit`` documents, read on the launcher: this is a sampling tool,
not a pipeline) is cleaned exactly as the pipeline does (normalize, junk rules and heuristics, document
ratios, filter: :class:`transforms.clean.DocumentCleaner`; corpus boilerplate is not applied),
exact copies are grouped, and the remaining texts are signed with the project's MinHash
(``transforms.minhash``) and paired through LSH bands tuned for the lowest threshold. For
each threshold the command prints the near pairs at or above it, the clusters (connected
components, exact copies included) and the documents that would be dropped as duplicates,
plus a few example pairs whose similarity lies just above that threshold, with the place
where they differ, so a threshold can be picked by looking.
"""
import contextlib
import difflib
import hashlib

import numpy as np
import regex

from pipeline.config import ConfigError, add_config_arguments, load_config
from transforms.clean import DocumentCleaner
from transforms.minhash import Signer, lsh_params, shingles
from transforms.read import list_inputs, open_input, read_jsonl_file, read_text_file

THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
STEP = 0.05


def read_sample(patterns, input_cfg, limit):
    """``(docs, unreadable)``: up to ``limit`` documents (dicts) from the input patterns, and the
    rejected records of what could not be read (skipped here, as the pipeline would reject them)."""
    docs, unreadable = [], []
    for spec in list_inputs(patterns):
        if spec["kind"] is None:
            continue
        reader = read_text_file if spec["kind"] == "text" else read_jsonl_file
        with contextlib.ExitStack() as stack:  # decompressed as the pipeline reads it
            for item in reader(spec, open_input(spec["path"], stack), input_cfg):
                if not isinstance(item, dict):
                    unreadable.append(item.value)
                    continue
                docs.append(item)
                if len(docs) >= limit:
                    return docs, unreadable
    return docs, unreadable


def clean_sample(docs, cfg):
    """``(ids, texts, dropped)``: the docs cleaned and filtered as the pipeline does; dropped = count."""
    clean = DocumentCleaner(cfg)
    ids, texts, dropped = [], [], 0
    for doc in docs:
        text, _, _, rejection = clean(doc["text"])
        if rejection is not None:
            dropped += 1
            continue
        ids.append(doc["id"])
        texts.append(text)
    return ids, texts, dropped


def group_exact(ids, texts):
    """Exact-copy groups: list of index lists (first index = the kept one), in first-seen order."""
    groups = {}
    for i, text in enumerate(texts):
        groups.setdefault(hashlib.sha1(text.encode("utf-8")).hexdigest(), []).append(i)
    return list(groups.values())


def near_pairs(signatures, low):
    """``{(i, j): estimated Jaccard}`` for signature pairs >= ``low`` found through LSH bands.

    Bands are tuned for ``low - 0.1`` so that pairs just above ``low`` are rarely missed.
    """
    sigs = np.stack(signatures)
    bands, rows = lsh_params(max(0.05, low - 0.1), sigs.shape[1])
    pairs = {}
    for b in range(bands):
        buckets = {}
        for i, row in enumerate(sigs[:, b * rows:(b + 1) * rows]):
            buckets.setdefault(row.tobytes(), []).append(i)
        for members in buckets.values():
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    key = (members[x], members[y])
                    if key not in pairs:
                        sim = float(np.count_nonzero(sigs[key[0]] == sigs[key[1]])) / sigs.shape[1]
                        if sim >= low:
                            pairs[key] = sim
    return pairs


def clusters_at(n, pairs, threshold, weights):
    """Clusters (components with > 1 document, weighted by copies) of the pairs >= ``threshold``.

    Returns ``(clusters, duplicates)``: number of clusters of total weight > 1 and the number
    of documents that would be dropped (total weight minus one per cluster).

    >>> clusters_at(3, {(0, 1): 0.9}, 0.8, [1, 1, 2])
    (2, 2)
    """
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (i, j), sim in pairs.items():
        if sim >= threshold:
            parent[find(i)] = find(j)
    size = {}
    for i in range(n):
        root = find(i)
        size[root] = size.get(root, 0) + weights[i]
    big = [s for s in size.values() if s > 1]
    return len(big), sum(s - 1 for s in big)


def where_they_differ(a, b, context=6, limit=160):
    """A short ``(a_part, b_part)`` excerpt around the first place two texts differ."""
    ta, tb = regex.findall(r"\S+", a), regex.findall(r"\S+", b)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if op != "equal":
            pa = " ".join(ta[max(0, i1 - context):i1] + ["[", *ta[i1:i2], "]"] + ta[i2:i2 + context])
            pb = " ".join(tb[max(0, j1 - context):j1] + ["[", *tb[j1:j2], "]"] + tb[j2:j2 + context])
            return pa[:limit], pb[:limit]
    return a[:limit], b[:limit]


def tune(patterns, cfg, limit=5000, examples=2):
    """The tune table and examples for a sample (str)."""
    docs, unreadable = read_sample(patterns, cfg["input"], limit)
    ids, texts, dropped = clean_sample(docs, cfg)
    d = cfg["dedup"]
    groups = group_exact(ids, texts)
    exact_dups = sum(len(g) - 1 for g in groups)
    reps = [g[0] for g in groups]
    weights = [len(g) for g in groups]
    signer = Signer.from_config(d)
    sigs = [signer.signature(shingles(texts[i], d["ngram"])) for i in reps]
    pairs = near_pairs(sigs, THRESHOLDS[0]) if len(sigs) > 1 else {}
    lines = [f"unreadable: {len(unreadable)} record(s) skipped, first: "
             f"{unreadable[0]['reason']}: {unreadable[0]['detail']}"] if unreadable else []
    lines += [f"sample: {len(docs)} document(s) read (limit {limit}), {dropped} rejected by cleaning/filter, "
             f"{len(texts)} compared; {exact_dups} exact cop(ies) in {sum(1 for g in groups if len(g) > 1)} "
             f"group(s) (dropped at every threshold)",
             f"similarity: MinHash estimate of {d['ngram']}-word shingle Jaccard, {d['num_perm']} perm "
             f"(current dedup.threshold = {d['threshold']})", "",
             f"{'threshold':>9}  {'near pairs':>10}  {'clusters':>8}  {'duplicates':>10}  {'kept':>6}"]
    for t in THRESHOLDS:
        n_pairs = sum(1 for s in pairs.values() if s >= t)
        n_clusters, dups = clusters_at(len(reps), pairs, t, weights)
        mark = "  <- current" if abs(t - d["threshold"]) < 1e-9 else ""
        lines.append(f"{t:>9.2f}  {n_pairs:>10}  {n_clusters:>8}  {dups:>10}  {len(texts) - dups:>6}{mark}")
    lines += ["", f"example pairs just above each threshold (similarity in [t, t+{STEP})):"]
    for t in THRESHOLDS:
        near = sorted(((s, i, j) for (i, j), s in pairs.items() if t <= s < t + STEP - 1e-9),
                      key=lambda x: (x[0], ids[reps[x[1]]], ids[reps[x[2]]]))
        lines.append(f"  {t:.2f}: {len(near)} pair(s)")
        for s, i, j in near[:examples]:
            a, b = reps[i], reps[j]
            pa, pb = where_they_differ(texts[a], texts[b])
            lines.append(f"    {s:.3f}  {ids[a]}  vs  {ids[b]}")
            lines.append(f"           a: {pa}")
            lines.append(f"           b: {pb}")
    return "\n".join(lines) + "\n"


def add_parser(sub):
    """Register the ``tune`` subcommand on an argparse subparsers object."""
    p = sub.add_parser("tune", help="show pairs and clusters per dedup threshold (0.5-0.95) on a sample",
                       description="On a sample of the input, show how many near-duplicate pairs and "
                                   "clusters each threshold from 0.5 to 0.95 would give, with example "
                                   "pairs near each threshold.")
    p.add_argument("--input", action="append", required=True, metavar="PATTERN",
                   help="sample file, glob or directory (repeatable), same formats as run")
    add_config_arguments(p, set_example="dedup.ngram=3")
    p.add_argument("--limit", type=int, default=5000, metavar="N",
                   help="read at most N documents of the sample (default 5000)")
    p.add_argument("--examples", type=int, default=2, metavar="K",
                   help="example pairs shown per threshold (default 2)")
    return p


def command(args):
    """Run ``textwash tune``; returns 0."""
    if args.limit < 2 or args.examples < 0:
        raise ConfigError("--limit must be >= 2 and --examples >= 0")
    cfg = load_config(args.config, args.preset, args.overrides)
    print(tune(args.input, cfg, args.limit, args.examples), end="")
    return 0
