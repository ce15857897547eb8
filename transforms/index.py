"""The dedup index every run writes: ``OUT/index/``, what a later run deduplicates against.

One row per *kept* document (Parquet, via pyarrow), sharded like the corpus (``index-SSSSS-of-
NNNNN.parquet``: the same ``write.shard_of`` of the id, rows sorted by id, row groups of
``ROW_GROUP`` rows so a reader can fetch a few documents by id from their row groups' min / max
statistics):

=========  ====================  ==========================================================
column     type                  content
=========  ====================  ==========================================================
id         string                the document id (as in ``clean-*``)
hash       fixed_size_binary 20  SHA-1 of the UTF-8 cleaned text: ``dedup.text_hash`` (raw bytes)
chars      int64                 length of the cleaned text (``representative: longest``)
sig        binary (nullable)     MinHash signature, ``num_perm`` values of ``sig_dtype``
                                 (``<u4`` / ``<u8``), raw bytes; null for a text without words.
                                 The LSH band keys are recomputed from it (``bands`` x ``rows``)
prints     binary (nullable)     with ``fingerprints``: the sorted unique 64-bit shingle hashes
                                 (little-endian uint64), for exact Jaccard verification of
                                 a later run's candidates; absent without
=========  ====================  ==========================================================

``_meta.json`` (written by the job after the shards; a directory without it holds no usable
index) records the format ``version`` and the settings that made the index. A later run may use
the index only when every one of ``COMPAT_KEYS`` equals its own (:func:`check_compatible`):
different shingles, permutations, hash, bands or normalization would make signatures, band keys
or text hashes incomparable, and a different threshold would mix two definitions of a duplicate.
"""
import io
import json
import operator

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.minhash import lsh_params

FORMAT = "textwash-dedup-index"
VERSION = 1
INDEX_DIR = "index"
META = "_meta.json"
ROW_GROUP = 1024
#: the tokenization of ``transforms.minhash`` (bump when it changes: old signatures would differ)
TOKENS = "nfkc-lower-w+"
TEXT_HASH = "sha1-utf8"
COMPAT_KEYS = ("format", "version", "tokens", "text_hash", "ngram", "num_perm", "seed", "scheme",
               "hash", "bands", "rows", "threshold", "normalization")


class PriorIndexError(Exception):
    """An ``--against`` index that cannot be used (missing, incomplete, other settings)."""


def index_meta(settings, fingerprints):
    """The settings part of ``_meta.json`` for a run's :class:`transforms.stage_settings.Settings`
    (``docs`` / ``shards`` / ``bytes`` are added by the job)."""
    d = settings.dedup
    bands, rows = lsh_params(d.lsh_threshold, d.num_perm)
    from transforms.lsh import signature_dtype
    return {"format": FORMAT, "version": VERSION, "tokens": TOKENS, "text_hash": TEXT_HASH,
            "ngram": d.ngram, "num_perm": d.num_perm, "seed": d.seed, "scheme": d.scheme,
            "hash": d.hash, "bands": bands, "rows": rows, "lsh_threshold": d.lsh_threshold,
            "threshold": d.threshold, "normalization": settings.normalize.ftfy.options(),
            "sig_dtype": signature_dtype(d), "fingerprints": bool(fingerprints),
            "verify": d.verify, "representative": d.representative}


def index_shard_path(index_dir, shard, num_shards):
    return f"{index_dir.rstrip('/')}/index-{shard:05d}-of-{num_shards:05d}.parquet"


def index_pattern(index_dir, num_shards):
    """Glob of exactly the shards a ``_meta.json`` announces (stale shards of an earlier
    write with another shard count never match)."""
    return f"{index_dir.rstrip('/')}/index-?????-of-{num_shards:05d}.parquet"


def _schema(fingerprints):
    import pyarrow as pa
    fields = [pa.field("id", pa.string(), nullable=False),
              pa.field("hash", pa.binary(20), nullable=False),
              pa.field("chars", pa.int64(), nullable=False),
              pa.field("sig", pa.binary())]
    if fingerprints:
        fields.append(pa.field("prints", pa.binary()))
    return pa.schema(fields)


def index_row(doc, digest, sig, prints):
    """(id, row) of one signed document (``digest``: its hex text hash): the row as a tuple in
    column order; ``prints`` False for an index without fingerprints."""
    row = (doc["id"], bytes.fromhex(digest), len(doc["text"]), sig)
    return doc["id"], row if prints is False else row + (prints,)


class _CountingWriter(io.RawIOBase):
    """A write-only file over ``handle`` that counts what goes through it (pyarrow asks ``tell``)."""

    def __init__(self, handle):
        super().__init__()
        self.handle, self.count = handle, 0

    def writable(self):
        return True

    def write(self, data):
        self.handle.write(data)
        self.count += len(data)
        return len(data)

    def tell(self):
        return self.count


def write_index_file(handle, rows, fingerprints):
    """Write the Parquet file of index rows (tuples in column order), sorted by id, to
    ``handle``, one row group of ``ROW_GROUP`` rows at a time (never the whole file in
    memory); returns the number of bytes written."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    schema = _schema(fingerprints)
    rows = sorted(rows, key=lambda r: r[0])
    out = _CountingWriter(handle)
    # ids compress; signatures and fingerprints are random bytes (no codec, no dictionary)
    with pq.ParquetWriter(out, schema, use_dictionary=False, write_statistics=["id"],
                          compression={"id": "zstd", "hash": "none", "chars": "zstd", "sig": "none",
                                       **({"prints": "none"} if fingerprints else {})}) as writer:
        for start in range(0, max(len(rows), 1), ROW_GROUP):  # an empty shard: one empty group
            group = rows[start:start + ROW_GROUP]
            writer.write_table(pa.Table.from_arrays(
                [pa.array([r[i] for r in group], type=field.type) for i, field in enumerate(schema)],
                schema=schema))
    return out.count


class WriteIndexShard(beam.DoFn):
    """(shard, (id, row) pairs) and the decisions by shard (a multimap side input, see
    ``transforms.write.group_by_shard``) -> the shard's Parquet file with the rows of kept
    documents (no decision, or a kept one); yields its counters."""

    def __init__(self, index_dir, num_shards, fingerprints):
        self.index_dir, self.num_shards, self.fingerprints = index_dir, num_shards, fingerprints

    def process(self, shard_rows, decisions_by_shard):
        shard, rows = shard_rows
        yield self.write(shard, rows, dict(decisions_by_shard[shard]))

    def write(self, shard, rows, decisions):
        """Write index shard ``shard`` of ``rows`` ((id, row) pairs) given the ``decisions``
        (id -> decision); returns its counters."""
        rows = [row for doc_id, row in rows
                if decisions.get(doc_id) is None or decisions[doc_id].get("kept")]
        from transforms.write import created_atomically  # (write imports dedup, which imports this)
        with created_atomically(index_shard_path(self.index_dir, shard, self.num_shards)) as handle:
            size = write_index_file(handle, rows, self.fingerprints)
        return {"index": {"docs": len(rows), "bytes": size}}


def _write_meta(totals, index_dir, meta):
    payload = dict(meta, docs=totals.get("index", {}).get("docs", 0),
                   bytes=totals.get("index", {}).get("bytes", 0))
    from transforms.write import write_bytes_atomically
    write_bytes_atomically(f"{index_dir.rstrip('/')}/{META}",
                           json.dumps(payload, indent=2, sort_keys=True).encode("utf-8"))
    return totals


class WriteIndex(beam.PTransform):
    """(PCollection[(id, row)] or a tuple of them, PCollection[(id, decision)]) -> the index
    shards and ``_meta.json`` under ``index_dir``; returns PCollection[counter dict]
    (``{"index": {"docs", "bytes"}}`` per shard)."""

    def __init__(self, index_dir, num_shards, meta):
        super().__init__()
        self.index_dir, self.num_shards, self.meta = index_dir, num_shards, dict(meta, shards=num_shards)

    def expand(self, pcolls):
        from transforms.write import DeepSum, group_by_shard
        rows, decisions = pcolls
        writer = WriteIndexShard(self.index_dir, self.num_shards, self.meta["fingerprints"])
        stats = group_by_shard(rows, self.num_shards, "Row", operator.itemgetter(0), writer, decisions)
        (stats
         | "SumIndex" >> beam.CombineGlobally(DeepSum())
         | "WriteMeta" >> beam.Map(_write_meta, self.index_dir, self.meta))
        return stats


# ------------------------------------------------------------------ reading (launcher side)

def _exists(path):
    return FileSystems.exists(path)


def read_meta(index_dir):
    with FileSystems.open(f"{index_dir.rstrip('/')}/{META}") as handle:
        return json.loads(handle.read().decode("utf-8"))


def resolve_index(path):
    """The index directory of ``--against PATH`` (a run's output directory, or its ``index/``)
    and its ``_meta.json``; PriorIndexError with a one-line reason when there is none."""
    path = path.rstrip("/")
    if _exists(f"{path}/{META}"):
        index_dir = path
    elif _exists(f"{path}/{INDEX_DIR}/{META}"):
        if not _exists(f"{path}/_SUCCESS"):
            raise PriorIndexError(f"--against {path!r}: the run there did not complete (no _SUCCESS)")
        index_dir = f"{path}/{INDEX_DIR}"
    elif _exists(path):
        raise PriorIndexError(f"--against {path!r} holds no dedup index ({INDEX_DIR}/{META} not found; "
                          "runs before incremental indexes or with dedup.index=false write none)")
    else:
        raise PriorIndexError(f"--against {path!r} not found")
    try:
        meta = read_meta(index_dir)
    except (OSError, ValueError) as exc:
        raise PriorIndexError(f"--against {path!r}: unreadable {META}: {exc}") from None
    return index_dir, meta


def check_compatible(path, meta, current):
    """Raise PriorIndexError naming the first setting in which index ``meta`` differs from this
    run's (``current`` = :func:`index_meta` of the run config)."""
    if meta.get("format") != FORMAT:
        raise PriorIndexError(f"--against {path!r}: {META} is not a textwash dedup index")
    for key in COMPAT_KEYS:
        if meta.get(key) != current[key]:
            where = "normalize.ftfy" if key == "normalization" else (
                f"dedup.{key}" if key in ("ngram", "num_perm", "seed", "scheme", "hash", "threshold") else key)
            hint = " (from dedup.lsh_threshold)" if key in ("bands", "rows") else ""
            raise PriorIndexError(
                f"--against {path!r}: index made with {where}={_short(meta.get(key))}{hint}, this run "
                f"uses {_short(current[key])}; dedup settings must match (rebuild the index or run "
                f"with the index's settings)")


def _short(value):
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."
