"""Unique ids: the duplicate-id policy, applied right after reading.

Two input records may carry the same id (the same ``id`` field in two JSONL files, or twice
in one file). Every record read (documents and read-stage rejections alike) is grouped by id
with a GroupByKey; inside a group the *first occurrence* keeps the id, where first means the
smallest ``(source path, line number, content)``, so the choice does not depend on input or
worker order. Every later occurrence is handled by ``input.duplicate_ids``:

- ``qualify`` (default): its id becomes ``<source>#<id>`` (``<source>#<id>#<k>`` for the
  k-th occurrence inside one source) and the original id is kept in ``meta.original_id``;
- ``reject``: it goes to ``rejected`` (stage ``ids``, reason ``duplicate_id``) under the
  qualified id, naming the source that kept the id.

A second GroupByKey on the final ids catches the rare qualified id that equals a real id:
such a record is rejected as ``duplicate_id`` (with a ``#dup<n>`` suffix), so ids in the
outputs are unique whatever the input. Only renamed records travel whole through that
second grouping; a record that kept its id is represented there by a small marker.
"""
import json

import apache_beam as beam

from transforms.read import ReadDocuments, ReadFile
from transforms.records import REJECTED, make_rejected

POLICIES = ("qualify", "reject")
STAGE = "ids"
DOC, REJ = "doc", REJECTED
RENAMED = "_renamed"  # transient mark of a record whose id pass 1 changed


def occurrence_key(tagged):
    """Sort key of one ``(kind, record)`` inside an id group: source, position, then content.

    >>> occurrence_key(("doc", {"id": "a", "source": "b.jsonl", "pos": 2, "text": "t"}))[:2]
    ('b.jsonl', 2)
    """
    kind, record = tagged
    return (record.get("source", ""), record.get("pos", 0), kind,
            json.dumps(record, sort_keys=True, ensure_ascii=False, default=str))


def qualified_id(source, record_id, k=1):
    """The id of a later occurrence: ``<source>#<id>``, or ``<source>#<id>#<k>`` for k > 1.

    >>> qualified_id("b.jsonl", "42"), qualified_id("b.jsonl", "42", 2)
    ('b.jsonl#42', 'b.jsonl#42#2')
    """
    return f"{source}#{record_id}" if k == 1 else f"{source}#{record_id}#{k}"


def _duplicate_rejection(record, new_id, detail):
    out = make_rejected(new_id, record.get("source", ""), STAGE, "duplicate_id", detail,
                        record.get("text", ""))
    out["pos"] = record.get("pos", 0)
    out[RENAMED] = True
    return out


def resolve_id_group(record_id, tagged_records, policy):
    """Give every record of one id group a unique id under ``policy``.

    ``tagged_records`` are ``(kind, record)`` pairs (kind 'doc' or 'rejected') sharing
    ``record_id``. Returns the pairs in occurrence order: the first unchanged, the later
    ones qualified (``qualify``) or turned into ``duplicate_id`` rejections (``reject``).

    >>> out = resolve_id_group("x", [("doc", {"id": "x", "source": "b", "text": "2"}),
    ...                              ("doc", {"id": "x", "source": "a", "text": "1"})], "qualify")
    >>> [(r["id"], r["source"]) for _, r in out]
    [('x', 'a'), ('b#x', 'b')]
    """
    if len(tagged_records) == 1:  # the common case: nothing to sort or serialize
        return list(tagged_records)
    ordered = sorted(tagged_records, key=occurrence_key)
    first_source = ordered[0][1].get("source", "")
    per_source = {}
    out = [ordered[0]]
    for kind, record in ordered[1:]:
        source = record.get("source", "")
        per_source[source] = per_source.get(source, 0) + 1
        k = per_source[source] + (1 if source == first_source else 0)
        new_id = qualified_id(source, record_id, k)
        if policy == "reject" and kind == DOC:
            out.append((REJ, _duplicate_rejection(
                record, new_id, f"id {record_id!r} is already used by the record from "
                                f"{first_source} (input.duplicate_ids=reject)")))
            continue
        record = dict(record, id=new_id)
        record[RENAMED] = True
        if kind == DOC:
            record["meta"] = dict(record.get("meta") or {}, original_id=record_id)
        out.append((kind, record))
    return out


def resolve_collisions(final_id, tagged_records):
    """Second pass: keep one record per final id; reject the others as ``duplicate_id``.

    A record whose id was never qualified wins; the others get ``<id>#dup<n>`` ids.
    """
    if len(tagged_records) == 1:
        ordered = tagged_records
    else:
        ordered = sorted(tagged_records, key=lambda t: (bool(t[1].get(RENAMED)),) + occurrence_key(t))
    kind, first = ordered[0]
    out = [(kind, {k: v for k, v in first.items() if k != RENAMED})]
    for n, (kind, record) in enumerate(ordered[1:], start=1):
        rec = _duplicate_rejection(record, f"{final_id}#dup{n}",
                                   f"qualified id {final_id!r} equals an id already in the input")
        del rec[RENAMED]
        out.append((REJ, rec))
    return out


_TAKEN = None  # stands, in the second grouping, for a record that kept its original id


def _key_by_final_id(tagged):
    """Pass 2 input: a record pass 1 did not rename always keeps its id (it sorts first in
    ``resolve_collisions`` and no other unrenamed record has that id), so it goes straight
    to the 'kept' output and only a small ``(id, _TAKEN)`` marker is shuffled, and only when
    the id holds a '#': every id pass 1 gives (:func:`qualified_id`) does, so an id without
    one can meet no renamed record; a renamed record is shuffled whole under its new id."""
    record = tagged[1]
    if record.get(RENAMED):
        yield record["id"], tagged
    else:
        yield beam.pvalue.TaggedOutput("kept", tagged)
        if "#" in record["id"]:
            yield record["id"], _TAKEN


class _KeyByFinalId(beam.DoFn):
    """``_key_by_final_id`` as a DoFn (keeps Beam's type inference off the tagged output)."""

    def process(self, tagged):
        yield from _key_by_final_id(tagged)


def _resolve_final_id(final_id, items):
    """``resolve_collisions`` for one final id, given its renamed records and maybe the marker
    of the unrenamed record holding the id (that record itself already went on unchanged)."""
    items = list(items)
    records = [t for t in items if t is not _TAKEN]
    if not records:
        return []
    if len(records) == len(items):
        return resolve_collisions(final_id, records)
    # the unrenamed holder sorts first (RENAMED false); a placeholder takes its place
    return resolve_collisions(final_id, [(DOC, {})] + records)[1:]


def _split(tagged):
    kind, record = tagged
    if kind == DOC:
        yield record
    else:
        yield beam.pvalue.TaggedOutput(REJECTED, record)


class ReadFileRecords(ReadFile):
    """``transforms.read.ReadFile`` with its documents and rejections in one output, as
    ``(kind, record)`` pairs (kind 'doc' or 'rejected')."""

    def process(self, spec):
        for out in super().process(spec):
            if isinstance(out, beam.pvalue.TaggedOutput):
                yield REJ, out.value
            else:
                yield DOC, out


class ReadRecords(ReadDocuments):
    """List of input specs -> PCollection[(kind, record)]: what ``transforms.read.ReadDocuments``
    reads (same steps), documents and rejections in one PCollection, so that
    :class:`AssignUniqueIds` groups them with no Flatten first (the in-process runner would
    copy every document once more)."""

    def expand(self, pbegin):
        return self.files(pbegin) | "ReadFiles" >> beam.ParDo(ReadFileRecords(self.settings))


class AssignUniqueIds(beam.PTransform):
    """PCollection of ``(kind, record)`` pairs (:class:`ReadRecords`) ->
    DoOutputsTuple(docs, rejected) with every id unique (see module doc)."""

    def __init__(self, policy="qualify"):
        super().__init__()
        if policy not in POLICIES:
            raise ValueError(f"duplicate-id policy must be one of {POLICIES}, got {policy!r}")
        self.policy = policy

    def expand(self, records):
        policy = self.policy
        tagged = records | "KeyById" >> beam.Map(lambda kind_record: (kind_record[1]["id"], kind_record))
        first = (tagged
                 | "GroupById" >> beam.GroupByKey()
                 | "ResolveIds" >> beam.FlatMapTuple(
                     lambda rid, recs: resolve_id_group(rid, list(recs), policy)))
        keyed = first | "KeyByFinalId" >> beam.ParDo(_KeyByFinalId()).with_outputs(
            "kept", main="keyed")
        resolved = (keyed.keyed
                    | "GroupByFinalId" >> beam.GroupByKey()
                    | "ResolveCollisions" >> beam.FlatMapTuple(_resolve_final_id))
        return ((keyed.kept, resolved)
                | "AllResolved" >> beam.Flatten()
                | "Split" >> beam.FlatMap(_split).with_outputs(REJECTED, main="docs"))
