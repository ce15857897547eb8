"""Parquet output of the clean corpus (``output.format: parquet``).

``clean-SSSSS-of-NNNNN.parquet`` holds the same records as ``clean-*.jsonl`` (same shards, sorted
by id): columns ``id``, ``text``, ``source`` (strings), ``meta`` (the meta mapping as JSON text:
its keys differ from record to record), ``lang``, ``cluster_id`` (string) and ``duplicate_count`` (int64);
zstd compressed, written through Beam's FileSystems (local or ``gs://``). Duplicates, rejected
records and removed lines stay JSONL.
"""
import io
import json

from apache_beam.io.filesystems import FileSystems

from transforms.write import write_bytes_atomically

FORMATS = ("jsonl", "parquet")
ROW_GROUP = 10_000


def clean_schema():
    import pyarrow as pa
    return pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("text", pa.string()),
                      pa.field("source", pa.string()), pa.field("meta", pa.string()),
                      pa.field("lang", pa.string()), pa.field("cluster_id", pa.string()), pa.field("duplicate_count", pa.int64())])


def write_parquet_sorted(path, records, fields):
    """Write clean ``records`` (dicts with an ``id``) sorted by id as one Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    schema = clean_schema()
    assert tuple(schema.names) == tuple(fields), (schema.names, fields)
    records = sorted(records, key=lambda r: r["id"])
    columns = {name: [r.get(name) for r in records] for name in schema.names}
    columns["meta"] = [json.dumps(m, ensure_ascii=False, sort_keys=True) if m is not None else None
                       for m in columns["meta"]]
    table = pa.Table.from_pydict(columns, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", row_group_size=ROW_GROUP)
    write_bytes_atomically(path, sink.getvalue())


def read_parquet_records(path):
    """The records of one clean Parquet file (``meta`` decoded), in file order."""
    import pyarrow.parquet as pq
    with FileSystems.open(path) as handle:
        rows = pq.read_table(handle).to_pylist()
    for row in rows:
        if row.get("meta") is not None:
            row["meta"] = json.loads(row["meta"])
    return rows
