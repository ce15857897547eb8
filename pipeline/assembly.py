"""Assemble the textwash pipeline: read -> normalize -> strip junk -> filter -> dedup -> write.

``build(pipeline, settings, specs, output_dir, num_shards)`` adds every stage to a Beam pipeline;
``finalize(output_dir, ...)`` runs on the launcher after the job: it reads the stats the job
wrote, checks that ``read == kept + duplicates + rejected``, adds run facts and writes
``stats.json`` and ``_SUCCESS`` last, so a failed run never looks complete. A run that read
nothing, or rejected more than ``max_rejected_share`` of what it read, is a failed run too:
its outputs and ``stats.json`` stay for a look, ``_SUCCESS`` is not written.
"""
import json

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.boilerplate import RemoveBoilerplate
from transforms.dedup import DedupDecisions
from transforms.filter import FilterDocs
from transforms.ids import AssignUniqueIds, ReadRecords
from transforms.index import INDEX_DIR, WriteIndex, index_meta
from transforms.junk import StripJunk
from transforms.normalize import Normalize
from transforms.ratios import RejectByRatios
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


class RunFailed(Exception):
    """The job ran, but its result is not a usable corpus (no ``_SUCCESS``); ``stats`` says why."""

    def __init__(self, message, stats):
        super().__init__(message)
        self.stats = stats


class NothingRead(RunFailed):
    """The inputs gave no record at all."""


class TooManyRejected(RunFailed):
    """More than ``max_rejected_share`` of the records read were rejected."""


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


def build(pipeline, settings, specs, output_dir, num_shards, against=()):
    """Add the whole job to ``pipeline``; outputs and the job stats land in ``output_dir``.

    ``settings``: the run's :class:`transforms.stage_settings.Settings` (``load_settings``).

    ``against``: ``transforms.prior.PriorIndex`` of earlier runs to deduplicate against. With
    ``dedup.index`` the dedup index of the kept documents goes to ``output_dir/index``.

    Every stage takes one PCollection of documents and gives one (plus its rejected records).
    """
    compress = settings.output.compress
    records = pipeline | "Read" >> ReadRecords(specs, settings.input)
    ids = records | "UniqueIds" >> AssignUniqueIds(settings.input.duplicate_ids)
    normalized = ids.docs | "Normalize" >> Normalize(settings.normalize)
    keep_removed = settings.output.write_removed  # removed lines travel only when written
    junk = settings.junk
    cleaned = normalized | "StripJunk" >> StripJunk(junk, keep_removed)
    judged = cleaned.docs | "DocRatios" >> RejectByRatios(junk.doc_ratios)
    stripped = judged.docs | "Boilerplate" >> RemoveBoilerplate(junk.boilerplate, keep_removed)
    filtered = stripped | "Filter" >> FilterDocs(settings.filter)
    kept = filtered.docs
    index_stats = ()
    if settings.dedup.enabled:
        index = settings.dedup.index and ("prints" if settings.dedup.writes_fingerprints else "sig")
        decisions, dedup_stats, *rows = kept | "Dedup" >> DedupDecisions(settings.dedup, against, index or None)
        if index:
            index_stats = ((rows[0], decisions) | "WriteIndex" >> WriteIndex(
                f"{output_dir.rstrip('/')}/{INDEX_DIR}", num_shards, index_meta(settings, index == "prints")),)
    else:
        decisions = pipeline | "NoDecisions" >> beam.Create([])
        dedup_stats = pipeline | "NoDedupStats" >> beam.Create([{"dedup": {"cc_violations": 0}}])
    rejected = (ids[REJECTED], cleaned[REJECTED], judged[REJECTED], filtered[REJECTED])

    corpus_stats = ((kept, decisions)
                    | "WriteCorpus" >> WriteCorpus(output_dir, num_shards, compress,
                                                   settings.output.format))
    rejected | "WriteRejected" >> WriteJsonlShards(output_dir, "rejected", num_shards,
                                                   REJECTED_FIELDS, compress)
    if settings.output.write_removed:
        (stripped | "RemovedLines" >> beam.FlatMap(_removed_lines)
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


def finalize(output_dir, job_stats, extra, max_rejected_share=None):
    """Check conservation, write ``stats.json`` then ``_SUCCESS``; return the stats dict.

    Raises ConservationError (and writes no ``_SUCCESS``) when the counts do not add up or
    the clustering rounds did not converge; NothingRead when no record was read;
    TooManyRejected when ``rejected / read`` exceeds ``max_rejected_share`` (None: no limit).
    ``stats.json`` (with ``rejected_share``) and ``report.html`` are written in every case.
    """
    counts = job_stats.setdefault("counts", {})
    for key in ("read", "kept", "duplicates", "rejected"):
        counts.setdefault(key, 0)
    stats = dict(job_stats, **extra)
    stats["conserved"] = counts["read"] == counts["kept"] + counts["duplicates"] + counts["rejected"]
    share = counts["rejected"] / counts["read"] if counts["read"] else 0.0
    stats["rejected_share"] = round(share, 6)
    too_many = max_rejected_share is not None and share > max_rejected_share
    if max_rejected_share is not None:
        stats["max_rejected_share"] = max_rejected_share
    if not counts["read"]:
        stats["failed"] = "no record was read"
    elif too_many:
        stats["failed"] = f"rejected share {share:.3f} > max_rejected_share {max_rejected_share}"
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
    if not counts["read"]:
        raise NothingRead("the inputs gave no record (0 read)", stats)
    if too_many:
        raise TooManyRejected(f"{counts['rejected']:,} of {counts['read']:,} records rejected "
                              f"({100 * share:.1f} % > --max-rejected-share {max_rejected_share})", stats)
    with FileSystems.create(f"{output_dir}/{MARKER}") as handle:
        handle.write(b"")
    return stats
