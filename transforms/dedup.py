"""Deduplicate: exact duplicates by text hash, near duplicates by MinHash LSH, then clusters.

Steps, all inside the Beam graph (nothing is collected on the launcher or on one worker):

1. each document is signed once (``SignDocs``: SHA-1 of its cleaned text, MinHash signature
   and shingle fingerprints, ``transforms.minhash``); from here on only these small records
   travel, never the documents;
2. the records are grouped by text hash; the best-ranked copy of each group stands for it
   (its exact copies follow it to the end); its signature is cut into ``bands`` x ``rows``
   chosen by datasketch's own parameter search for ``lsh_threshold`` (set *below* ``threshold`` so that
   pairs just above the threshold are almost never missed: 25 x 5 for 0.5 at 128 permutations
   gives a pair with Jaccard 0.8 a 99.99 % chance to share a bucket);
3. candidates (pairs sharing a bucket) are, with ``verify: exact`` (default), verified by
   the EXACT Jaccard of their shingle sets (one join on the 64-bit shingle fingerprints;
   buckets then carry only ids); ``verify: estimate`` carries signatures into the buckets
   and keeps pairs whose estimated Jaccard is >= ``threshold``. A bucket with more than
   ``max_bucket_size`` members (shared boilerplate) is not expanded into all its pairs: each
   member is only compared with the bucket's smallest id, and the bucket is counted in stats;
4. verified pairs are edges of a graph whose connected components
   (``transforms.components``) are the candidate clusters;
5. each cluster keeps its best-ranked document (``representative``: longest text, ties by
   smallest id; or smallest id; or smallest value of a meta field such as a date), found with
   a combiner. Chaining policy (``cluster_policy``): ``components`` keeps every member of the
   component; ``representative`` (default) splits off every member whose estimated Jaccard
   with the representative is below ``min_rep_similarity`` into a cluster of its own, so a
   chain A~B~C never makes C a duplicate of a far-away A;
6. every other member becomes a duplicate of the representative, ``kind`` "exact" when its
   text is identical, with ``similarity`` (estimated Jaccard with the representative) and
   ``matched`` / ``matched_similarity``: its best verified neighbour and their Jaccard.

Banding and pair verification live in :mod:`transforms.lsh`, cluster assignment in
:mod:`transforms.clusters`. ``DedupDecisions`` returns one decision per document in a cluster (the pipeline applies them
where it writes the shards, ``transforms.write.WriteCorpus``); ``Deduplicate`` joins them back
to the documents by id and returns kept documents and duplicates. Both also return stats dicts
(``{"dedup": {...}}``): LSH parameters, candidate and verified pair counts, oversized buckets,
connected-component violations (non-zero = not converged, the CLI fails) and the largest
clusters with a sample of their ids.
"""
import hashlib

import apache_beam as beam
import numpy as np

from transforms.clusters import (PickHead, _best_match, _both_ends, _label_members, assign_members,
                                 emit_decisions)
from transforms.components import ConnectedComponents
from transforms.index import index_row
from transforms.minhash import Signer, lsh_params
from transforms.prior import (EstimateVerify, FetchPriorPrints, ReadPrior, estimated_by_index,
                              new_rank, prior_bucket_pairs, resolve_prior_decision)
from transforms.lsh import (BandBatches, ExactVerify, bucket_pairs, candidate_pairs, partition_buckets,
                            signature_dtype)
from transforms.streams import each_stream

LARGEST_CLUSTERS = 10
SAMPLE_IDS = 5


def text_hash(text):
    """Hex SHA-1 of the UTF-8 text: the key of exact duplicates."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def rank_key(doc, policy):
    """Sort key of a document for representative choice: the smallest key wins.

    ``policy``: 'longest' (longest text, then smallest id), 'smallest_id', or
    'meta:<field>' (smallest value of that meta field, e.g. the earliest date; documents
    without it come last; then smallest id).

    >>> rank_key({"id": "b", "text": "abc"}, "longest")
    (-3, 'b')
    """
    if policy == "longest":
        return (-len(doc["text"]), doc["id"])
    if policy == "smallest_id":
        return (doc["id"],)
    field = policy.split(":", 1)[1]
    value = doc.get("meta", {}).get(field)
    return (0 if value is not None else 1, "" if value is None else str(value), doc["id"])


class SignDocs(beam.DoFn):
    """doc -> main: (text hash, (id, rank, signature bytes)); 'prints': (id, fingerprints) when
    verifying exactly. Only these small records travel through deduplication: the documents
    themselves wait for the decisions at the write (``transforms.write.WriteCorpus``).

    With ``index`` ("sig" or "prints"), also 'index': (id, row) of the document's dedup index
    row (``transforms.index``; fingerprints in it with "prints"). With ``prior_ranks`` the rank
    is :func:`transforms.prior.new_rank` (after every prior document).

    A document without any word has no shingles: its signature is None and it is never a
    near duplicate (its exact copies still are).
    """

    def __init__(self, settings, index=None, prior_ranks=False):
        self.settings, self.index, self.prior_ranks = settings, index, prior_ranks

    def setup(self):
        self.signer = Signer.from_settings(self.settings)

    def process(self, doc):
        yield from self._sign(doc)  # (a helper keeps Beam's type inference off TaggedOutput)

    def _sign(self, doc):
        signed = self.signer.sign_text(doc["text"], self.settings.ngram)
        sig = prints = None
        if signed:
            sig, prints = signed
            sig = sig.tobytes()
            prints = prints.tobytes() if self.settings.verify == "exact" else None
            if prints is not None:
                # raw bytes travel through the join with no pickling (a coder of their own)
                yield beam.pvalue.TaggedOutput("prints", (doc["id"], prints))
        digest = text_hash(doc["text"])
        if self.index:
            yield beam.pvalue.TaggedOutput("index", index_row(
                doc, digest, sig, prints if self.index == "prints" else False))
        rank = rank_key(doc, self.settings.representative)
        yield digest, (doc["id"], new_rank(rank) if self.prior_ranks else rank, sig)


def group_exact(hash_members):
    """(hash, [(id, rank, sig)]) -> main: (rep_id, info) for the best-ranked copy;
    'members': (rep_id, (id, hash)) for every copy, the representative included, of a group
    of two or more copies (a document alone is its own only member:
    :func:`transforms.clusters.emit_decisions` knows it from its assignment)."""
    digest, members = hash_members
    members = sorted(members, key=lambda m: m[1])
    rep_id, rank, sig = members[0]
    if len(members) > 1:
        for doc_id, _, _ in members:
            yield beam.pvalue.TaggedOutput("members", (rep_id, (doc_id, digest)))
    yield rep_id, {"sig": sig, "rank": rank, "hash": digest, "copies": len(members)}


def apply_decision(doc, decision):
    """(doc, decision or None) -> (True, kept record) or (False, duplicate record).

    >>> apply_decision({"id": "a", "text": "t"}, None)
    (True, {'id': 'a', 'text': 't', 'cluster_id': 'a', 'duplicate_count': 0})
    """
    if decision is None or decision.get("kept"):
        out = dict(doc)
        out["cluster_id"] = decision["cluster_id"] if decision else doc["id"]
        out["duplicate_count"] = decision["duplicate_count"] if decision else 0
        return True, out
    out = {"id": doc["id"], "source": doc.get("source", ""), "text": doc["text"], "lang": doc.get("lang"),
           "meta": doc.get("meta", {}), "junk_hits": doc.get("junk_hits", {}),
           "removed": doc.get("removed", [])}
    out.update(decision)
    return False, out


class ClusterSample(beam.CombineFn):
    """Per cluster: (number of duplicates, the ``SAMPLE_IDS`` smallest duplicate ids)."""

    def create_accumulator(self):
        return 0, []

    def add_input(self, acc, doc_id):
        return acc[0] + 1, sorted(acc[1] + [doc_id])[:SAMPLE_IDS]

    def merge_accumulators(self, accs):
        count, ids = 0, []
        for c, i in accs:
            count, ids = count + c, sorted(ids + i)[:SAMPLE_IDS]
        return count, ids

    def extract_output(self, acc):
        return acc


def largest_clusters_stats(top):
    """[(size, cluster_id, sample ids)] -> ``{"dedup": {"largest_clusters": [...]}}`` (largest first)."""
    top = sorted(top, key=lambda t: (-t[0], t[1]))
    return {"dedup": {"largest_clusters": [
        {"cluster_id": cid, "size": size, "sample_ids": [cid] + list(ids)} for size, cid, ids in top]}}


class _Tagged(beam.DoFn):
    """Runs a generator function that may yield TaggedOutput (keeps Beam's type inference out)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def process(self, element):
        yield from self.fn(element, *self.args)


class DedupDecisions(beam.PTransform):
    """PCollection[doc] (or a tuple of them, see ``transforms.streams``) ->
    (PCollection[(doc_id, decision)], stats PCollection[dict]).

    Only documents in a cluster of two or more get a decision (see :func:`emit_decisions`);
    everything here is small (ids, hashes, signatures, fingerprints): the documents are
    joined with their decisions once, where they are written. The stats dicts are
    ``{"dedup": {...}}`` counters to be summed (``write.DeepSum``); ``cc_violations`` > 0
    means the connected components did not converge.

    ``priors``: ``transforms.prior.PriorIndex`` of earlier runs' indexes to deduplicate
    against (``transforms.prior``). ``index`` ("sig" / "prints"): also return, third, the
    PCollection[(id, index row)] of every document (``transforms.index.WriteIndex`` keeps
    the kept ones).
    """

    def __init__(self, settings, priors=(), index=None):
        super().__init__()
        self.settings = settings  # transforms.stage_settings.DedupSettings
        self.bands, self.rows = lsh_params(settings.lsh_threshold, settings.num_perm)
        self.sig_dtype = signature_dtype(settings)
        self.priors, self.index = tuple(priors), index

    def expand(self, docs):
        cfg, priors = self.settings, self.priors
        tags = ("prints", "index") if self.index else ("prints",)
        signed = each_stream(docs, "Sign", lambda: beam.ParDo(SignDocs(cfg, self.index, bool(priors))).with_outputs(
            *tags, main="signed"))
        p = signed[0].signed.pipeline
        by_hash = (signed[0].signed if len(signed) == 1 else
                   [s.signed for s in signed] | "AllSigned" >> beam.Flatten())
        if priors:
            prior_records = p | "ReadPrior" >> ReadPrior(priors, cfg.representative)
            by_hash = (by_hash, prior_records) | "WithPrior" >> beam.Flatten()
        prints = tuple(s.prints for s in signed)
        grouped = (by_hash
                   | "GroupExactCopies" >> beam.GroupByKey()
                   | "PickExactRep" >> beam.ParDo(_Tagged(group_exact)).with_outputs(
                       "members", main="reps"))
        reps = grouped.reps
        exact = cfg.verify == "exact"
        estimate_ks = tuple(k for k, prior in enumerate(priors) if not (exact and prior.fingerprints))
        buckets = (reps
                   | "LshBandBatches" >> beam.ParDo(BandBatches(
                       self.bands, self.rows * np.dtype(self.sig_dtype).itemsize, not exact,
                       cfg.lsh_partitions))
                   | "GroupPartitions" >> beam.GroupByKey()
                   | "Buckets" >> beam.FlatMap(partition_buckets))
        extra_stats = ()
        if priors:
            buckets = buckets | "CandidatePairs" >> beam.ParDo(_Tagged(
                prior_bucket_pairs, cfg.max_bucket_size, self.sig_dtype, cfg.threshold)
            ).with_outputs("stats", main="pairs")
            if exact:
                candidates = buckets.pairs | "DistinctPairs" >> beam.Distinct()
                to_verify = candidates
                if estimate_ks:  # pairs with a document of an index without fingerprints
                    to_verify, to_estimate = candidates | "ByIndexKind" >> beam.Partition(
                        lambda pair, _: estimated_by_index(pair, estimate_ks), 2)
                prior_prints = to_verify | "FetchPriorPrints" >> FetchPriorPrints(priors)
                edges = (to_verify, prints + (prior_prints,)) | "ExactVerify" >> ExactVerify(cfg.threshold)
                if estimate_ks:
                    estimated = (to_estimate, reps) | "EstimateVerify" >> EstimateVerify(
                        cfg.threshold, self.sig_dtype)
                    edges = (edges, estimated) | "AllEdges" >> beam.Flatten()
            else:
                candidates = edges = buckets.pairs | "DistinctPairs" >> beam.CombinePerKey(max)
            extra_stats = (p | "PriorDocs" >> beam.Create([{"dedup": {"prior_docs": sum(x.docs for x in priors)}}]),)
        elif exact:
            buckets = buckets | "CandidatePairs" >> beam.ParDo(_Tagged(
                bucket_pairs, cfg.max_bucket_size)).with_outputs("stats", main="pairs")
            candidates = buckets.pairs | "DistinctPairs" >> beam.Distinct()
            edges = (candidates, prints) | "ExactVerify" >> ExactVerify(cfg.threshold)
        else:
            buckets = buckets | "CandidatePairs" >> beam.ParDo(_Tagged(
                candidate_pairs, cfg.threshold, cfg.max_bucket_size, self.sig_dtype)).with_outputs(
                "stats", main="pairs")
            candidates = edges = buckets.pairs | "DistinctPairs" >> beam.CombinePerKey(max)
        labels, violations = edges | "PairOnly" >> beam.Keys() | "Clusters" >> ConnectedComponents(
            cfg.max_cc_rounds, fail_if_not_converged=True)
        matches = (edges
                   | "BothEnds" >> beam.FlatMap(_both_ends)
                   | "BestMatch" >> beam.CombinePerKey(_best_match))
        labelled = ({"info": reps, "label": labels, "match": matches}
                    | "JoinLabels" >> beam.CoGroupByKey()
                    | "KeyByComponent" >> beam.ParDo(_Tagged(_label_members)).with_outputs("single", main="members"))
        members = labelled.members
        heads = members | "PickHeads" >> beam.CombinePerKey(PickHead())
        assigned = ({"head": heads, "member": members}
                    | "JoinHeads" >> beam.CoGroupByKey()
                    | "AssignMembers" >> beam.ParDo(_Tagged(
                        assign_members, cfg.cluster_policy, cfg.min_rep_similarity, self.sig_dtype)
                    ).with_outputs("size", "stats", main="assign"))
        sizes = assigned.size | "ClusterSizes" >> beam.CombinePerKey(sum)
        assignments = (assigned.assign, labelled.single) | "AllAssignments" >> beam.Flatten()
        decisions = ({"member": grouped.members, "assign": assignments, "size": sizes}
                     | "JoinAssignments" >> beam.CoGroupByKey()
                     | "EmitDecisions" >> beam.FlatMap(emit_decisions))
        if priors:
            labels_of = [prior.label for prior in priors]
            decisions = decisions | "ResolvePrior" >> beam.FlatMap(resolve_prior_decision, labels_of)
            extra_stats += (decisions
                            | "PriorDupes" >> beam.Filter(lambda kv: "prior_run" in kv[1])
                            | "CountPriorDupes" >> beam.combiners.Count.Globally()
                            | "PriorDupesStat" >> beam.Map(lambda n: {"dedup": {"prior_duplicates": n}}),)

        from transforms.write import BundleStats  # (write imports this module)

        def count(pcoll, name, key):  # per bundle, summed with the job's other stats
            return pcoll | f"Count{name}" >> beam.ParDo(BundleStats(lambda _: {"dedup": {key: 1}}))
        largest = (decisions
                   | "DupByCluster" >> beam.FlatMap(
                       lambda kv: [] if kv[1].get("kept") else [(kv[1]["cluster_id"], kv[0])])
                   | "SamplePerCluster" >> beam.CombinePerKey(ClusterSample())
                   | "SizeIdSample" >> beam.Map(lambda kv: (kv[1][0] + 1, kv[0], kv[1][1]))
                   | "LargestClusters" >> beam.combiners.Top.Of(LARGEST_CLUSTERS, key=lambda t: (t[0], t[1]))
                   | "LargestStat" >> beam.Map(largest_clusters_stats))
        once = {"lsh_bands": self.bands, "lsh_rows": self.rows, "candidate_pairs": 0, "verified_pairs": 0}
        stats = (count(candidates, "Candidates", "candidate_pairs"),
                 count(edges, "Verified", "verified_pairs"),
                 buckets.stats, assigned.stats, largest,
                 violations | "CcStats" >> beam.Map(lambda v: {"dedup": dict(once, cc_violations=v)})) + extra_stats
        stats = stats | "DedupStats" >> beam.Flatten()
        if self.index:
            return decisions, stats, tuple(s.index for s in signed)
        return decisions, stats


def _join_decision(kv):
    """(doc_id, {'doc': [doc], 'decision': [decision]}) -> kept record, or tagged 'duplicates'."""
    _, joined = kv
    decision = joined["decision"][0] if joined["decision"] else None
    for doc in joined["doc"]:
        kept, record = apply_decision(doc, decision)
        yield record if kept else beam.pvalue.TaggedOutput("duplicates", record)


class Deduplicate(beam.PTransform):
    """PCollection[doc] -> (kept docs, duplicate records, stats PCollection[dict]).

    :class:`DedupDecisions` joined back to the documents by id. The full pipeline does that
    join where it writes (``transforms.write.WriteCorpus``) to move the documents once.
    """

    def __init__(self, settings):
        super().__init__()
        self.settings = settings  # transforms.stage_settings.DedupSettings

    def expand(self, docs):
        decisions, stats = docs | "Decide" >> DedupDecisions(self.settings)
        out = ({"doc": docs | "KeyById" >> beam.Map(lambda d: (d["id"], d)), "decision": decisions}
               | "JoinDecisions" >> beam.CoGroupByKey()
               | "ApplyDecisions" >> beam.ParDo(_Tagged(_join_decision)).with_outputs(
                   "duplicates", main="kept"))
        return out.kept, out.duplicates, stats
