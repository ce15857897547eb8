"""``textwash tune --input SAMPLE``: what each dedup threshold from 0.5 to 0.95 would do on a sample.

The sample (at most ``--limit`` documents, read on the launcher: this is a sampling tool,
not a pipeline) is cleaned exactly as the pipeline does (normalize, junk rules and heuristics, document
ratios, corpus boilerplate counted on the sample, filter),
exact copies are grouped, and the remaining texts are signed with the project's MinHash
(``transforms.minhash``) and paired through LSH bands tuned for the lowest threshold. For
each threshold the command prints the near pairs at or above it, the clusters (connected
components, exact copies included) and the documents that would be dropped as duplicates,
plus a few example pairs whose similarity lies just above that threshold, with the place
where they differ, so a threshold can be picked by looking.
"""
import contextlib
import difflib

import regex

from pipeline.config import ConfigError, add_config_arguments, load_settings
from transforms.boilerplate import remove_boilerplate_in_memory
from transforms.clean import DocumentCleaner
from transforms.dedup import rank_key, text_hash
from transforms.minhash import Signer, estimated_jaccard, exact_jaccard, lsh_params
from transforms.inputs import list_inputs, open_input
from transforms.read import read_jsonl_file, read_text_file

THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
STEP = 0.05


def read_sample(patterns, input_settings, limit):
    """``(docs, unreadable)``: up to ``limit`` documents (dicts) from the input patterns, and the
    rejected records of what could not be read (skipped here, as the pipeline would reject them)."""
    docs, unreadable = [], []
    for spec in list_inputs(patterns):
        if spec["kind"] is None:
            continue
        reader = read_text_file if spec["kind"] == "text" else read_jsonl_file
        with contextlib.ExitStack() as stack:  # decompressed as the pipeline reads it
            for item in reader(spec, open_input(spec["path"], stack), input_settings):
                if not isinstance(item, dict):
                    unreadable.append(item.value)
                    continue
                docs.append(item)
                if len(docs) >= limit:
                    return docs, unreadable
    return docs, unreadable


def clean_sample(docs, settings):
    """``(ids, texts, metas, dropped)``: the docs cleaned and filtered as the pipeline does
    (:class:`transforms.clean.DocumentCleaner`, corpus boilerplate counted on the sample);
    dropped = how many were rejected."""
    clean = DocumentCleaner(settings)
    cleaned = (clean.before_boilerplate(doc) for doc in docs)
    survivors = [doc for doc, rejection in cleaned if rejection is None]
    survivors = remove_boilerplate_in_memory(survivors, clean.settings.boilerplate)
    kept = [doc for doc in survivors if clean.judge(doc) is None]
    return ([d["id"] for d in kept], [d["text"] for d in kept], [d.get("meta", {}) for d in kept],
            len(docs) - len(kept))


def group_exact(docs):
    """Exact-copy groups of the cleaned ``docs``: lists of indices, the group's representative
    (best :func:`transforms.dedup.rank_key`) first, in first-seen order."""
    groups = {}
    for i, doc in enumerate(docs):
        groups.setdefault(text_hash(doc["text"]), []).append(i)
    return list(groups.values())


def candidate_pairs(sigs, bands, rows, max_bucket_size):
    """The LSH candidate pairs ``{(i, j)}`` (i < j) of the signatures ``sigs`` (None = no words),
    banded as the pipeline bands them (``dedup.lsh_threshold``), an oversized bucket pairing
    each member with its smallest member only."""
    pairs = set()
    for b in range(bands):
        buckets = {}
        for i, sig in enumerate(sigs):
            if sig is not None:
                buckets.setdefault(sig[b * rows:(b + 1) * rows].tobytes(), []).append(i)
        for members in buckets.values():
            heads = 1 if len(members) > max_bucket_size else len(members) - 1
            pairs.update((members[x], members[y]) for x in range(heads) for y in range(x + 1, len(members)))
    return pairs


def pair_similarities(signed, pairs, verify):
    """``{(i, j): similarity}``: the exact Jaccard of the shingle fingerprints (``verify:
    exact``) or the MinHash estimate, as the pipeline verifies a candidate pair."""
    sims = {}
    for i, j in pairs:
        (sig_a, prints_a), (sig_b, prints_b) = signed[i], signed[j]
        sims[(i, j)] = (exact_jaccard(prints_a, prints_b) if verify == "exact"
                        else estimated_jaccard(sig_a, sig_b))
    return sims


def clusters_at(reps, sims, threshold, d):
    """``(clusters, duplicates)`` the pipeline would give at ``threshold``.

    ``reps`` are ``(rank, signature, copies)`` of the exact-copy representatives. Verified
    pairs form connected components; each component's best-ranked member is its head and,
    under ``cluster_policy: representative``, a member whose estimated Jaccard with the head
    is below ``min_rep_similarity`` heads a cluster of its own (as
    :func:`transforms.dedup.assign_members` does). Exact copies always count.

    >>> import numpy as np
    >>> sig = np.zeros(4, dtype=np.uint32)
    >>> clusters_at([((0,), sig, 1), ((1,), sig, 1), ((2,), sig, 2)], {(0, 1): 0.9}, 0.8,
    ...             load_settings().dedup)  # cluster_policy representative, min_rep_similarity 0.5
    (2, 2)
    """
    parent = list(range(len(reps)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (i, j), sim in sims.items():
        if sim >= threshold:
            parent[find(i)] = find(j)
    components = {}
    for i in range(len(reps)):
        components.setdefault(find(i), []).append(i)
    weight = {}
    for members in components.values():
        head = min(members, key=lambda i: reps[i][0])
        for i in members:
            own = (i != head and d.cluster_policy == "representative"
                   and estimated_jaccard(reps[i][1], reps[head][1]) < d.min_rep_similarity)
            key = i if own else head
            weight[key] = weight.get(key, 0) + reps[i][2]
    big = [w for w in weight.values() if w > 1]
    return len(big), sum(w - 1 for w in big)


def where_they_differ(a, b, context=6, limit=160):
    """A short ``(a_part, b_part)`` excerpt around the first place two texts differ."""
    ta, tb = regex.findall(r"\S+", a), regex.findall(r"\S+", b)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if op != "equal":
            pa = " ".join(ta[max(0, i1 - context):i1] + ["[", *ta[i1:i2], "]"] + ta[i2:i2 + context])
            pb = " ".join(tb[max(0, j1 - context):j1] + ["[", *tb[j1:j2], "]"] + tb[j2:j2 + context])
            return pa[:limit], pb[:limit]
    return a[:limit], b[:limit]


def tune(patterns, settings, limit=5000, examples=2):
    """The tune table and examples for a sample (str)."""
    docs, unreadable = read_sample(patterns, settings.input, limit)
    ids, texts, metas, dropped = clean_sample(docs, settings)
    d = settings.dedup
    cleaned = [{"id": i, "text": t, "meta": m} for i, t, m in zip(ids, texts, metas)]
    groups = [sorted(g, key=lambda i: rank_key(cleaned[i], d.representative)) for g in group_exact(cleaned)]
    exact_dups = sum(len(g) - 1 for g in groups)
    signer = Signer.from_settings(d)
    signed = [signer.sign_text(texts[g[0]], d.ngram) or (None, None) for g in groups]
    reps = [(rank_key(cleaned[g[0]], d.representative), sig, len(g)) for g, (sig, _) in zip(groups, signed)]
    bands, rows = lsh_params(d.lsh_threshold, d.num_perm)
    pairs = pair_similarities(signed, candidate_pairs([sig for sig, _ in signed], bands, rows,
                                                      d.max_bucket_size), d.verify)
    pairs = {key: sim for key, sim in pairs.items() if sim >= THRESHOLDS[0]}
    reps_idx = [g[0] for g in groups]
    lines = [f"unreadable: {len(unreadable)} record(s) skipped, first: "
             f"{unreadable[0]['reason']}: {unreadable[0]['detail']}"] if unreadable else []
    lines += [f"sample: {len(docs)} document(s) read (limit {limit}), {dropped} rejected by cleaning/filter, "
             f"{len(texts)} compared; {exact_dups} exact cop(ies) in {sum(1 for g in groups if len(g) > 1)} "
             f"group(s) (dropped at every threshold)",
             f"similarity: {'exact' if d.verify == 'exact' else 'MinHash estimate of'} {d.ngram}-word shingle "
             f"Jaccard of the LSH candidates ({d.num_perm} perm, bands for {d.lsh_threshold}) "
             f"(current dedup.threshold = {d.threshold})", "",
             f"{'threshold':>9}  {'near pairs':>10}  {'clusters':>8}  {'duplicates':>10}  {'kept':>6}"]
    for t in THRESHOLDS:
        n_pairs = sum(1 for s in pairs.values() if s >= t)
        n_clusters, dups = clusters_at(reps, pairs, t, d)
        mark = "  <- current" if abs(t - d.threshold) < 1e-9 else ""
        lines.append(f"{t:>9.2f}  {n_pairs:>10}  {n_clusters:>8}  {dups:>10}  {len(texts) - dups:>6}{mark}")
    lines += ["", f"example pairs just above each threshold (similarity in [t, t+{STEP})):"]
    for t in THRESHOLDS:
        near = sorted(((s, i, j) for (i, j), s in pairs.items() if t <= s < t + STEP - 1e-9),
                      key=lambda x: (x[0], ids[reps_idx[x[1]]], ids[reps_idx[x[2]]]))
        lines.append(f"  {t:.2f}: {len(near)} pair(s)")
        for s, i, j in near[:examples]:
            a, b = reps_idx[i], reps_idx[j]
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
    settings = load_settings(args.config, args.preset, args.overrides)
    print(tune(args.input, settings, args.limit, args.examples), end="")
    return 0
