"""``textwash inspect OUTPUT_DIR ID``: what happened to one document, and why.

Reads the output directory of a finished run (streaming its shards, stopping early where it
can): where the document ended up (clean / duplicates / rejected) and why, the junk rules
that fired with the lines they removed (from ``removed-*``, written with
``output.write_removed: true``), and its cluster with the MinHash-estimated and exact
shingle Jaccard similarity to each member, computed with the run's dedup settings.
"""
import json

from apache_beam.io.filesystems import FileSystems

from pipeline.report import iter_records
from transforms.minhash import Signer, estimated_jaccard, shingles

MAX_MEMBERS = 50


class InspectError(Exception):
    """The output directory or the document cannot be found (one-line message)."""


def load_stats(output_dir):
    """``stats.json`` of a finished run (dict); InspectError if the directory holds no run."""
    path = f"{output_dir.rstrip('/')}/stats.json"
    try:
        with FileSystems.open(path) as handle:
            return json.loads(handle.read().decode("utf-8"))
    except Exception:
        raise InspectError(f"{output_dir!r} holds no textwash run (no readable stats.json)") from None


def find_document(output_dir, doc_id):
    """``(kind, record)`` of ``doc_id``: kind is 'clean', 'duplicates' or 'rejected'; None if absent."""
    for kind in ("clean", "duplicates", "rejected"):
        for rec in iter_records(output_dir, kind):
            if rec["id"] == doc_id:
                return kind, rec
    return None


def removed_lines(output_dir, doc_id):
    """``[(rule, line)]`` removed from ``doc_id``, or None when the run did not record removed lines."""
    found, any_file = [], False
    for rec in iter_records(output_dir, "removed"):
        any_file = True
        if rec["doc_id"] == doc_id:
            found.append((rec["rule"], rec["line"]))
    if not any_file and not _has_shards(output_dir, "removed"):
        return None
    return found


def _has_shards(output_dir, prefix):
    try:
        return bool(FileSystems.match([f"{output_dir.rstrip('/')}/{prefix}-*"])[0].metadata_list)
    except Exception:
        return False


def cluster_of(output_dir, cluster_id, limit=MAX_MEMBERS):
    """Members of a cluster: ``[(record, role)]``, the representative first, at most ``limit``."""
    members = [(rec, "representative") for rec in iter_records(output_dir, "clean") if rec["id"] == cluster_id]
    for rec in iter_records(output_dir, "duplicates"):
        if rec["cluster_id"] == cluster_id and len(members) < limit:
            members.append((rec, f"{rec['kind']} duplicate"))
    return members


def dedup_settings(stats):
    """The dedup config of the run (from the config file / preset / overrides in stats), or defaults."""
    from pipeline.config import ConfigError, load_settings
    conf = stats.get("config") or {}
    try:
        return load_settings(conf.get("file"), conf.get("preset"), conf.get("overrides") or []).dedup, ""
    except ConfigError as exc:
        return load_settings().dedup, f" (run config unavailable: {exc}; default dedup settings used)"


def similarities(text, others, dedup):
    """``[(minhash estimate, exact Jaccard)]`` of ``text`` against each text of ``others``."""
    signer = Signer.from_settings(dedup)
    n = dedup.ngram
    mine = shingles(text, n)
    sig = signer.signature(mine)
    out = []
    for other in others:
        theirs = shingles(other, n)
        union = len(mine | theirs)
        exact = len(mine & theirs) / union if union else 1.0
        out.append((estimated_jaccard(sig, signer.signature(theirs)), exact))
    return out


def explain(output_dir, doc_id):
    """The full explanation of one document as text (str); InspectError if it is not in the run."""
    stats = load_stats(output_dir)
    found = find_document(output_dir, doc_id)
    if found is None:
        raise InspectError(f"no document with id {doc_id!r} in {output_dir!r} "
                           "(ids are the 'id' field of clean-/duplicates-/rejected-*.jsonl)")
    kind, rec = found
    out = [f"document {doc_id}  (source {rec.get('source') or '?'})"]
    cluster_id = rec.get("cluster_id")
    if kind == "clean":
        n = rec.get("duplicate_count", 0)
        out.append("  ended up in: clean-*.jsonl (kept)")
        out.append("  why: passed every filter; " + (
            f"representative of cluster {cluster_id} with {n} duplicate(s)" if n else "no duplicate found"))
    elif kind == "duplicates":
        out.append("  ended up in: duplicates-*.jsonl (removed as a duplicate)")
        out.append(f"  why: {rec['kind']} duplicate of {rec['duplicate_of']} "
                   f"(similarity {rec['similarity']}); the representative ranks first in the cluster")
    else:
        out.append("  ended up in: rejected-*.jsonl")
        out.append(f"  why: stage {rec['stage']}, reason {rec['reason']}: {rec.get('detail', '')}")
    removed = removed_lines(output_dir, doc_id)
    out.append("")
    if removed is None:
        out.append("junk rules: not recorded in this run (re-run with --set output.write_removed=true)")
    elif not removed:
        out.append("junk rules: none fired (no line removed)")
    else:
        out.append(f"junk rules that fired ({len(removed)} line(s) or fragment(s) removed):")
        width = max(len(rule) for rule, _ in removed)
        for rule, line in removed:
            out.append(f"  {rule:{width}}  {_short(line, 100)!r}")
    if kind in ("clean", "duplicates") and cluster_id:
        members = cluster_of(output_dir, cluster_id)
        out.append("")
        if len(members) <= 1:
            out.append("cluster: none (no near or exact duplicate)")
        else:
            dedup, note = dedup_settings(stats)
            others = [(m, role) for m, role in members if m["id"] != doc_id]
            sims = similarities(rec["text"], [m["text"] for m, _ in others], dedup)
            out.append(f"cluster {cluster_id}: {len(members)} member(s) shown; similarity of {doc_id} to each "
                       f"({dedup.ngram}-word shingles, {dedup.num_perm} perm, threshold {dedup.threshold})"
                       f"{note}:")
            width = max(len(m["id"]) for m, _ in others)
            out.append(f"  {'member':{width}}  {'role':22}  minhash  exact")
            for (m, role), (est, exact) in zip(others, sims):
                out.append(f"  {m['id']:{width}}  {role:22}  {est:7.3f}  {exact:5.3f}")
    return "\n".join(out) + "\n"


def _short(text, limit):
    return text if len(text) <= limit else text[:limit] + "…"


def add_parser(sub):
    """Register the ``inspect`` subcommand on an argparse subparsers object."""
    p = sub.add_parser("inspect", help="explain what happened to one document of a finished run",
                       description="Show where one document ended up and why, the junk rules that "
                                   "fired with the lines they removed, and its cluster with "
                                   "similarities to each member.")
    p.add_argument("output_dir", metavar="OUTPUT_DIR", help="output directory of a finished run")
    p.add_argument("doc_id", metavar="ID", help="document id (the 'id' field of the output records)")
    return p


def command(args):
    """Run ``textwash inspect``; returns 0 (InspectError for a missing run or id)."""
    print(explain(args.output_dir, args.doc_id), end="")
    return 0
