"""Clusters: from verified pairs and connected components to one decision per document.

Each node's best verified match (:func:`_best_match`), each component's head (the best-ranked
member, :class:`PickHead`, a lifted combiner), each member's cluster under the chaining policy
(:func:`assign_members`) and each document's decision (:func:`emit_decisions`). Used by
:class:`transforms.dedup.DedupDecisions`.
"""
import apache_beam as beam

from transforms.lsh import signature_array
from transforms.minhash import estimated_jaccard


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
                       "similarity": round(sim, 4), "match": info["match"], "hash": info["hash"]}


def emit_decisions(kv):
    """(rep_id, {'member', 'assign', 'size'}) -> (doc_id, decision) for each member of a cluster
    (the members of an exact-copy group; none for a document alone, that is its own).

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
    # a group of one copy has no member records (transforms.dedup.group_exact): it is its own
    members = joined["member"] or [(rep_id, assignment["hash"])]
    for doc_id, digest in members:
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
