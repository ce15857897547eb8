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

``DedupDecisions`` returns one decision per document in a cluster (the pipeline applies them
where it writes the shards, ``transforms.write.WriteCorpus``); ``Deduplicate`` joins them back
to the documents by id and returns kept documents and duplicates. Both also return stats dicts
(``{"dedup": {...}}``): LSH parameters, candidate and verified pair counts, oversized buckets,
connected-component violations (non-zero = not converged, the CLI fails) and the largest
clusters with a sample of their ids.
"""
import hashlib
from collections import defaultdict

import apache_beam as beam
import numpy as np

from transforms.components import ConnectedComponents
from transforms.minhash import Signer, estimated_jaccard, exact_jaccard, lsh_params
from transforms.streams import as_streams, each_stream, in_global_window, stream_label

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


def signature_dtype(dedup_cfg):
    """The numpy dtype (as a string, e.g. '<u4') of the signatures of a ``dedup`` config.

    Signatures travel between stages as their raw bytes (``ndarray.tobytes``): Beam encodes
    bytes as they are, whereas a numpy array is pickled and unpickled at every shuffle.
    """
    return Signer.from_config(dedup_cfg).empty.dtype.str


def signature_array(raw, dtype):
    """The signature array of raw signature bytes (read-only, no copy)."""
    return np.frombuffer(raw, dtype=dtype)


class SignDocs(beam.DoFn):
    """doc -> main: (text hash, (id, rank, signature bytes)); 'prints': (id, fingerprints) when
    verifying exactly. Only these small records travel through deduplication: the documents
    themselves wait for the decisions at the write (``transforms.write.WriteCorpus``).

    A document without any word has no shingles: its signature is None and it is never a
    near duplicate (its exact copies still are).
    """

    def __init__(self, dedup_cfg):
        self.cfg = dedup_cfg

    def setup(self):
        self.signer = Signer.from_config(self.cfg)

    def process(self, doc):
        yield from self._sign(doc)  # (a helper keeps Beam's type inference off TaggedOutput)

    def _sign(self, doc):
        signed = self.signer.sign_text(doc["text"], self.cfg["ngram"])
        sig = None
        if signed:
            sig, prints = signed
            if self.cfg["verify"] == "exact":
                # raw bytes travel through the join with no pickling (a coder of their own)
                yield beam.pvalue.TaggedOutput("prints", (doc["id"], prints.tobytes()))
        yield text_hash(doc["text"]), (doc["id"], rank_key(doc, self.cfg["representative"]),
                                       None if sig is None else sig.tobytes())


def group_exact(hash_members):
    """(hash, [(id, rank, sig)]) -> main: (rep_id, info) for the best-ranked copy;
    'members': (rep_id, (id, hash)) for every copy, the representative included."""
    digest, members = hash_members
    members = sorted(members, key=lambda m: m[1])
    rep_id, rank, sig = members[0]
    for doc_id, _, _ in members:
        yield beam.pvalue.TaggedOutput("members", (rep_id, (doc_id, digest)))
    yield rep_id, {"sig": sig, "rank": rank, "hash": digest, "copies": len(members)}


def band_keys(id_info, bands, band_bytes, with_signature=True):
    """Yield ``(band key, member)`` for each LSH band of one signature (raw bytes, see
    :func:`signature_dtype`; a band is ``band_bytes`` of it: rows x the value size): the key
    is the band number (2 bytes) followed by the band's hash values, one flat ``bytes``;
    ``member`` is ``(id, signature)``, or just the id when ``with_signature`` is false (exact
    verification does not need the estimate, and 25 copies of a 512-byte signature per
    document are the largest shuffle of the stage)."""
    doc_id, info = id_info
    raw = info["sig"]
    if raw is None:
        return
    member = (doc_id, raw) if with_signature else doc_id
    for b in range(bands):
        yield b.to_bytes(2, "big") + raw[b * band_bytes:(b + 1) * band_bytes], member


def bucket_partition(key, partitions):
    """The partition of an LSH band key: its last 4 bytes (part of a MinHash value, so
    uniform) modulo ``partitions``.

    >>> bucket_partition(b"\\x00\\x01" + (7).to_bytes(4, "little"), 4)
    3
    """
    return int.from_bytes(key[-4:], "little") % partitions


class BandBatches(beam.DoFn):
    """(rep_id, info) -> (partition, [(band key, member), ...]): the band keys of up to
    ``FLUSH_DOCS`` documents of a bundle are batched by :func:`bucket_partition`, so the bucket
    grouping shuffles a few thousand lists instead of ``bands`` elements per document (Beam's
    cost is per element), and the buffer stays small (~4.5 KB a document)."""

    FLUSH_DOCS = 10_000

    def __init__(self, bands, band_bytes, with_signature, partitions):
        self.bands, self.band_bytes, self.with_signature = bands, band_bytes, with_signature
        self.partitions = partitions

    def start_bundle(self):
        self.batches, self.docs = defaultdict(list), 0

    def process(self, id_info):
        for key, member in band_keys(id_info, self.bands, self.band_bytes, self.with_signature):
            self.batches[bucket_partition(key, self.partitions)].append((key, member))
        self.docs += 1
        if self.docs >= self.FLUSH_DOCS:
            yield from self._flush()

    def finish_bundle(self):
        for batch in self._flush():
            yield in_global_window(batch)

    def _flush(self):
        batches = self.batches
        self.batches, self.docs = defaultdict(list), 0
        return [(part, batches[part]) for part in sorted(batches)]


def partition_buckets(partition_batches):
    """(partition, [[(band key, member), ...], ...]) -> (band key, [member, ...]) for every
    bucket of the partition with two members or more (a bucket of one proposes no pair).

    >>> sorted(partition_buckets((0, [[(b"k", "a"), (b"j", "c")], [(b"k", "b")]])))
    [(b'k', ['a', 'b'])]
    """
    _, batches = partition_batches
    buckets = defaultdict(list)
    for batch in batches:
        for key, member in batch:
            buckets[key].append(member)
    for key, members in buckets.items():
        if len(members) > 1:
            yield key, members


def bucket_pairs(bucket, max_bucket_size):
    """Yield ``(id_a, id_b)`` (id_a < id_b) for the pairs of one LSH bucket of ids.

    A bucket with more than ``max_bucket_size`` members only pairs each member with its
    smallest id (linear, not quadratic) and also yields the tagged stat ``oversized_buckets``.

    >>> list(bucket_pairs(("k", ["b", "a", "c"]), 10))
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    _, members = bucket
    ids = sorted(set(members))
    oversized = len(ids) > max_bucket_size
    if oversized:
        yield beam.pvalue.TaggedOutput("stats", {"dedup": {"oversized_buckets": 1}})
    for i in range(1 if oversized else len(ids) - 1):
        for other in ids[i + 1:]:
            yield ids[i], other


def candidate_pairs(bucket, min_similarity, max_bucket_size, sig_dtype):
    """Yield ``((id_a, id_b), estimated Jaccard)`` for pairs of one LSH bucket of
    ``(id, signature bytes)`` members at or above ``min_similarity`` (id_a < id_b).

    A bucket with more than ``max_bucket_size`` members only pairs each member with its
    smallest id (linear, not quadratic) and also yields the tagged stat ``oversized_buckets``.
    """
    _, members = bucket
    members = sorted(members, key=lambda m: m[0])
    if len(members) < 2:
        return
    ids = [m[0] for m in members]
    sigs = np.stack([signature_array(m[1], sig_dtype) for m in members])
    oversized = len(members) > max_bucket_size
    if oversized:
        yield beam.pvalue.TaggedOutput("stats", {"dedup": {"oversized_buckets": 1}})
    for i in range(1 if oversized else len(ids) - 1):
        sims = (sigs[i + 1:] == sigs[i]).mean(axis=1)
        for j in np.nonzero(sims >= min_similarity)[0]:
            yield (ids[i], ids[i + 1 + j]), float(sims[j])


def _pair_ends(pair):
    """(a, b) -> (a, (a, b)) and (b, (a, b)): the pair, keyed by each of its documents."""
    return [(pair[0], pair), (pair[1], pair)]


def _prints_to_pairs(doc_joined):
    """(id, {'pair': [(a, b), ...], 'fp': [prints], 'fp2': [], ...}) -> ((a, b), prints) for
    each candidate pair (the fingerprints come in one of the 'fp' inputs, one per stream)."""
    _, joined = doc_joined
    if not joined["pair"]:
        return
    prints = next((values[0] for tag, values in joined.items() if tag != "pair" and values), None)
    if prints is None:
        return
    for pair in joined["pair"]:
        yield pair, prints


def _pair_jaccard(pair_prints, threshold):
    """((a, b), [prints_a, prints_b]) -> ((a, b), exact Jaccard) if >= threshold."""
    pair, prints = pair_prints
    prints = list(prints)
    if len(prints) == 2:
        sim = exact_jaccard(*(np.frombuffer(p, dtype=np.uint64) for p in prints))
        if sim >= threshold:
            yield pair, sim


class ExactVerify(beam.PTransform):
    """(PCollection[(a, b)], PCollection[(id, fingerprint bytes)] or a tuple of them) ->
    verified ((a, b), jaccard).

    Fingerprints are the bytes of the sorted uint64 arrays of ``Signer.sign``.

    One join moves the fingerprints: each document meets the candidate pairs it is in, then
    only candidates' fingerprints are grouped per pair.
    """

    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def expand(self, pcolls):
        pairs, prints = pcolls
        inputs = {"pair": pairs | "PairEnds" >> beam.FlatMap(_pair_ends)}
        inputs.update((stream_label("fp", i), stream)
                      for i, stream in enumerate(as_streams(prints)))
        return (inputs
                | "JoinPrints" >> beam.CoGroupByKey()
                | "PrintsToPairs" >> beam.FlatMap(_prints_to_pairs)
                | "GroupPairPrints" >> beam.GroupByKey()
                | "ExactJaccard" >> beam.FlatMap(_pair_jaccard, self.threshold))


def _both_ends(edge_sim):
    """((a, b), sim) -> (a, (sim, b)) and (b, (sim, a)): candidates for each node's best match."""
    (a, b), sim = edge_sim
    return [(a, (sim, b)), (b, (sim, a))]


def _best_match(matches):
    """Highest similarity, ties by smallest neighbour id (deterministic)."""
    return min(matches, key=lambda m: (-m[0], m[1]))


def _label_members(kv):
    """(rep_id, {'info', 'label', 'match'}) -> 'main': (component, (rep_id, info)) for nodes on an
    edge; 'single': (rep_id, assignment) for exact-copy groups that matched nobody else."""
    rep_id, joined = kv
    match = joined["match"][0] if joined["match"] else None
    for info in joined["info"]:
        if joined["label"]:
            yield joined["label"][0], (rep_id, dict(info, match=match))
        elif info["copies"] > 1:  # exact copies only; a document alone needs no decision
            yield beam.pvalue.TaggedOutput("single", (rep_id, {
                "cluster_id": rep_id, "representative": rep_id, "rep_hash": info["hash"],
                "similarity": 1.0, "size": info["copies"], "match": None}))


class PickHead(beam.CombineFn):
    """Best-ranked member of a component: (rank, rep_id, sig, hash); a lifted combiner."""

    def create_accumulator(self):
        return None

    def add_input(self, acc, member):
        rep_id, info = member
        cand = (info["rank"], rep_id, info["sig"], info["hash"])
        return cand if acc is None or cand[:2] < acc[:2] else acc

    def merge_accumulators(self, accs):
        best = None
        for acc in accs:
            if acc is not None and (best is None or acc[:2] < best[:2]):
                best = acc
        return best

    def extract_output(self, acc):
        return acc


def assign_members(component_joined, policy, min_rep_similarity, sig_dtype):
    """(component, {'head': [head], 'member': [(rep_id, info)]}) -> (rep_id, assignment) per member.

    Members are streamed (never sorted or held in a list), so a huge component does not need
    to fit in memory. Under ``policy`` 'representative', a member whose estimated Jaccard with
    the head is below ``min_rep_similarity`` becomes the representative of its own cluster
    (tagged stat ``split_members``). Also yields 'size': (cluster_id, copies).
    """
    _, joined = component_joined
    _, head_id, head_sig, head_hash = joined["head"][0]
    for rep_id, info in joined["member"]:
        sim = 1.0 if rep_id == head_id else estimated_jaccard(
            signature_array(info["sig"], sig_dtype), signature_array(head_sig, sig_dtype))
        if rep_id != head_id and policy == "representative" and sim < min_rep_similarity:
            head, head_h, sim = rep_id, info["hash"], 1.0
            yield beam.pvalue.TaggedOutput("stats", {"dedup": {"split_members": 1}})
        else:
            head, head_h = head_id, head_hash
        yield beam.pvalue.TaggedOutput("size", (head, info["copies"]))
        yield rep_id, {"cluster_id": head, "representative": head, "rep_hash": head_h,
                       "similarity": round(sim, 4), "match": info["match"]}


def emit_decisions(kv):
    """(rep_id, {'member', 'assign', 'size'}) -> (doc_id, decision) for each member of a cluster.

    A decision is ``{"kept": True, "cluster_id", "duplicate_count"}`` for the cluster's
    representative, else the duplicate fields (``duplicate_of``, ``cluster_id``,
    ``similarity``, ``kind``, ``matched``, ``matched_similarity``). A member whose exact group
    matched nothing gets no decision: it is kept alone (:func:`apply_decision` with None).
    """
    rep_id, joined = kv
    if not joined["assign"]:
        return
    assignment = joined["assign"][0]
    head = assignment["representative"]
    size = joined["size"][0] if joined["size"] else assignment.get("size", 1)
    match = assignment.get("match")
    for doc_id, digest in joined["member"]:
        if doc_id == head:
            yield doc_id, {"kept": True, "cluster_id": assignment["cluster_id"],
                           "duplicate_count": size - 1}
            continue
        exact = digest == assignment["rep_hash"]
        if exact:
            matched, matched_sim = head, 1.0
        elif doc_id != rep_id:  # exact copy of a near duplicate: it matched its own twin
            matched, matched_sim = rep_id, 1.0
        else:
            matched, matched_sim = (match[1], round(match[0], 4)) if match else (head, assignment["similarity"])
        yield doc_id, {"duplicate_of": head, "cluster_id": assignment["cluster_id"],
                       "similarity": 1.0 if exact else assignment["similarity"],
                       "kind": "exact" if exact else "near", "matched": matched,
                       "matched_similarity": matched_sim}


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
    """

    def __init__(self, dedup_cfg):
        super().__init__()
        self.cfg = dedup_cfg
        self.bands, self.rows = lsh_params(dedup_cfg["lsh_threshold"], dedup_cfg["num_perm"])
        self.sig_dtype = signature_dtype(dedup_cfg)

    def expand(self, docs):
        cfg = self.cfg
        signed = each_stream(docs, "Sign", lambda: beam.ParDo(SignDocs(cfg)).with_outputs(
            "prints", main="signed"))
        p = signed[0].signed.pipeline
        by_hash = (signed[0].signed if len(signed) == 1 else
                   [s.signed for s in signed] | "AllSigned" >> beam.Flatten())
        prints = tuple(s.prints for s in signed)
        grouped = (by_hash
                   | "GroupExactCopies" >> beam.GroupByKey()
                   | "PickExactRep" >> beam.ParDo(_Tagged(group_exact)).with_outputs(
                       "members", main="reps"))
        reps = grouped.reps
        exact = cfg["verify"] == "exact"
        buckets = (reps
                   | "LshBandBatches" >> beam.ParDo(BandBatches(
                       self.bands, self.rows * np.dtype(self.sig_dtype).itemsize, not exact,
                       cfg["lsh_partitions"]))
                   | "GroupPartitions" >> beam.GroupByKey()
                   | "Buckets" >> beam.FlatMap(partition_buckets))
        if exact:
            buckets = buckets | "CandidatePairs" >> beam.ParDo(_Tagged(
                bucket_pairs, cfg["max_bucket_size"])).with_outputs("stats", main="pairs")
            candidates = buckets.pairs | "DistinctPairs" >> beam.Distinct()
            edges = (candidates, prints) | "ExactVerify" >> ExactVerify(cfg["threshold"])
        else:
            buckets = buckets | "CandidatePairs" >> beam.ParDo(_Tagged(
                candidate_pairs, cfg["threshold"], cfg["max_bucket_size"], self.sig_dtype)).with_outputs(
                "stats", main="pairs")
            candidates = edges = buckets.pairs | "DistinctPairs" >> beam.CombinePerKey(max)
        labels, violations = edges | "PairOnly" >> beam.Keys() | "Clusters" >> ConnectedComponents(
            cfg["max_cc_rounds"], fail_if_not_converged=True)
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
                        assign_members, cfg["cluster_policy"], cfg["min_rep_similarity"], self.sig_dtype)
                    ).with_outputs("size", "stats", main="assign"))
        sizes = assigned.size | "ClusterSizes" >> beam.CombinePerKey(sum)
        assignments = (assigned.assign, labelled.single) | "AllAssignments" >> beam.Flatten()
        decisions = ({"member": grouped.members, "assign": assignments, "size": sizes}
                     | "JoinAssignments" >> beam.CoGroupByKey()
                     | "EmitDecisions" >> beam.FlatMap(emit_decisions))

        def count(pcoll, name, key):
            return (pcoll | f"Count{name}" >> beam.combiners.Count.Globally()
                    | f"{name}Stat" >> beam.Map(lambda n: {"dedup": {key: n}}))
        largest = (decisions
                   | "DupByCluster" >> beam.FlatMap(
                       lambda kv: [] if kv[1].get("kept") else [(kv[1]["cluster_id"], kv[0])])
                   | "SamplePerCluster" >> beam.CombinePerKey(ClusterSample())
                   | "SizeIdSample" >> beam.Map(lambda kv: (kv[1][0] + 1, kv[0], kv[1][1]))
                   | "LargestClusters" >> beam.combiners.Top.Of(LARGEST_CLUSTERS, key=lambda t: (t[0], t[1]))
                   | "LargestStat" >> beam.Map(largest_clusters_stats))
        params = p | "LshParams" >> beam.Create([{"dedup": {"lsh_bands": self.bands, "lsh_rows": self.rows}}])
        stats = (params,
                 count(candidates, "Candidates", "candidate_pairs"),
                 count(edges, "Verified", "verified_pairs"),
                 buckets.stats, assigned.stats, largest,
                 violations | "CcStats" >> beam.Map(lambda v: {"dedup": {"cc_violations": v}}))
        return decisions, stats | "DedupStats" >> beam.Flatten()


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

    def __init__(self, dedup_cfg):
        super().__init__()
        self.cfg = dedup_cfg

    def expand(self, docs):
        decisions, stats = docs | "Decide" >> DedupDecisions(self.cfg)
        out = ({"doc": docs | "KeyById" >> beam.Map(lambda d: (d["id"], d)), "decision": decisions}
               | "JoinDecisions" >> beam.CoGroupByKey()
               | "ApplyDecisions" >> beam.ParDo(_Tagged(_join_decision)).with_outputs(
                   "duplicates", main="kept"))
        return out.kept, out.duplicates, stats
