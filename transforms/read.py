"""Read: find input files and turn them into documents, or into rejected records.

Input kinds by extension (optionally followed by .gz / .bz2 / .zst):

- ``.txt`` / ``.md``: one document per file, id = path relative to the input root
  without extensions;
- ``.jsonl`` / ``.ndjson``: one document per line, text from ``text_field``, id from
  ``id_field`` (else ``<file>:<line>``), every other field kept in ``meta``.

Files are listed on the launcher (metadata only) and read on workers through Beam's
FileSystems, so local paths and ``gs://`` work alike. Nothing is skipped silently: a broken
line, an empty or binary file, an oversized document or a corrupt archive becomes a
rejected record with stage ``read``.
"""
import json
import os
import posixpath

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.records import REJECTED, make_doc, make_rejected

TEXT_EXTS = (".txt", ".md")
JSONL_EXTS = (".jsonl", ".ndjson")
COMPRESSED_EXTS = (".gz", ".bz2", ".zst")
STAGE = "read"


class InputError(Exception):
    """An input pattern matched nothing readable (message names the pattern)."""


def split_kind(path):
    """Return ``(kind, stem)`` for a path: kind is 'text', 'jsonl' or None; stem drops extensions.

    >>> split_kind("a/b.jsonl.gz"), split_kind("x.md"), split_kind("y.csv")
    (('jsonl', 'a/b'), ('text', 'x'), (None, 'y.csv'))
    """
    stem = path
    for ext in COMPRESSED_EXTS:
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    for kind, exts in (("text", TEXT_EXTS), ("jsonl", JSONL_EXTS)):
        for ext in exts:
            if stem.endswith(ext):
                return kind, stem[: -len(ext)]
    return None, path


def _is_glob(pattern):
    return any(ch in pattern for ch in "*?[")


def _list_pattern(pattern):
    """List ``(path, root, size)`` for one file, glob or directory pattern."""
    if "://" not in pattern and os.path.isdir(pattern):
        root = os.path.abspath(pattern)
        found = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            found.extend(os.path.join(dirpath, f) for f in sorted(filenames))
        return [(p, root, os.path.getsize(p)) for p in found]
    if "://" in pattern and not _is_glob(pattern) and not split_kind(pattern)[0]:
        pattern = pattern.rstrip("/") + "/**"
    if "://" not in pattern:
        pattern = os.path.abspath(pattern)
    try:
        matches = FileSystems.match([pattern])[0].metadata_list
    except Exception:  # Beam raises for patterns that match nothing
        matches = []
    if _is_glob(pattern) or pattern.endswith("/**"):
        head = pattern.split("*")[0].split("?")[0].split("[")[0]
        root = head.rstrip("/") if head.endswith("/") else posixpath.dirname(head)
    else:
        root = posixpath.dirname(pattern)
    return [(m.path, root, m.size_in_bytes) for m in matches]


def list_inputs(patterns):
    """Expand input patterns into a sorted list of ``{"path", "root", "kind", "size"}`` dicts.

    Raises InputError naming the first pattern that matches no file. Files of unknown
    kind are still listed (kind None) so that they become rejected records, not silent skips.
    """
    specs, seen = [], set()
    for pattern in patterns:
        listed = _list_pattern(pattern)
        if not listed:
            raise InputError(f"input not found: {pattern!r} matches no file")
        for path, root, size in listed:
            if path not in seen:
                seen.add(path)
                specs.append({"path": path, "root": root, "kind": split_kind(path)[0], "size": size})
    return sorted(specs, key=lambda s: s["path"])


def relative_id(path, root):
    """Document id for a one-document file: its path under ``root`` without extensions.

    >>> relative_id("/in/news/a.txt.gz", "/in")
    'news/a'
    """
    rel = path[len(root):].lstrip("/") if path.startswith(root) else posixpath.basename(path)
    return split_kind(rel)[1]


def decode_bytes(raw, policy):
    """Decode ``raw`` bytes as UTF-8; on failure apply ``policy``.

    Returns ``(text, encoding)``; text is None when the policy is 'reject'.
    'detect' asks charset-normalizer and falls back to cp1252 (never fails); 'replace'
    uses U+FFFD for bad bytes.

    >>> decode_bytes("caf\u00e9".encode("cp1252"), "replace")
    ('caf\ufffd', 'utf-8+replace')
    """
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if policy == "reject":
        return None, None
    if policy == "replace":
        return raw.decode("utf-8", errors="replace"), "utf-8+replace"
    from charset_normalizer import from_bytes
    best = from_bytes(raw).best()
    if best is not None:
        return str(best), best.encoding
    return raw.decode("cp1252", errors="replace"), "cp1252"


def looks_binary(raw):
    """True when bytes look like a binary file (a NUL byte in the first 8 KiB)."""
    return b"\x00" in raw[:8192]


def _rel_source(spec):
    root = spec["root"]
    path = spec["path"]
    return path[len(root):].lstrip("/") if path.startswith(root) else path


def read_text_file(spec, handle, cfg):
    """Yield the one document (or rejected record) of a .txt/.md file opened as ``handle``."""
    source = _rel_source(spec)
    doc_id = relative_id(spec["path"], spec["root"])
    limit = cfg["max_doc_bytes"]
    raw = handle.read(limit + 1)
    if not raw:
        yield _rejected(doc_id, source, "empty_file", "the file has no bytes")
    elif len(raw) > limit:
        yield _rejected(doc_id, source, "too_large",
                        f"document exceeds input.max_doc_bytes={limit}", raw[:2000])
    elif looks_binary(raw):
        yield _rejected(doc_id, source, "binary_file", "NUL bytes: not a text file")
    else:
        yield from _decoded_doc(doc_id, source, raw, cfg, {})


def _decoded_doc(doc_id, source, raw, cfg, meta):
    text, encoding = decode_bytes(raw, cfg["decode_errors"])
    if text is None:
        yield _rejected(doc_id, source, "invalid_utf8", "bytes are not valid UTF-8 (decode_errors=reject)")
        return
    if encoding != "utf-8":
        meta = dict(meta, source_encoding=encoding)
    yield make_doc(doc_id, text, source, meta)


def _rejected(doc_id, source, reason, detail, raw=b""):
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return beam.pvalue.TaggedOutput(REJECTED, make_rejected(doc_id, source, STAGE, reason, detail, text))


def parse_json_line(doc_id, source, raw, cfg):
    """Yield the document (or rejected record) of one JSONL line given as bytes."""
    text_field, id_field = cfg["text_field"], cfg["id_field"]
    text, encoding = decode_bytes(raw, cfg["decode_errors"])
    if text is None:
        yield _rejected(doc_id, source, "invalid_utf8", "line is not valid UTF-8 (decode_errors=reject)", raw)
        return
    try:
        obj = json.loads(text)
    except ValueError as exc:
        yield _rejected(doc_id, source, "invalid_json", f"broken JSON: {exc}", text)
        return
    if not isinstance(obj, dict):
        yield _rejected(doc_id, source, "not_an_object", f"JSON line is a {type(obj).__name__}, not an object", text)
        return
    if id_field in obj and obj[id_field] is not None:
        doc_id = str(obj[id_field])
    if text_field not in obj:
        yield _rejected(doc_id, source, "missing_text_field", f"no field {text_field!r}", text)
        return
    body = obj[text_field]
    if not isinstance(body, str):
        kind = "null" if body is None else type(body).__name__
        yield _rejected(doc_id, source, "text_not_string", f"field {text_field!r} is {kind}, not a string", text)
        return
    meta = {k: v for k, v in obj.items() if k not in (text_field, id_field)}
    if encoding != "utf-8":
        meta["source_encoding"] = encoding
    yield make_doc(doc_id, body, source, meta)


def read_jsonl_file(spec, handle, cfg):
    """Yield the documents (and rejected records) of a JSONL file opened as ``handle``."""
    source = _rel_source(spec)
    limit = cfg["max_doc_bytes"]
    lineno, blank = 0, 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            break
        lineno += 1
        doc_id = f"{source}:{lineno}"
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the oversized line
                raw = handle.readline(limit + 1)
            yield _rejected(doc_id, source, "too_large", f"line exceeds input.max_doc_bytes={limit}")
            continue
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            blank += 1
            continue
        yield from parse_json_line(doc_id, source, raw, cfg)
    if lineno == 0 or lineno == blank:
        yield _rejected(source, source, "empty_file", "the file has no JSON lines")


class ReadFile(beam.DoFn):
    """One input spec -> its documents, plus rejected records for whatever could not be read."""

    def __init__(self, input_cfg):
        self.cfg = input_cfg

    def process(self, spec):
        source = _rel_source(spec)
        if spec["kind"] is None:
            yield _rejected(source, source, "unsupported_file",
                            "extension is not one of .txt .md .jsonl .ndjson (optionally .gz .bz2 .zst)")
            return
        reader = read_text_file if spec["kind"] == "text" else read_jsonl_file
        try:
            with FileSystems.open(spec["path"], compression_type=CompressionTypes.AUTO) as handle:
                yield from reader(spec, handle, self.cfg)
        except Exception as exc:  # corrupt archive, unreadable file: keep what was read, report
            yield _rejected(f"{source}#error", source, "read_error",
                            f"{type(exc).__name__}: {exc} (records before the error were kept)")


class ReadDocuments(beam.PTransform):
    """List of input specs -> DoOutputsTuple(docs, rejected); work fans out after reading."""

    def __init__(self, specs, input_cfg):
        super().__init__()
        self.specs = specs
        self.cfg = input_cfg

    def expand(self, pbegin):
        return (pbegin
                | "ListFiles" >> beam.Create(self.specs)
                | "SpreadFiles" >> beam.Reshuffle()
                | "ReadFiles" >> beam.ParDo(ReadFile(self.cfg)).with_outputs(REJECTED, main="docs"))
