"""Assemble the textwash pipeline: read -> normalize -> strip junk -> filter -> dedup -> write.

``build(pipeline, cfg, specs, output_dir, num_shards)`` adds every stage to a Beam pipeline;
``finalize(output_dir, ...)`` runs on the launcher after the job: it reads the stats the job
wrote, checks that ``read == kept + duplicates + rejected``, adds run facts and writes
``stats.json`` and ``_SUCCESS`` last, so a failed run never looks complete.
"""
import json

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.boilerplate import BoilerplateStreams
from transforms.dedup import DedupDecisions
from transforms.filter import FilterDocs
from transforms.ids import AssignUniqueIds, ReadRecords
from transforms.index import INDEX_DIR, WriteIndex, index_meta, writes_fingerprints
from transforms.junk import StripJunk
from transforms.normalize import Normalize
from transforms.records import REJECTED
from transforms.streams import each_stream
from transforms.write import (REJECTED_FIELDS, BundleStats, DeepSum, WriteCorpus,
                              WriteJsonlShards, junk_stats, read_stats, rejected_stats)

JOB_STATS = "_job_stats.json"
OUTPUT_PREFIXES = ("clean", "duplicates", "rejected", "removed")
OUTPUT_DIRS = (INDEX_DIR,)  # directories a run writes (the dedup index, transforms/index.py)
MARKER = "_SUCCESS"


class ConservationError(Exception):
    """The run lost or double-counted records: read != kept + duplicates + rejected."""


def _removed_lines(doc):
    return [{"id": f"{doc['id']}#{i}", "doc_id": doc["id"], "rule": rule, "line": line}
            for i, (rule, line) in enumerate(doc.get("removed", []))]


def _write_json(path, payload):
    with FileSystems.create(path) as handle:
        handle.write(json.dumps(payload, indent=2, sort_keys=True).encode("utf-8"))


def _stats_per_bundle(streams, label, stats_of):
    """``stats_of`` summed per bundle over every stream (``write.BundleStats``), as a tuple of
    PCollections of counter dicts."""
    return each_stream(streams, label, lambda: beam.ParDo(BundleStats(stats_of)))


def build(pipeline, cfg, specs, output_dir, num_shards, against=()):
    """Add the whole job to ``pipeline``; outputs and the job stats land in ``output_dir``.

    ``against``: ``transforms.prior.PriorIndex`` of earlier runs to deduplicate against. With
    ``dedup.index`` the dedup index of the kept documents goes to ``output_dir/index``.

    After the boilerplate stage the documents travel as streams (``transforms.streams``):
    those without candidate lines and the rebuilt ones, never flattened, up to the groupings
    that take each stream as an input (exact copies, fingerprints, shards).
    """
    compress = cfg["output"]["compress"]
    records = pipeline | "Read" >> ReadRecords(specs, cfg["input"])
    ids = records | "UniqueIds" >> AssignUniqueIds(cfg["input"].get("duplicate_ids", "qualify"))
    normalized = ids.docs | "Normalize" >> Normalize(cfg["normalize"])
    keep_removed = cfg["output"]["write_removed"]  # removed lines travel only when written
    cleaned = normalized | "StripJunk" >> StripJunk(dict(cfg["junk"], keep_removed=keep_removed))
    stripped = cleaned.docs | "Boilerplate" >> BoilerplateStreams(cfg["junk"]["boilerplate"], keep_removed)
    filtered = each_stream(stripped, "Filter", lambda: FilterDocs(cfg["filter"]))
    kept = tuple(f.docs for f in filtered)
    index_stats = ()
    if cfg["dedup"]["enabled"]:
        index = cfg["dedup"]["index"] and ("prints" if writes_fingerprints(cfg) else "sig")
        decisions, dedup_stats, *rows = kept | "Dedup" >> DedupDecisions(cfg["dedup"], against, index or None)
        if index:
            index_stats = ((rows[0], decisions) | "WriteIndex" >> WriteIndex(
                f"{output_dir.rstrip('/')}/{INDEX_DIR}", num_shards, index_meta(cfg, index == "prints")),)
    else:
        decisions = pipeline | "NoDecisions" >> beam.Create([])
        dedup_stats = pipeline | "NoDedupStats" >> beam.Create([{"dedup": {"cc_violations": 0}}])
    rejected = (ids[REJECTED], cleaned[REJECTED]) + tuple(f[REJECTED] for f in filtered)

    corpus_stats = ((kept, decisions)
                    | "WriteCorpus" >> WriteCorpus(output_dir, num_shards, compress,
                                                   cfg["output"]["format"]))
    rejected | "WriteRejected" >> WriteJsonlShards(output_dir, "rejected", num_shards,
                                                   REJECTED_FIELDS, compress)
    if cfg["output"]["write_removed"]:
        (each_stream(stripped, "RemovedLines", lambda: beam.FlatMap(_removed_lines))
         | "WriteRemoved" >> WriteJsonlShards(output_dir, "removed", num_shards,
                                              ("doc_id", "rule", "line"), compress))

    partial = (_stats_per_bundle(records, "ReadStats", read_stats)
               + _stats_per_bundle(stripped, "JunkStats", junk_stats)
               + _stats_per_bundle(rejected, "RejectedStats", rejected_stats)
               + (corpus_stats, dedup_stats) + index_stats)
    (partial
     | "AllStats" >> beam.Flatten()
     | "SumStats" >> beam.CombineGlobally(DeepSum())
     | "WriteJobStats" >> beam.Map(lambda s: _write_json(f"{output_dir}/{JOB_STATS}", s)))


def read_job_stats(output_dir):
    """The counters the job wrote (dict)."""
    with FileSystems.open(f"{output_dir}/{JOB_STATS}") as handle:
        return json.loads(handle.read().decode("utf-8"))


def finalize(output_dir, job_stats, extra):
    """Check conservation, write ``stats.json`` then ``_SUCCESS``; return the stats dict.

    Raises ConservationError (and writes no ``_SUCCESS``) when the counts do not add up or
    the clustering rounds did not converge.
    """
    counts = job_stats.setdefault("counts", {})
    for key in ("read", "kept", "duplicates", "rejected"):
        counts.setdefault(key, 0)
    stats = dict(job_stats, **extra)
    stats["conserved"] = counts["read"] == counts["kept"] + counts["duplicates"] + counts["rejected"]
    _write_json(f"{output_dir}/stats.json", stats)
    FileSystems.delete([f"{output_dir}/{JOB_STATS}"])
    from pipeline.report import write_report
    write_report(output_dir, stats)
    if not stats["conserved"]:
        raise ConservationError(
            f"records lost: read={counts['read']} but kept+duplicates+rejected="
            f"{counts['kept'] + counts['duplicates'] + counts['rejected']}")
    unresolved = stats.get("dedup", {}).get("cc_violations")
    if unresolved:
        raise ConservationError(
            f"clustering did not converge in dedup.max_cc_rounds rounds ({unresolved} nodes "
            "unresolved); raise dedup.max_cc_rounds and re-run")
    with FileSystems.create(f"{output_dir}/{MARKER}") as handle:
        handle.write(b"")
    return stats
