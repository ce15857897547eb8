"""Deduplicate: exact duplicates by text hash, near duplicates by MinHash LSH, then clusters.

Steps, all inside the Beam graph (nothing is collected on the launcher or on one worker):

1. documents are grouped by the SHA-1 of their cleaned text; the best-ranked document of
   each group stands for it (its exact copies follow it to the end);
2. each standing document gets a MinHash signature (``transforms.minhash``), which is cut
   into ``bands`` of ``rows``; the keys ``(band, band values)`` go through a GroupByKey and
   every pair sharing a bucket is verified by estimated Jaccard >= ``threshold``;
3. verified pairs are edges of a graph whose connected components
   (``transforms.components``) are the clusters;
4. each cluster keeps its best-ranked document (``representative``: longest text, ties by
   smallest id; or smallest id; or smallest value of a meta field such as a date); every
   other member becomes a duplicate of it, ``kind`` "exact" when its text is identical.
"""
import hashlib

import apache_beam as beam
import numpy as np

from transforms.components import ConnectedComponents
from transforms.minhash import Signer, estimated_jaccard, lsh_params, shingles


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


class GroupExact(beam.DoFn):
    """(hash, docs) -> main: (rep_id, info) for the group's best doc; 'docs': (rep_id, doc) for all."""

    def __init__(self, dedup_cfg):
        self.cfg = dedup_cfg

    def setup(self):
        self.signer = Signer(self.cfg["num_perm"], self.cfg["seed"], self.cfg["scheme"])

    def process(self, hash_docs):
        digest, docs = hash_docs
        policy = self.cfg["representative"]
        docs = sorted(docs, key=lambda d: rank_key(d, policy))
        rep = docs[0]
        for doc in docs:
            yield beam.pvalue.TaggedOutput("docs", (rep["id"], doc))
        sig = self.signer.signature(shingles(rep["text"], self.cfg["ngram"]))
        yield rep["id"], {"sig": sig, "rank": rank_key(rep, policy), "hash": digest, "copies": len(docs)}


def band_keys(id_info, bands, rows):
    """Yield ``((band, band bytes), (id, signature))`` for each LSH band of one signature."""
    doc_id, info = id_info
    sig = info["sig"]
    for b in range(bands):
        yield (b, sig[b * rows:(b + 1) * rows].tobytes()), (doc_id, sig)


def verified_pairs(bucket, threshold):
    """Yield ``((id_a, id_b), similarity)`` for pairs of one LSH bucket at or above ``threshold``."""
    _, members = bucket
    members = sorted(members, key=lambda m: m[0])
    if len(members) < 2:
        return
    ids = [m[0] for m in members]
    sigs = np.stack([m[1] for m in members])
    for i in range(len(ids) - 1):
        sims = (sigs[i + 1:] == sigs[i]).mean(axis=1)
        for j in np.nonzero(sims >= threshold)[0]:
            yield (ids[i], ids[i + 1 + j]), float(sims[j])


def _label_members(kv):
    """(rep_id, {'info': [info], 'label': [component]}) -> (component, (rep_id, info))."""
    rep_id, joined = kv
    for info in joined["info"]:
        labels = joined["label"]
        yield (labels[0] if labels else rep_id), (rep_id, info)


def assign_cluster(component_members):
    """(component, [(rep_id, info)]) -> (rep_id, assignment) for every member of one cluster.

    The assignment names the cluster representative, the member's estimated Jaccard with
    it, whether its text is identical, and the cluster's total size (exact copies included).
    """
    _, members = component_members
    members = sorted(members, key=lambda m: m[1]["rank"])
    head_id, head = members[0]
    size = sum(info["copies"] for _, info in members)
    for rep_id, info in members:
        sim = 1.0 if rep_id == head_id else estimated_jaccard(info["sig"], head["sig"])
        yield rep_id, {"cluster_id": head_id, "representative": head_id, "rep_hash": head["hash"],
                       "similarity": round(sim, 4), "size": size}


def emit_records(kv):
    """(rep_id, {'docs': [...], 'assign': [assignment]}) -> kept docs and tagged duplicates."""
    _, joined = kv
    assignment = joined["assign"][0]
    head = assignment["representative"]
    for doc in joined["docs"]:
        if doc["id"] == head:
            out = dict(doc)
            out["cluster_id"] = assignment["cluster_id"]
            out["duplicate_count"] = assignment["size"] - 1
            yield out
            continue
        exact = hashlib.sha1(doc["text"].encode("utf-8")).hexdigest() == assignment["rep_hash"]
        yield beam.pvalue.TaggedOutput("duplicates", {
            "id": doc["id"], "source": doc.get("source", ""), "text": doc["text"],
            "duplicate_of": head, "cluster_id": assignment["cluster_id"],
            "similarity": 1.0 if exact else assignment["similarity"],
            "kind": "exact" if exact else "near", "meta": doc.get("meta", {}),
            "junk_hits": doc.get("junk_hits", {}), "removed": doc.get("removed", [])})


class Deduplicate(beam.PTransform):
    """PCollection[doc] -> (kept docs, duplicate records, cc violations PCollection[int])."""

    def __init__(self, dedup_cfg):
        super().__init__()
        self.cfg = dedup_cfg
        self.bands, self.rows = lsh_params(dedup_cfg["lsh_threshold"], dedup_cfg["num_perm"])

    def expand(self, docs):
        cfg = self.cfg
        grouped = (docs
                   | "KeyByTextHash" >> beam.Map(lambda d: (text_hash(d["text"]), d))
                   | "GroupExactCopies" >> beam.GroupByKey()
                   | "PickExactRepAndSign" >> beam.ParDo(GroupExact(cfg)).with_outputs("docs", main="reps"))
        reps = grouped.reps
        edges = (reps
                 | "LshBandKeys" >> beam.FlatMap(band_keys, self.bands, self.rows)
                 | "GroupBuckets" >> beam.GroupByKey()
                 | "VerifyCandidates" >> beam.FlatMap(verified_pairs, cfg["threshold"])
                 | "DistinctPairs" >> beam.CombinePerKey(max)
                 | "PairOnly" >> beam.Keys())
        labels, violations = edges | "Clusters" >> ConnectedComponents(cfg["max_cc_rounds"])
        assignments = ({"info": reps, "label": labels}
                       | "JoinLabels" >> beam.CoGroupByKey()
                       | "KeyByComponent" >> beam.FlatMap(_label_members)
                       | "GroupClusters" >> beam.GroupByKey()
                       | "AssignClusters" >> beam.FlatMap(assign_cluster))
        out = ({"docs": grouped.docs, "assign": assignments}
               | "JoinAssignments" >> beam.CoGroupByKey()
               | "EmitRecords" >> beam.FlatMap(emit_records).with_outputs("duplicates", main="kept"))
        return out.kept, out.duplicates, violations
