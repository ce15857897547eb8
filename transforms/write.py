"""Write: deterministic JSONL shards, and the stats that account for every record.

Records are spread over ``num_shards`` files by a stable hash of their id and each shard is
sorted by id, so the same input and config give byte-identical files whatever the runner or
worker count. Files are written through Beam's FileSystems (local paths or ``gs://``).

No file looks complete unless it is: each shard is written under a hidden temporary name
next to it (``.clean-00000-of-00002.jsonl.1a2b3c4d.tmp``, ``temp_path``) and renamed to its
final name only once closed; a failed write deletes its temporary file, and a killed worker
leaves only names that ``is_temp_name`` recognizes (the CLI removes them).
"""
import contextlib
import gzip
import hashlib
import json
import operator
import re
import uuid

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.dedup import apply_decision
from transforms.streams import each_stream, in_global_window

CLEAN_FIELDS = ("id", "text", "source", "meta", "lang", "cluster_id", "duplicate_count")
DUPLICATE_FIELDS = ("id", "source", "text", "lang", "duplicate_of", "cluster_id", "similarity", "kind",
                    "matched", "matched_similarity", "prior_run")
OPTIONAL_FIELDS = frozenset({"prior_run"})  # written only when set (--against runs)
REJECTED_FIELDS = ("id", "source", "stage", "reason", "detail", "text", "lang")


def shard_of(record_id, num_shards):
    """Stable shard number of an id (same on every machine and Python run).

    >>> shard_of("a", 1)
    0
    """
    return int.from_bytes(hashlib.md5(record_id.encode("utf-8")).digest()[:8], "big") % num_shards


def shard_path(output_dir, prefix, shard, num_shards, compress):
    """Path of one output shard, e.g. ``out/clean-00000-of-00001.jsonl``."""
    suffix = ".jsonl.gz" if compress else ".jsonl"
    return f"{output_dir.rstrip('/')}/{prefix}-{shard:05d}-of-{num_shards:05d}{suffix}"


TEMP_RE = re.compile(r"^\.(?:(?:clean|duplicates|rejected|removed|index)-\d+-of-\d+\.(?:jsonl(?:\.gz)?|parquet)"
                     r"|_meta\.json)\.[0-9a-f]{8}\.tmp$")


def temp_path(path):
    """A unique hidden temporary name next to ``path`` (attempts of one shard never collide).

    >>> bool(TEMP_RE.match(temp_path("out/clean-00000-of-00001.jsonl").split("/")[-1]))
    True
    """
    head, _, name = path.rpartition("/")
    return f"{head}/.{name}.{uuid.uuid4().hex[:8]}.tmp" if head else f".{name}.{uuid.uuid4().hex[:8]}.tmp"


def is_temp_name(name):
    """True for the file name of a shard still being written (or left by a killed run).

    >>> is_temp_name(".rejected-00001-of-00002.jsonl.gz.0f1e2d3c.tmp"), is_temp_name("clean-00000-of-00001.jsonl")
    (True, False)
    """
    return TEMP_RE.match(name) is not None


def to_json_line(record, fields):
    """One JSON line holding ``fields`` of ``record`` in that order (non-ASCII kept as is)."""
    return json.dumps({f: record.get(f) for f in fields
                       if f not in OPTIONAL_FIELDS or record.get(f) is not None},
                      ensure_ascii=False, sort_keys=False)


@contextlib.contextmanager
def created_atomically(path):
    """A handle to write ``path`` through: the file is written under :func:`temp_path` and
    renamed to ``path`` once the ``with`` block completes; on any failure (or interrupt) the
    temporary file is deleted and nothing is named ``path``."""
    tmp = temp_path(path)
    try:
        with FileSystems.create(tmp) as handle:
            yield handle
        FileSystems.rename([tmp], [path])
    except BaseException:
        _delete_quietly(tmp)
        raise


def write_sorted(path, records, fields, compress, chunk_bytes=1 << 20):
    """Write ``records`` (dicts with an ``id``) sorted by id as JSON lines to ``path``
    (:func:`created_atomically`).

    Lines are encoded one at a time and written in ~1 MiB chunks, so a shard never exists
    twice in memory as one big string; gzip output has no name and mtime 0 (byte-stable).
    """
    records = sorted(records, key=lambda r: r["id"])
    with created_atomically(path) as handle:
        out = gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0) if compress else handle
        chunk, size = [], 0
        for record in records:
            line = (to_json_line(record, fields) + "\n").encode("utf-8")
            chunk.append(line)
            size += len(line)
            if size >= chunk_bytes:
                out.write(b"".join(chunk))
                chunk, size = [], 0
        out.write(b"".join(chunk))
        if compress:
            out.close()


def write_bytes_atomically(path, data):
    """Write ``data`` (bytes) to ``path`` (:func:`created_atomically`)."""
    with created_atomically(path) as handle:
        handle.write(data)


def _delete_quietly(path):
    """Delete ``path`` if it exists; a clean-up failure must not hide the original error."""
    try:
        if FileSystems.exists(path):
            FileSystems.delete([path])
    except Exception:  # noqa: BLE001
        pass


class WriteShard(beam.DoFn):
    """(shard, records) -> writes one sorted shard file and yields its path."""

    def __init__(self, output_dir, prefix, num_shards, fields, compress):
        self.output_dir, self.prefix = output_dir, prefix
        self.num_shards, self.fields, self.compress = num_shards, fields, compress

    def process(self, shard_records):
        shard, records = shard_records
        path = shard_path(self.output_dir, self.prefix, shard, self.num_shards, self.compress)
        write_sorted(path, [r for r in records if r is not None], self.fields, self.compress)
        yield path


class WriteJsonlShards(beam.PTransform):
    """PCollection[record] (or a tuple of them, see ``transforms.streams``) ->
    ``{prefix}-NNNNN-of-MMMMM.jsonl`` files, one per shard (even empty)."""

    def __init__(self, output_dir, prefix, num_shards, fields, compress=False):
        super().__init__()
        self.output_dir, self.prefix = output_dir, prefix
        self.num_shards, self.fields, self.compress = num_shards, fields, compress

    def expand(self, records):
        n = self.num_shards
        keyed = each_stream(records, "KeyByShard", lambda: beam.Map(lambda r: (shard_of(r["id"], n), r)))
        empty = keyed[0].pipeline | "AllShards" >> beam.Create([(i, None) for i in range(n)])
        return (keyed + (empty,)
                | "WithEmptyShards" >> beam.Flatten()
                | "GroupShards" >> beam.GroupByKey()
                | "WriteShard" >> beam.ParDo(WriteShard(self.output_dir, self.prefix, n,
                                                        self.fields, self.compress)))


class WriteCorpusShard(beam.DoFn):
    """(shard, docs) and the decisions by shard (a multimap side input of ``(shard, (id,
    decision))``) -> the shard's clean and duplicates files; yields the shard's summed
    counters (kept, duplicates, cluster sizes)."""

    def __init__(self, output_dir, num_shards, compress, fmt="jsonl"):
        self.output_dir, self.num_shards, self.compress, self.fmt = output_dir, num_shards, compress, fmt

    def process(self, shard_docs, decisions_by_shard):
        shard, docs = shard_docs
        yield self.write(shard, docs, dict(decisions_by_shard[shard]))

    def write(self, shard, docs, decisions):
        """Write shard ``shard`` of ``docs`` given their ``decisions`` (id -> decision);
        returns its counters."""
        clean, duplicates = [], []
        stats = {"counts": {"kept": 0, "duplicates": 0}}
        for doc in docs:
            kept, record = apply_decision(doc, decisions.get(doc["id"]))
            (clean if kept else duplicates).append(record)
            deep_add(stats, kept_stats(record) if kept else duplicate_stats(record))
        for prefix, records, fields in (("clean", clean, CLEAN_FIELDS),
                                        ("duplicates", duplicates, DUPLICATE_FIELDS)):
            if prefix == "clean" and self.fmt == "parquet":  # output.format (transforms/columnar.py)
                from transforms.columnar import write_parquet_sorted
                path = shard_path(self.output_dir, prefix, shard, self.num_shards, False)
                write_parquet_sorted(path.rsplit(".", 1)[0] + ".parquet", records, fields)
                continue
            path = shard_path(self.output_dir, prefix, shard, self.num_shards, self.compress)
            write_sorted(path, records, fields, self.compress)
        return stats


class WriteEmptyShards(beam.DoFn):
    """shard number, and the shard numbers that had records (a list side input) -> writes
    the shard with no records through ``writer.write(shard, (), {})`` unless it had some,
    and yields what that returns (the shard's counters)."""

    def __init__(self, writer):
        self.writer = writer
        self._filled = self._of = None

    def process(self, shard, filled):
        if filled is not self._of:  # the side input's set, built once (per bundle at most)
            self._filled, self._of = set(filled), filled
        if shard not in self._filled:
            yield self.writer.write(shard, (), {})


def group_by_shard(records, num_shards, label, shard_key, writer, decisions):
    """Records (a PCollection, or a tuple of them: ``transforms.streams``) grouped by
    ``shard_of(shard_key(record))`` with one GroupByKey of the records alone, then
    ``writer`` (a DoFn taking ``(shard, records)`` and the decisions of that shard as a
    multimap side input) once per shard that has records, and ``writer.write(shard, (), {})``
    for every other shard. Returns the PCollection of what both yield.

    The decisions reach the writer as a side input looked up by shard, not as one more
    input of a CoGroupByKey: Beam's in-process runner copies every input of a Flatten (and
    so of a CoGroupByKey) once more before grouping; a side input is read per shard.
    """
    streams = each_stream(records, f"{label}Shard", lambda: beam.Map(
        lambda r: (shard_of(shard_key(r), num_shards), r)))
    keyed = streams[0] if len(streams) == 1 else streams | f"All{label}s" >> beam.Flatten()
    grouped = keyed | "GroupShards" >> beam.GroupByKey()
    by_shard = beam.pvalue.AsMultiMap(
        decisions | "DecisionShard" >> beam.Map(lambda kv: (shard_of(kv[0], num_shards), kv)))
    written = grouped | "WriteShard" >> beam.ParDo(writer, by_shard)
    filled = beam.pvalue.AsList(grouped | "FilledShards" >> beam.Keys())
    empty = (keyed.pipeline
             | "AllShards" >> beam.Create(list(range(num_shards)))
             | "WriteEmptyShards" >> beam.ParDo(WriteEmptyShards(writer), filled))
    return (written, empty) | "ShardOutputs" >> beam.Flatten()


class WriteCorpus(beam.PTransform):
    """(PCollection[doc] or a tuple of them, PCollection[(doc_id, decision)]) -> ``clean-*``
    and ``duplicates-*`` shards (one of each per shard, even empty) and a PCollection of
    counter dicts.

    The documents are grouped by shard alone and meet their dedup decisions there, read
    per shard from a side input (:func:`group_by_shard`), so they move through a single
    shuffle after deduplication; a document without a decision is kept alone
    (``transforms.dedup.apply_decision``).
    """

    def __init__(self, output_dir, num_shards, compress=False, fmt="jsonl"):
        super().__init__()
        self.output_dir, self.num_shards, self.compress, self.fmt = output_dir, num_shards, compress, fmt

    def expand(self, pcolls):
        docs, decisions = pcolls
        writer = WriteCorpusShard(self.output_dir, self.num_shards, self.compress, self.fmt)
        return group_by_shard(docs, self.num_shards, "Doc", operator.itemgetter("id"), writer, decisions)


# ---------------------------------------------------------------------------- stats

def deep_add(into, other):
    """Add nested dicts of numbers ``other`` into ``into`` (in place) and return ``into``.

    >>> deep_add({"a": 1, "b": {"x": 2}}, {"a": 2, "b": {"x": 1, "y": 5}})
    {'a': 3, 'b': {'x': 3, 'y': 5}}
    """
    for key, value in other.items():
        if isinstance(value, dict):
            deep_add(into.setdefault(key, {}), value)
        elif isinstance(value, list):  # e.g. dedup.largest_clusters: lists concatenate
            into[key] = into.get(key, []) + value
        else:
            into[key] = into.get(key, 0) + value
    return into


class DeepSum(beam.CombineFn):
    """Combine nested counter dicts by addition (associative, so it runs as a combiner tree)."""

    def create_accumulator(self):
        return {}

    def add_input(self, acc, item):
        return deep_add(acc, item)

    def merge_accumulators(self, accs):
        out = {}
        for acc in accs:
            deep_add(out, acc)
        return out

    def extract_output(self, acc):
        return acc


@beam.typehints.with_output_types(beam.typehints.Any)  # nested dicts: never a typed MapCoder
class BundleStats(beam.DoFn):
    """record -> nothing per record; once per bundle, the sum (``deep_add``) of
    ``stats_of(record)`` over the bundle's records. The stats Flatten and ``DeepSum`` then
    move one element a bundle instead of one a record (same total: the sum is associative)."""

    def __init__(self, stats_of):
        self.stats_of = stats_of

    def start_bundle(self):
        self.total = {}

    def process(self, record):
        deep_add(self.total, self.stats_of(record))
        return ()

    def finish_bundle(self):
        if self.total:
            yield in_global_window(self.total)
        self.total = {}


def read_stats(_record):
    """Counters of one record read (document or read-stage rejection)."""
    return {"counts": {"read": 1}}


def junk_stats(doc):
    """Counters of one cleaned document: lines and documents hit per junk rule."""
    hits = doc.get("junk_hits", {})
    return {"rules": {name: {"lines": n, "docs": 1} for name, n in hits.items()}}


def _language(rec):
    """``{lang: 1}`` of a record whose language was detected, else {} (rejected at read)."""
    lang = rec.get("lang")
    return {lang: 1} if lang else {}


def kept_stats(doc):
    """Counters of one kept document: count, cluster size histogram, language.

    Every document whose language was detected ends as exactly one kept, duplicate or rejected
    record, so ``languages`` (summed over the three) counts the documents of each language and
    ``languages_kept`` the kept ones.
    """
    size = doc["duplicate_count"] + 1
    lang = _language(doc)
    return {"counts": {"kept": 1}, "cluster_sizes": {str(size): 1} if size > 1 else {},
            "languages": lang, "languages_kept": lang}


def duplicate_stats(rec):
    """Counters of one duplicate record, by kind and language."""
    return {"counts": {"duplicates": 1}, "duplicates_by_kind": {rec["kind"]: 1}, "languages": _language(rec)}


def rejected_stats(rec):
    """Counters of one rejected record, by stage and reason, and language."""
    return {"counts": {"rejected": 1}, "rejected_by_reason": {f"{rec['stage']}:{rec['reason']}": 1},
            "languages": _language(rec)}
