"""Deduplicate against earlier runs (``textwash run --against DIR``), inside the Beam graph.

The documents of earlier runs (the rows of their dedup indexes, ``transforms.index``) enter
this run's deduplication as *prior* nodes, in the same groupings as the new documents:

* each index is read with Beam (``ReadFromParquetBatched``: id, text hash, length, signature)
  and its rows join this run's signed documents in the exact-copy grouping (by text hash)
  and, through their signatures, in the LSH band grouping (same bands, rows and partitions);
* a prior node's key is ``"\\x00<k>\\x00<id>"`` (k: position of its index among ``--against``),
  so it never collides with a new id, and its rank ``(0, k, ...)`` beats every new document's
  ``(1, ...)``: a prior document is always the representative of its exact group and of its
  cluster (it was published first; among prior documents the earlier ``--against`` wins, then
  the run's ``representative`` policy);
* buckets pair new documents with each other (as today) and with prior ones, never two prior
  documents (their relation was settled by the runs that wrote them);
* pairs with a prior document are verified like the run's own: with ``verify: exact``, by the
  exact Jaccard of fingerprints fetched from the index only for the candidates
  (:class:`FetchPriorPrints` opens the one shard that holds the id and reads only the row
  groups whose id range holds it); an index without fingerprints is checked by the MinHash
  estimate instead;
* decisions about prior documents are dropped (earlier corpora are never rewritten); a new
  document whose representative is prior gets ``duplicate_of`` = the prior id and
  ``prior_run`` = the index directory.
"""
import bisect
from collections import namedtuple

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems

from transforms.index import index_pattern, index_shard_path

PRIOR_MARK = "\x00"

#: one ``--against`` index: ``label`` (what ``prior_run`` says), its directory, shard count,
#: whether it has fingerprints
PriorIndex = namedtuple("PriorIndex", "label index_dir shards fingerprints docs")


def prior_key(k, doc_id):
    """Node key of document ``doc_id`` of prior index ``k``.

    >>> split_prior(prior_key(2, "a/b"))
    (2, 'a/b')
    """
    return f"{PRIOR_MARK}{k}{PRIOR_MARK}{doc_id}"


def is_prior(node):
    return node.startswith(PRIOR_MARK)


def split_prior(node):
    """(k, id) of a prior node key."""
    _, k, doc_id = node.split(PRIOR_MARK, 2)
    return int(k), doc_id


def new_rank(rank):
    """The rank of a new document when prior documents take part (after every prior one)."""
    return (1,) + tuple(rank)


def prior_rank(k, doc_id, chars, policy):
    """Rank of a prior document: before every new one, earlier index first, then ``policy``
    (``longest`` from the stored length; a ``meta:`` value is not stored: smallest id)."""
    if policy == "longest":
        rest = (-chars, doc_id)
    elif policy == "smallest_id":
        rest = (doc_id,)
    else:
        rest = (1, "", doc_id)
    return (0, k) + rest


def _table_records(table, k, policy):
    """A Parquet record batch of an index -> (hex hash, (node, rank, signature)) per row, the
    element ``dedup.SignDocs`` gives a new document."""
    cols = table.to_pydict()
    for doc_id, digest, chars, sig in zip(cols["id"], cols["hash"], cols["chars"], cols["sig"]):
        yield digest.hex(), (prior_key(k, doc_id), prior_rank(k, doc_id, chars, policy), sig)


class ReadPrior(beam.PTransform):
    """pipeline -> PCollection[(hex hash, (node, rank, signature bytes))] of every row of
    every prior index (all shards, read in parallel by Beam; local or gs:// paths)."""

    def __init__(self, priors, policy):
        super().__init__()
        self.priors, self.policy = priors, policy

    def expand(self, pbegin):
        reads = []
        for k, prior in enumerate(self.priors):
            reads.append(
                pbegin
                | f"ReadIndex{k}" >> beam.io.ReadFromParquetBatched(
                    index_pattern(prior.index_dir, prior.shards), columns=["id", "hash", "chars", "sig"])
                | f"IndexRecords{k}" >> beam.FlatMap(_table_records, k, self.policy))
        return reads[0] if len(reads) == 1 else reads | "AllPrior" >> beam.Flatten()


def prior_bucket_pairs(bucket, max_bucket_size, sig_dtype, threshold):
    """Pairs of one LSH bucket when prior documents take part: ``(a, b)`` (a < b; a prior node
    sorts first) for verification; with members ``(id, signature bytes)`` (``verify:
    estimate``), ``((a, b), estimated Jaccard)`` for the pairs at or above ``threshold``
    instead. Two prior nodes are never paired. An oversized bucket pairs each new member
    with the smallest prior node and the smallest new id only (tagged stat ``oversized_buckets``).

    >>> list(prior_bucket_pairs(("k", ["b", prior_key(0, "x"), prior_key(0, "y"), "a"]), 10, None, 0.8))
    [('\\x000\\x00x', 'a'), ('\\x000\\x00x', 'b'), ('\\x000\\x00y', 'a'), ('\\x000\\x00y', 'b'), ('a', 'b')]
    """
    _, members = bucket
    sigs = None
    if members and not isinstance(members[0], str):
        sigs = dict(members)
        ids = sorted(sigs)
    else:
        ids = sorted(set(members))
    new = [m for m in ids if not is_prior(m)]
    if not new or len(ids) < 2:
        return
    priors = ids[:len(ids) - len(new)]  # prior keys sort first (the mark is "\x00")
    if len(ids) > max_bucket_size:
        yield beam.pvalue.TaggedOutput("stats", {"dedup": {"oversized_buckets": 1}})
        pairs = [(anchor, m) for anchor in priors[:1] + new[:1] for m in new if m != anchor]
    else:
        pairs = [(a, b) for a in priors for b in new]
        pairs += [(a, b) for i, a in enumerate(new) for b in new[i + 1:]]
    if sigs is None:
        yield from pairs
        return
    for a, b in pairs:
        sim = _estimate(sigs[a], sigs[b], sig_dtype)
        if sim >= threshold:
            yield (a, b), sim


def _estimate(sig_a, sig_b, sig_dtype):
    a, b = np.frombuffer(sig_a, dtype=sig_dtype), np.frombuffer(sig_b, dtype=sig_dtype)
    return float(np.count_nonzero(a == b)) / len(a)


def estimated_by_index(pair, estimate_ks):
    """Partition of a candidate pair: 1 when it has a prior node of an index in ``estimate_ks``
    (no fingerprints: checked by the estimate), else 0 (exact verification)."""
    a = pair[0]
    return int(is_prior(a) and split_prior(a)[0] in estimate_ks)


def _pair_estimate(pair_sigs, threshold, sig_dtype):
    pair, sigs = pair_sigs
    sigs = list(sigs)
    if len(sigs) == 2:
        sim = _estimate(sigs[0], sigs[1], sig_dtype)
        if sim >= threshold:
            yield pair, sim


class EstimateVerify(beam.PTransform):
    """(PCollection[(a, b)], PCollection[(node, exact-group info)]) -> ((a, b), estimated
    Jaccard) at or above ``threshold``: each pair meets its two signatures in one join (the
    signatures stay out of the LSH buckets, where they would travel once per band)."""

    def __init__(self, threshold, sig_dtype):
        super().__init__()
        self.threshold, self.sig_dtype = threshold, sig_dtype

    def expand(self, pcolls):
        from transforms.lsh import _pair_ends, _prints_to_pairs
        pairs, reps = pcolls
        sigs = reps | "Signatures" >> beam.FlatMap(
            lambda kv: [(kv[0], kv[1]["sig"])] if kv[1]["sig"] is not None else [])
        return ({"pair": pairs | "PairEnds" >> beam.FlatMap(_pair_ends), "sig": sigs}
                | "JoinSignatures" >> beam.CoGroupByKey()
                | "SignaturesToPairs" >> beam.FlatMap(_prints_to_pairs)
                | "GroupPairSignatures" >> beam.GroupByKey()
                | "Estimate" >> beam.FlatMap(_pair_estimate, self.threshold, self.sig_dtype))


def _prior_ends(pair, priors):
    """(a, b) -> ((k, shard), id) for each end that is a node of an index with fingerprints."""
    from transforms.write import shard_of
    for node in pair:
        if is_prior(node):
            k, doc_id = split_prior(node)
            if priors[k].fingerprints:
                yield (k, shard_of(doc_id, priors[k].shards)), doc_id


class ReadPriorPrints(beam.DoFn):
    """((k, shard), ids) -> (node, fingerprint bytes) for each id, read from that index shard:
    only the row groups whose id range (Parquet min / max statistics) may hold a wanted id."""

    def __init__(self, priors):
        self.priors = priors

    def process(self, shard_ids):
        import pyarrow.parquet as pq
        (k, shard), ids = shard_ids
        wanted = sorted(set(ids))
        wanted_set = set(wanted)
        prior = self.priors[k]
        with FileSystems.open(index_shard_path(prior.index_dir, shard, prior.shards)) as handle:
            pf = pq.ParquetFile(handle)
            id_col = pf.schema_arrow.get_field_index("id")
            for group in range(pf.metadata.num_row_groups):
                stats = pf.metadata.row_group(group).column(id_col).statistics
                if stats is not None and stats.has_min_max:
                    lo = bisect.bisect_left(wanted, stats.min)
                    if lo == len(wanted) or wanted[lo] > stats.max:
                        continue
                cols = pf.read_row_group(group, columns=["id", "prints"]).to_pydict()
                for doc_id, prints in zip(cols["id"], cols["prints"]):
                    if doc_id in wanted_set and prints is not None:
                        yield prior_key(k, doc_id), prints


class FetchPriorPrints(beam.PTransform):
    """PCollection[(a, b)] candidate pairs -> PCollection[(node, fingerprint bytes)] for their
    prior ends: grouped by index shard, each shard opened once (no whole-index shuffle)."""

    def __init__(self, priors):
        super().__init__()
        self.priors = priors

    def expand(self, pairs):
        return (pairs
                | "PriorEnds" >> beam.FlatMap(_prior_ends, self.priors)
                | "ByIndexShard" >> beam.GroupByKey()
                | "ReadPrints" >> beam.ParDo(ReadPriorPrints(self.priors)))


def resolve_prior_decision(kv, labels):
    """(node, decision) -> [] for a prior node (never rewritten), else [(id, decision)] with
    prior node keys replaced by their ids and ``prior_run`` (the index's label) added when the
    representative is a prior document.

    >>> resolve_prior_decision(("n", {"duplicate_of": prior_key(0, "a"), "cluster_id": prior_key(0, "a"),
    ...                               "matched": "m"}), ["out/1/index"])
    [('n', {'duplicate_of': 'a', 'cluster_id': 'a', 'matched': 'm', 'prior_run': 'out/1/index'})]
    """
    node, decision = kv
    if is_prior(node):
        return []
    out = dict(decision)
    for field in ("duplicate_of", "cluster_id", "matched"):
        value = out.get(field)
        if isinstance(value, str) and is_prior(value):
            k, out[field] = split_prior(value)
            if field == "duplicate_of":
                out["prior_run"] = labels[k]
    return [(node, out)]


def load_priors(paths, settings, output_dir=None):
    """The ``PriorIndex`` of each ``--against`` path (launcher side, before the job): resolved
    (an output directory or its ``index/``), checked against this run's settings. Raises
    ``transforms.index.PriorIndexError`` with a one-line message for any problem."""
    from transforms.index import PriorIndexError, check_compatible, index_meta, resolve_index
    if paths and not settings.dedup.enabled:
        raise PriorIndexError("--against needs dedup.enabled=true")
    current = index_meta(settings, False)
    priors, seen = [], set()
    for path in paths:
        index_dir, meta = resolve_index(path)
        label = _absolute(index_dir)
        if output_dir is not None and label.startswith(_absolute(output_dir).rstrip("/") + "/"):
            raise PriorIndexError(f"--against {path!r} is inside --output {output_dir!r}, which this run replaces")
        if label in seen:
            raise PriorIndexError(f"--against {path!r} is given twice")
        seen.add(label)
        check_compatible(path, meta, current)
        priors.append(PriorIndex(label, index_dir, meta["shards"], bool(meta.get("fingerprints")),
                                 meta.get("docs", 0)))
    return priors


def _absolute(path):
    import os
    return path if "://" in path else os.path.abspath(path)
